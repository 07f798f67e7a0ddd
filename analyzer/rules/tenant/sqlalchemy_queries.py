"""SQLAlchemy statements and legacy queries, followed from where they start to where they run.

Roots: `session.query(Order)`, `select(Order)` / `select(Order.id)`, `update(Order)`,
`delete(Order)`, `session.get(Order, id)` and Flask-SQLAlchemy's `Order.query`. A step scopes the
chain when its criteria constrain the tenant column (`Order.tenant_id == tid`, `.in_()`, inside
`and_()`, in every branch of `or_()`), through `filter_by(tenant_id=...)`, or when the statement
carries `with_loader_criteria` in its options.
"""

from __future__ import annotations

from astroid import nodes

from ...lang.python import dotted_name, last_name, nodes_within
from .chains import (
    Chain,
    ChainResolver,
    assigned_values,
    gathered_items,
    key_name,
    model_of_class,
    under_tenant_test,
)
from .narrowing import key_of_a_checked_row
from .values import (
    USER_MODELS,
    filled_with_secret,
    is_callers_own,
    is_capability_field,
    is_capability_value,
    is_identity_lookup,
    is_loaded_key,
    scopes_through_parent,
    signed_by_the_server,
)

CONSTRUCTORS = frozenset({"select", "update", "delete"})
CRITERIA_METHODS = frozenset({"filter", "where", "having"})
PK_METHODS = frozenset({"get", "get_or_404", "first_or_404"})


def _last(node: nodes.NodeNG) -> str:
    return (dotted_name(node) or "").rsplit(".", 1)[-1]


