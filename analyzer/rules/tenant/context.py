"""Whether a query runs while serving a request, which decides how it is judged.

An unscoped list in a view leaks at once. A lookup by primary key is an insecure direct object
reference only where the id comes with a request: in a task, a model method or a repository
helper the id was chosen by trusted code, and the place to judge is the view that passes it.
"""

from __future__ import annotations

from typing import Optional

from astroid import nodes

from ...lang.python import dotted_name
from ...model import Severity
from ..base import RuleContext
from .chains import Chain, ChainResolver, checked_after_fetch, nested_in_query
from .policy import tenant_severity

REQUEST_PARAMETERS = frozenset({"request", "req"})
ROUTE_DECORATORS = frozenset({
    "route", "get", "post", "put", "patch", "delete", "api_route", "websocket", "api_view", "action",
    "login_required", "permission_required", "require_http_methods", "require_GET", "require_POST",
})
VIEW_BASE_WORDS = ("View", "ViewSet", "Endpoint", "Resource", "Handler", "Serializer", "Form")
REQUEST_MODULES = ("views", "api", "apis", "routes", "routers", "endpoints", "handlers", "resources", "viewsets",
                   "serializers", "forms", "controllers")


def in_request(node: nodes.NodeNG) -> bool:
    """Whether `node` sits in a request handler: a function that takes the request, a routed or
    view-decorated function, a method of a view, serializer or form, or a views/API module."""
    scope = node.scope()
    while not isinstance(scope, nodes.Module):
        if isinstance(scope, nodes.FunctionDef):
            names = {a.name for a in (scope.args.args or []) + (scope.args.kwonlyargs or [])}
            if names & REQUEST_PARAMETERS:
                return True
            for decorator in scope.decorators.nodes if scope.decorators else ():
                target = decorator.func if isinstance(decorator, nodes.Call) else decorator
                if (dotted_name(target) or "").rsplit(".", 1)[-1] in ROUTE_DECORATORS:
                    return True
        if isinstance(scope, nodes.ClassDef):
            bases = [(dotted_name(b) or "").rsplit(".", 1)[-1] for b in scope.bases]
            if any(b.endswith(VIEW_BASE_WORDS) for b in bases):
                return True
        scope = scope.parent.scope() if scope.parent is not None else scope.root()
    stem = scope.name.rsplit(".", 1)[-1]
    package = scope.name.split(".")
    return stem in REQUEST_MODULES or any(part in REQUEST_MODULES for part in package[:-1])


def verdict(node: nodes.Call, chain: Optional[Chain], resolver: ChainResolver, ctx: RuleContext,
            default: Severity) -> Optional[Severity]:
    """The severity to report an unscoped query with, or None when it is not to be reported."""
    if chain is None or chain.model is None or not chain.model.is_tenant_scoped:
        return None
    if chain.scoped or chain.unknown:
        return None
    if nested_in_query(node, resolver) or checked_after_fetch(node, resolver):
        return None
    if chain.pk_only and not in_request(node):
        return None
    return tenant_severity(ctx.relpath, ctx.config, default)
