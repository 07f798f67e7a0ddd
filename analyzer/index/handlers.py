"""Which functions serve requests, and which functions requests can reach.

A query that leaks matters where a tenant's request can run it: a view, an API route, or a
service, repository or task that one of them calls. Code that no request reaches (a cron, a
telemetry job, an invariant check, an admin CLI) reads across tenants on purpose. Reachability
is computed by name over the whole project, once, in pass 1: cheap, and generous rather than
exact (a name called from any handler counts), so it never hides a query a handler can run.
"""

from __future__ import annotations

import contextlib
import sys
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import astroid
from astroid import nodes

from ..lang.python import (
    decorator_names,
    dotted_name,
    imported_name,
    last_name,
    module_memo,
    nodes_within,
    safe_infer,
)
from ..lang.sql_calls import sql_argument
from ..lang.words import is_key_name, words
from .kept import context_key, keep, module_fact

REQUEST_PARAMETERS = frozenset({"request", "req"})
REQUEST_TYPES = frozenset({"Request", "HttpRequest", "WSGIRequest", "ASGIRequest", "HTTPConnection", "WebSocket"})
ROUTE_DECORATORS = frozenset({
    "route", "get", "post", "put", "patch", "delete", "api_route", "websocket", "api_view", "action",
    "login_required", "permission_required", "require_http_methods", "require_GET", "require_POST",
})
VIEW_BASE_WORDS = ("View", "ViewSet", "Endpoint", "Resource", "Handler", "Serializer", "Form", "Router", "Feed")
REQUEST_MODULES = frozenset({"views", "api", "apis", "routes", "routers", "endpoints", "handlers", "resources",
                             "viewsets", "serializers", "forms", "controllers"})
MAX_HOPS = 4
# FastAPI's markers of a dependency: the function handed to them runs for the request.
DEPENDENCY_MARKERS = frozenset({"Depends", "Security"})
# Method names so common that `x.check()` in a handler says nothing about which `check` runs;
# a plain call `check(...)` still counts.
GENERIC_METHODS = frozenset({
    "get", "set", "check", "run", "execute", "save", "update", "delete", "create", "filter", "all", "first",
    "validate", "process", "handle", "call", "apply", "build", "load", "send", "list", "items", "keys",
    "values", "append", "add", "remove", "pop", "format", "join", "split", "strip", "lower", "upper", "replace",
    "encode", "decode", "read", "write", "open", "close", "commit", "flush", "refresh", "scalar", "scalars",
    "one", "count", "exists", "copy", "clear", "render", "dump", "dumps", "loads", "serialize", "to_dict",
    "start", "stop", "wait",  # a thread's or a timer's, as often as a service's
})


ADMIN_WORDS = ("admin", "superuser", "staff", "backoffice")
# Fields that name the one user a row belongs to.
OWNER_FIELDS = frozenset({"user", "user_id", "owner", "owner_id", "created_by", "created_by_id", "author",
                          "author_id", "creator", "creator_id"})


def admin_only(function: nodes.FunctionDef) -> bool:
    """A handler behind `@require_super_admin`, `@staff_member_required`, `@admin_required`, a
    view class wearing one through `@method_decorator(staff_member_required, name="get")`, or a
    FastAPI route that depends on one (`dependencies=[Depends(get_current_active_superuser)]`,
    on the route or on its `APIRouter`): instance operators, who work across tenants by design."""
    guarded = [function]
    if isinstance(function.parent, nodes.ClassDef):
        guarded.append(function.parent)
    names = [*(name for definition in guarded for name in _decorator_words(definition)), *_route_dependencies(function),
             *_routers(function), *_guarding_bases(function), *_route_tags(function)]
    return any(word in name.lower() for name in names for word in ADMIN_WORDS) or _operator_permission(function)


# DRF's own class that lets only `is_staff` users in.
OPERATOR_PERMISSIONS = frozenset({"IsAdminUser"})


def _operator_permission(function: nodes.FunctionDef) -> bool:
    """`permission_classes = (SuperuserPermission,)` on a DRF view. Only a name that says
    superuser or staff, or DRF's `IsAdminUser`: `OrganizationAdminPermission` lets a tenant's
    own administrators in, who see that tenant's rows only."""
    view = function.parent
    if not isinstance(view, nodes.ClassDef):
        return False
    for statement in view.body:
        if isinstance(statement, nodes.Assign) and any(
                isinstance(t, nodes.AssignName) and t.name == "permission_classes" for t in statement.targets):
            for element in getattr(statement.value, "elts", ()):
                name = last_name(element)
                if name in OPERATOR_PERMISSIONS or any(word in name.lower() for word in ("superuser", "staff")):
                    return True
    return False


GUARD_WORDS = ("required", "only", "permission", "mixin")


def _guarding_bases(function: nodes.FunctionDef) -> Iterator[str]:
    """`class UpdateCheckView(StaffMemberRequiredMixin, FormView)`: a view whose base lets only
    the instance's staff through."""
    if isinstance(function.parent, nodes.ClassDef):
        for base in function.parent.bases:
            name = (dotted_name(base) or "").rsplit(".", 1)[-1]
            if any(word in name.lower() for word in GUARD_WORDS):
                yield name


# Calls that register a function as a route of the router they are called on.
ROUTE_REGISTRATIONS = frozenset({"add_api_route", "add_url_rule", "add_route", "add_api_websocket_route"})


