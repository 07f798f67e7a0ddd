"""A view whose permission classes have already checked the row the URL names.

DRF runs `permission_classes` before the handler. A project's permission class that looks the
URL's id up with the tenant key (`GithubConfiguration.objects.filter(id=view.kwargs["github_pk"],
organisation_id=organisation_pk).exists()`) has refused every other tenant's id before the
handler's own `GithubConfiguration.objects.get(id=self.kwargs["github_pk"])` runs. And a detail
view's get_object() hands the row to every permission class whose `has_object_permission`
checks it (`return obj.has_permission(request.user)`).
"""

from __future__ import annotations

from astroid import nodes

from ...index import ModelInfo, ProjectIndex
from ...lang.python import dotted_name, nodes_within, safe_infer
from .chains import ChainResolver, from_a_framework, project_lineage
from .narrowing import checked_after_fetch
from .values import Origin, origin, sent_key


def checked_by_permission_class(node: nodes.NodeNG, model: ModelInfo, resolver: ChainResolver) -> bool:
    """Whether `node` picks its rows by URL keywords only, in a view one of whose permission
    classes queries `model` scoped to the tenant. An id the client sends in the body or query
    string was never seen by the permission class, unless the class reads it under the same key
    (`request.data.get("environment")`) and looks that row up within the tenant, or checks the
    caller's rights on it (`request.user.has_environment_permission(permission, environment)`)."""
    view = _enclosing_class(node)
    if view is None:
        return False
    keys = _sent_keys(node)
    if not keys and not _picked_by_url(node):
        return False
    for permission in _permission_classes(view):
        if keys and not keys <= _keys_read(permission):
            continue
        for call in nodes_within(permission, nodes.Call):
            chain = resolver.resolve(call)
            if chain is not None and chain.model is model and (
                    chain.scoped or (keys and checked_after_fetch(call, resolver))):
                return True
    return False


def _sent_keys(node: nodes.NodeNG) -> set[str]:
    """The body or query-string keys of every value the lookup is keyed by; empty when any
    value is not read from one."""
    values = [keyword.value for call in nodes_within(node, nodes.Call) for keyword in call.keywords or ()
              if not isinstance(keyword.value, nodes.Const)]
    keys = [sent_key(value) for value in values]
    return {key for key in keys if key} if keys and None not in keys else set()


def _keys_read(cls: nodes.ClassDef) -> set[str]:
    return {key for node in nodes_within(cls, (nodes.Call, nodes.Subscript)) if (key := sent_key(node))}


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
    statement = _permission_assignment(view)
    if statement is None:
        return []
    named = [safe_infer(element) for element in getattr(statement.value, "elts", ())]
    return [cls for cls in named if isinstance(cls, nodes.ClassDef) and not from_a_framework(cls)]


def _permission_assignment(view: nodes.ClassDef) -> nodes.Assign | None:
    """`permission_classes = [...]` in the class body."""
    return next((s for s in view.body if isinstance(s, nodes.Assign) and any(
        isinstance(t, nodes.AssignName) and t.name == "permission_classes" for t in s.targets)), None)


# DRF's generic views that serve one row, through get_object(), and those that also list rows,
# which no object permission looks at.
DETAIL_VIEWS = frozenset({"RetrieveAPIView", "UpdateAPIView", "DestroyAPIView", "RetrieveUpdateAPIView",
                          "RetrieveDestroyAPIView", "RetrieveUpdateDestroyAPIView"})
LISTING_VIEWS = frozenset({"ListAPIView", "ListCreateAPIView", "ListModelMixin", "ModelViewSet", "ReadOnlyModelViewSet",
                           "GenericViewSet", "ViewSet", "ViewSetMixin"})


def checked_per_object(view: nodes.ClassDef, index: ProjectIndex) -> bool:
    """A DRF detail view (`RetrieveUpdateDestroyAPIView`) whose permission classes include one
    that checks the row: its class-level `queryset` is only read by get_object(), which hands the
    row to that class before the view serves it. A view that lists rows is not covered."""
    classes = project_lineage(view)
    names = _class_names(classes)
    methods = [m for cls in classes for m in cls.mymethods()]
    if names & LISTING_VIEWS or not (names & DETAIL_VIEWS or _rows_only_through_get_object(methods)):
        return False
    if any(m.name == "get_permissions" or (m.name == "get_object" and not _calls_super(m, "get_object"))
           for m in methods):
        return False  # chosen at run time, or the lookup is the view's own
    return bool(set(_effective_permissions(classes, index)) & index.object_permissions)


