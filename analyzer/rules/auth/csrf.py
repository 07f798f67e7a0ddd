"""AUTH004: CSRF protection switched off where the session cookie authenticates."""

from __future__ import annotations

from collections.abc import Iterator

from astroid import nodes

from ...index.security import CSRF_MIDDLEWARE, depends_on
from ...index.settings import is_development, literal, setting_assignments, strings_in
from ...lang.python import Positions, decorator_name, dotted_name, imported_packages, last_name, safe_infer
from ...lang.words import words
from ...model import Finding, Severity
from ..base import RuleContext
from . import AuthRule
from .views import authenticates_otherwise, base_names, changes_state, uses_session_auth

CWE_352 = "CWE-352: Cross-Site Request Forgery (CSRF) — https://cwe.mitre.org/data/definitions/352.html"
OWASP_CSRF = ("OWASP Cross-Site Request Forgery Prevention Cheat Sheet — "
              "https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html")
EXEMPT_NAMES = frozenset({"csrf_exempt", "exempt"})
SESSION_MIDDLEWARE = ("django.contrib.sessions.middleware.SessionMiddleware",
                      "django.contrib.auth.middleware.AuthenticationMiddleware")
ROUTE_WRITES = frozenset({"post", "put", "patch", "delete"})
# Views that other sites post to by design: SAML assertion consumers, OAuth callbacks, webhooks.
EXTERNAL_POST_WORDS = frozenset({"callback", "webhook", "webhooks", "hook", "hooks", "acs", "ipn", "notify",
                                 "notification", "saml", "saml2"})
CSRF_OFF_SETTINGS = frozenset({"WTF_CSRF_ENABLED", "JWT_COOKIE_CSRF_PROTECT", "WTF_CSRF_CHECK_DEFAULT"})


