"""Query chains followed through variables, helper functions and return values.

Django querysets and SQLAlchemy statements are both built as chains of generative calls that
may be split across variables and functions. This module follows them once, for both
frameworks: a subclass says where a chain starts (`root`) and what one call does to it (`step`).
"""

from __future__ import annotations

import contextlib
import weakref
from dataclasses import dataclass, replace

import astroid
from astroid import nodes

from ...index import ModelInfo, ProjectIndex
from ...index.callers import unconverted
from ...lang.python import dotted_name, function_of, infer_all, module_memo, nodes_within, safe_infer
from ...lang.reach import remembered

MAX_DEPTH = 6


@dataclass(frozen=True)
class Chain:
    """What a queryset expression is known to be."""

    model: ModelInfo | None
    scoped: bool = False  # some step constrains the tenant
    unknown: bool = False  # some step cannot be judged (an opaque **kwargs, say): stay silent
    keyed: bool = False  # the rows are picked by primary key (`pk=pk`, `Order.id == order_id`)
    key: str | None = None  # the variable holding that key, when it is a plain name
    has_filter: bool = False
    parameter: str | None = None  # rooted at this function parameter (inside a helper)

    def then(self, **changes: object) -> Chain:
        return replace(self, **changes)


# Builtins that gather what they are given: the rows, or keys, of a query stay the query's.
COLLECTING = frozenset({"list", "set", "tuple", "frozenset", "sorted"})
# Calls whose value is rows of a query: Django querysets, SQLAlchemy results.
ROW_SOURCES = frozenset({"all", "filter", "exclude", "order_by", "select_related", "prefetch_related", "distinct",
                         "values_list", "scalars", "iterator"})


def rows_of_a_query(node: nodes.NodeNG) -> bool:
    """`Page.objects.filter(...)`, `db.scalars(select(Page))`: rows loaded from the database
    (the query itself is judged where it is written)."""
    return isinstance(node, nodes.Call) and isinstance(node.func, nodes.Attribute) and (
        node.func.attrname in ROW_SOURCES or (node.func.attrname == "values" and bool(node.args)))  # not dict.values()


def holds_rows_of_a_query(node: nodes.NodeNG) -> bool:
    """A query's rows, or a variable given them once: `views = apvs.values("property_id")`."""
    return rows_of_a_query(node) or (isinstance(node, nodes.Name) and any(
        rows_of_a_query(value) for value in single_assigned(node)))