def _routers(function: nodes.FunctionDef) -> Iterator[str]:
    """Names of the routers `function` is a route of, and the prefixes they are made with: an
    operators' API lives on its own router (`@admin_router.get(...)`, `APIRouter(prefix="/admin")`,
    `self.admin_router.add_api_route("/runs/refresh", self.refresh_runs)` in a class that builds
    its routers), which the application guards as a whole, often by path in a middleware."""
    routers = [decorator.func.expr for decorator in (function.decorators.nodes if function.decorators else ())
               if isinstance(decorator, nodes.Call) and isinstance(decorator.func, nodes.Attribute)]
    routers += _registered_on(function.parent).get(function.name, [])
    for router in routers:
        yield last_name(router)
        if isinstance(router, nodes.Name):
            yield from _prefixes(router)


def _route_tags(function: nodes.FunctionDef) -> Iterator[str]:
    """`@router.delete("/", tags=["admin"])`: the API's own grouping of its operators' routes."""
    for decorator in function.decorators.nodes if function.decorators else ():
        if isinstance(decorator, nodes.Call):
            for keyword in decorator.keywords or ():
                if keyword.arg == "tags" and isinstance(keyword.value, (nodes.List, nodes.Tuple)):
                    yield from (str(e.value) for e in keyword.value.elts if isinstance(e, nodes.Const))


def _registered_on(scope: nodes.NodeNG) -> dict[str, list[nodes.NodeNG]]:
    """Function name -> the routers a class or module registers it on with `add_api_route`."""
    memo = scope.__dict__.setdefault("_prodready_registered", {})
    if "routes" not in memo:
        routes: dict[str, list[nodes.NodeNG]] = defaultdict(list)
        if isinstance(scope, (nodes.ClassDef, nodes.Module)):
            for call in nodes_within(scope, nodes.Call):
                if isinstance(call.func, nodes.Attribute) and call.func.attrname in ROUTE_REGISTRATIONS:
                    for argument in (*call.args, *(k.value for k in call.keywords or ())):
                        if isinstance(argument, (nodes.Name, nodes.Attribute)):
                            routes[last_name(argument)].append(call.func.expr)
        memo["routes"] = dict(routes)
    return memo["routes"]


def _prefixes(router: nodes.Name) -> Iterator[str]:
    """The first part of the path a router is made for: `admin` of `APIRouter(prefix="/admin/users")`
    or `Blueprint("ops", __name__, url_prefix="/admin")`."""
    for made in _calls_assigned_to(router):
        for keyword in made.keywords or ():
            if keyword.arg in ("prefix", "url_prefix") and isinstance(keyword.value, nodes.Const) \
                    and isinstance(keyword.value.value, str):
                yield keyword.value.value.strip("/").split("/")[0]  # not /orgs/{id}/admin: a tenant's own


def _calls_assigned_to(name: nodes.Name) -> list[nodes.Call]:
    """The calls whose results `name = ...` holds: `APIRouter(...)` for a router."""
    try:
        _, assignments = name.lookup(name.name)
    except Exception:  # astroid lookups can fail on broken code
        return []
    return [assignment.parent.value for assignment in assignments
            if isinstance(assignment.parent, nodes.Assign) and isinstance(assignment.parent.value, nodes.Call)]


def _route_dependencies(function: nodes.FunctionDef) -> Iterator[str]:
    """Names of the dependencies a FastAPI route declares: in its parameters (`admin: User =
    Depends(get_current_superuser)`), its decorator's `dependencies=[...]`, and those of the
    router it is declared on (`router = APIRouter(dependencies=[Depends(is_authenticated_admin_api)])`)."""
    declared = list(function.args.nodes_of_class(nodes.Call))
    for decorator in function.decorators.nodes if function.decorators else ():
        if not isinstance(decorator, nodes.Call):
            continue
        declared += _dependencies_keyword(decorator)
        router = decorator.func.expr if isinstance(decorator.func, nodes.Attribute) else None
        if isinstance(router, nodes.Name):
            for made in _calls_assigned_to(router):
                declared += _dependencies_keyword(made)
    for call in declared:
        dependency = _dependency_of(call)
        name = dotted_name(dependency) if dependency is not None else None
        if name:
            yield name.rsplit(".", 1)[-1]


def _dependencies_keyword(call: nodes.Call) -> list[nodes.NodeNG]:
    dependencies = next((k.value for k in call.keywords or () if k.arg == "dependencies"), None)
    return list(dependencies.elts) if isinstance(dependencies, (nodes.List, nodes.Tuple)) else []


def _dependency_of(node: nodes.NodeNG) -> nodes.NodeNG | None:
    """The function a FastAPI `Depends(get_db)` or `Security(scheme, scopes=[...])` hands over."""
    if not (isinstance(node, nodes.Call) and last_name(node.func) in DEPENDENCY_MARKERS):
        return None
    return node.args[0] if node.args else next((k.value for k in node.keywords or () if k.arg == "dependency"), None)


def _decorator_words(definition: nodes.FunctionDef | nodes.ClassDef) -> Iterator[str]:
    """Names of a definition's decorators, and of those handed to `method_decorator(...)`, but
    not their other arguments: `@allow_permission([ROLE.ADMIN, ROLE.MEMBER])` lets members in."""
    yield from decorator_names(definition)
    for decorator in definition.decorators.nodes if definition.decorators else ():
        if not (isinstance(decorator, nodes.Call) and (dotted_name(decorator.func) or "").endswith("method_decorator")):
            continue
        wrapped = decorator.args[0] if decorator.args else next(
            (k.value for k in decorator.keywords or () if k.arg == "decorator"), None)
        if wrapped is not None:
            for item in wrapped.elts if isinstance(wrapped, (nodes.List, nodes.Tuple)) else [wrapped]:
                target = item.func if isinstance(item, nodes.Call) else item
                name = dotted_name(target)
                if name:
                    yield name.rsplit(".", 1)[-1]


