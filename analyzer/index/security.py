"""The protections a project switches on once for every view: lockouts, throttles, CSRF middleware.

A login view with no decorator is still rate limited when django-axes is installed or DRF
throttles every API view by default; a Flask form is protected when `CSRFProtect(app)` runs in
the app factory, three files away. Rules judge one view at a time, so the project-wide half of
the answer is gathered here, once, in pass 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from astroid import nodes

from ..lang.python import dotted_name, imported_packages, keyword_argument, nodes_within
from ..lang.words import words
from .kept import keep, module_fact
from .settings import is_development, literal, setting_assignments, strings_in

# INSTALLED_APPS / MIDDLEWARE / AUTHENTICATION_BACKENDS entries that lock out repeated failed logins.
SETTINGS_WITH_APPS = frozenset({"INSTALLED_APPS", "MIDDLEWARE", "MIDDLEWARE_CLASSES", "AUTHENTICATION_BACKENDS"})
LOGIN_GUARDS = {"axes": "django-axes", "defender": "django-defender"}
CSRF_MIDDLEWARE = "django.middleware.csrf.CsrfViewMiddleware"  # or a project's own `...CsrfCheckMiddleware`
FLASK_CSRF_PACKAGES = frozenset({"flask_wtf", "flask_seasurf"})
ASGI_CSRF_PACKAGES = frozenset({"starlette_csrf", "fastapi_csrf_protect", "asgi_csrf", "starlette_wtf"})
COOKIE_SCHEMES = frozenset({"APIKeyCookie", "CookieTransport"})
IDENTITY_WORDS = frozenset({"user", "session", "account", "principal", "auth", "current", "member", "me", "identity",
                            "login", "viewer", "admin", "actor"})
SERVICE_WORDS = frozenset({"manager", "service", "logger", "repository", "repo", "client", "factory", "db", "cache",
                           "settings", "context", "query", "flow", "provider", "providers"})


@dataclass
class SecurityFacts:
    login_guard: str = ""  # "django-axes" when a lockout package guards every authenticate()
    default_throttle: bool = False  # REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] is set
    default_limits: str = ""  # "flask-limiter"/"slowapi" when a Limiter has default_limits for every route,
    # "asgi-ratelimit" when its RateLimitMiddleware is built
    csrf_middleware: bool = False  # some settings module lists CsrfViewMiddleware or a CSRF middleware of its own
    flask_csrf: bool = False  # CSRFProtect / Flask-WTF / SeaSurf
    asgi_csrf: bool = False  # a CSRF middleware or dependency for Starlette/FastAPI
    cookie_auth: set[str] = field(default_factory=set)  # dependencies that authenticate from a cookie
    session_login: bool = False  # Flask-Login, or the user's id kept in Flask's session cookie
    truthy_settings: set[str] = field(default_factory=set)  # cookie/CSRF settings a non-development module sets
    migration_modules: set[str] = field(default_factory=set)  # apps whose MIGRATION_MODULES point elsewhere
    installed_apps: set[str] = field(default_factory=set)  # last parts of INSTALLED_APPS entries
    creates_engine: bool = False  # create_engine()/SQLAlchemy(): the project runs its models against a database


def gather_security(python: Iterable[tuple[str, nodes.Module]]) -> SecurityFacts:
    python = list(python)
    facts = SecurityFacts()
    for relpath, module in python:
        part = _module_security(relpath, module)
        facts.login_guard = facts.login_guard or part.login_guard  # the first one found
        facts.default_throttle |= part.default_throttle
        facts.default_limits = part.default_limits or facts.default_limits  # the last one found
        facts.csrf_middleware |= part.csrf_middleware
        facts.flask_csrf |= part.flask_csrf
        facts.asgi_csrf |= part.asgi_csrf
        facts.cookie_auth |= part.cookie_auth
        facts.session_login |= part.session_login
        facts.truthy_settings |= part.truthy_settings
        facts.migration_modules |= part.migration_modules
        facts.installed_apps |= part.installed_apps
        facts.creates_engine |= part.creates_engine
    facts.cookie_auth = _depending_on(python, facts.cookie_auth)
    return facts


def _module_security(relpath: str, module: nodes.Module) -> SecurityFacts:
    """What one module says of the project's protections, read from its own syntax: worked out
    once per tree, and merged in module order by `gather_security`."""
    return module_fact(module, "security", lambda module: _security_of(relpath, module))


def _security_of(relpath: str, module: nodes.Module) -> SecurityFacts:
    facts = SecurityFacts()
    packages = imported_packages(module)
    facts.flask_csrf |= bool(packages & FLASK_CSRF_PACKAGES)
    facts.asgi_csrf |= bool(packages & ASGI_CSRF_PACKAGES)
    facts.session_login |= "flask_login" in packages or ("flask" in packages and _stores_user_in_session(module))
    for setting in setting_assignments(module):
        if setting.name in SETTINGS_WITH_APPS:
            entries = strings_in(setting.value)
            if setting.name == "INSTALLED_APPS":  # "billing", "billing.apps.BillingConfig", "acme.billing"
                facts.installed_apps |= {e.split(".apps.")[0].rsplit(".", 1)[-1] for e in entries}
            facts.csrf_middleware |= setting.name.startswith("MIDDLEWARE") and any(
                "csrf" in entry.lower() for entry in entries)
            for entry in entries:
                guard = LOGIN_GUARDS.get(entry.split(".")[0])
                facts.login_guard = facts.login_guard or (guard or "")
        elif setting.name == "MIGRATION_MODULES" and isinstance(setting.value, nodes.Dict):
            facts.migration_modules |= {k.value for k, _ in setting.value.items if isinstance(k, nodes.Const)}
        elif setting.name == "REST_FRAMEWORK" and isinstance(setting.value, nodes.Dict):
            facts.default_throttle |= _sets_throttles(setting.value)
        elif setting.name == "DEFAULT_THROTTLE_CLASSES":
            facts.default_throttle |= not isinstance(setting.value, (nodes.List, nodes.Tuple)) or \
                bool(setting.value.elts)
        if ("COOKIE" in setting.name or "CSRF" in setting.name) and \
                literal(setting.value) not in (False, None, "", 0) and not is_development(relpath, setting.owner):
            facts.truthy_settings.add(setting.name)
    for call in nodes_within(module, nodes.Call):
        name = (dotted_name(call.func) or "").rsplit(".", 1)[-1]
        facts.creates_engine |= name in ("create_engine", "create_async_engine", "SQLAlchemy")
        if name == "Limiter" and _has_default_limits(call):
            facts.default_limits = "slowapi" if "slowapi" in packages else "flask-limiter"
        elif name == "RateLimitMiddleware" and "ratelimit" in packages:
            facts.default_limits = "asgi-ratelimit"  # rules by path for every route, as middleware
        elif name in ("CSRFMiddleware", "CsrfProtect", "CSRFProtect"):
            facts.flask_csrf |= name == "CSRFProtect"
            facts.asgi_csrf |= name != "CSRFProtect"
    if packages & {"fastapi", "starlette"}:
        facts.asgi_csrf |= _defines_csrf(module)
    facts.cookie_auth |= _cookie_dependencies(module)
    return facts


keep("security", SecurityFacts)


def _stores_user_in_session(module: nodes.Module) -> bool:
    """`session["user_id"] = user.id`: Flask's signed session cookie is the login."""
    for assign in nodes_within(module, nodes.Assign):
        for target in assign.targets:
            if isinstance(target, nodes.Subscript) and isinstance(target.value, nodes.Name) and \
                    target.value.name == "session" and isinstance(target.slice, nodes.Const) and \
                    "user" in str(target.slice.value):
                return True
    return False