class ChainResolver:
    """Resolves an expression to the Chain it builds; subclasses define `root` and `step`."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index

    def resolve(self, node: nodes.NodeNG | None, depth: int = 0) -> Chain | None:
        if node is None or depth > MAX_DEPTH:
            return None
        root = self.root(node)
        if root is not None:
            return root
        if isinstance(node, nodes.Call):
            func = node.func
            if isinstance(func, nodes.Attribute):
                base = self.resolve(func.expr, depth)
                if base is not None:
                    return self.step(base, func.attrname, node.args, node.keywords or [])
                if func.attrname in self.index.query_builders or isinstance(safe_infer(func.expr), nodes.Module):
                    return self._helper(node, depth)  # incident_service.get_all(...), utils.attach_points(qs)
                if isinstance(safe_infer(func.expr), nodes.ClassDef) and any(
                        self.resolve(argument, depth + 1) is not None for argument in node.args):
                    # stmt = Execution.preload_offload_data(stmt): a static method handed the query
                    return self._helper(node, depth)
                return None
            if isinstance(func, nodes.Name) and func.name in COLLECTING and len(node.args) == 1 and not node.keywords:
                return self.resolve(node.args[0], depth + 1)  # list(qs.values_list("id", flat=True)): those rows
            return self.function_call(node, depth) or self._helper(node, depth)
        if isinstance(node, nodes.BinOp) and node.op in ("-", "&"):
            return self.resolve(node.left, depth + 1)  # set(ids) - set(team_ids): some of the left rows' keys
        if isinstance(node, (nodes.ListComp, nodes.SetComp, nodes.GeneratorExp)) and len(node.generators) == 1 \
                and _key_of_each(node.elt, node.generators[0].target):
            return self.resolve(node.generators[0].iter, depth + 1)  # [str(run.id) for run in runs]: their keys
        if isinstance(node, nodes.DictComp) and len(node.generators) == 1 \
                and all(_row_or_key_of_each(side, node.generators[0].target) for side in (node.key, node.value)
                        if not isinstance(side, nodes.Const)) \
                and any(_key_of_each(side, node.generators[0].target) for side in (node.key, node.value)):
            # {line.label: line.id for line in lines}, {p.pk: p for p in projects}: those rows and keys
            return self.resolve(node.generators[0].iter, depth + 1)
        if isinstance(node, nodes.Name):
            return self._variable(node, depth)
        if isinstance(node, nodes.Await):
            return self.resolve(node.value, depth)
        if isinstance(node, nodes.IfExp):  # `State.triage_objects if triage else State.objects`
            branches = [self.resolve(node.body, depth + 1), self.resolve(node.orelse, depth + 1)]
            if None in branches or branches[0].model is not branches[1].model:
                return None
            return branches[0].then(scoped=all(b.scoped for b in branches),
                                    unknown=any(b.unknown for b in branches))
        return None

    def root(self, node: nodes.NodeNG) -> Chain | None:
        """The chain `node` starts, if it is the start of one (`Invoice.objects`, `select(Order)`)."""
        raise NotImplementedError

    def step(self, chain: Chain, method: str, args: list[nodes.NodeNG],
             keywords: list[nodes.Keyword]) -> Chain | None:
        """The chain after `.method(*args, **keywords)`, or None when the result is not a query."""
        raise NotImplementedError

    def function_call(self, node: nodes.Call, depth: int) -> Chain | None:
        """A framework function that takes a query (`get_object_or_404(qs, pk=pk)`), if any."""
        return None

    def is_birth(self, node: nodes.Call) -> bool:
        """Whether the chain ending at `node` starts in this expression: at a root, or at a call
        of a project function that builds a query and returns it unfiltered (judged here, where
        it is used, rather than in the helper)."""
        current: nodes.NodeNG = node
        while True:
            if self.root(current) is not None:
                return True
            if isinstance(current, nodes.Call) and self._builder_call(current):
                return True
            if isinstance(current, nodes.Call) and isinstance(current.func, nodes.Attribute):
                current = current.func.expr
            else:
                return isinstance(current, nodes.Name) and current is not node and self._holds_a_bare_root(current)

    def _holds_a_bare_root(self, name: nodes.Name) -> bool:
        """`q = Project.query` (or `qs = Invoice.objects`) and then `q.filter(...)`: the root is no
        call, so the chain's first call, through the variable, is where it starts."""
        values = assigned_values(name)
        return isinstance(values, list) and all(
            not isinstance(value, nodes.Call) and self.root(value) is not None for value in values)

    def _builder_call(self, call: nodes.Call) -> bool:
        func = call.func
        name = func.attrname if isinstance(func, nodes.Attribute) else getattr(func, "name", None)
        if name not in self.index.query_builders:
            return False
        if isinstance(func, nodes.Attribute) and self.resolve(func.expr) is not None:
            return False  # a method of a query, not a helper
        chain = self._helper(call, 1)
        return chain is not None and chain.model is not None

    def _variable(self, node: nodes.Name, depth: int) -> Chain | None:
        values = assigned_values(node)
        if values is None:
            return None
        if values == "parameter":
            return Chain(model=None, parameter=node.name)
        chains = [self.resolve(value, depth + 1) for value in values]
        known = [c for c in chains if c is not None]
        if not known:
            return None
        model = next((c.model for c in known if c.model is not None), None)
        return Chain(
            model=model,
            scoped=all(c.scoped for c in known),
            unknown=any(c.unknown for c in known) or len(known) != len(chains),
            keyed=any(c.keyed for c in known),
            has_filter=any(c.has_filter for c in known),
            parameter=next((c.parameter for c in known if c.parameter), None),
        )

    def _helper(self, call: nodes.Call, depth: int) -> Chain | None:
        """A call to a project function that returns a queryset: judged by what it returns."""
        inferred = infer_all(call.func, limit=3)
        if not inferred and isinstance(call.func, nodes.Name) and len(call.args) == 1 and not call.keywords:
            # `add_filters = FILTERS[request.GET["visibility"]]` then `add_filters(qs)`: a callable
            # picked from a table at run time, handed rows, gives some of those rows.
            return self.resolve(call.args[0], depth + 1)
        functions = [function_of(f) for f in inferred]
        functions = [f for f in functions if isinstance(f, nodes.FunctionDef)]
        if len(functions) != 1 or (functions[0].is_method() and not isinstance(call.func, nodes.Attribute)):
            return None
        function = functions[0]
        values = [r.value for r in returns(function) if r.value is not None]
        chains = [self.resolve(value, depth + 1) for value in values]
        known = [c for c in chains if c is not None]
        if not known:
            return None
        names = self.index.tenant_names | {n.removesuffix("_id") for n in self.index.tenant_names}
        pairs = zip(chains, values, strict=True)
        if any(c is not None and c.scoped and under_tenant_test(v, names) for c, v in pairs):
            # `if project_id: return ...filter(project_id=project_id)`: tenant-aware; the other
            # branch serves callers that have no tenant to narrow by.
            known = [c.then(scoped=True) for c in known]
        result: Chain | None = None
        for chain in known:
            if chain.parameter is not None:
                argument = argument_for(call, function, chain.parameter)
                base = self.resolve(argument, depth + 1) if argument is not None else None
                if base is None:
                    return None
                chain = chain.then(model=base.model, scoped=chain.scoped or base.scoped,
                                   unknown=chain.unknown or base.unknown, parameter=None)
            result = chain if result is None else result.then(
                scoped=result.scoped and chain.scoped, unknown=result.unknown or chain.unknown,
                model=result.model or chain.model)
        return result