class SqlalchemyQueries(ChainResolver):
    def root(self, node: nodes.NodeNG) -> Chain | None:
        if isinstance(node, nodes.Call) and isinstance(node.func, nodes.Attribute) \
                and isinstance(node.func.expr, nodes.Attribute) and node.func.expr.attrname == "query":
            model = model_of_class(node.func.expr.expr, self.index, "sqlalchemy")
            if model is not None and node.func.attrname in model.scoped_query_methods:
                return Chain(model=model, scoped=True, has_filter=True)  # its query_class filters
        if isinstance(node, nodes.Attribute) and node.attrname == "query":
            model = model_of_class(node.expr, self.index, "sqlalchemy")
            return Chain(model=model, scoped=self._global(model)) if model is not None else None
        if not isinstance(node, nodes.Call) or not node.args:
            return None
        func = node.func
        name = func.attrname if isinstance(func, nodes.Attribute) else _last(func)
        if (name == "query" and isinstance(func, nodes.Attribute)) or name in CONSTRUCTORS:
            model = self._model_of_entity(node.args[0])
            return Chain(model=model, scoped=self._global(model)) if model is not None else None
        if name == "get" and isinstance(func, nodes.Attribute) and len(node.args) >= 2:
            model = model_of_class(node.args[0], self.index, "sqlalchemy")  # session.get(Order, id)
            if model is not None:
                value = node.args[1]
                if is_loaded_key(value) or is_callers_own(value, self.index.caller_parameters) \
                        or signed_by_the_server(value):
                    return Chain(model=model, scoped=True, has_filter=True)  # session.get(User, claims["sub"])
                key = key_name(value)
                return Chain(model=model, scoped=self._global(model), keyed=True, has_filter=True, key=key)
        return None

    def _global(self, model) -> bool:
        return bool(self.index.global_criteria) or model.auto_scoped

    def _model_of_entity(self, node: nodes.NodeNG):
        """`Order` or `Order.total` (a column of the model) or `func.count(Order.id)`."""
        model = model_of_class(node, self.index, "sqlalchemy")
        if model is None and isinstance(node, nodes.Attribute):
            model = model_of_class(node.expr, self.index, "sqlalchemy")
        if model is None and isinstance(node, nodes.Call):  # func.count(Order.id), distinct(Order.x)
            for argument in node.args[:1]:
                model = self._model_of_entity(argument)
        return model

    def step(self, chain: Chain, method: str, args: list[nodes.NodeNG],
             keywords: list[nodes.Keyword]) -> Chain | None:
        if method in CRITERIA_METHODS:
            verdicts = [self._criterion(arg, chain.model) for arg in args]
            verdicts = ["scoped" if v == "shared" else v for v in verdicts]
            pk = any(self._is_pk_criterion(arg) for arg in args)
            key = next((name for a in args if self._is_pk_criterion(a) for name in [_compared_name(a)] if name), None)
            return self._narrowed(chain, verdicts, bool(args), pk).then(key=chain.key or key)
        if method == "filter_by":
            verdicts = ["unknown" if k.arg is None else
                        ("scoped" if self._scopes(chain.model, k.arg, k.value) else "plain") for k in keywords]
            pk = any(_names_the_key(chain.model, k.arg) for k in keywords)
            key = next((name for k in keywords if _names_the_key(chain.model, k.arg)
                        for name in [key_name(k.value)] if name), None)
            return self._narrowed(chain, verdicts, bool(keywords), pk).then(key=chain.key or key)
        if method in ("join", "outerjoin") and not chain.scoped and self._joined_on_scoped_tenant(chain.model, args):
            return chain.then(scoped=True)
        if method == "options":
            if any(_mentions(arg, "with_loader_criteria") for arg in args):
                return chain.then(scoped=True)
            return chain
        if method in PK_METHODS and args:
            key = key_name(args[0])  # Project.query.get(project_id)
            return chain.then(keyed=not chain.scoped, has_filter=True, key=chain.key or key)
        if method == "from_statement" and args:
            # select(Event).from_statement(stmt): the rows are the statement's, judged where it is
            # built (or by TEN003 for text); the select only maps them to Event.
            inner = self.resolve(args[0])
            scoped = chain.scoped or bool(inner and inner.scoped)
            return chain.then(scoped=scoped, unknown=chain.unknown or not scoped, has_filter=True)
        return chain

    def _joined_on_scoped_tenant(self, model, args: list[nodes.NodeNG]) -> bool:
        """`.join(latest, (Workflow.organization_id == latest.c.organization_id) & ...)` where
        `latest` is a subquery of one organization's rows: the join carries its tenant over. An
        equality under `|` holds for some rows only."""
        if model is None:
            return False
        conditions = [held for arg in args[1:] for held in _written_out(arg)]
        for compare in (c for condition in conditions for c in condition.nodes_of_class(nodes.Compare)):
            if len(compare.ops) != 1 or compare.ops[0][0] != "==" or _under_or(compare, conditions):
                continue
            sides = (compare.left, compare.ops[0][1])
            for mine, theirs in (sides, sides[::-1]):
                if isinstance(mine, nodes.Attribute) and self._is_tenant_attr(mine.attrname) \
                        and model_of_class(mine.expr, self.index, "sqlalchemy") is model \
                        and isinstance(theirs, nodes.Attribute) and isinstance(theirs.expr, nodes.Attribute) \
                        and theirs.expr.attrname in ("c", "columns") and self._is_tenant_attr(theirs.attrname):
                    joined = self.resolve(theirs.expr.expr)
                    if joined is not None and joined.scoped:
                        return True
        return False

    def _narrowed(self, chain: Chain, verdicts: list[str], filtered: bool, pk: bool) -> Chain:
        scoped = chain.scoped or "scoped" in verdicts
        keyed = (chain.keyed or pk) and not scoped
        return chain.then(scoped=scoped, unknown=chain.unknown or "unknown" in verdicts,
                          has_filter=chain.has_filter or filtered, keyed=keyed)

    def _is_tenant_attr(self, name: str) -> bool:
        names = self.index.tenant_names
        return name in names or f"{name}_id" in names

    def _is_pk_criterion(self, node: nodes.NodeNG) -> bool:
        """`Order.id == order_id` or `Order.id.in_(ids)` with ids that are not keys of loaded objects."""
        if isinstance(node, nodes.Compare):
            return isinstance(node.left, nodes.Attribute) and self._is_key_column(node.left) \
                and not is_loaded_key(node.ops[0][1])
        if isinstance(node, nodes.Call) and isinstance(node.func, nodes.Attribute) and node.func.attrname == "in_":
            target = node.func.expr
            return isinstance(target, nodes.Attribute) and self._is_key_column(target)
        return False

    def _is_key_column(self, column: nodes.Attribute) -> bool:
        """`Order.id`, or `WorkflowRun.workflow_run_id` where that column is the primary key."""
        return _names_the_key(model_of_class(column.expr, self.index, "sqlalchemy"), column.attrname)

    def _scopes(self, model, name: str, value: nodes.NodeNG) -> bool:
        """Whether `Model.name == value` (or `filter_by(name=value)`) confines rows to the tenant."""
        if self._is_tenant_attr(name) or is_capability_field(name) or is_capability_value(value) \
                or filled_with_secret(value, model.name if model else None, name) \
                or is_callers_own(value, self.index.caller_parameters) \
                or is_identity_lookup(model.name if model else None, name):
            return True
        chain = self.resolve(value)
        if chain is not None and chain.scoped and (name in ("id", "uuid", "pk") or self._is_foreign_key(model, name)):
            # Span.id.in_(the tenant's span ids): those rows. Not Span.trace_id.in_(the tenant's
            # trace ids): another tenant's spans can carry the same trace id.
            return True
        if (name in ("id", "uuid") or name.endswith("_id")) and is_loaded_key(value):
            return True  # Plan.household_id == self.household_id: a key the caller holds
        if self._relation(model, name):
            return scopes_through_parent(value, self.index.is_tenant_lookup) or key_of_a_checked_row(value, self)
        # DocumentSegment.document_id == document_id, the key of the document the route checked
        return name.endswith("_id") and key_of_a_checked_row(value, self)

    @staticmethod
    def _is_foreign_key(model, name: str) -> bool:
        field_info = model.fields.get(name) if model is not None else None
        return field_info is not None and field_info.is_relation

    def _relation(self, model, name: str) -> bool:
        """Whether `name` on `model` is a relationship or foreign key to tenant-owned rows or users."""
        if model is None:
            return False
        field_info = model.fields.get(name)
        if field_info is not None and field_info.kind == "column" and name.endswith("_id"):
            return self._names_an_owned_model(name.removesuffix("_id"))
        if field_info is None or not field_info.is_relation:
            return False
        target = field_info.target or ""
        if field_info.kind == "fk" and "." in target:
            table = self.index.table(target.split(".")[-2])
            if table is not None and table.tenant_column:
                return True
            if target.split(".")[-2] in USER_MODELS or target.split(".")[0] in ("users", "user"):
                return True
        elif target.rsplit(".", 1)[-1] in USER_MODELS:
            return True
        found = self.index.relation_target(model, field_info)
        return found is not None and (found.is_tenant_scoped or found.is_tenant_bound
                                      or found.name in self.index.tenant.models)

    def _names_an_owned_model(self, snake: str) -> bool:
        """`dataset` of `Document.dataset_id = mapped_column(StringUUID)`: a column named after a
        tenant-owned model's key refers to it, whether or not the table declares the foreign key
        (dify declares none)."""
        camel = "".join(part.capitalize() for part in snake.split("_"))
        return any(m.is_tenant_scoped or m.is_tenant_bound for m in self.index.models_named(camel)
                   if m.framework == "sqlalchemy")

    def _owner(self, column: nodes.Attribute, default):
        """The model a column belongs to: `DataSourceGroup.group_id` is judged on DataSourceGroup
        even in a query on Query."""
        return model_of_class(column.expr, self.index, "sqlalchemy") or default

    def _criterion(self, node: nodes.NodeNG, model=None, depth: int = 0) -> str:
        if depth > 4:
            return "unknown"
        if isinstance(node, nodes.Compare):
            if any(op == "==" for op, _ in node.ops):
                left, right = _case_folded(node.left), _case_folded(node.ops[0][1])
                for column, value in ((left, right), (right, left)):
                    if isinstance(column, nodes.Attribute) and self._scopes(
                            self._owner(column, model), column.attrname, value):
                        return "scoped"
            return "plain"
        if isinstance(node, nodes.Call):
            func = node.func
            name = func.attrname if isinstance(func, nodes.Attribute) else _last(func)
            if name in ("in_", "is_", "any", "has") and isinstance(func, nodes.Attribute):
                target = func.expr
                if name == "is_" and isinstance(target, nodes.Attribute) and self._is_tenant_attr(target.attrname) \
                        and node.args and isinstance(node.args[0], nodes.Const) and node.args[0].value is None:
                    return "shared"  # Recipe.group_id.is_(None): rows of no tenant, shared by all
                if name == "in_" and isinstance(target, nodes.Attribute) and node.args \
                        and self._scopes(self._owner(target, model), target.attrname, node.args[0]):
                    return "scoped"
                return "plain"
            if name == "and_":
                return _conjunction([self._criterion(a, model, depth + 1) for a in node.args])
            if name == "or_":
                verdicts = [self._criterion(a, model, depth + 1) for a in node.args]
                ok = verdicts and set(verdicts) <= {"scoped", "shared"} and "scoped" in verdicts
                return "scoped" if ok else "plain"
            return "plain"
        if isinstance(node, nodes.BinOp) and node.op in ("&", "|"):
            left, right = self._criterion(node.left, model, depth + 1), self._criterion(node.right, model, depth + 1)
            if node.op == "&":
                return _conjunction([left, right])
            return "scoped" if {left, right} <= {"scoped", "shared"} and "scoped" in (left, right) else "plain"
        if isinstance(node, nodes.Name):
            values = assigned_values(node)
            if isinstance(values, list):
                verdicts = {self._criterion(v, model, depth + 1) for v in values}
                if len(verdicts) == 1 and verdicts <= {"scoped", "shared"}:
                    return verdicts.pop()
                return "unknown" if "unknown" in verdicts else "plain"
            return "unknown"
        if isinstance(node, nodes.IfExp):
            branches = {self._criterion(node.body, model, depth + 1), self._criterion(node.orelse, model, depth + 1)}
            return "scoped" if branches == {"scoped"} else ("unknown" if "unknown" in branches else "plain")
        if isinstance(node, nodes.Starred):
            return self._spread(node, model, depth)
        return "plain"

    def _spread(self, node: nodes.Starred, model, depth: int) -> str:
        """`filter(*filters)`: scoped when the list holds a tenant criterion on every path, or
        under a test of the tenant (`if company_id: filters.append(...)`)."""
        items = gathered_items(node.value) if isinstance(node.value, nodes.Name) else None
        if items is None:
            return "unknown"
        names = self.index.tenant_names | {n.removesuffix("_id") for n in self.index.tenant_names}
        verdicts = []
        for item, always in items:
            verdict = self._criterion(item, model, depth + 1)
            if verdict in ("scoped", "shared") and not always and not under_tenant_test(item, names):
                verdict = "plain"  # the criterion is added on some paths only
            verdicts.append(verdict)
        return _conjunction(verdicts)


