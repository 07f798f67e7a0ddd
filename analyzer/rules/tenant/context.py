"""Whether a query runs while serving a request, which decides whether and how it is reported.

An unscoped list in a view, or in a service a view calls, leaks at once; in a cron job that no
request reaches it reads across tenants on purpose. A lookup by primary key is an insecure
direct object reference only where the id comes with the request: in a task, a model method or
a repository helper the id was chosen by trusted code, and the place to judge is the view.
"""

from __future__ import annotations

import contextlib

import astroid
from astroid import nodes

from ...index import ModelInfo, ProjectIndex
from ...index.handlers import checked_by_its_dependants, in_request, reach, serves_internal_api
from ...index.tenant import tenant_words
from ...lang.python import callee_name, dotted_name
from ...model import Severity
from ..base import RuleContext
from .chains import Chain, ChainResolver, assigned_values, outermost_call
from .django_queries import SHORTCUTS
from .narrowing import (
    chain_keywords,
    checked_after_fetch,
    counted_beforehand,
    deployed_for_one_tenant,
    documented_across_tenants,
    for_operators_only,
    is_housekeeping,
    narrowed_unless_operator,
    nested_in_query,
    only_gates_the_view,
    only_its_key_is_read,
    resolves_the_tenant,
)
from .permission_classes import checked_by_permission_class
from .policy import tenant_severity
from .serializer_checks import data_key, vouched_data
from .values import Origin, holds_one_tenant, is_capability_value, origin
from .view_serializers import validated_by_the_views_serializer


def verdict(node: nodes.Call, chain: Chain | None, resolver: ChainResolver, ctx: RuleContext,
            default: Severity) -> Severity | None:
    """The severity to report an unscoped query with, or None when it is not to be reported.
    A model that belongs to a tenant through a parent (`OfferImage` through `offer`) is judged
    where it is picked by a primary key: `OfferImage.objects.filter(pk=body["id"]).delete()`
    reaches another tenant's image (see `_picked_by_a_sent_key`); where the client names the
    parent (see `parent_named_by_client`); and where a request lists the rows of every parent
    (`View.objects.all()` in a viewset's `get_queryset`). A list narrowed by anything else is
    judged where its parent is."""
    if chain is None or chain.model is None:
        return None
    if not chain.model.is_tenant_scoped and not (
            chain.model.is_tenant_bound and not _deciding_access(node)
            and ((chain.keyed and _picked_by_a_sent_key(node, chain.model, ctx.index))
                 or (not chain.scoped and parent_named_by_client(node, chain.model, ctx.index))
                 or lists_every_parent(node, chain, ctx.index))):
        return None
    if chain.scoped or chain.unknown or _a_default_no_caller_uses(node, ctx.index):
        return None
    tenant = tenant_words(ctx.index.tenant)
    if nested_in_query(node, resolver) or checked_after_fetch(node, resolver) or is_housekeeping(node) \
            or only_its_key_is_read(node, tenant_key_names(chain.model), counts=not holds_one_tenant(node, tenant)) \
            or documented_across_tenants(node, tenant) \
            or resolves_the_tenant(node, tenant) or deployed_for_one_tenant(node, tenant) \
            or only_gates_the_view(node, ctx.index.view_decorators):
        return None
    helper = _handed_to(node)
    if helper is not None and (_is_validator(helper) or checked_after_fetch(helper, resolver) or any(
            is_capability_value(value) for value in (*helper.args, *(k.value for k in helper.keywords or ())))
            or _narrowed_by_its_caller(helper, ctx)):
        return None  # get_workspace_user(id, base_queryset=...) then checked; get_invitation_by_token(token, ...)
    # A key handed in by trusted code is judged where it is handed in; one the method reads
    # from the client's data itself (`self.data.get("label_id")`) is judged here.
    sent_here = in_request(node, ctx.index.view_decorators) or _picked_from_own_data(node, chain.model, ctx.index)
    if chain.keyed and (not sent_here or checked_by_its_dependants(node, ctx.index.checked_dependencies)
                        or counted_beforehand(node, resolver)
                        or validated_by_the_views_serializer(node, frozenset(ctx.index.tenant_names) | tenant)):
        return None
    if checked_by_permission_class(node, chain.model, resolver):
        return None
    key = chain.model.fields.get(chain.model.tenant_field or "")
    if key is not None and key.optional and ctx.index.tenant.empty_key_shared:
        default = Severity.WARNING  # rows without a tenant are shared (templates, built-in roles)
    if for_operators_only(node) or narrowed_unless_operator(node, resolver):
        default = Severity.WARNING  # if request.user.is_superuser: every tenant's rows, for operators
    return place_severity(node, ctx, default, keyed=chain.keyed)