def under_tenant_test(node: nodes.NodeNG, names: set[str]) -> bool:
    """Whether `node` sits in the body of an `if` whose test names the tenant (or the caller):
    `if project_id:`, `if self.group_id:`, `if is_user(auth_subject):`,
    `if self.data.get("workspace_id") is not None:`."""
    child, branch = node, node.parent
    while branch is not None and not isinstance(branch, (nodes.If, nodes.FunctionDef, nodes.Module)):
        child, branch = branch, branch.parent
    if not isinstance(branch, nodes.If) or child not in branch.body:
        return False  # in `else:` the test did not hold: `if organizer: ... else: qs = qs.filter(...)`
    tested = {n.attrname for n in branch.test.nodes_of_class(nodes.Attribute)}
    tested |= {n.name for n in branch.test.nodes_of_class(nodes.Name)}
    tested |= {n.value for n in branch.test.nodes_of_class(nodes.Const) if isinstance(n.value, str)}
    return bool(tested & names)


def assigned_values(node: nodes.Name) -> list[nodes.NodeNG] | str | None:
    """Values assigned to the name at this point, "parameter" for an argument, None if unknown."""
    try:
        _, assignments = node.lookup(node.name)
    except Exception:  # astroid lookups can fail on broken code
        return None
    values = []
    for assignment in _not_overwritten_by_a_try(node, list(assignments)):
        if isinstance(assignment, nodes.AssignName):
            parent = assignment.parent
            if isinstance(parent, nodes.Arguments):
                return "parameter"
            if isinstance(parent, (nodes.Assign, nodes.AnnAssign)) and parent.value is not None:
                if isinstance(parent, nodes.Assign) and not all(isinstance(t, nodes.AssignName)
                                                                for t in parent.targets):
                    return None
                values.append(parent.value)
            elif isinstance(parent, nodes.NamedExpr):
                values.append(parent.value)
            else:
                return None
        else:
            return None
    return values or None


