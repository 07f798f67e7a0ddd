"""Custom managers and querysets that add the tenant filter themselves.

`objects = TenantManager()` whose `get_queryset` filters by the tenant makes every
`Invoice.objects...` query safe, and a queryset method such as `for_tenant(tenant)` that filters
makes the chains that call it safe. Both are common, and both are invisible to a name-matcher.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from astroid import nodes

from ..lang.python import dotted_name, nodes_within, safe_infer
from .kept import context_key, keep, module_fact

if TYPE_CHECKING:
    from . import ProjectIndex

FILTERING_METHODS = {"filter", "get", "get_or_create", "update_or_create", "filter_by", "where"}
# The manager and queryset methods of Django itself, which return or change rows.
DJANGO_QUERYSET_METHODS = frozenset({
    "all", "filter", "exclude", "get", "first", "last", "values", "values_list", "update", "delete", "count",
    "exists", "aggregate", "annotate", "alias", "in_bulk", "iterator", "raw", "order_by", "distinct",
    "select_related", "prefetch_related", "only", "defer", "latest", "earliest", "get_or_create",
    "update_or_create", "select_for_update", "union", "intersection", "difference", "dates", "datetimes",
    "explain", "using", "extra", "reverse", "contains", "aget", "afirst", "alast", "acount",
    "aexists", "aupdate", "adelete", "aaggregate", "ain_bulk", "aiterator", "aget_or_create",
    "aupdate_or_create", "acontains", "aearliest", "alatest", "none",
})


def filters_by_tenant(function: nodes.FunctionDef, index: ProjectIndex) -> bool:
    """Whether some filtering call in `function` constrains the tenant key."""
    for call in nodes_within(function, nodes.Call):
        func = call.func
        if not isinstance(func, nodes.Attribute) or func.attrname not in FILTERING_METHODS:
            continue
        if any(k.arg and index.is_tenant_lookup(k.arg) for k in call.keywords or ()):
            return True
        for arg in call.args:
            if isinstance(arg, (nodes.Call, nodes.BinOp)) and _q_mentions_tenant(arg, index):
                return True
            if isinstance(arg, nodes.Compare):
                left = dotted_name(arg.left) or ""
                if left.rsplit(".", 1)[-1] in index.tenant_names:
                    return True
    return False


def _q_mentions_tenant(node: nodes.NodeNG, index: ProjectIndex) -> bool:
    for call in node.nodes_of_class(nodes.Call):
        if (dotted_name(call.func) or "").endswith("Q") and any(
            k.arg and index.is_tenant_lookup(k.arg) for k in call.keywords or ()
        ):
            return True
    return False


def manager_lookups(modules: Iterable[tuple[str, nodes.Module]]) -> dict[str, frozenset[str]]:
    """Manager and queryset class name -> the fields its `get_queryset` filters by, its bases'
    included unless it replaces get_queryset without calling theirs: `organization` for Unstract's
    `WorkflowModelManager(DefaultOrganizationManagerMixin, BaseModelManager)`, whose mixin filters
    `organization=UserContext.get_organization()`. Read before the tenant is known, to find it:
    the boundary the project's managers enforce."""
    own: dict[str, set[str]] = {}
    bases: dict[str, list[str]] = {}
    for _, module in modules:
        for manager in module_fact(module, "manager_classes", _manager_classes):
            own.setdefault(manager.name, set()).update(manager.filtered)
            if manager.keeps_base:
                bases.setdefault(manager.name, []).extend(manager.bases)

    def gathered(name: str, seen: frozenset[str]) -> frozenset[str]:
        if name in seen or name not in own:
            return frozenset()
        inherited = (gathered(base, seen | {name}) for base in bases.get(name, ()))
        return frozenset(own[name]).union(*inherited)

    return {name: found for name in own if (found := gathered(name, frozenset()))}


@dataclass(frozen=True)
class ManagerClass:
    """A manager or queryset class of the project, as the index needs it."""

    name: str
    bases: tuple[str, ...]  # their last names
    keeps_base: bool  # it does not replace its bases' get_queryset without calling theirs
    filtered: frozenset[str]  # the fields its own get_queryset filters by


def _manager_classes(module: nodes.Module) -> tuple[ManagerClass, ...]:
    return tuple(ManagerClass(cls.name, tuple(base_names), keeps_base,
                              frozenset(field for method in _get_querysets(cls) for field in _filtered_fields(method)))
                 for cls, base_names, keeps_base in _manager_class_nodes(module))