def lists_every_parent(node: nodes.Call, chain: Chain, index: ProjectIndex) -> bool:
    """`return View.objects.all()` from the `get_queryset` of a view that lists its rows, on a
    model bound to the tenant through a parent: the list holds the rows of every parent, so of
    every tenant. Only there, and in a list view's class-level `queryset` that no
    `get_queryset` or `filter_queryset` of the view narrows: elsewhere such a query is mostly
    handed to code that narrows it (a handler's `base_queryset=`, a filter backend, a later
    `.filter(project=...)`), or serves one row that permissions check."""
    if chain.scoped or chain.keyed or chain.has_filter or not in_request(node, index.view_decorators):
        return False
    statement = outermost_call(node).parent
    scope = node.scope()
    if isinstance(scope, nodes.ClassDef):
        named = isinstance(statement, nodes.Assign) and any(
            isinstance(t, nodes.AssignName) and t.name == "queryset" for t in statement.targets)
        return named and serves_a_list(scope) and not _narrows_its_queryset(scope)
    if isinstance(scope, nodes.FunctionDef) and scope.name == "get_queryset" and isinstance(statement, nodes.Return) \
            and statement.parent is scope and isinstance(scope.parent, nodes.ClassDef):
        return serves_a_list(scope.parent)
    return False


# Views whose `get` lists the rows of their queryset.
LIST_VIEW_SUFFIXES = ("ListAPIView", "ListCreateAPIView", "ModelViewSet", "ListModelMixin", "ListView")


def serves_a_list(cls: nodes.ClassDef) -> bool:
    """A DRF list view or viewset, or Django's `ListView`: its queryset's rows are listed."""
    names = [dotted_name(b) or "" for b in cls.bases]
    with contextlib.suppress(astroid.InferenceError, RecursionError):
        names += [c.name for c in cls.ancestors()]
    return any(name.rsplit(".", 1)[-1].endswith(LIST_VIEW_SUFFIXES) for name in names)


NARROWING_METHODS = frozenset({"get_queryset", "filter_queryset"})


def _narrows_its_queryset(cls: nodes.ClassDef) -> bool:
    """Whether the view, or a base class of the project's, overrides `get_queryset` or
    `filter_queryset`."""
    return bool(view_methods(cls, NARROWING_METHODS))


FRAMEWORK_PACKAGES = ("rest_framework", "django.", "ninja")


def view_methods(cls: nodes.ClassDef, names: frozenset[str]) -> list[nodes.FunctionDef]:
    """The methods of those names that the view, or a base class of the project's, defines."""
    lineage = [cls]
    with contextlib.suppress(astroid.InferenceError, RecursionError):
        lineage += [c for c in cls.ancestors() if not c.root().name.startswith(FRAMEWORK_PACKAGES)]
    return [m for c in lineage for m in c.mymethods() if m.name in names]


def _a_default_no_caller_uses(node: nodes.Call, index: ProjectIndex) -> bool:
    """`if queryset is None: queryset = Comment.objects.all()` in a helper that every call in the
    project hands a queryset: the default never runs, and each caller's queryset is judged where
    the caller writes it."""
    statement = node.parent
    if not (isinstance(statement, nodes.Assign) and len(statement.targets) == 1
            and isinstance(statement.targets[0], nodes.AssignName) and isinstance(statement.parent, nodes.If)):
        return False
    name, test = statement.targets[0].name, statement.parent.test
    function = statement.scope()
    return _tests_missing(test, name) and statement in statement.parent.body \
        and isinstance(function, nodes.FunctionDef) and f"{function.name}#{name}" in index.always_given


def _tests_missing(test: nodes.NodeNG, name: str) -> bool:
    """`queryset is None` or `not queryset`."""
    if isinstance(test, nodes.UnaryOp) and test.op == "not":
        return isinstance(test.operand, nodes.Name) and test.operand.name == name
    return isinstance(test, nodes.Compare) and isinstance(test.left, nodes.Name) and test.left.name == name \
        and test.ops[0][0] == "is" and isinstance(test.ops[0][1], nodes.Const) and test.ops[0][1].value is None


def tenant_key_names(model: ModelInfo) -> frozenset[str]:
    """The attributes of a row that hold its tenant: `organization` and `organization_id`."""
    names = {name for name in (model.tenant_field, model.tenant_column) if name}
    return frozenset(names | {f"{name}_id" for name in names if not name.endswith("_id")})


def parent_words(model: ModelInfo) -> str:
    """"tenant-owned `Offer`" for the relation a tenant-bound model reaches its tenant through."""
    relation = model.fields.get(model.bound_via or "")
    parts = (relation.target or "").split(".") if relation is not None else [""]
    # SQLAlchemy's `ForeignKey("project.id")` names the table and its column, Django's "app.Model" the model
    target = parts[-2] if model.framework == "sqlalchemy" and len(parts) >= 2 else parts[-1]
    return f"tenant-owned `{target}`" if target else "tenant-owned row"


SINGLE_KEYS = frozenset({"pk", "id", "pk__exact", "id__exact"})
# A collection of keys is mostly gathered by the code from rows it already narrowed; one read
# straight from the body (`prompt_ids = request.data.get("prompt_ids")`) is the client's.
KEY_LISTS = frozenset({"pk__in", "id__in"})