def _not_overwritten_by_a_try(use: nodes.Name, assignments: list[nodes.NodeNG]) -> list[nodes.NodeNG]:
    """Leaves out the assignments that a `try` between them and `use` replaces on every path:

        queryset = super().get_queryset()
        try:
            queryset = queryset.filter(organization=membership.organization)
        except Membership.DoesNotExist:
            queryset = queryset.none()
        return queryset

    astroid's lookup keeps the first assignment too, as if the `try` could be left some other way."""
    around = {id(node) for node in use.node_ancestors()}
    for statement in nodes_within(use.scope(), nodes.Try):
        if id(statement.parent) not in around or (statement.end_lineno or 0) >= (use.lineno or 0) \
                or not statement.handlers or statement.orelse or statement.finalbody:
            continue
        if _assigns(statement.body, use.name) and all(_assigns(h.body, use.name) for h in statement.handlers):
            assignments = [a for a in assignments if (a.lineno or 0) >= (statement.lineno or 0)]
    return assignments


def _assigns(body: list[nodes.NodeNG], name: str) -> bool:
    """Whether a statement of `body` itself (not one under an `if` or a loop) assigns `name`."""
    return any(isinstance(s, nodes.Assign) and any(isinstance(t, nodes.AssignName) and t.name == name
                                                   for t in s.targets) for s in body)


def from_a_framework(cls: nodes.ClassDef) -> bool:
    """A class of Django or DRF themselves, not one of the project's."""
    return cls.root().name.split(".")[0] in ("rest_framework", "django")


def project_lineage(cls: nodes.ClassDef) -> list[nodes.ClassDef]:
    """The class and those of its ancestors the project wrote."""
    classes = [cls]
    with contextlib.suppress(astroid.InferenceError, RecursionError):
        classes += [ancestor for ancestor in cls.ancestors() if not from_a_framework(ancestor)]
    return classes


def single_assigned(name: nodes.Name) -> list[nodes.NodeNG]:
    """The one value assigned to the name at this point, as a list of one, or an empty list."""
    values = assigned_values(name)
    return values if isinstance(values, list) and len(values) == 1 else []


def gathered_items(name: nodes.Name) -> list[tuple[nodes.NodeNG, bool]] | None:
    """What a list spread into a call holds (`filter(*filters)`): the items of its literal and of
    each `append` or `extend`, each with whether it is added on every path (False under an `if`
    or a loop). None when the list comes from elsewhere, is assigned again or leaves the function."""
    values = assigned_values(name)
    if not (isinstance(values, list) and len(values) == 1 and isinstance(values[0], nodes.List)):
        return None
    literal = values[0]
    function = name.scope()
    items = [(element, True) for element in literal.elts]
    for use in nodes_within(function, nodes.Name):
        if use.name != name.name or use is name:
            continue
        parent = use.parent
        always = _on_every_path(use, literal)
        if isinstance(parent, nodes.Attribute) and isinstance(parent.parent, nodes.Call) \
                and parent.attrname in ("append", "extend") and parent.parent.args:
            added = parent.parent.args[0]
            if parent.attrname == "append":
                items.append((added, always))
            elif isinstance(added, (nodes.List, nodes.Tuple)):
                items += [(element, always) for element in added.elts]
            else:
                return None
        elif not isinstance(parent, nodes.Starred):
            return None  # handed to a helper, or read: anything may be added
    return items


def _on_every_path(node: nodes.NodeNG, start: nodes.NodeNG) -> bool:
    """Whether `node` runs whenever the statement holding `start` does: no `if`, loop or `try`
    stands between them."""
    top = start.statement().parent
    current = node.parent
    while current is not None and current is not top:
        if isinstance(current, (nodes.If, nodes.For, nodes.While, nodes.Try, nodes.IfExp)):
            return False
        current = current.parent
    return True


def returns(function: nodes.FunctionDef) -> list[nodes.Return]:
    found = []
    for node in function.nodes_of_class(nodes.Return, skip_klass=(nodes.FunctionDef, nodes.Lambda, nodes.ClassDef)):
        found.append(node)
    return found