WEBHOOK_WORDS = frozenset({"webhook", "webhooks"})
AUTHENTICATION_BASES = ("Authentication", "AuthenticationBackend", "AuthBackend", "ModelBackend", "BaseBackend")


def finds_the_caller(node: nodes.NodeNG) -> bool:
    """Code whose job is to find out who is calling, so that no tenant is known yet: webhook
    receivers (a payment or code-hosting provider calls, and the ids in its payload are how
    the tenant is found: `Subscription.objects.get(subscription_id=event_id)`) and
    authentication classes and backends (`TrustRelationship.objects.get(id=claims[...])` after
    the token is verified). So are handlers, however named, that check an HMAC of the request
    against a server secret (`hmac.compare_digest(signature, header)`): another service calls
    them, not a tenant's user. Whether a payload is signed is AUTH004's business."""
    named: list[str] = []
    for scope in _scopes(node):
        if isinstance(scope, nodes.ClassDef):
            if any((dotted_name(b) or "").endswith(AUTHENTICATION_BASES) for b in scope.bases):
                return True
            named.append(scope.name)
        elif isinstance(scope, nodes.FunctionDef):
            if _compares_a_signature(scope):
                return True
            named.append(scope.name)
    if any(isinstance(scope, nodes.ClassDef) and _serves_a_resource(scope) for scope in _scopes(node)):
        return False  # `WebHookViewSet` in webhooks.py: the tenant's own webhook settings, not a receiver
    root = node.root()
    named += root.name.split(".")[-2:] if isinstance(root, nodes.Module) else []
    return any(WEBHOOK_WORDS & set(words(name)) for name in named)


def _serves_a_resource(cls: nodes.ClassDef) -> bool:
    """A REST resource: a class with a `queryset`, a `serializer_class` or a `get_queryset`."""
    attributes = {t.name for s in cls.body if isinstance(s, nodes.Assign) for t in s.targets
                  if isinstance(t, nodes.AssignName)}
    return bool(attributes & {"queryset", "serializer_class"}) or any(m.name == "get_queryset" for m in cls.mymethods())


DEV_SWITCH_WORDS = frozenset({"test", "testing", "debug", "e2e", "dev"})


def behind_dev_switch(node: nodes.NodeNG) -> bool:
    """A handler that refuses to run unless a development setting is on (`if not
    settings.ENABLE_TEST_API: raise NotFound`, `if not settings.DEBUG: raise Http404`): a seed or
    debug endpoint that production never serves, like the tests it exists for."""
    return any(DEV_SWITCH_WORDS & set(said) for said in guarding_settings(node))


def guarding_settings(node: nodes.NodeNG) -> Iterator[list[str]]:
    """The words of each setting that the first statement of a function around `node` (after
    its docstring and imports) reads in a guard that returns or raises: `if not
    settings.SENTRY_SINGLE_ORGANIZATION: raise ...` gives `[sentry, single, organization]`."""
    for function in enclosing_functions(node):
        body = [s for s in function.body if not isinstance(s, (nodes.Import, nodes.ImportFrom))]
        if body and isinstance(body[0], nodes.Expr) and isinstance(body[0].value, nodes.Const):
            body = body[1:]  # after the docstring
        guard = body[0] if body else None
        if not (isinstance(guard, nodes.If) and any(isinstance(s, (nodes.Raise, nodes.Return)) for s in guard.body)):
            continue
        for attribute in guard.test.nodes_of_class(nodes.Attribute):
            if (dotted_name(attribute.expr) or "").endswith("settings"):
                yield words(attribute.attrname)


def _compares_a_signature(function: nodes.FunctionDef) -> bool:
    return any(last_name(call.func) == "compare_digest" and call.scope() is function
               and imported_name(call.func) == "hmac.compare_digest" for call in nodes_within(function, nodes.Call))



def _scopes(node: nodes.NodeNG) -> Iterator[nodes.NodeNG]:
    scope = node.scope()
    while scope is not None and not isinstance(scope, nodes.Module):
        yield scope
        scope = scope.parent.scope() if scope.parent is not None else None


def _decorated_as_route(function: nodes.FunctionDef) -> bool:
    return any(name in ROUTE_DECORATORS for name in decorator_names(function))


BODY_MODEL_BASES = frozenset({"BaseModel", "SQLModel", "Schema"})  # pydantic, SQLModel, django-ninja


def sent_in_body(function: nodes.FunctionDef, parameter: str) -> bool:
    """A route's parameter that the framework fills from the request's JSON body: one annotated
    with a pydantic model (`def create_notebook(body: NotebookCreate, ...)`)."""
    if not _decorated_as_route(function):
        return False
    arguments = function.args
    annotation = next((a for argument, a in zip(arguments.args or [], arguments.annotations or [], strict=False)
                       if argument.name == parameter), None)
    cls = safe_infer(annotation) if annotation is not None else None
    if not isinstance(cls, nodes.ClassDef):
        return False
    lineage = [cls]
    with contextlib.suppress(astroid.InferenceError, RecursionError):
        lineage += list(cls.ancestors())
    return any((dotted_name(b) or "").rsplit(".", 1)[-1] in BODY_MODEL_BASES for c in lineage for b in c.bases)


def serves_internal_api(node: nodes.NodeNG) -> bool:
    """Inside a view class named for an internal API (`UsageInternalView`,
    `WorkflowExecutionInternalViewSet`): the project's own services call it, not a tenant's
    users, as they call the views of an `internal_views.py` (a default warning path)."""
    scope = node.scope()
    while scope is not None and not isinstance(scope, nodes.Module):
        if isinstance(scope, nodes.ClassDef) and _view_class(scope) and "internal" in words(scope.name):
            return True
        if isinstance(scope, nodes.FunctionDef) and any("internal" in words(name) for name in _routers(scope)):
            return True  # a route of `APIRouter(prefix="/_internal_templates")`
        scope = scope.parent.scope() if scope.parent is not None else None
    return False


