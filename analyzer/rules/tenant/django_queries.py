"""Django querysets, followed from the manager to the call that uses them.

A chain such as `Invoice.objects.filter(status="open").order_by("-id").first()` is resolved to
the model it queries and whether any step constrains the tenant key. Chains are followed
through variables (`qs = ...; qs = qs.filter(...)`), helper functions and their return values
with astroid, so a query made safe one line or one function away is seen as safe.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional

import astroid
from astroid import nodes

from ...index import ModelInfo, ProjectIndex
from ...lang.python import dotted_name, infer_all, safe_infer

QUERY_METHODS = frozenset({
    "all", "filter", "exclude", "get", "first", "last", "values", "values_list", "update", "delete", "count",
    "exists", "aggregate", "annotate", "alias", "in_bulk", "iterator", "raw", "order_by", "distinct",
    "select_related", "prefetch_related", "only", "defer", "latest", "earliest", "get_or_create",
    "update_or_create", "select_for_update", "union", "intersection", "difference", "dates", "datetimes",
    "explain", "bulk_update", "using", "extra", "reverse", "contains", "aget", "afirst", "alast", "acount",
    "aexists", "aupdate", "adelete", "aaggregate", "ain_bulk", "aiterator", "aget_or_create",
    "aupdate_or_create", "abulk_update", "acontains", "aearliest", "alatest",
})
# Methods whose keyword arguments narrow the rows (the others' keywords are not filters).
FILTER_METHODS = frozenset({"filter", "get", "get_or_create", "update_or_create", "aget", "aget_or_create",
                            "aupdate_or_create"})
DEFAULT_MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})
PK_KEYS = frozenset({"pk", "id", "pk__in", "id__in", "pk__exact", "id__exact", "uuid", "slug"})
USER_MODELS = frozenset({"User", "AUTH_USER_MODEL", "CustomUser", "Member", "Membership", "Profile", "UserProfile"})
MAX_DEPTH = 6


@dataclass(frozen=True)
class Chain:
    """What a queryset expression is known to be."""

    model: Optional[ModelInfo]
    scoped: bool = False  # some step constrains the tenant
    unknown: bool = False  # some step cannot be judged (an opaque **kwargs, say): stay silent
    pk_only: bool = False  # the only row filter is a primary key lookup
    has_filter: bool = False
    parameter: Optional[str] = None  # rooted at this function parameter (inside a helper)
    births: tuple[nodes.NodeNG, ...] = field(default=(), compare=False)

    def then(self, **changes: object) -> Chain:
        return replace(self, **changes)


def model_of_class(node: nodes.NodeNG, index: ProjectIndex) -> Optional[ModelInfo]:
    """The indexed model a class expression refers to (inference first, then the class name)."""
    inferred = safe_infer(node)
    if isinstance(inferred, nodes.ClassDef):
        model = index.model(f"{inferred.root().name}.{inferred.name}")
        if model is not None:
            return model
        candidates = index.models_named(inferred.name)
        return candidates[0] if len(candidates) == 1 else None
    if inferred is None and isinstance(node, (nodes.Name, nodes.Attribute)):
        name = (dotted_name(node) or "").rsplit(".", 1)[-1]
        candidates = [m for m in index.models_named(name) if m.framework == "django"]
        if len(candidates) == 1 and _defined_or_imported(node, name):
            return candidates[0]
    return None


def _defined_or_imported(node: nodes.NodeNG, name: str) -> bool:
    if isinstance(node, nodes.Attribute):
        return True  # `models.Invoice`: a module attribute astroid could not follow
    try:
        _, assignments = node.lookup(name)
    except Exception:  # lookup on broken code
        return False
    return bool(assignments)


class ChainResolver:
    def __init__(self, index: ProjectIndex) -> None:
        self.index = index

    # --- entry points ---------------------------------------------------------------------

    def resolve(self, node: nodes.NodeNG, depth: int = 0) -> Optional[Chain]:
        if depth > MAX_DEPTH:
            return None
        if isinstance(node, nodes.Call):
            return self._call(node, depth)
        if isinstance(node, nodes.Attribute):
            return self._manager(node)
        if isinstance(node, nodes.Name):
            return self._variable(node, depth)
        if isinstance(node, nodes.Await):
            return self.resolve(node.value, depth)
        return None

    def is_birth(self, node: nodes.Call) -> bool:
        """Whether the chain ending at `node` starts at a model's manager (`Invoice.objects`)."""
        current: nodes.NodeNG = node
        while isinstance(current, nodes.Call) and isinstance(current.func, nodes.Attribute):
            current = current.func.expr
        return isinstance(current, nodes.Attribute) and self._manager(current) is not None

    # --- steps ----------------------------------------------------------------------------

    def _manager(self, node: nodes.Attribute) -> Optional[Chain]:
        model = model_of_class(node.expr, self.index)
        if model is None or model.framework != "django":
            return None
        attribute = node.attrname
        if attribute not in DEFAULT_MANAGERS and attribute not in model.managers \
                and attribute not in self.index.scoping_methods:
            return None
        scoped = model.auto_scoped or attribute in model.scoped_managers or attribute in self.index.scoping_methods
        return Chain(model=model, scoped=scoped)

    def _call(self, node: nodes.Call, depth: int) -> Optional[Chain]:
        func = node.func
        if isinstance(func, nodes.Attribute):
            method = func.attrname
            if method in QUERY_METHODS or method in self.index.scoping_methods:
                base = self.resolve(func.expr, depth)
                if base is None:
                    return None
                return self.apply_step(base, method, node.args, node.keywords or [])
            return None
        return self._helper(node, depth)

    def apply_step(self, chain: Chain, method: str, args: list[nodes.NodeNG], keywords: list[nodes.Keyword]) -> Chain:
        """The chain after calling `method(*args, **keywords)` on it."""
        if method in self.index.scoping_methods:
            return chain.then(scoped=True)
        if method not in FILTER_METHODS:
            return chain
        verdicts = [self._keyword(chain.model, k) for k in keywords]
        verdicts += [self._q(arg, chain.model) for arg in args]
        scoped = chain.scoped or "scoped" in verdicts
        unknown = chain.unknown or "unknown" in verdicts
        keys = {k.arg for k in keywords if k.arg}
        pk_only = (not chain.has_filter and bool(keys) and keys <= PK_KEYS and not args) or (
            chain.pk_only and not keys - PK_KEYS)
        return chain.then(scoped=scoped, unknown=unknown, pk_only=pk_only and not scoped,
                          has_filter=chain.has_filter or bool(keys) or bool(args))

    def _keyword(self, model: Optional[ModelInfo], keyword: nodes.Keyword) -> str:
        if keyword.arg is None:  # **filters
            return self._unpacked(keyword.value, model)
        if self.index.is_tenant_lookup(keyword.arg):
            return "scoped"
        if model is not None and self._related_object(model, keyword.arg, keyword.value):
            return "scoped"
        return "plain"

    def _related_object(self, model: ModelInfo, key: str, value: nodes.NodeNG) -> bool:
        """`filter(project=project)`: rows of an object the caller already holds (not a raw id)."""
        name = key.split("__")[0]
        rest = key.split("__")[1:]
        field_info = model.fields.get(name)
        if field_info is None or field_info.kind not in ("fk", "o2o", "m2m") or rest not in ([], ["in"], ["exact"]):
            return False
        target_name = (field_info.target or "").rsplit(".", 1)[-1]
        targets = self.index.models_named(target_name)
        related = target_name in USER_MODELS or any(t.is_tenant_scoped or t.is_tenant_bound or
                                                   t.name in self.index.tenant.models for t in targets)
        return related and not _looks_like_id(value)

    def _unpacked(self, value: nodes.NodeNG, model: Optional[ModelInfo]) -> str:
        inferred = safe_infer(value)
        if not isinstance(inferred, nodes.Dict):
            return "unknown"
        verdict = "plain"
        for key, item in inferred.items:
            if not isinstance(key, nodes.Const) or not isinstance(key.value, str):
                return "unknown"
            if self.index.is_tenant_lookup(key.value) or (
                    model is not None and self._related_object(model, key.value, item)):
                verdict = "scoped"
        return verdict

    def _q(self, node: nodes.NodeNG, model: Optional[ModelInfo]) -> str:
        """Q objects: `&` is scoped when either side is, `|` only when both are, `~` never."""
        if isinstance(node, nodes.BinOp) and node.op in ("&", "|"):
            left, right = self._q(node.left, model), self._q(node.right, model)
            if "unknown" in (left, right):
                return "unknown"
            if node.op == "&":
                return "scoped" if "scoped" in (left, right) else "plain"
            return "scoped" if left == right == "scoped" else "plain"
        if isinstance(node, nodes.UnaryOp):
            return "plain"
        if isinstance(node, nodes.Call) and (dotted_name(node.func) or "").rsplit(".", 1)[-1] == "Q":
            verdicts = [self._keyword(model, k) for k in node.keywords or ()]
            verdicts += [self._q(arg, model) for arg in node.args]
            if "unknown" in verdicts:
                return "unknown"
            return "scoped" if "scoped" in verdicts else "plain"
        if isinstance(node, nodes.Name):
            inferred = [v for v in _assigned_values(node)]
            if inferred:
                verdicts = {self._q(v, model) for v in inferred}
                return "scoped" if verdicts == {"scoped"} else ("unknown" if "unknown" in verdicts else "plain")
        return "unknown"

    def _variable(self, node: nodes.Name, depth: int) -> Optional[Chain]:
        values = _assigned_values(node)
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
            pk_only=any(c.pk_only for c in known),
            has_filter=any(c.has_filter for c in known),
            parameter=next((c.parameter for c in known if c.parameter), None),
        )

    def _helper(self, call: nodes.Call, depth: int) -> Optional[Chain]:
        """A call to a project function that returns a queryset: judged by what it returns."""
        functions = [f for f in infer_all(call.func, limit=3) if isinstance(f, nodes.FunctionDef)]
        if len(functions) != 1 or functions[0].is_method() and not isinstance(call.func, nodes.Attribute):
            return None
        function = functions[0]
        returns = [r.value for r in _returns(function) if r.value is not None]
        chains = [self.resolve(value, depth + 1) for value in returns]
        known = [c for c in chains if c is not None]
        if not known:
            return None
        result: Optional[Chain] = None
        for chain in known:
            if chain.parameter is not None:
                argument = _argument_for(call, function, chain.parameter)
                base = self.resolve(argument, depth + 1) if argument is not None else None
                if base is None:
                    return None
                chain = chain.then(model=base.model, scoped=chain.scoped or base.scoped,
                                   unknown=chain.unknown or base.unknown, parameter=None)
            result = chain if result is None else result.then(
                scoped=result.scoped and chain.scoped, unknown=result.unknown or chain.unknown,
                model=result.model or chain.model)
        return result