def _key_of_each(element: nodes.NodeNG, target: nodes.NodeNG) -> bool:
    """`run.id`, `str(run.pk)` for the loop variable `run`: the key of each row iterated."""
    element = unconverted(element)
    return isinstance(target, nodes.AssignName) and isinstance(element, nodes.Attribute) \
        and element.attrname in ("id", "pk") and isinstance(element.expr, nodes.Name) \
        and element.expr.name == target.name


def _row_or_key_of_each(element: nodes.NodeNG, target: nodes.NodeNG) -> bool:
    """The row iterated, its key, or another of its attributes (a label to find it by)."""
    element = unconverted(element)
    name = element.expr if isinstance(element, nodes.Attribute) else element
    return isinstance(target, nodes.AssignName) and isinstance(name, nodes.Name) and name.name == target.name


def key_name(value: nodes.NodeNG, depth: int = 0) -> str | None:
    """The variable a lookup's key comes from, for following it back to a caller's argument:
    `project_id`, or `body.page_ids` for `Page.id.in_(body.page_ids)`, for `Page.id.in_(wanted)`
    after `wanted = list(body.page_ids)`, and after `chosen = body` or
    `chosen = body.model_copy(...)` for `chosen.page_ids`."""
    if depth > 3:
        return None
    if isinstance(value, nodes.Name):
        values = assigned_values(value)
        if isinstance(values, list) and len(values) == 1:
            held = _held_attribute(values[0], depth)
            if held is not None:
                return held
        if isinstance(values, list) and values:
            roots = {_root_name(v, depth) for v in values}
            if len(roots) == 1 and None not in roots:
                return roots.pop()
        return value.name
    if isinstance(value, (nodes.ListComp, nodes.SetComp, nodes.GeneratorExp)) and len(value.generators) == 1 \
            and _row_or_key_of_each(value.elt, value.generators[0].target):
        return key_name(value.generators[0].iter, depth + 1)  # [i.environment_id for i in item_list]
    return _held_attribute(value, depth)


def _root_name(value: nodes.NodeNG, depth: int) -> str | None:
    """`request` for `request`, `request.block_ids`, `request.model_copy(...)` and
    `int(project_id)`; nothing for what a function makes (`uuid4()`)."""
    value = unconverted(value)
    while isinstance(value, (nodes.Call, nodes.Attribute)):
        if isinstance(value, nodes.Call) and not isinstance(value.func, nodes.Attribute):
            return None
        value = value.func if isinstance(value, nodes.Call) else value.expr
    return (key_name(value, depth + 1) or "").split(".")[0] or None if isinstance(value, nodes.Name) else None


def _held_attribute(value: nodes.NodeNG, depth: int) -> str | None:
    """`body.page_ids`, also through `list(...)`/`set(...)` and `... or []`: a field of a variable
    (named by where that variable comes from)."""
    if isinstance(value, nodes.Call) and isinstance(value.func, nodes.Name) and value.func.name in COLLECTING \
            and len(value.args) == 1:
        value = value.args[0]
    if isinstance(value, nodes.BoolOp) and value.op == "or":
        value = value.values[0]  # body.page_ids or []
    if isinstance(value, nodes.Attribute) and isinstance(value.expr, nodes.Name):
        holder = (key_name(value.expr, depth + 1) or value.expr.name).split(".")[0]
        return f"{holder}.{value.attrname}"
    return None


def argument_for(call: nodes.Call, function: nodes.FunctionDef, parameter: str) -> nodes.NodeNG | None:
    names = [a.name for a in function.args.args or []]
    if function.is_method() and names and names[0] in ("self", "cls"):
        names = names[1:]
    for keyword in call.keywords or ():
        if keyword.arg == parameter:
            return keyword.value
    if parameter in names:
        position = names.index(parameter)
        if position < len(call.args):
            return call.args[position]
    return None


