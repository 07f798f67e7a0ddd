"""Whether a query runs while serving a request, which decides whether and how it is reported.

An unscoped list in a view, or in a service a view calls, leaks at once; in a cron job that no
request reaches it reads across tenants on purpose. A lookup by primary key is an insecure
direct object reference only where the id comes with the request: in a task, a model method or
a repository helper the id was chosen by trusted code, and the place to judge is the view.
"""

from __future__ import annotations

from astroid import nodes

from ...index.handlers import in_request, reach
from ...index.tenant import tenant_words
from ...lang.python import callee_name
from ...model import Severity
from ..base import RuleContext
from .chains import Chain, ChainResolver
from .narrowing import checked_after_fetch, is_housekeeping, nested_in_query
from .permission_classes import checked_by_permission_class
from .policy import tenant_severity
from .values import holds_one_tenant, is_capability_value


def verdict(node: nodes.Call, chain: Chain | None, resolver: ChainResolver, ctx: RuleContext,
            default: Severity) -> Severity | None:
    """The severity to report an unscoped query with, or None when it is not to be reported."""
    if chain is None or chain.model is None or not chain.model.is_tenant_scoped:
        return None
    if chain.scoped or chain.unknown:
        return None
    if nested_in_query(node, resolver) or checked_after_fetch(node, resolver) or is_housekeeping(node):
        return None
    helper = _handed_to(node)
    if helper is not None and (_is_validator(helper) or checked_after_fetch(helper, resolver) or any(
            is_capability_value(value) for value in (*helper.args, *(k.value for k in helper.keywords or ())))):
        return None  # get_workspace_user(id, base_queryset=...) then checked; get_invitation_by_token(token, ...)
    if chain.keyed and not in_request(node):
        return None
    if checked_by_permission_class(node, chain.model, resolver):
        return None
    key = chain.model.fields.get(chain.model.tenant_field or "")
    if key is not None and key.optional:
        default = Severity.WARNING  # rows without a tenant are shared (templates, built-in roles)
    return place_severity(node, ctx, default)


def place_severity(node: nodes.NodeNG, ctx: RuleContext, default: Severity) -> Severity | None:
    """How an unscoped query is reported where it is: errors where requests reach it; in
    commands, admin, scripts and jobs warnings, but only where the code holds one tenant (see
    `holds_one_tenant`); elsewhere not at all."""
    severity = tenant_severity(ctx.relpath, ctx.config, default)
    if severity is None:
        return None
    if severity is not default:
        return severity if holds_one_tenant(node, tenant_words(ctx.index.tenant)) else None
    return reach_severity(node, ctx, severity)


def _handed_to(node: nodes.Call) -> nodes.Call | None:
    """The call a query is handed to as an argument: a helper that fetches from it."""
    parent = node.parent
    if isinstance(parent, nodes.Keyword):
        parent = parent.parent
    elif not (isinstance(parent, nodes.Call) and node in parent.args):
        return None
    return parent if isinstance(parent, nodes.Call) else None


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
