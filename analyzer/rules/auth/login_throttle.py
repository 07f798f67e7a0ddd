"""AUTH005: login, token, password-reset and one-time-code endpoints that anyone can hammer."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

from astroid import nodes

from ...index.handlers import ADMIN_WORDS, ROUTE_DECORATORS, is_request_module
from ...lang.python import (
    Positions,
    decorator_name,
    decorator_names,
    dotted_name,
    imported_packages,
    nodes_within,
    safe_infer,
)
from ...lang.words import words
from ...model import Finding, Severity
from ..base import RuleContext
from . import AuthRule
from .views import base_names

CWE_307 = ("CWE-307: Improper Restriction of Excessive Authentication Attempts — "
           "https://cwe.mitre.org/data/definitions/307.html")
OWASP_AUTH = ("OWASP Authentication Cheat Sheet: Protect Against Automated Attacks — "
              "https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html"
              "#protect-against-automated-attacks")
# Library views that take a password, issue a token or send a reset e-mail, by kind.
LIBRARY_VIEWS = {
    "LoginView": "login", "LoginAPIView": "login", "KnoxLoginView": "login", "ObtainAuthToken": "token",
    "TokenObtainPairView": "token", "TokenObtainSlidingView": "token", "TokenObtainView": "token",
    "ObtainJSONWebToken": "token", "ObtainJSONWebTokenView": "token", "PasswordResetView": "password reset",
"obtain_auth_token": "token", "obtain_jwt_token": "token",
}
KIND_WORDS = {"login": "login", "signin": "login", "logon": "login", "authenticate": "login", "otp": "one-time code",
              "totp": "one-time code", "mfa": "one-time code", "2fa": "one-time code", "token": "token"}
KIND_PAIRS = {("sign", "in"): "login", ("log", "in"): "login", ("password", "reset"): "password reset",
              ("reset", "password"): "password reset", ("forgot", "password"): "password reset",
              ("two", "factor"): "one-time code", ("verify", "code"): "one-time code",
              ("recover", "password"): "password reset", ("password", "recovery"): "password reset"}
RISKS = {"login": "anyone can try leaked passwords against every account as fast as it answers",
         "token": "anyone can try leaked passwords against every account as fast as it answers",
         "one-time code": "a six-digit code falls to guessing in minutes",
         "password reset": "anyone can flood inboxes with reset e-mails and probe which addresses have accounts"}
# Generic views that never take a POST: `class UserLoginView(RedirectView)` only forwards.
READ_ONLY_VIEWS = frozenset({"RedirectView", "TemplateView", "ListView", "DetailView"})
CODE_VERBS = frozenset({"verify", "check", "confirm", "submit", "validate", "enter", "redeem"})
# A token endpoint hands one out; `TokenView` and `TokenEditView` manage the ones a user has.
TOKEN_VERBS = frozenset({"obtain", "issue", "provision", "exchange", "grant", "get", "auth"})
# Words that make a name about something else: `login_required`, `token_list`, `revoke_token`.
OTHER_WORDS = frozenset({"required", "list", "revoke", "delete", "page", "form", "template", "url", "redirect",
                         "logout", "signout", "detail", "details", "history", "status", "info", "on",
                         "expired", "expiry", "settings", "callback", "success", "done", "complete", "sent",
                         # managing a second factor, or a login that cannot be guessed
                         "add", "remove", "setup", "enable", "disable", "regenerate", "webauthn", "passkey",
                         "oauth", "sso", "saml", "social", "google", "github", "html", "content", "preview",
                         # an identity provider or a QR scan proves who it is; a guard or a wait page takes
                         # nothing to guess
                         "qr", "cas", "oidc", "openid", "guard", "wait", "setting"})
# In a decorator, base class or called name: `@ratelimit`, `@limiter.limit`, `throttle_classes`, `AxesMixin`.
GUARD_WORDS = ("ratelimit", "rate_limit", "ratelimiter", "throttle", "limiter", "axes_", "watch_login", "lockout",
               "brute", "captcha", "bucket", "attempt", "blockutil", "is_block", "failed_count")
ROUTE_WRITES = frozenset({"post", "put", "patch", "route", "api_route", "api_view", "action"})
DRF_BASES = ("APIView", "ViewSet", "GenericAPIView", "ObtainAuthToken", "TokenViewBase", "TokenObtainPairView",
             "TokenObtainSlidingView", "KnoxLoginView", "LoginAPIView")


def endpoint_kind(name: str) -> str | None:
    """"login" for `login`, `sign_in`, `LoginView`; "token" for `obtain_token`; None for `login_required`."""
    parts = words(name)
    if not parts or OTHER_WORDS & set(parts) or "oauth" in name.lower():
        return None
    for pair in pairwise(parts):
        if pair in KIND_PAIRS:
            return KIND_PAIRS[pair]
    kinds = [KIND_WORDS[w] for w in parts if w in KIND_WORDS]
    if "login" in kinds:
        return "login"
    if "code" in parts and CODE_VERBS & set(parts):
        return "one-time code"  # verify_reset_code, check_code
    if "token" in kinds and (parts == ["token"] or TOKEN_VERBS & set(parts)):
        return "token"
    return next((k for k in kinds if k != "token"), None)


def _guarded_by_name(names: list[str]) -> bool:
    return any(word in name.lower() for name in names for word in GUARD_WORDS)


def _decorators(definition: nodes.FunctionDef | nodes.ClassDef) -> list[str]:
    """Decorators as written, arguments included: `limiter.limit("5/minute")`."""
    return [d.as_string() for d in definition.decorators.nodes] if definition.decorators else []


class LoginWithoutRateLimit(AuthRule):
    """A login, token, password-reset or one-time-code endpoint has no rate limit.

    ## Why is this bad?
    An endpoint that checks a password or a code answers as fast as it is asked. Without a limit
    an attacker tries leaked passwords against every account (credential stuffing), guesses a
    six-digit code in minutes, or floods users with reset e-mails. The rule finds views by what
    they are (Django's `LoginView`, DRF's `ObtainAuthToken`, simplejwt's `TokenObtainPairView`,
    a function or class named `login`, `sign_in`, `obtain_token`, `password_reset`, `verify_otp`)
    and looks for any of django-ratelimit, django-axes, django-defender, DRF throttling (on the
    view or `DEFAULT_THROTTLE_CLASSES`), slowapi, flask-limiter (per route or `default_limits`),
    fastapi-limiter's `RateLimiter` dependency, asgi-ratelimit's `RateLimitMiddleware`, or a
    project helper whose name says it limits.

    ## Example
    ```python
    @api_view(["POST"])
    @permission_classes([AllowAny])
    def obtain_token(request):
        user = authenticate(request, username=request.data["email"], password=request.data["password"])
        if user is None:
            return Response(status=401)
        return Response({"token": Token.objects.get_or_create(user=user)[0].key})
    ```

    ## Use instead
    ```python
    @api_view(["POST"])
    @permission_classes([AllowAny])
    @throttle_classes([AnonRateThrottle])
    def obtain_token(request):
        user = authenticate(request, username=request.data["email"], password=request.data["password"])
        if user is None:
            return Response(status=401)
        return Response({"token": Token.objects.get_or_create(user=user)[0].key})
    ```
    """

    code = "AUTH005"
    name = "login-without-rate-limit"
    severity = Severity.WARNING
    languages = ("python",)
    references = (CWE_307, OWASP_AUTH)
    local_to_statement = True
    node_types = (nodes.FunctionDef, nodes.AsyncFunctionDef, nodes.ClassDef, nodes.Call)

    def check(self, node: nodes.NodeNG, ctx: RuleContext) -> Iterator[Finding]:
        if isinstance(node, nodes.Call):
            found = self._library_view_in_urls(node, ctx)
        elif isinstance(node, nodes.ClassDef):
            found = self._view_class(node, ctx)
        else:
            found = self._view_function(node, ctx)
        if found is not None:
            yield found

    def _report(self, ctx: RuleContext, where: nodes.NodeNG, label: str, kind: str) -> Finding:
        positions = ctx.positions or Positions(ctx.text)
        span = positions.name_span(where) if isinstance(where, (nodes.FunctionDef, nodes.AsyncFunctionDef,
                                                                 nodes.ClassDef)) else positions.span(where)
        return ctx.finding(self, span, f"{label} is a {kind} endpoint with no rate limit: {RISKS[kind]}; add "
                                       f"{_advice(where.root())}")

    def _project_guard(self, ctx: RuleContext, kind: str, drf: bool) -> bool:
        security = ctx.index.security
        if security.default_limits:
            return True
        if security.login_guard and kind in ("login", "token"):
            return True
        return drf and security.default_throttle

    def _library_view_in_urls(self, call: nodes.Call, ctx: RuleContext) -> Finding | None:
        """`path("login/", LoginView.as_view())` and `path("token/", obtain_auth_token)` in urls.py."""
        if (dotted_name(call.func) or "").rsplit(".", 1)[-1] not in ("path", "re_path", "url") or len(call.args) < 2:
            return None
        view = call.args[1]
        while isinstance(view, nodes.Call) and view.args and not (
                isinstance(view.func, nodes.Attribute) and view.func.attrname == "as_view"):
            if _guarded_by_name([view.func.as_string()]):
                return None  # ratelimit(key="ip", rate="5/m")(LoginView.as_view())
            view = view.args[0]
        target = view.func.expr if isinstance(view, nodes.Call) and isinstance(view.func, nodes.Attribute) \
            and view.func.attrname == "as_view" else view
        name = (dotted_name(target) or "").rsplit(".", 1)[-1]
        kind = LIBRARY_VIEWS.get(name)
        if kind is None:
            return None
        defined = safe_infer(target)
        if isinstance(defined, (nodes.ClassDef, nodes.FunctionDef)) and not _is_library(defined):
            return None  # the project's own subclass is judged where it is defined
        if self._project_guard(ctx, kind, drf=kind == "token"):
            return None
        if isinstance(view, nodes.Call) and _guarded_by_name([k.arg or "" for k in view.keywords or ()]):
            return None
        return self._report(ctx, view, f"`{name}`", kind)

    def _view_class(self, cls: nodes.ClassDef, ctx: RuleContext) -> Finding | None:
        bases = base_names(cls)
        if OTHER_WORDS & set(words(cls.name)) or "oauth" in cls.name.lower():
            return None  # CASLoginView(LoginView): the identity provider takes the password
        kind = next((LIBRARY_VIEWS[b] for b in bases if b in LIBRARY_VIEWS), None)
        if kind is None and any(b.endswith(("View", "APIView", "ViewSet", "Resource", "Endpoint")) for b in bases) \
                and not all(b in READ_ONLY_VIEWS for b in bases):
            kind = endpoint_kind(cls.name)
        if kind is None:
            return None
        if kind == "password reset" and any(
                isinstance(m, nodes.FunctionDef) and _confirms_reset(m) for m in cls.body):
            return None
        drf = any(b.endswith(DRF_BASES) for b in bases)
        if self._project_guard(ctx, kind, drf) or _guarded_by_name(bases + _decorators(cls)):
            return None
        for statement in cls.body:
            if _throttle_attribute(statement):
                return None
            if isinstance(statement, nodes.FunctionDef) and (
                    _guarded_by_name(_decorators(statement)) or _calls_guard(statement)):
                return None
        for base in cls.bases:  # a project mixin that checks lockouts for every login step
            defined = safe_infer(base)
            if isinstance(defined, nodes.ClassDef) and not _is_library(defined) and _calls_guard(defined, hops=0):
                return None
        return self._report(ctx, cls, f"`{cls.name}`", kind)

    def _view_function(self, function: nodes.FunctionDef, ctx: RuleContext) -> Finding | None:
        if isinstance(function.parent, nodes.ClassDef) or not _is_view(function):
            return None
        kind = endpoint_kind(function.name)
        if kind is None or not _accepts_writes(function) or (kind == "password reset" and _confirms_reset(function)):
            return None
        drf = "api_view" in decorator_names(function)
        dependencies = _dependency_texts(function)
        if self._project_guard(ctx, kind, drf) or _guarded_by_name(dependencies) or _calls_guard(function):
            return None
        if any(word in text.lower() for text in dependencies for word in ADMIN_WORDS):
            return None  # behind an operator's login: not where passwords are guessed
        return self._report(ctx, function, f"`{function.name}`", kind)


def _advice(module: nodes.Module) -> str:
    """The rate limiter that fits the framework the endpoint is written in."""
    packages = imported_packages(module)
    if packages & {"fastapi", "starlette"}:
        return "slowapi's `@limiter.limit(...)` or fastapi-limiter's `Depends(RateLimiter(...))`"
    if packages & {"flask", "quart"}:
        return "Flask-Limiter's `@limiter.limit(...)`"
    if "rest_framework" in packages:
        return "`throttle_classes` (or DEFAULT_THROTTLE_CLASSES), django-ratelimit or django-axes"
    return "django-ratelimit's `@ratelimit(...)` or django-axes"


def _is_view(function: nodes.FunctionDef) -> bool:
    """A routed function, or a Django view (the request first). Not a signal receiver, nor a
    FastAPI dependency or exception handler, which take the request without being endpoints."""
    if ROUTE_DECORATORS & set(decorator_names(function)):
        return True
    first = function.args.args[0].name if function.args.args else ""
    packages = imported_packages(function.root())
    return first in ("request", "req") and "receiver" not in decorator_names(function) and \
        is_request_module(function.root()) and not packages & {"fastapi", "starlette", "flask", "quart", "litestar"}


def _throttle_attribute(statement: nodes.NodeNG) -> bool:
    """`throttle_classes = [LoginRateThrottle]`, `throttle_scope = "login"`; an empty list turns them off."""
    if not isinstance(statement, nodes.Assign):
        return False
    names = [t.name for t in statement.targets if isinstance(t, nodes.AssignName)]
    if not any("throttle" in name or "ratelimit" in name for name in names):
        return False
    return not (isinstance(statement.value, (nodes.List, nodes.Tuple)) and not statement.value.elts)


def _is_library(definition: nodes.NodeNG) -> bool:
    """Defined in an installed package rather than in the project."""
    module = definition.root()
    return "site-packages" in (module.file or "") or module.name.startswith(
        ("django.", "rest_framework", "knox", "dj_rest_auth", "flask", "fastapi", "starlette"))


def _accepts_writes(function: nodes.FunctionDef) -> bool:
    """A route that takes a POST: FastAPI/Flask `.post`, `methods=[..."POST"...]`, or any Django view."""
    routes = [d for d in function.decorators.nodes if isinstance(d, nodes.Call)] if function.decorators else []
    for route in routes:
        name = decorator_name(route)
        if name in ("get", "delete", "head", "options"):
            return False
        if name in ("route", "api_route"):
            methods = next((k.value for k in route.keywords or () if k.arg == "methods"), None)
            if methods is None:
                return False  # Flask's default is GET only
            return "POST" in methods.as_string().upper()
    return True


def _calls_guard(definition: nodes.NodeNG, hops: int = 1) -> bool:
    """A call that limits attempts, here or one call away in the project: `check_rate_limit(request)`,
    `TokenBucket.authorize_login(ip)`, a form whose `clean()` does, a provider that counts
    `current_attempt` in the cache."""
    for node in nodes_within(definition, (nodes.Call, nodes.Const)):
        if isinstance(node, nodes.Const):
            if _counts_attempts(node):
                return True
            continue
        if _guarded_by_name([dotted_name(node.func) or ""]):
            return True
        if hops > 0:
            callee = safe_infer(node.func)
            if isinstance(callee, (nodes.FunctionDef, nodes.ClassDef)) and not _is_library(callee) and \
                    _calls_guard(callee, hops - 1):
                return True
    return False


def _counts_attempts(key: nodes.Const) -> bool:
    """`data["current_attempt"]`, `cache.incr(f"login-attempts:{ip}")`: a counter of tries, not a
    message that mentions them ("Invalid login attempt")."""
    if not (isinstance(key.value, str) and "attempt" in key.value.lower() and " " not in key.value.strip()):
        return False
    holder = key.parent.parent if isinstance(key.parent, nodes.JoinedStr) else key.parent
    return isinstance(holder, (nodes.Subscript, nodes.Dict, nodes.Call))


def _confirms_reset(function: nodes.FunctionDef) -> bool:
    """The second step of a reset, which checks the e-mailed token: unguessable, nothing to throttle."""
    parameters = [a.name for a in (*function.args.args, *function.args.kwonlyargs)]
    if any("token" in name or name.startswith("uid") for name in parameters):
        return True
    return any("token" in node.attrname for node in nodes_within(function, nodes.Attribute))


def _dependency_texts(function: nodes.FunctionDef) -> list[str]:
    """Decorators and parameter defaults as written: where fastapi-limiter's
    `Depends(RateLimiter(times=5, seconds=60))` and `Depends(get_current_superuser)` appear."""
    defaults = [d.as_string() for d in (*function.args.defaults, *function.args.kw_defaults) if d is not None]
    return _decorators(function) + defaults