def chain_keywords(node: nodes.Call) -> list[nodes.Keyword]:
    """The keywords of every call of the method chain that ends at `node`."""
    found = []
    current: nodes.NodeNG | None = node
    while isinstance(current, nodes.Call):
        found += current.keywords or []
        current = current.func.expr if isinstance(current.func, nodes.Attribute) else None
    return found


def outermost_call(node: nodes.NodeNG) -> nodes.NodeNG:
    """The last call of the method chain that `node` starts."""
    current = node
    while isinstance(current.parent, nodes.Attribute) and isinstance(current.parent.parent, nodes.Call) \
            and current.parent.parent.func is current.parent:
        current = current.parent.parent
    return current


def model_of_class(node: nodes.NodeNG, index: ProjectIndex, framework: str) -> ModelInfo | None:
    """The indexed model a class expression refers to (inference first, then the class name).
    A name bound at module level is inferred once per module, not at each of its uses."""
    if isinstance(node, nodes.Name):
        try:
            scope, _ = node.lookup(node.name)
        except Exception:  # lookup on broken code
            scope = None
        if isinstance(scope, nodes.Module):
            memo = module_memo(scope)
            owner = memo.get("models_of")
            if owner is None or owner() is not index:  # the index was rebuilt since
                memo["models_of"], memo["models"] = weakref.ref(index), {}
            return remembered(memo["models"], (framework, node.name), lambda: _model_of_class(node, index, framework))
    return _model_of_class(node, index, framework)


def _model_of_class(node: nodes.NodeNG, index: ProjectIndex, framework: str) -> ModelInfo | None:
    chosen = _chosen_class(node)
    if chosen is not None:
        first, second = (model_of_class(branch, index, framework) for branch in (chosen.body, chosen.orelse))
        # `TaxLot if kind == "taxlots" else Property`: either, when both are keyed alike
        return first if first is not None and second is not None and first.tenant_field == second.tenant_field \
            and first.is_tenant_scoped == second.is_tenant_scoped else None
    inferred = safe_infer(node)
    if inferred is None and (compared := _compared_class(node)) is not None:
        return model_of_class(compared, index, framework)
    if isinstance(inferred, nodes.ClassDef):
        model = index.model(f"{inferred.root().name}.{inferred.name}")
        if model is None:
            candidates = index.models_named(inferred.name)
            model = candidates[0] if len(candidates) == 1 else None
        return model if model is not None and model.framework == framework else None
    if inferred is None and isinstance(node, (nodes.Name, nodes.Attribute)):
        name = (dotted_name(node) or "").rsplit(".", 1)[-1]
        candidates = [m for m in index.models_named(name) if m.framework == framework]
        if len(candidates) == 1 and _defined_or_imported(node, name):
            return candidates[0]
    return None


def _chosen_class(node: nodes.NodeNG) -> nodes.IfExp | None:
    """The conditional expression a local name was given: `Model = TaxLot if ... else Property`."""
    values = single_assigned(node) if isinstance(node, nodes.Name) else []
    return values[0] if values and isinstance(values[0], nodes.IfExp) else None


def _compared_class(node: nodes.NodeNG) -> nodes.NodeNG | None:
    """`App` for `resource_model` within `if resource_model == App:` (or `is App`): a class the
    function is handed, which the branch has pinned down."""
    if not isinstance(node, nodes.Name):
        return None
    child, parent = node, node.parent
    while parent is not None and not isinstance(parent, (nodes.FunctionDef, nodes.ClassDef, nodes.Module)):
        test = parent.test if isinstance(parent, nodes.If) and child in parent.body else None
        if isinstance(test, nodes.Compare) and isinstance(test.left, nodes.Name) and test.left.name == node.name \
                and len(test.ops) == 1 and test.ops[0][0] in ("==", "is"):
            return test.ops[0][1]
        child, parent = parent, parent.parent
    return None


def _defined_or_imported(node: nodes.NodeNG, name: str) -> bool:
    if isinstance(node, nodes.Attribute):
        return True  # `models.Invoice`: a module attribute astroid could not follow
    try:
        _, assignments = node.lookup(name)
    except Exception:  # lookup on broken code
        return False
    return bool(assignments)