def _conjunction(verdicts: list[str]) -> str:
    """Criteria AND-ed together: scoped by any tenant criterion; confined to the shared rows of no
    tenant (`Preset.organization_id.is_(None)`) by any such one; otherwise unknown or plain."""
    for verdict in ("scoped", "shared", "unknown"):
        if verdict in verdicts:
            return verdict
    return "plain"


def _mentions(node: nodes.NodeNG, name: str) -> bool:
    return any(_last(call.func) == name for call in nodes_within(node, nodes.Call))


def _case_folded(side: nodes.NodeNG) -> nodes.NodeNG:
    """`User.email` of `func.lower(User.email)`: the column compared without regard to case, as
    a sign-in looks a user up by email."""
    if isinstance(side, nodes.Call) and len(side.args) == 1 and not side.keywords \
            and (dotted_name(side.func) or "").endswith(("func.lower", "func.upper")):
        return side.args[0]
    return side


def _compared_name(criterion: nodes.NodeNG) -> str | None:
    """The variable a key criterion compares with: `order_id` in `Order.id == order_id` and
    `ids` in `Order.id.in_(ids)`."""
    value = criterion.ops[0][1] if isinstance(criterion, nodes.Compare) else (
        criterion.args[0] if isinstance(criterion, nodes.Call) and criterion.args else None)
    return key_name(value) if value is not None else None


def _names_the_key(model, name: str | None) -> bool:
    """`id`, `uuid`, or the column the model declares its primary key."""
    return name in ("id", "uuid") or (model is not None and name is not None and model.as_pk_lookup(name) == "pk")


def _under_or(node: nodes.NodeNG, tops: list[nodes.NodeNG]) -> bool:
    """Whether `node` sits under `|` or `or_(...)` within one of the expressions `tops`."""
    current = node
    while current is not None and current not in tops:
        current = current.parent
        if (isinstance(current, nodes.BinOp) and current.op == "|") or \
                (isinstance(current, nodes.Call) and last_name(current.func) == "or_"):
            return True
    return False


def _written_out(condition: nodes.NodeNG, depth: int = 0) -> list[nodes.NodeNG]:
    """`condition`, and what the names in it hold (`same_note & (...)` after `same_note = ...`)."""
    found = [condition]
    if depth < 2:
        for name in condition.nodes_of_class(nodes.Name):
            values = assigned_values(name)
            if isinstance(values, list) and len(values) == 1 and not _under_or(name, [condition]):
                found += _written_out(values[0], depth + 1)
    return found