class CsrfDisabled(AuthRule):
    """CSRF protection is turned off for views that the session cookie authenticates.

    ## Why is this bad?
    The browser sends the session cookie with every request to your site, including a form
    another site submits on the user's behalf. CSRF protection is what tells the two apart; turn
    it off and any page the user visits can change their password, invite an attacker to their
    organization or move money. The rule reports `@csrf_exempt` and `csrf_exempt(view)` on a
    Django view that changes state and uses the session (`login_required`, `request.user`);
    DRF's `SessionAuthentication` with `enforce_csrf` overridden to do nothing; a MIDDLEWARE
    without `CsrfViewMiddleware`; a Flask app that logs users in through its session with no
    CSRFProtect or Flask-WTF, or with `WTF_CSRF_ENABLED = False`; FastAPI routes that change state
    and read the user from a cookie with no CSRF middleware or dependency (on the route, or on
    its router: `APIRouter(dependencies=[Depends(verify_csrf)])`). A webhook that checks
    its signature, or an API view authenticated by a bearer token, is not at risk and is left alone.

    ## Example
    ```python
    @csrf_exempt
    @login_required
    def change_email(request):
        request.user.email = request.POST["email"]
        request.user.save(update_fields=["email"])
        return redirect("account")
    ```

    ## Use instead
    ```python
    @login_required
    @require_POST
    def change_email(request):
        request.user.email = request.POST["email"]
        request.user.save(update_fields=["email"])
        return redirect("account")
    ```
    """

    code = "AUTH004"
    name = "csrf-disabled"
    severity = Severity.ERROR
    languages = ("python",)
    references = (CWE_352, OWASP_CSRF)
    local_to_statement = True
    node_types = (nodes.FunctionDef, nodes.AsyncFunctionDef, nodes.ClassDef, nodes.Call, nodes.Module)

    def check(self, node: nodes.NodeNG, ctx: RuleContext) -> Iterator[Finding]:
        positions = ctx.positions or Positions(ctx.text)
        if isinstance(node, nodes.Module):
            yield from self._settings(node, ctx, positions)
            return
        if isinstance(node, nodes.Call):
            yield from self._call(node, ctx, positions)
            return
        if isinstance(node, nodes.ClassDef):
            yield from self._session_authentication(node, ctx, positions)
        exempt = self._exempt_decorator(node)
        if exempt is not None:
            view = node.parent.frame() if node.name == "dispatch" and isinstance(node.parent, nodes.ClassDef) \
                else node
            finding = self._exempted_view(view, exempt, ctx, positions)
            if finding is not None:
                yield finding
        if not isinstance(node, nodes.ClassDef) and not isinstance(node.parent, nodes.ClassDef):
            yield from self._cookie_route(node, ctx, positions)

    # -- Django and Flask exemptions -------------------------------------------------------------

    @staticmethod
    def _exempt_decorator(definition: nodes.NodeNG) -> nodes.NodeNG | None:
        for decorator in definition.decorators.nodes if definition.decorators else ():
            if decorator_name(decorator) in EXEMPT_NAMES and "csrf" in decorator.as_string().lower():
                return decorator  # @csrf_exempt, @csrf.exempt; not Flask-Limiter's @limiter.exempt
            if isinstance(decorator, nodes.Call) and decorator_name(decorator) == "method_decorator" and \
                    decorator.args and (dotted_name(decorator.args[0]) or "").rsplit(".", 1)[-1] == "csrf_exempt":
                return decorator
        return None

    def _exempted_view(self, view: nodes.NodeNG, where: nodes.NodeNG, ctx: RuleContext,
                       positions: Positions) -> Finding | None:
        if not (uses_session_auth(view) and changes_state(view)):
            return None
        if authenticates_otherwise(view):
            return None  # a signed webhook or a token API: no cookie to ride on
        named = set(words(getattr(view, "name", "")))
        if {"logout", "signout"} & named:
            return None  # a forged logout is a nuisance, not a takeover
        if EXTERNAL_POST_WORDS & named:
            return None  # an identity provider or a payment service posts here from its own site
        label = getattr(view, "name", "this view")
        return ctx.finding(self, positions.span(where),
                           f"`{label}` changes state for the logged-in user but is exempt from CSRF checks: "
                           "any site the user visits can submit it; remove the exemption (send the CSRF token "
                           "from the front end instead)")

    def _call(self, call: nodes.Call, ctx: RuleContext, positions: Positions) -> Iterator[Finding]:
        name = (dotted_name(call.func) or "").rsplit(".", 1)[-1]
        if name == "csrf_exempt" and call.args:
            view = _definition_of(call.args[0])
            if view is not None:
                finding = self._exempted_view(view, call, ctx, positions)
                if finding is not None:
                    yield finding
        elif name == "Flask" and not ctx.index.security.flask_csrf and ctx.index.security.session_login:
            yield ctx.finding(self, positions.span(call),
                              "this Flask app logs users in through its session cookie but nothing checks CSRF "
                              "tokens: add `CSRFProtect(app)` from Flask-WTF")

    def _session_authentication(self, cls: nodes.ClassDef, ctx: RuleContext, positions: Positions
                                ) -> Iterator[Finding]:
        """`class CsrfExemptSessionAuthentication(SessionAuthentication): def enforce_csrf(...): return`."""
        if "SessionAuthentication" not in base_names(cls):
            return
        for method in cls.body:
            if isinstance(method, nodes.FunctionDef) and method.name == "enforce_csrf" and _does_nothing(method):
                yield ctx.finding(self, positions.span(method),
                                  f"`{cls.name}` authenticates by session cookie but skips DRF's CSRF check: "
                                  "use SessionAuthentication as it is, or a token for non-browser clients")

    # -- FastAPI ---------------------------------------------------------------------------------

    def _cookie_route(self, function: nodes.FunctionDef, ctx: RuleContext, positions: Positions
                      ) -> Iterator[Finding]:
        security = ctx.index.security
        if security.asgi_csrf or not security.cookie_auth:
            return
        route = next((d for d in function.decorators.nodes if function.decorators
                      and isinstance(d, nodes.Call) and isinstance(d.func, nodes.Attribute)
                      and d.func.attrname in ROUTE_WRITES), None) if function.decorators else None
        if route is None or not imported_packages(function.root()) & {"fastapi", "starlette"}:
            return
        dependency = depends_on(function, security.cookie_auth)
        mentions_csrf = any("csrf" in name.lower() for name in _argument_texts(function, route))
        if dependency is None or mentions_csrf or {"logout", "signout"} & set(words(function.name)):
            return  # a forged logout is a nuisance, not a takeover
        yield ctx.finding(self, positions.span(route),
                          f"`{function.name}` changes state and authenticates through `{dependency}`, which reads "
                          "a cookie, with no CSRF check: require a CSRF header or token (or SameSite=Strict "
                          "cookies)", severity=Severity.WARNING)

    # -- settings --------------------------------------------------------------------------------

    def _settings(self, module: nodes.Module, ctx: RuleContext, positions: Positions) -> Iterator[Finding]:
        for setting in setting_assignments(module):
            if is_development(ctx.relpath, setting.owner):
                continue
            if setting.name in ("MIDDLEWARE", "MIDDLEWARE_CLASSES") and not setting.augmented and \
                    isinstance(setting.value, (nodes.List, nodes.Tuple)):
                entries = strings_in(setting.value)
                if any(m in entries for m in SESSION_MIDDLEWARE) and not ctx.index.security.csrf_middleware:
                    yield ctx.finding(self, positions.span(setting.node),
                                      f"{setting.name} has sessions but no `{CSRF_MIDDLEWARE}`: no form or POST "
                                      "is checked for a CSRF token; add it after SessionMiddleware")
            elif setting.name in CSRF_OFF_SETTINGS and literal(setting.value) is False:
                yield ctx.finding(self, positions.span(setting.node),
                                  f"`{setting.name} = False` turns CSRF protection off for every form and cookie-"
                                  "authenticated request: remove it")