def _view_class(cls: nodes.ClassDef) -> bool:
    return any((dotted_name(b) or "").rsplit(".", 1)[-1].endswith(VIEW_BASE_WORDS) for b in cls.bases)


def _form_class(cls: nodes.ClassDef) -> bool:
    """A serializer or form, whose `__init__` runs in the view that builds it for the request
    (and sets its fields' querysets there: `self.fields["project"].queryset = ...`)."""
    return any((dotted_name(b) or "").rsplit(".", 1)[-1].endswith(("Serializer", "Form")) for b in cls.bases)


def is_request_module(module: nodes.Module) -> bool:
    parts = module.name.split(".")
    return parts[-1] in REQUEST_MODULES or any(part in REQUEST_MODULES for part in parts[:-1])


def is_request_handler(function: nodes.FunctionDef) -> bool:
    return any(_holds_the_request(function, argument)
               for argument in (function.args.args or []) + (function.args.kwonlyargs or [])) \
        or _decorated_as_route(function) or _injected_by_fastapi(function) or resolves_graphql(function)


# GraphQL's entry points: graphene's and ariadne's `resolve_<field>`, graphene's mutations.
GRAPHQL_METHODS = frozenset({"mutate", "mutate_and_get_payload", "perform_mutation"})
GRAPHQL_DECORATORS = frozenset({"field", "mutation", "subscription"})


def resolves_graphql(function: nodes.FunctionDef) -> bool:
    """A GraphQL resolver, which runs for a request with the arguments the client sent: one
    taking the resolver's `info` and named `resolve_<field>` (graphene, ariadne) or as a graphene
    mutation, or decorated as a field (`@strawberry.field`, ariadne's `@query.field("invoice")`)."""
    if "info" not in function.argnames():
        return False
    return function.name.startswith("resolve_") or function.name in GRAPHQL_METHODS \
        or any(name in GRAPHQL_DECORATORS for name in decorator_names(function))


# What a FastAPI parameter's default or `Annotated[...]` says it is filled with.
FASTAPI_PARAMETERS = DEPENDENCY_MARKERS | {"Path", "Query", "Header", "Cookie", "Body", "Form", "File"}


def _injected_by_fastapi(function: nodes.FunctionDef) -> bool:
    """A function whose parameters FastAPI fills (`db: Session = Depends(get_db)`,
    `note_id: Annotated[int, Path()]`): a route or a dependency, which FastAPI runs for the
    request with the path's and the query's own values (`def note_from_path(note_id: int, ...)`
    behind `note: Note = Depends(note_from_path)`). Asked for every enclosing function of every
    query, so worked out once per function."""
    memo = function.__dict__
    if "_prodready_injected" not in memo:
        memo["_prodready_injected"] = any(last_name(call.func) in FASTAPI_PARAMETERS
                                          for call in function.args.nodes_of_class(nodes.Call))
    return memo["_prodready_injected"]


def _holds_the_request(function: nodes.FunctionDef, argument: nodes.AssignName) -> bool:
    """`request` or `request: HttpRequest`, but not `request: CustomerCardsRequest`: a service
    handed a schema by its route is not a handler itself."""
    if argument.name not in REQUEST_PARAMETERS:
        return False
    arguments = (function.args.args or []) + (function.args.kwonlyargs or [])
    annotations = (function.args.annotations or []) + (function.args.kwonlyargs_annotations or [])
    annotation = dict(zip((a.name for a in arguments), annotations, strict=False)).get(argument.name)
    return annotation is None or (dotted_name(annotation) or "").rsplit(".", 1)[-1] in REQUEST_TYPES


def enclosing_functions(node: nodes.NodeNG) -> list[nodes.FunctionDef]:
    found = []
    scope: nodes.NodeNG | None = node.scope()
    while scope is not None and not isinstance(scope, nodes.Module):
        if isinstance(scope, nodes.FunctionDef):
            found.append(scope)
        scope = scope.parent.scope() if scope.parent is not None else None
    return found


# Methods through which Django, DRF and form/serializer machinery hand request input to a class.
HANDLER_METHODS = frozenset({
    "get", "post", "put", "patch", "delete", "head", "options", "dispatch", "list", "retrieve", "create",
    "update", "partial_update", "destroy", "get_queryset", "get_object", "perform_create", "perform_update",
    "perform_destroy", "form_valid", "get_context_data", "get_form_kwargs", "validate", "to_internal_value",
    "to_representation", "save", "clean", "has_permission", "has_object_permission", "authenticate",
    "items", "item_link",  # django.contrib.syndication feeds
})


def _handler_method(function: nodes.FunctionDef) -> bool:
    """A method the framework runs for the request, or a property of the view that its
    handlers read as an attribute (`@cached_property def customer(self): ...self.kwargs[...]`)."""
    return function.name in HANDLER_METHODS or function.name.startswith(("validate_", "clean_")) \
        or bool(set(decorator_names(function)) & {"property", "cached_property"})