def _defines_csrf(module: nodes.Module) -> bool:
    """A project's own CSRF middleware or form protection (`class CSRFCookieSetterMiddleware`), which
    guards every route; a CSRF dependency (`def verify_csrf`) guards only the routes that use it."""
    return any("csrf" in cls.name.lower() for cls in nodes_within(module, nodes.ClassDef))


def _sets_throttles(rest_framework: nodes.Dict) -> bool:
    for key, value in rest_framework.items:
        if isinstance(key, nodes.Const) and key.value == "DEFAULT_THROTTLE_CLASSES":
            return not isinstance(value, (nodes.List, nodes.Tuple)) or bool(value.elts)
    return False


def _has_default_limits(call: nodes.Call) -> bool:
    for name in ("default_limits", "application_limits"):
        value = keyword_argument(call, name)
        if value is not None and not (isinstance(value, (nodes.List, nodes.Tuple)) and not value.elts):
            return True
    return False


def _cookie_dependencies(module: nodes.Module) -> set[str]:
    """Functions that read the caller's identity from a cookie: a `Cookie()` parameter, a
    cookie security scheme (`APIKeyCookie`), or `request.cookies` in their body."""
    schemes = {
        target.name
        for assign in nodes_within(module, nodes.Assign)
        if isinstance(assign.value, nodes.Call)
        and (dotted_name(assign.value.func) or "").rsplit(".", 1)[-1] in COOKIE_SCHEMES
        for target in assign.targets if isinstance(target, nodes.AssignName)
    }
    found = set()
    for function in nodes_within(module, (nodes.FunctionDef, nodes.AsyncFunctionDef)):
        defaults = [*function.args.defaults, *(d for d in function.args.kw_defaults if d is not None)]
        for default in defaults:
            if isinstance(default, nodes.Call):
                called = (dotted_name(default.func) or "").rsplit(".", 1)[-1]
                argument = default.args[0] if default.args else None
                if called == "Cookie" or (called in ("Depends", "Security") and isinstance(argument, nodes.Name)
                                          and argument.name in schemes):
                    found.add(function.name)
        if any(node.attrname == "cookies" for node in nodes_within(function, nodes.Attribute)) and \
                any(arg.name in ("request", "req") for arg in function.args.args or ()):
            found.add(function.name)
    return found