def _manager_class_nodes(module: nodes.Module) -> Iterator[tuple[nodes.ClassDef, list[str], bool]]:
    """(class, its bases' names, whether it keeps its bases' get_queryset) for each manager or
    queryset class of the module: one that replaces get_queryset without calling super() drops
    whatever its bases filter."""
    for cls in nodes_within(module, nodes.ClassDef):
        base_names = [(dotted_name(b) or "").rsplit(".", 1)[-1] for b in cls.bases]
        if any(name.endswith(("Manager", "QuerySet", "Queryset", "ManagerMixin")) for name in base_names):
            yield cls, base_names, all(_calls_super(method) for method in _get_querysets(cls))


def _get_querysets(cls: nodes.ClassDef) -> list[nodes.FunctionDef]:
    return [method for method in cls.mymethods() if method.name in ("get_queryset", "get_query_set")]


def _filtered_fields(function: nodes.FunctionDef) -> set[str]:
    """`organization` of `.filter(organization=org)` and of `.filter(organization__id=org_id)`."""
    return {keyword.arg.split("__")[0] for call in nodes_within(function, nodes.Call)
            if isinstance(call.func, nodes.Attribute) and call.func.attrname == "filter"
            for keyword in call.keywords or () if keyword.arg}


def scoping_methods_and_managers(modules: Iterable[tuple[str, nodes.Module]], index: ProjectIndex
                                 ) -> tuple[set[str], set[str]]:
    """(method names that filter by tenant, manager/queryset class names whose get_queryset does,
    itself or through a base that does: `WorkflowModelManager(DefaultOrganizationManagerMixin, ...)`
    unless it replaces get_queryset without calling the base's)."""
    methods: set[str] = set()
    managers: set[str] = set()
    if not index.tenant_names:
        return methods, managers
    heirs: dict[str, list[str]] = {}  # class -> its bases, for classes that keep the base's get_queryset
    key = context_key("tenant_methods", index.tenant_names)
    for _, module in modules:
        manager_classes = module_fact(module, "manager_classes", _manager_classes)
        for manager in manager_classes:
            if manager.keeps_base:
                heirs[manager.name] = list(manager.bases)
        if not manager_classes:  # nothing to ask its tree, which a kept module would need
            continue
        for name, method_names in module_fact(module, key, lambda module: _tenant_methods(module, index)):
            for method in method_names:
                if method in ("get_queryset", "get_query_set"):
                    managers.add(name)
                elif not method.startswith("_") and method not in DJANGO_QUERYSET_METHODS:
                    methods.add(method)  # not Django's own: one manager's get_or_create is not every model's
    grown = True
    while grown:
        inheriting = {name for name, bases in heirs.items() if name not in managers and managers.intersection(bases)}
        managers |= inheriting
        grown = bool(inheriting)
    return methods, managers


def _tenant_methods(module: nodes.Module, index: ProjectIndex) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(manager class, its methods that filter by the tenant) for each manager class of the module."""
    return tuple((cls.name, tuple(m.name for m in cls.mymethods() if filters_by_tenant(m, index)))
                 for cls, _, _ in _manager_class_nodes(module))


def derived_queryset_methods(modules: Iterable[tuple[str, nodes.Module]], index: ProjectIndex) -> set[str]:
    """Names of the project's manager and queryset methods that hand back the queryset they are
    called on, narrowed by anything but the tenant: `return self.annotate(latest_is_up=...)`.
    `Monitor.objects.with_check_annotations()` is then still every tenant's monitors, where a
    method of unknown body would have to be trusted."""
    key = context_key("derived_methods", index.tenant_names)
    return set().union(*(module_fact(module, key, lambda module: _derived_methods(module, index))
                         for _, module in modules if module_fact(module, "manager_classes", _manager_classes)))


def _derived_methods(module: nodes.Module, index: ProjectIndex) -> frozenset[str]:
    found: set[str] = set()
    for cls, _, _ in _manager_class_nodes(module):
        for method in cls.mymethods():
            if method.name.startswith("_") or method.name in DJANGO_QUERYSET_METHODS \
                    or filters_by_tenant(method, index):
                continue
            returns = [r.value for r in nodes_within(method, nodes.Return) if r.scope() is method]
            if returns and all(_derived_from_self(value) for value in returns):
                found.add(method.name)
    return frozenset(found)


# Queryset methods that hand back a queryset of the same rows, or of fewer.
QUERYSET_STEPS = frozenset({
    "all", "filter", "exclude", "annotate", "alias", "order_by", "select_related", "prefetch_related", "distinct",
    "only", "defer", "using", "get_queryset", "select_for_update", "reverse",
})


def _derived_from_self(value: nodes.NodeNG | None) -> bool:
    """`self.annotate(...)`, `self.get_queryset().filter(...)`, `super().get_queryset()`: not
    `self.create(...)` nor `super().bulk_create(...)`, which write rows."""
    while isinstance(value, nodes.Call) and isinstance(value.func, nodes.Attribute):
        if value.func.attrname not in QUERYSET_STEPS:
            return False
        value = value.func.expr
    if isinstance(value, nodes.Call) and isinstance(value.func, nodes.Name) and value.func.name == "super":
        return True
    return isinstance(value, nodes.Name) and value.name == "self"


def query_class_methods(modules: Iterable[tuple[str, nodes.Module]], index: ProjectIndex
                        ) -> dict[str, frozenset[str]]:
    """Model qname -> the methods of its Flask-SQLAlchemy `query_class` that filter by the
    tenant: ihatemoney's `Person.query.get(id, project)` calls `PersonQuery.get`, which adds
    `Person.project_id == project.id`. Only `Model.query` uses that class, so the methods count
    for that model's chains alone, never as names for every query."""
    found: dict[str, frozenset[str]] = {}
    key = context_key("query_class_methods", index.tenant_names)
    for _, module in modules:
        if module_fact(module, "assigns_query_class", _assigns_query_class) and index.tenant_names:
            found.update(module_fact(module, key, lambda module: _query_class_methods(module, index)))
    return found