def in_request(node: nodes.NodeNG, view_decorators: frozenset[str] = frozenset()) -> bool:
    """Whether `node` sits in a request handler: a function that takes the request, a routed
    function, a handler method (get, post, get_queryset, validate...) or attribute of a view,
    serializer or form class, module-level code of a views/API module, or the wrapper of a
    decorator in `view_decorators` (see `wraps_a_view`). A helper method that is handed ids by a
    handler is not one: the handler is where the id's origin shows."""
    scope: nodes.NodeNG | None = node.scope()
    innermost_function: nodes.FunctionDef | None = None
    while scope is not None and not isinstance(scope, nodes.Module):
        if isinstance(scope, nodes.FunctionDef):
            if is_request_handler(scope) or (view_decorators and wraps_a_view(scope, view_decorators)):
                return True
            innermost_function = innermost_function or scope
        if isinstance(scope, nodes.ClassDef) and _view_class(scope):
            return innermost_function is None or _handler_method(innermost_function) \
                or (innermost_function.name == "__init__" and _form_class(scope))
        scope = scope.parent.scope() if scope.parent is not None else None
    return innermost_function is None and scope is not None and is_request_module(scope)


def wraps_a_view(function: nodes.FunctionDef, view_decorators: frozenset[str]) -> bool:
    """`@wraps(view_func) def decorated_view(*args, **kwargs)` inside `get_app_model`, which the
    project puts on its request handlers: the wrapper runs for each request before the view,
    with the URL's own values in `kwargs` (Flask hands them to the view as keywords)."""
    if "wraps" not in decorator_names(function):
        return False
    outer = function.parent.scope() if function.parent is not None else None
    while isinstance(outer, nodes.FunctionDef):
        if outer.name in view_decorators:
            return True
        outer = outer.parent.scope() if outer.parent is not None else None
    return False


# Calls that leave a query unevaluated: a function returning one of these builds a query.
BUILDER_STEPS = frozenset({
    "all", "filter", "exclude", "order_by", "select_related", "prefetch_related", "annotate", "only", "defer",
    "distinct", "query", "select", "where", "filter_by", "options", "join", "outerjoin", "values", "values_list",
})
EVALUATING = frozenset({"get", "first", "last", "one", "one_or_none", "scalar", "count", "exists", "delete",
                        "update", "aggregate", "scalars", "execute", "iterator", "in_bulk"})


def _returns_builder(value: nodes.NodeNG, follow: bool = True) -> bool:
    """`Invoice.objects.filter(...)`, `db_session.query(Incident)`, `select(Order).where(...)`, or
    a local variable that only ever holds one."""
    if isinstance(value, nodes.Name) and follow:
        try:
            _, assignments = value.lookup(value.name)
        except Exception:  # astroid lookups can fail on broken code
            return False
        values = [a.parent.value for a in assignments if isinstance(a.parent, nodes.Assign)]
        return bool(values) and len(values) == len(assignments) and all(_returns_builder(v, False) for v in values)
    if isinstance(value, nodes.Attribute):
        return value.attrname in ("objects", "query")
    if not isinstance(value, nodes.Call):
        return False
    func = value.func
    name = func.attrname if isinstance(func, nodes.Attribute) else getattr(func, "name", "")
    if name in EVALUATING or name not in BUILDER_STEPS:
        return False
    if name == "all" and isinstance(func, nodes.Attribute) and _legacy_query(func.expr):
        return False  # SQLAlchemy's Query.all() runs the query and returns a list
    if name in ("query", "select") and value.args:
        return True
    return isinstance(func, nodes.Attribute) and _returns_builder(func.expr, False)


def _legacy_query(node: nodes.NodeNG) -> bool:
    """Whether a chain starts at SQLAlchemy's `session.query(...)` or Flask-SQLAlchemy's `Model.query`."""
    while True:
        if isinstance(node, nodes.Attribute) and node.attrname == "query":
            return True
        if isinstance(node, nodes.Call) and isinstance(node.func, nodes.Attribute):
            if node.func.attrname == "query":
                return True
            node = node.func.expr
        elif isinstance(node, nodes.Attribute):
            node = node.expr
        else:
            return False


def query_builders(modules: Iterable[tuple[str, nodes.Module]]) -> set[str]:
    """Names of project functions that return a query without running it, so that the query is
    judged where the function is called (`get_all(db_session=db)` in a route)."""
    return set().union(*(_module_facts(module).builders for _, module in modules))


def _builds_queries(module: nodes.Module) -> frozenset[str]:
    return frozenset(function.name for function in nodes_within(module, nodes.FunctionDef)
                     if any(_returns_builder(r.value) for r in nodes_within(function, nodes.Return)
                            if r.value is not None))


def _parameters(function: nodes.FunctionDef) -> set[str]:
    args = function.args
    return {a.name for a in (args.args or []) + (args.kwonlyargs or []) + (args.posonlyargs or [])}


def keyed_helpers(modules: Iterable[tuple[str, nodes.Module]]) -> set[str]:
    """Names of functions that look a row up by one of their parameters (`pk=incident_id`,
    `Incident.id == incident_id`, `Incident.id.in_(ids)`, `session.get(Incident, incident_id)`),
    or hand a parameter on to such a function, up to MAX_HOPS - 1 calls deep: candidates for an
    id from the request passed in by a handler. A cheap syntactic filter; the rules judge them."""
    facts = [_module_facts(module) for _, module in modules]
    keyed = set().union(*(f.keyed for f in facts))
    passes: dict[str, set[str]] = defaultdict(set)
    for module_facts in facts:
        for name, callees in module_facts.passes:
            passes[name] |= callees
    for _ in range(MAX_HOPS - 1):
        grown = {name for name, callees in passes.items() if name not in keyed and callees & keyed}
        if not grown:
            break
        keyed |= grown
    return keyed


