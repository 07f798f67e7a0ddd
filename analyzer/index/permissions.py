"""DRF permission classes that look at the object a view serves.

`get_object()` of a DRF detail view runs `check_object_permissions(request, obj)` on the row the
URL names: a permission class whose `has_object_permission` reads that row
(`return obj.has_permission(request.user)`, `obj.organization_id == request.user.organization_id`)
refuses another tenant's row before the view serves it. Such classes, and the project's default
permission classes, are gathered here once; the tenant rules decide which views they guard.
"""

from __future__ import annotations

from collections.abc import Iterable

from astroid import nodes

from ..lang.python import dotted_name, nodes_within
from .kept import keep, module_fact
from .settings import setting_assignments, strings_in


def object_permission_classes(modules: Iterable[tuple[str, nodes.Module]]) -> set[str]:
    """Names of the project's permission classes whose `has_object_permission` reads the object,
    and of the classes that inherit one without replacing it."""
    found: set[str] = set()
    bases: dict[str, list[str]] = {}
    for _, module in modules:
        for name, reads, parents in module_fact(module, "permission_classes", _permission_classes):
            if parents is not None:
                bases[name] = list(parents)
            elif reads:
                found.add(name)
    grew = True
    while grew:  # class MemberPermission(HasObjectPermission): ...
        inheriting = {name for name, parents in bases.items() if name not in found and found.intersection(parents)}
        found |= inheriting
        grew = bool(inheriting)
    return found


def _permission_classes(module: nodes.Module) -> tuple[tuple[str, bool, tuple[str, ...] | None], ...]:
    """(class, whether its `has_object_permission` reads the object, the names of its bases when
    it has no such method of its own) for each class of the module."""
    found = []
    for cls in nodes_within(module, nodes.ClassDef):
        method = next((m for m in cls.mymethods() if m.name == "has_object_permission"), None)
        if method is None:
            found.append((cls.name, False, tuple((dotted_name(b) or "").rsplit(".", 1)[-1] for b in cls.bases)))
        else:
            found.append((cls.name, _reads_the_object(method), None))
    return tuple(found)


keep("permission_classes", tuple[tuple[str, bool, tuple[str, ...] | None], ...])


def _reads_the_object(method: nodes.FunctionDef) -> bool:
    """`def has_object_permission(self, request, view, obj)` whose body uses `obj`: one that only
    looks at the request (`request.method in SAFE_METHODS`) checks nothing about the row."""
    parameters = [a.name for a in method.args.args or []]
    if len(parameters) < 4:
        return False
    row = parameters[3]
    return any(name.name == row for name in nodes_within(method, nodes.Name))


def default_permission_classes(modules: Iterable[tuple[str, nodes.Module]]) -> tuple[str, ...]:
    """The class names of `REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]`, as settings list them."""
    return tuple(entry.rsplit(".", 1)[-1] for entry in rest_framework_setting(modules, "DEFAULT_PERMISSION_CLASSES"))


def rest_framework_setting(modules: Iterable[tuple[str, nodes.Module]], key: str) -> tuple[str, ...]:
    """The dotted paths a `REST_FRAMEWORK[key]` setting lists: `DEFAULT_FILTER_BACKENDS`."""
    for _, module in modules:
        for setting in module_fact(module, "rest_framework", _rest_framework):
            if key in setting:
                return setting[key]
    return ()


def _rest_framework(module: nodes.Module) -> tuple[dict[str, tuple[str, ...]], ...]:
    """Each `REST_FRAMEWORK = {...}` of the module, as its keys and the strings they list."""
    found = []
    for setting in setting_assignments(module):
        if setting.name != "REST_FRAMEWORK" or not isinstance(setting.value, nodes.Dict):
            continue
        listed: dict[str, tuple[str, ...]] = {}
        for name, value in setting.value.items:
            if isinstance(name, nodes.Const) and isinstance(name.value, str):
                listed.setdefault(name.value, tuple(strings_in(value)))
        found.append(listed)
    return tuple(found)


keep("rest_framework", tuple[dict[str, tuple[str, ...]], ...])