def _assigns_query_class(module: nodes.Module) -> bool:
    return any("query_class" in cls.locals for cls in nodes_within(module, nodes.ClassDef))


def _query_class_methods(module: nodes.Module, index: ProjectIndex) -> dict[str, frozenset[str]]:
    found: dict[str, frozenset[str]] = {}
    for cls in nodes_within(module, nodes.ClassDef):
        assigned = cls.locals.get("query_class", [])
        statement = assigned[0].parent if assigned else None
        if not isinstance(statement, nodes.Assign):
            continue
        query_class = safe_infer(statement.value)
        if not isinstance(query_class, nodes.ClassDef):
            continue
        methods = frozenset(m.name for m in query_class.mymethods() if filters_by_tenant(m, index))
        if methods:
            found[f"{module.name}.{cls.name}"] = methods
    return found


def _calls_super(method: nodes.FunctionDef) -> bool:
    return any(isinstance(call.func, nodes.Attribute) and isinstance(call.func.expr, nodes.Call)
               and dotted_name(call.func.expr.func) == "super" for call in nodes_within(method, nodes.Call))


def global_criteria(modules: Iterable[tuple[str, nodes.Module]]) -> str:
    """`path:line` of a SQLAlchemy `do_orm_execute` listener that adds `with_loader_criteria`.

    Such a listener scopes every ORM statement of the session, so per-query criteria are not
    needed; the location is kept so `prodready index` can show why TEN002 is silent.
    """
    for relpath, module in modules:
        line = module_fact(module, "global_criteria", _global_criteria)
        if line:
            return f"{relpath}:{line}"
    return ""


def _global_criteria(module: nodes.Module) -> str:
    """The line of the module's listener that adds `with_loader_criteria` to every ORM statement; "" for none."""
    if not any(node.value == "do_orm_execute" for node in nodes_within(module, nodes.Const)):
        return ""
    for function in nodes_within(module, nodes.FunctionDef):
        text = function.as_string()
        if "with_loader_criteria" not in text:
            continue
        decorators = function.decorators.as_string() if function.decorators else ""
        registered = "do_orm_execute" in decorators or any(
            "do_orm_execute" in call.as_string() and function.name in call.as_string()
            for call in nodes_within(module, nodes.Call)
            if (dotted_name(call.func) or "").endswith("listen"))
        if registered:
            return str(function.lineno)
    return ""


def tenant_schemas(modules: Iterable[tuple[str, nodes.Module]]) -> str:
    """`path:line` where a session is given `schema_translate_map={None: f"org_{slug}"}`: each
    tenant's rows live in a schema of its own, so a query on a table of the default schema
    cannot reach another tenant's rows (Netflix Dispatch). Tables with a schema of their own
    (`__table_args__ = {"schema": "core"}`) are shared and still checked."""
    for relpath, module in modules:
        line = module_fact(module, "tenant_schemas", _tenant_schemas)
        if line:
            return f"{relpath}:{line}"
    return ""


def _tenant_schemas(module: nodes.Module) -> str:
    for keyword in nodes_within(module, nodes.Keyword):
        if keyword.arg != "schema_translate_map" or not isinstance(keyword.value, nodes.Dict):
            continue
        if any(isinstance(key, nodes.Const) and key.value is None for key, _ in keyword.value.items):
            return str(keyword.lineno)
    return ""


keep("manager_classes", tuple[ManagerClass, ...])
keep("tenant_methods", tuple[tuple[str, tuple[str, ...]], ...])
keep("derived_methods", frozenset[str])
keep("query_class_methods", dict[str, frozenset[str]])
keep("assigns_query_class", bool)
keep("global_criteria", str)
keep("tenant_schemas", str)
