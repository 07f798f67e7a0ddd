"""A view whose permission classes have already checked the row the URL names.

DRF runs `permission_classes` before the handler. A project's permission class that looks the
URL's id up with the tenant key (`GithubConfiguration.objects.filter(id=view.kwargs["github_pk"],
organisation_id=organisation_pk).exists()`) has refused every other tenant's id before the
handler's own `GithubConfiguration.objects.get(id=self.kwargs["github_pk"])` runs.
"""

from __future__ import annotations

from astroid import nodes

from ...index import ModelInfo
from ...lang.python import nodes_within, safe_infer
from .chains import ChainResolver
from .values import Origin, origin


def checked_by_permission_class(node: nodes.NodeNG, model: ModelInfo, resolver: ChainResolver) -> bool:
    """Whether `node` picks its rows by URL keywords only, in a view one of whose permission
    classes queries `model` scoped to the tenant. An id the client sends in the body or query
    string was never seen by the permission class."""
    view = _enclosing_class(node)
    if view is None or not _picked_by_url(node):
        return False
    for permission in _permission_classes(view):
        for call in nodes_within(permission, nodes.Call):
            chain = resolver.resolve(call)
            if chain is not None and chain.model is model and chain.scoped:
                return True
    return False


def _picked_by_url(node: nodes.NodeNG) -> bool:
    values = [keyword.value for call in nodes_within(node, nodes.Call) for keyword in call.keywords or ()
              if not isinstance(keyword.value, nodes.Const)]
    return bool(values) and all(origin(value) is Origin.URL for value in values)


def _enclosing_class(node: nodes.NodeNG) -> nodes.ClassDef | None:
    scope = node.scope()
    while scope is not None and not isinstance(scope, nodes.Module):
        if isinstance(scope, nodes.ClassDef):
            return scope
        scope = scope.parent.scope() if scope.parent is not None else None
    return None


def _permission_classes(view: nodes.ClassDef) -> list[nodes.ClassDef]:
    """The project's classes named in the view's own `permission_classes`."""
    for statement in view.body:
        if isinstance(statement, nodes.Assign) and any(
                isinstance(t, nodes.AssignName) and t.name == "permission_classes" for t in statement.targets):
            named = [safe_infer(element) for element in getattr(statement.value, "elts", ())]
            return [cls for cls in named if isinstance(cls, nodes.ClassDef) and not _from_a_package(cls)]
    return []


def _from_a_package(cls: nodes.ClassDef) -> bool:
    return cls.root().name.split(".")[0] in ("rest_framework", "django")