def _passes_parameters(module: nodes.Module) -> tuple[tuple[str, frozenset[str]], ...]:
    """(function, the names of what it calls with one of its parameters as an argument)."""
    found = []
    for function in nodes_within(module, nodes.FunctionDef):
        params = _parameters(function) - {"self", "cls"}
        callees = frozenset(
            last_name(call.func) for call in nodes_within(function, nodes.Call)
            if any(isinstance(a, nodes.Name) and a.name in params
                   for a in (*call.args, *(k.value for k in call.keywords or ()))))
        if callees:
            found.append((function.name, callees))
    return tuple(found)


def _keyed(module: nodes.Module) -> frozenset[str]:
    return frozenset(function.name for function in nodes_within(module, nodes.FunctionDef)
                     if (params := _parameters(function)) and _looks_up_by_parameter(function, params))


def _looks_up_by_parameter(function: nodes.FunctionDef, params: set[str]) -> bool:
    for node in nodes_within(function, (nodes.Keyword, nodes.Compare, nodes.Call, nodes.Dict)):
        # `revision_id=revision_id` too: a model may name its primary key so, which the rules know
        if isinstance(node, nodes.Keyword) and node.arg and is_key_name(node.arg.removesuffix("__in")) \
                and _from_parameter(node.value, params):
            return True
        if isinstance(node, nodes.Dict) and any(  # lookups = {"id__in": project_ids}; filter(**lookups)
                isinstance(key, nodes.Const) and isinstance(key.value, str)
                and is_key_name(key.value.removesuffix("__in")) and _from_parameter(value, params)
                for key, value in node.items):
            return True
        if isinstance(node, nodes.Compare) and isinstance(node.left, nodes.Attribute) \
                and is_key_name(node.left.attrname) and _from_parameter(node.ops[0][1], params):
            return True
        if isinstance(node, nodes.Call) and isinstance(node.func, nodes.Attribute) and node.func.attrname == "get" \
                and len(node.args) == 2 and _from_parameter(node.args[1], params):
            return True
        if isinstance(node, nodes.Call) and isinstance(node.func, nodes.Attribute) and node.func.attrname == "get" \
                and len(node.args) == 1 and _from_parameter(node.args[0], params) \
                and _legacy_query(node.func.expr):
            return True  # Project.query.get(project_id)
        if isinstance(node, nodes.Call) and isinstance(node.func, nodes.Attribute) and node.func.attrname == "in_" \
                and isinstance(node.func.expr, nodes.Attribute) and node.func.expr.attrname in ("id", "uuid") \
                and len(node.args) == 1 and _from_parameter(node.args[0], params):
            return True  # Incident.id.in_(incident_ids)
        if isinstance(node, nodes.Call) and sql_argument(node) is not None \
                and any(name.name in params and is_key_name(name.name)
                        for name in nodes_within(node.statement(), nodes.Name)):
            return True  # session.execute(text("... WHERE id = :page_id"), {"page_id": page_id})
    return False


def _from_parameter(value: nodes.NodeNG, params: set[str]) -> bool:
    """A parameter, a field of one (`body.page_ids`), or a local made from such a field
    (`wanted = list(body.page_ids or [])`)."""
    if isinstance(value, nodes.Name) and value.name in params:
        return True
    if isinstance(value, nodes.Name):
        try:
            _, assignments = value.lookup(value.name)
        except Exception:  # astroid lookups can fail on broken code
            return False
        if len(assignments) != 1 or not isinstance(assignments[0].parent, nodes.Assign):
            return False
        value = assignments[0].parent.value
        if isinstance(value, nodes.Call) and isinstance(value.func, nodes.Name) and value.func.name in (
                "list", "set", "tuple") and len(value.args) == 1:
            value = value.args[0]
        if isinstance(value, nodes.BoolOp) and value.op == "or":
            value = value.values[0]
    if not (isinstance(value, nodes.Attribute) and isinstance(value.expr, nodes.Name)):
        return False
    return value.expr.name in params - {"self", "cls"} or _rebinds_a_parameter(value.expr, params - {"self", "cls"})


def _rebinds_a_parameter(name: nodes.Name, params: set[str]) -> bool:
    """`chosen = body`, `chosen = body.model_copy(update=...)`: every value of the variable is
    the parameter or made from it."""
    try:
        _, assignments = name.lookup(name.name)
    except Exception:  # astroid lookups can fail on broken code
        return False
    if not assignments or not all(isinstance(a.parent, nodes.Assign) for a in assignments):
        return False
    for assignment in assignments:
        value = assignment.parent.value
        while isinstance(value, (nodes.Call, nodes.Attribute)):
            value = value.func if isinstance(value, nodes.Call) else value.expr
        if not (isinstance(value, nodes.Name) and value.name in params):
            return False
    return True


def function_key(function: nodes.FunctionDef) -> str:
    """"m:name" for a method, "f:name" for a function: `obj.get_status()` calls a method, and must
    not make a module function of the same name reachable."""
    return f"{'m' if isinstance(function.parent, nodes.ClassDef) else 'f'}:{function.name}"


def imported_module_names(module: nodes.Module, only_certain: bool = False) -> frozenset[str]:
    """Names a module binds to imported modules (`import monitor`, `from redash import models`).
    A lower-case name from `from ... import` may instead be an instance (MindsDB's
    `from ...query_context import query_context_controller`); `only_certain` leaves those out.
    Worked out once per tree: the call graph and the caller parameters both ask."""
    memo = module_memo(module)
    key = f"imported_modules:{only_certain}"
    if key not in memo:
        names = set()
        for node in nodes_within(module, (nodes.Import, nodes.ImportFrom)):
            for name, alias in node.names:
                if _of_the_standard_library(node, name):
                    continue  # `asyncio.run(...)` runs no `run` of the project
                bound = (alias or name).split(".")[0]
                if isinstance(node, nodes.Import) or (bound.islower() and not only_certain):
                    names.add(bound)
        memo[key] = frozenset(names)
    return memo[key]