def _picked_by_a_sent_key(node: nodes.Call, model: ModelInfo, index: ProjectIndex) -> bool:
    """`get(pk=entry["id"])` for each entry of `validated_data`: one row named by a key the client
    sent in the body or query string. A key from the URL is the one nested routes check in
    their permissions (`/projects/<project_pk>/features/<pk>`), and keys gathered into a
    collection are mostly gathered by the code from rows it already narrowed."""
    for keyword in chain_keywords(node):
        lookup = model.as_pk_lookup(keyword.arg) if keyword.arg else ""
        if lookup in SINGLE_KEYS and origin(keyword.value) is Origin.REQUEST \
                and not vouched_data(keyword.value, index.is_tenant_lookup, index.caller_data_keys):
            return True
        if lookup in KEY_LISTS and _read_from_the_body(keyword.value):
            return True
    return False


def _picked_from_own_data(node: nodes.Call, model: ModelInfo, index: ProjectIndex) -> bool:
    """`QuerySet(Tool).get(id=self.data.get("id"))` in a serializer's own method: a key the
    client sent, read where the row is picked. Elsewhere a `params` or `data` of a helper is
    mostly its caller's, and the key is judged where the caller hands it in."""
    return any(model.as_pk_lookup(keyword.arg) in SINGLE_KEYS | KEY_LISTS and data_key(keyword.value) is not None
               and not vouched_data(keyword.value, index.is_tenant_lookup, index.caller_data_keys)
               for keyword in chain_keywords(node) if keyword.arg)


def _read_from_the_body(value: nodes.NodeNG) -> bool:
    """`request.data.get("prompt_ids")` itself, or a name assigned only that: not a list the
    code built from rows (`[entry["id"] for entry in ...]`), whose keys may be checked."""
    if isinstance(value, nodes.Name):
        values = assigned_values(value)
        return isinstance(values, list) and len(values) == 1 and _read_from_the_body(values[0])
    return isinstance(value, (nodes.Subscript, nodes.Call)) and origin(value) is Origin.REQUEST


def parent_named_by_client(node: nodes.Call, model: ModelInfo, index: ProjectIndex) -> bool:
    """`Prompt.objects.filter(tool_id=request.GET["tool_id"])` on a model bound through `tool_id`:
    the rows of whichever parent the client names, another tenant's as readily as its own."""
    relation = model.bound_via or ""
    names = {relation, f"{relation}_id", relation.removesuffix("_id")}
    for keyword in chain_keywords(node):
        parts = (keyword.arg or "").split("__")
        if parts[0] in names and parts[1:] in ([], ["id"], ["pk"], ["exact"], ["in"]) \
                and origin(keyword.value) is Origin.REQUEST \
                and not vouched_data(keyword.value, index.is_tenant_lookup, index.caller_data_keys):
            return True
    return False


def _deciding_access(node: nodes.NodeNG) -> bool:
    """Inside a DRF permission's `has_permission`: the row is fetched to answer yes or no about
    the caller (`request.user.is_environment_admin(environment)`), not served."""
    scope = node.scope()
    return isinstance(scope, nodes.FunctionDef) and scope.name in ("has_permission", "has_object_permission")


def place_severity(node: nodes.NodeNG, ctx: RuleContext, default: Severity, keyed: bool = False) -> Severity | None:
    """How an unscoped query is reported where it is: errors where requests reach it; in
    commands, admin, scripts, jobs and internal APIs warnings, but only where the code holds one
    tenant (see `holds_one_tenant`) and reads more than the one row an operator or a service
    named by its key (`keyed`); elsewhere not at all."""
    severity = tenant_severity(ctx.relpath, ctx.config, default)
    if severity is None:
        return None
    if severity is not default or serves_internal_api(node):
        return Severity.WARNING if not keyed and holds_one_tenant(node, tenant_words(ctx.index.tenant)) else None
    return reach_severity(node, ctx, severity)


def _handed_to(node: nodes.Call) -> nodes.Call | None:
    """The call a query is handed to as an argument: a helper that fetches from it."""
    parent = node.parent
    if isinstance(parent, nodes.Keyword):
        parent = parent.parent
    elif not (isinstance(parent, nodes.Call) and node in parent.args):
        return None
    return parent if isinstance(parent, nodes.Call) else None


def _narrowed_by_its_caller(helper: nodes.Call, ctx: RuleContext) -> bool:
    """`get_object_or_404(annotate_rollups(Account.objects.all()), id=pk, org=org)`: the query a
    helper decorates is handed on to a lookup, which is judged itself (here, and scoped)."""
    outer = _handed_to(helper)
    return outer is not None and (callee_name(outer) or "").rsplit(".", 1)[-1] in SHORTCUTS


def _is_validator(call: nodes.Call) -> bool:
    """`UniqueTogetherValidator(queryset=Project.objects.all(), fields=("name", "organisation"))`:
    DRF asks only whether a clashing row exists, filtered by the fields it names."""
    return (callee_name(call) or "").endswith("Validator")


def reach_severity(node: nodes.NodeNG, ctx: RuleContext, severity: Severity) -> Severity | None:
    """Errors where ordinary requests reach the query, warnings where only admin-like handlers
    do, nothing where no request does."""
    reached = reach(node, ctx.index.request_reachable, ctx.index.quiet_reachable)
    if reached == "request":
        return severity
    return Severity.WARNING if reached == "quiet" else None