def _definition_of(node: nodes.NodeNG) -> nodes.NodeNG | None:
    """The view a urls.py entry names: `views.upload` or `UploadView.as_view()`."""
    if isinstance(node, nodes.Call) and isinstance(node.func, nodes.Attribute) and node.func.attrname == "as_view":
        node = node.func.expr
    found = safe_infer(node)
    return found if isinstance(found, (nodes.FunctionDef, nodes.ClassDef)) else None


def _does_nothing(method: nodes.FunctionDef) -> bool:
    body = [s for s in method.body if not (isinstance(s, nodes.Expr) and isinstance(s.value, nodes.Const))]
    return all(isinstance(s, nodes.Pass) or (isinstance(s, nodes.Return) and s.value is None) for s in body)


def _argument_texts(function: nodes.FunctionDef, route: nodes.Call) -> list[str]:
    names = [a.name for a in (*function.args.args, *function.args.kwonlyargs)]
    names += [n.as_string() for n in (*function.args.defaults, *function.args.kw_defaults) if n is not None]
    names += [k.value.as_string() for k in route.keywords or () if k.arg == "dependencies"]
    names += [k.value.as_string() for k in _router_keywords(route) if k.arg == "dependencies"]
    return names


def _router_keywords(route: nodes.Call) -> list[nodes.Keyword]:
    """The keywords of `router = APIRouter(dependencies=[...])` for `@router.post(...)`: what
    the router declares runs before each of its routes."""
    router = route.func.expr if isinstance(route.func, nodes.Attribute) else None
    if not isinstance(router, nodes.Name):
        return []
    try:
        _, assignments = router.lookup(router.name)
    except Exception:  # astroid lookups can fail on broken code
        return []
    made = [a.parent.value for a in assignments if isinstance(a.parent, nodes.Assign)]
    if len(made) != 1 or not (isinstance(made[0], nodes.Call) and last_name(made[0].func) in ("APIRouter", "FastAPI")):
        return []
    return list(made[0].keywords or ())