def _class_names(classes: list[nodes.ClassDef]) -> set[str]:
    """The classes and the last names of their bases: DRF's own classes are known by name, also
    where DRF is not installed beside prodready."""
    return {(dotted_name(b) or "").rsplit(".", 1)[-1] for cls in classes for b in cls.bases} | \
        {cls.name for cls in classes}


def _rows_only_through_get_object(methods: list[nodes.FunctionDef]) -> bool:
    """`snapshot = self.get_object()` in a view (a CreateAPIView's `post`) that never reads its
    queryset any other way."""
    reads = {name for m in methods for name in _read_on_self(m)}
    return "get_object" in reads and not reads & {"get_queryset", "filter_queryset", "queryset", "paginate_queryset"}


def _calls_super(method: nodes.FunctionDef, name: str) -> bool:
    """`super().get_object()`, `super(MLBackendDetailAPI, self).get_object()`."""
    return any(isinstance(a.expr, nodes.Call) and getattr(a.expr.func, "name", "") == "super" and a.attrname == name
               for a in nodes_within(method, nodes.Attribute))


def _effective_permissions(classes: list[nodes.ClassDef], index: ProjectIndex) -> list[str]:
    """The class names in the nearest `permission_classes`, or the project's defaults."""
    for cls in classes:
        statement = _permission_assignment(cls)
        if statement is not None:
            return _named_classes(statement.value, index)
    return list(index.default_permissions)


def _named_classes(value: nodes.NodeNG, index: ProjectIndex) -> list[str]:
    """`[IsAuthenticated, HasObjectPermission]`, `api_settings.DEFAULT_PERMISSION_CLASSES + [X]`."""
    if isinstance(value, nodes.BinOp):
        return _named_classes(value.left, index) + _named_classes(value.right, index)
    if isinstance(value, (nodes.List, nodes.Tuple)):
        return [(dotted_name(e) or "").rsplit(".", 1)[-1] for e in value.elts]
    if (dotted_name(value) or "").endswith("DEFAULT_PERMISSION_CLASSES"):
        return list(index.default_permissions)
    return []


def queryset_never_read(view: nodes.ClassDef) -> bool:
    """A DRF `CreateAPIView` that only creates: `create()` never reads the class's `queryset`,
    so an unfiltered one serves no row."""
    classes = project_lineage(view)
    names = _class_names(classes)
    if "CreateAPIView" not in names or names & (LISTING_VIEWS | DETAIL_VIEWS):
        return False
    reads = {name for cls in classes for m in cls.mymethods() for name in _read_on_self(m)}
    return not reads & {"get_object", "get_queryset", "filter_queryset", "queryset", "paginate_queryset"}


def read_only_for_checked_rows(view: nodes.ClassDef, attribute: str | None, index: ProjectIndex) -> bool:
    """`parent_queryset = Project.objects.all()` on a nested view, read only by a project mixin's
    `_get_parent_object`, which looks one row up and hands it to `self.check_object_permissions`:
    each row that attribute yields passes the view's object permission before the view uses it.
    The view's own `queryset` is DRF's to read, and is judged by `checked_per_object`."""
    if attribute is None or attribute == "queryset":
        return False
    classes = project_lineage(view)
    methods = [m for cls in classes for m in cls.mymethods()]
    readers = [m for m in methods if attribute in _read_on_self(m)]
    if not readers or any(m.name == "get_permissions" for m in methods):
        return False
    return all("check_object_permissions" in _read_on_self(m) for m in readers) \
        and bool(set(_effective_permissions(classes, index)) & index.object_permissions)


def _read_on_self(method: nodes.FunctionDef) -> set[str]:
    return {a.attrname for a in nodes_within(method, nodes.Attribute)
            if isinstance(a.expr, nodes.Name) and a.expr.name == "self"}