def _looks_like_id(value: nodes.NodeNG) -> bool:
    if isinstance(value, nodes.Const):
        return True
    if isinstance(value, nodes.Subscript):
        return True  # request.GET["project"], kwargs["pk"]
    name = (dotted_name(value) or "").rsplit(".", 1)[-1].lower()
    return name in ("id", "pk", "uuid") or name.endswith(("_id", "_pk", "_uuid", "_ids"))


def _assigned_values(node: nodes.Name):
    """Values assigned to the name at this point, "parameter" for an argument, None if unknown."""
    try:
        _, assignments = node.lookup(node.name)
    except Exception:  # astroid lookups can fail on broken code
        return None
    values = []
    for assignment in assignments:
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


def _returns(function: nodes.FunctionDef) -> list[nodes.Return]:
    found = []
    for node in function.nodes_of_class(nodes.Return, skip_klass=(nodes.FunctionDef, nodes.Lambda, nodes.ClassDef)):
        found.append(node)
    return found


def _argument_for(call: nodes.Call, function: nodes.FunctionDef, parameter: str) -> Optional[nodes.NodeNG]:
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


def later_uses_scope(name: str, after: nodes.NodeNG, resolver: ChainResolver) -> bool:
    """Whether a later use of variable `name` in the same scope adds a tenant filter."""
    scope = after.scope()
    line = after.lineno or 0
    for use in scope.nodes_of_class(nodes.Name):
        if use.name != name or (use.lineno or 0) <= line:
            continue
        outer = outermost_call(use)
        if outer is not use:
            chain = resolver.resolve(outer)
            if chain is not None and chain.scoped:
                return True
        parent = use.parent
        if isinstance(parent, nodes.Call) and use in parent.args:
            chain = resolver.resolve(parent)
            if chain is not None and chain.scoped:
                return True
    return False


def outermost_call(node: nodes.NodeNG) -> nodes.NodeNG:
    """The last call of the method chain that `node` starts."""
    current = node
    while isinstance(current.parent, nodes.Attribute) and isinstance(current.parent.parent, nodes.Call) \
            and current.parent.parent.func is current.parent:
        current = current.parent.parent
    return current


def filters_in_get_queryset(cls: nodes.ClassDef, index: ProjectIndex) -> bool:
    """A DRF viewset or Django view whose `get_queryset` (own or inherited) adds the tenant filter."""
    from ...index.managers import filters_by_tenant

    classes = [cls]
    try:
        classes += list(cls.ancestors())
    except (astroid.InferenceError, RecursionError):
        pass
    for klass in classes:
        for method in klass.mymethods():
            if method.name == "get_queryset" and filters_by_tenant(method, index):
                return True
    return False
