"""SQLAlchemy statements and legacy queries, followed from where they start to where they run.

Roots: `session.query(Order)`, `select(Order)` / `select(Order.id)`, `update(Order)`,
`delete(Order)`, `session.get(Order, id)` and Flask-SQLAlchemy's `Order.query`. A step scopes the
chain when its criteria constrain the tenant column (`Order.tenant_id == tid`, `.in_()`, inside
`and_()`, in every branch of `or_()`), through `filter_by(tenant_id=...)`, or when the statement
carries `with_loader_criteria` in its options.
"""

from __future__ import annotations

from typing import Optional

from astroid import nodes

from ...lang.python import dotted_name
from .chains import Chain, ChainResolver, model_of_class

CONSTRUCTORS = frozenset({"select", "update", "delete"})
CRITERIA_METHODS = frozenset({"filter", "where", "having"})
PK_METHODS = frozenset({"get", "get_or_404", "first_or_404"})
TERMINALS = frozenset({
    "all", "first", "one", "one_or_none", "scalar", "scalars", "count", "delete", "update", "first_or_404",
    "get_or_404", "paginate", "exists", "unique", "execute", "scalar_one", "scalar_one_or_none",
})


def _last(node: nodes.NodeNG) -> str:
    return (dotted_name(node) or "").rsplit(".", 1)[-1]


class SqlalchemyQueries(ChainResolver):
    def root(self, node: nodes.NodeNG) -> Optional[Chain]:
        if isinstance(node, nodes.Attribute) and node.attrname == "query":
            model = model_of_class(node.expr, self.index, "sqlalchemy")
            return Chain(model=model, scoped=self._global(model)) if model is not None else None
        if not isinstance(node, nodes.Call) or not node.args:
            return None
        func = node.func
        name = func.attrname if isinstance(func, nodes.Attribute) else _last(func)
        if name == "query" and isinstance(func, nodes.Attribute) or name in CONSTRUCTORS:
            model = self._model_of_entity(node.args[0])
            return Chain(model=model, scoped=self._global(model)) if model is not None else None
        if name == "get" and isinstance(func, nodes.Attribute) and len(node.args) >= 2:
            model = model_of_class(node.args[0], self.index, "sqlalchemy")  # session.get(Order, id)
            if model is not None:
                return Chain(model=model, scoped=self._global(model), pk_only=True, has_filter=True)
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
             keywords: list[nodes.Keyword]) -> Optional[Chain]:
        if method in CRITERIA_METHODS:
            verdicts = [self._criterion(arg) for arg in args]
            return self._narrowed(chain, verdicts, bool(args))
        if method == "filter_by":
            verdicts = ["scoped" if k.arg and self._is_tenant_attr(k.arg) else
                        ("unknown" if k.arg is None else "plain") for k in keywords]
            return self._narrowed(chain, verdicts, bool(keywords))
        if method == "options":
            if any(_mentions(arg, "with_loader_criteria") for arg in args):
                return chain.then(scoped=True)
            return chain
        if method in PK_METHODS and args:
            return chain.then(pk_only=not chain.has_filter, has_filter=True)
        return chain

    def _narrowed(self, chain: Chain, verdicts: list[str], filtered: bool) -> Chain:
        return chain.then(scoped=chain.scoped or "scoped" in verdicts, unknown=chain.unknown or "unknown" in verdicts,
                          has_filter=chain.has_filter or filtered, pk_only=chain.pk_only and "scoped" not in verdicts)

    def _is_tenant_attr(self, name: str) -> bool:
        names = self.index.tenant_names
        return name in names or f"{name}_id" in names

    def _criterion(self, node: nodes.NodeNG) -> str:
        if isinstance(node, nodes.Compare):
            if any(op == "==" for op, _ in node.ops):
                sides = [node.left, *(value for _, value in node.ops)]
                if any(isinstance(s, nodes.Attribute) and self._is_tenant_attr(s.attrname) for s in sides):
                    return "scoped"
            return "plain"
        if isinstance(node, nodes.Call):
            func = node.func
            name = func.attrname if isinstance(func, nodes.Attribute) else _last(func)
            if name in ("in_", "is_") and isinstance(func, nodes.Attribute):
                target = func.expr
                if isinstance(target, nodes.Attribute) and self._is_tenant_attr(target.attrname):
                    return "scoped" if name == "in_" else "plain"
                return "plain"
            if name == "and_":
                verdicts = [self._criterion(a) for a in node.args]
                return "scoped" if "scoped" in verdicts else ("unknown" if "unknown" in verdicts else "plain")
            if name == "or_":
                verdicts = [self._criterion(a) for a in node.args]
                return "scoped" if verdicts and all(v == "scoped" for v in verdicts) else "plain"
            if name in ("not_",):
                return "plain"
            return "plain"
        if isinstance(node, nodes.BinOp) and node.op in ("&", "|"):
            left, right = self._criterion(node.left), self._criterion(node.right)
            if node.op == "&":
                return "scoped" if "scoped" in (left, right) else "plain"
            return "scoped" if left == right == "scoped" else "plain"
        if isinstance(node, nodes.Starred):
            return "unknown"
        return "plain"


def _mentions(node: nodes.NodeNG, name: str) -> bool:
    return any(_last(call.func) == name for call in node.nodes_of_class(nodes.Call))