def _of_the_standard_library(node: nodes.Import | nodes.ImportFrom, name: str) -> bool:
    """`import asyncio`, `from concurrent import futures`: what they bind is no project module."""
    if isinstance(node, nodes.ImportFrom):
        return not node.level and (node.modname or "").split(".")[0] in sys.stdlib_module_names
    return name.split(".")[0] in sys.stdlib_module_names


def _called_keys(function: nodes.FunctionDef, modules: frozenset[str],
                 certain: frozenset[str] = frozenset()) -> set[str]:
    """Keys of what `function` calls, and of the FastAPI dependencies it declares (in its
    parameters, `Annotated[...]` or its route decorator's `dependencies=`), which run before
    it with the request's own values: `client = Depends(authenticate_client)`."""
    keys = set()
    for call in nodes_within(function, nodes.Call):
        func = call.func
        dependency = _dependency_of(call)
        if isinstance(dependency, nodes.Name):
            keys.add(f"f:{dependency.name}")
        elif isinstance(dependency, nodes.Attribute):
            keys.add(f"m:{dependency.attrname}")
        keys |= callee_keys(call, modules, certain)
        if isinstance(func, nodes.Attribute) and isinstance(func.expr, nodes.Name):
            keys.add(f"f:{func.expr.name}")  # send_invoice.delay(...), InvoiceService.create(...)
    return keys


def callee_keys(call: nodes.Call, modules: frozenset[str], certain: frozenset[str]) -> set[str]:
    """Keys (see function_key) of the functions a call may run, by name: `f:name` for `name(...)`
    and `monitor.get_status()`, `m:name` for `obj.name(...)` unless the name is too common to
    say which runs. A lower-case name from `from ... import` may be a module or an instance,
    and gives both (`modules` holds every imported name, `certain` those surely modules)."""
    func = call.func
    if isinstance(func, nodes.Name):
        return {f"f:{func.name}"}
    if not isinstance(func, nodes.Attribute):
        return set()
    receiver = func.expr.name if isinstance(func.expr, nodes.Name) else None
    keys = {f"f:{func.attrname}"} if receiver in modules else set()
    if receiver not in certain and func.attrname not in GENERIC_METHODS:
        keys.add(f"m:{func.attrname}")  # jobs_controller.job_names(), if jobs_controller is an instance
    return keys


def request_reachable(modules: Iterable[tuple[str, nodes.Module]],
                      quiet: Callable[[str], bool] = lambda relpath: False) -> tuple[set[str], set[str]]:
    """Keys (see function_key) of the functions request handlers call, directly or through up to
    MAX_HOPS calls: (reached from ordinary handlers, reached only from admin-like handlers)."""
    calls: dict[str, set[str]] = defaultdict(set)
    frontier: set[str] = set()
    quiet_frontier: set[str] = set()
    for relpath, module in modules:
        facts = _module_facts(module)
        for key, called in facts.calls:
            calls[key] |= called
        is_quiet = quiet(relpath)
        for called, admin in facts.handlers:
            (quiet_frontier if is_quiet or admin else frontier).update(called)
    return _closure(frontier, calls), _closure(quiet_frontier, calls)


@dataclass(frozen=True)
class _ModuleFacts:
    """What one module adds to the facts above. Each is read from that module's own syntax, so
    it is worked out once per tree: the language server rebuilds the index at an edit to a
    models file, and the other modules' trees, and so their facts, are the same."""

    calls: tuple[tuple[str, frozenset[str]], ...]  # function key -> keys of what it calls
    handlers: tuple[tuple[frozenset[str], bool], ...]  # what each handler calls, and whether it is admin-like
    builders: frozenset[str]
    keyed: frozenset[str]
    passes: tuple[tuple[str, frozenset[str]], ...]  # function -> what it hands a parameter to
    view_decorators: frozenset[str]  # decorators on the module's handlers


keep("handler_facts", _ModuleFacts)
keep("imported_modules", frozenset[str])  # here with ":True" or ":False", in `lang.python` alone

def view_decorators(modules: Iterable[tuple[str, nodes.Module]]) -> frozenset[str]:
    """Names of the decorators the project puts on its request handlers (see `wraps_a_view`)."""
    return frozenset().union(*(_module_facts(module).view_decorators for _, module in modules))


# Decorators that wrap no request-time code of the project's, or whose name says nothing about
# which function runs (`@router.get(...)`).
NOT_VIEW_DECORATORS = ROUTE_DECORATORS | GENERIC_METHODS | frozenset({
    "property", "cached_property", "staticmethod", "classmethod", "abstractmethod", "method_decorator",
    "wraps", "csrf_exempt", "transaction", "atomic", "override", "overload",
})


def _module_facts(module: nodes.Module) -> _ModuleFacts:
    memo = module_memo(module)
    facts = memo.get("handler_facts")
    if facts is None:
        imported = imported_module_names(module)
        certain = imported_module_names(module, only_certain=True)
        calls, handlers = [], []
        on_handlers: frozenset[str] = frozenset()
        for function in nodes_within(module, nodes.FunctionDef):
            called = frozenset(_called_keys(function, imported, certain))
            first = function.body[0] if function.body else function
            handler = in_request(first) and not finds_the_caller(first)
            if handler:
                # A decorator on a handler runs for the request too: `@get_app_model` loads the
                # URL's app in its wrapper before the view sees it.
                decorators = frozenset(decorator_names(function)) - NOT_VIEW_DECORATORS
                handlers.append((called | {f"f:{name}" for name in decorators}, admin_only(function)))
                on_handlers |= decorators
            if not (handler and isinstance(function.parent, nodes.ClassDef)):
                # A handler method is entered by the framework, and is already a start above.
                # Under its bare key, `m:post`, every `super().post(...)` in the project would
                # reach what a staff-only view's `post` calls.
                calls.append((function_key(function), called))
        facts = memo["handler_facts"] = _ModuleFacts(tuple(calls), tuple(handlers), _builds_queries(module),
                                                     _keyed(module), _passes_parameters(module), on_handlers)
    return facts