def depends_on(function: nodes.FunctionDef, names: set[str]) -> str | None:
    """The first of `names` that `function` takes as a FastAPI dependency (`Depends(get_user)`)."""
    return next((target for target in _dependencies_taken(function) if target in names), None)


def _dependencies_taken(function: nodes.FunctionDef) -> Iterator[str]:
    """The last names of what `function` takes as FastAPI dependencies, in order."""
    defaults = [*function.args.defaults, *(d for d in function.args.kw_defaults if d is not None)]
    annotations = [*function.args.annotations, *function.args.kwonlyargs_annotations]
    for node in [*defaults, *(a for a in annotations if a is not None)]:
        for call in node.nodes_of_class(nodes.Call):
            if (dotted_name(call.func) or "").rsplit(".", 1)[-1] in ("Depends", "Security") and call.args:
                yield (dotted_name(call.args[0]) or "").rsplit(".", 1)[-1]


def names_an_identity(name: str) -> bool:
    """`get_current_user`, `require_session`, `current_account`: yes. `get_user_manager`, `get_audit_logger`: no."""
    parts = words(name)
    return bool(parts) and bool(IDENTITY_WORDS & set(parts)) and parts[-1] not in SERVICE_WORDS


def _depending_on(python: Iterable[tuple[str, nodes.Module]], seeds: set[str], hops: int = 4) -> set[str]:
    """Identity dependencies built on a cookie dependency (`get_current_active_user` on
    `get_current_user`); a service that merely takes one (`get_user_manager`) is not one."""
    found = set(seeds)
    functions = [function for _, module in python
                 for function in module_fact(module, "identity_dependencies", _identity_dependencies)]
    for _ in range(hops):
        grown = {name for name, taken in functions if name not in found and taken & found}
        if not grown:
            break
        found |= grown
    return found


def _identity_dependencies(module: nodes.Module) -> tuple[tuple[str, frozenset[str]], ...]:
    """(function, what it takes as FastAPI dependencies) for each function named for an identity."""
    found = []
    for function in nodes_within(module, (nodes.FunctionDef, nodes.AsyncFunctionDef)):
        if names_an_identity(function.name):
            found.append((function.name, frozenset(_dependencies_taken(function))))
    return tuple(found)


keep("identity_dependencies", tuple[tuple[str, frozenset[str]], ...])