def _closure(frontier: set[str], calls: dict[str, set[str]]) -> set[str]:
    reachable: set[str] = set(frontier)
    queue = deque((key, 1) for key in frontier)
    while queue:
        key, hops = queue.popleft()
        if hops >= MAX_HOPS:
            continue
        for callee in calls.get(key, ()):
            if callee not in reachable:
                reachable.add(callee)
                queue.append((callee, hops + 1))
    return reachable


def reachable_from_request(node: nodes.NodeNG, reachable: set[str]) -> bool:
    """Whether a request can run `node`: it is in a handler, or in a function a handler reaches."""
    if in_request(node):
        return True
    return any(function_key(function) in reachable for function in enclosing_functions(node))


def reach(node: nodes.NodeNG, reachable: set[str], quiet_reachable: set[str]) -> str | None:
    """"request" when an ordinary handler can run `node`, "quiet" when only admin-like handlers
    can (a backup restore, a support console), None when no request can."""
    if any(admin_only(function) for function in enclosing_functions(node)):
        return "quiet"
    if finds_the_caller(node) or behind_dev_switch(node):
        return None
    if reachable_from_request(node, reachable):
        return "request"
    if any(function_key(function) in quiet_reachable for function in enclosing_functions(node)):
        return "quiet"
    return None


def checked_dependencies(modules: Iterable[tuple[str, nodes.Module]], tenant_names: set[str]) -> set[str]:
    """Names of FastAPI dependencies whose every dependant checks the row it is handed, before
    using it (`note: Note = Depends(note_in_path)` then `if note.workspace_id !=
    user.workspace_id: raise HTTPException(404)`): the lookup by the path's id in the dependency
    is checked, one function later."""
    fields = frozenset(OWNER_FIELDS | tenant_names | {name.removesuffix("_id") for name in tenant_names})
    verdicts: dict[str, list[bool]] = defaultdict(list)
    key = context_key("dependency_checks", fields)
    for _, module in modules:
        if not module_fact(module, "declares_dependencies", lambda module: any(_dependants(module))):
            continue  # nothing to ask its tree, which a kept module would need
        for name, checks in module_fact(module, key, lambda module: _dependency_checks(module, fields)):
            verdicts[name].append(checks)
    return {name for name, checks in verdicts.items() if all(checks)}


def _dependency_checks(module: nodes.Module, fields: frozenset[str]) -> tuple[tuple[str, bool], ...]:
    """(dependency, whether its dependant checks the row) for each FastAPI dependency the
    module's functions declare."""
    return tuple((dependency, _guards_row(function, parameter, fields))
                 for function, parameter, dependency in _dependants(module))


def _dependants(module: nodes.Module) -> Iterator[tuple[nodes.FunctionDef, str, str]]:
    """(function, parameter, dependency) for each parameter that FastAPI fills by calling a
    named function."""
    for function in nodes_within(module, nodes.FunctionDef):
        if not _injected_by_fastapi(function):
            continue
        for parameter in (*(function.args.args or []), *(function.args.kwonlyargs or [])):
            dependency = _declared_dependency(function, parameter.name)
            if isinstance(dependency, nodes.Name):
                yield function, parameter.name, dependency.name


keep("dependency_checks", tuple[tuple[str, bool], ...])
keep("declares_dependencies", bool)


def _declared_dependency(function: nodes.FunctionDef, parameter: str) -> nodes.NodeNG | None:
    """The function `Depends(...)` hands to `parameter`, in its default or its `Annotated[...]`."""
    args = function.args
    positional = args.args or []
    defaults = dict(zip([a.name for a in positional][len(positional) - len(args.defaults or []):],
                        args.defaults or [], strict=False))
    defaults.update(zip([a.name for a in args.kwonlyargs or []], args.kw_defaults or [], strict=False))
    annotations = dict(zip([a.name for a in positional], args.annotations or [], strict=False))
    annotations.update(zip([a.name for a in args.kwonlyargs or []], args.kwonlyargs_annotations or [], strict=False))
    for declared in (defaults.get(parameter), annotations.get(parameter)):
        for call in declared.nodes_of_class(nodes.Call) if declared is not None else ():
            dependency = _dependency_of(call)
            if dependency is not None:
                return dependency
    return None


def _guards_row(function: nodes.FunctionDef, name: str, fields: frozenset[str]) -> bool:
    """`if note.workspace_id != user.workspace_id: raise ...` in `function`, for the row `name`."""
    for guard in nodes_within(function, nodes.If):
        if not any(isinstance(statement, (nodes.Raise, nodes.Return)) for statement in guard.body):
            continue
        for compare in guard.test.nodes_of_class(nodes.Compare):
            for side in (compare.left, *(value for _, value in compare.ops)):
                parts = (dotted_name(side) or "").split(".")
                if len(parts) >= 2 and parts[0] == name and parts[1] in fields:
                    return True
    return False


def checked_by_its_dependants(node: nodes.NodeNG, checked: set[str]) -> bool:
    """Whether `node` is in a FastAPI dependency (not a route) whose dependants all check the
    row it returns (see `checked_dependencies`)."""
    functions = enclosing_functions(node)
    return bool(functions) and functions[0].name in checked and not _decorated_as_route(functions[0])
