"""AUTH003: a credential cookie that scripts can read, plain HTTP can carry, or other sites can send."""

from __future__ import annotations

import re
from collections.abc import Iterator

from astroid import nodes
from tree_sitter import Node

from ...fixes.keywords import keyword_edits
from ...index.settings import Setting, is_development, is_production, literal, setting_assignments
from ...lang.credentials import DESCRIPTIVE_WORDS, names_credential
from ...lang.javascript import ScriptFile, ScriptRegion, arguments_of, string_value
from ...lang.python import Positions, dotted_name, imported_packages
from ...lang.python_strings import string_value as python_string
from ...lang.web_storage import ScriptFacts
from ...lang.words import words
from ...model import Finding, Fix, FixSafety, Severity
from ..base import RuleContext
from . import CWE_614, CWE_1004, SCRIPT_LANGUAGES, AuthRule

COOKIE_SETTERS = frozenset({"set_cookie", "set_signed_cookie"})
# Position of each flag among set_cookie's parameters, the same in Django, Werkzeug and Starlette:
# (key, value, max_age, expires, path, domain, secure, httponly, samesite).
FLAG_POSITIONS = {"secure": 6, "httponly": 7, "samesite": 8}
# Cookie names that hold a login on their own, besides the credential words.
SESSION_WORDS = frozenset({"session", "sess", "remember", "login"})
# The CSRF cookie is meant to be read by scripts (double submit): never a finding.
CSRF_WORDS = frozenset({"csrf", "xsrf", "csrftoken", "xsrftoken"})
# Settings that, turned off, expose the framework's own session and login cookies.
HTTPONLY_SETTINGS = frozenset({"SESSION_COOKIE_HTTPONLY", "REMEMBER_COOKIE_HTTPONLY"})
SECURE_SETTINGS = frozenset({"SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE",
                             "JWT_COOKIE_SECURE"})
SAMESITE_SETTINGS = frozenset({"SESSION_COOKIE_SAMESITE", "REMEMBER_COOKIE_SAMESITE", "JWT_COOKIE_SAMESITE"})
# Django settings a production settings module must leave on (their defaults are off).
PRODUCTION_REQUIRED = ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE")
JS_COOKIE_SETTERS = frozenset({"Cookies.set", "Cookie.set", "cookies.set", "cookie.set", "jsCookie.set",
                               "JsCookie.set", "cookie.serialize", "setCookie"})
CONSEQUENCES = {"httponly": "any script on the page can read it", "secure": "it is sent over plain HTTP too",
                "samesite": "other sites' requests carry it along"}
ASGI_PACKAGES = frozenset({"fastapi", "starlette", "litestar"})


def names_cookie_credential(name: str | None) -> bool:
    """`access_token`, `sessionid`, `remember_me` and `JWT_AUTH_COOKIE`: yes. `csrftoken`, `theme`: no."""
    if not name:
        return False
    parts = words(name)
    while len(parts) > 1 and parts[-1] in ("name", "cookie"):
        parts = parts[:-1]  # SESSION_COOKIE_NAME names the session cookie
    if not parts or CSRF_WORDS & set(parts) or parts[-1] in DESCRIPTIVE_WORDS or "public" in parts:
        return False
    # `login_session`, `remember_me`: the session itself; `session_public_key` is about it.
    return names_credential("_".join(parts)) or parts[-1] in SESSION_WORDS or parts[-2:] == ["remember", "me"]


class UnprotectedCookie(AuthRule):
    """A session or token cookie is set without HttpOnly, Secure or SameSite.

    ## Why is this bad?
    A cookie without `HttpOnly` can be read by every script on the page, so one XSS bug or
    compromised dependency takes the user's session with it. Without `Secure` it also travels
    over plain HTTP, where anyone on the network can copy it; without `SameSite` other sites can
    make the browser send it along with forged requests. The rule checks `set_cookie` and
    `set_signed_cookie` calls (Django, Flask/Werkzeug, Starlette/FastAPI; Starlette already
    defaults to `samesite="lax"`) for cookies named like a session or a token, settings that
    switch the framework's own cookies to unprotected (`SESSION_COOKIE_HTTPONLY = False`,
    `SESSION_COOKIE_SECURE = False`, Flask's `app.config[...]`), production settings that leave
    `SESSION_COOKIE_SECURE` and `CSRF_COOKIE_SECURE` at their insecure defaults, and tokens
    written with `document.cookie` or js-cookie, which can never be HttpOnly. The CSRF cookie is
    meant to be read by scripts and is left alone; so are settings files for development and tests.

    ## Example
    ```python
    def login(request):
        user = authenticate(request, username=request.POST["email"], password=request.POST["password"])
        response = redirect("dashboard")
        response.set_cookie("access_token", issue_token(user), max_age=3600)
        return response
    ```

    ## Use instead
    ```python
    def login(request):
        user = authenticate(request, username=request.POST["email"], password=request.POST["password"])
        response = redirect("dashboard")
        response.set_cookie("access_token", issue_token(user), max_age=3600, httponly=True, secure=True,
                            samesite="Lax")
        return response
    ```

    ## Fix
    Adds the missing `httponly=True`, `secure=True` and `samesite="Lax"` keywords (and turns a
    `False` among them to `True`). Safe: it changes only how the browser keeps the cookie. A
    development server on plain `http://` will stop receiving a `Secure` cookie; run it over
    HTTPS or make `secure` depend on a setting.
    """

    code = "AUTH003"
    name = "unprotected-cookie"
    severity = Severity.ERROR
    languages = ("python", *SCRIPT_LANGUAGES)
    references = (CWE_1004, CWE_614)
    fixable = True
    local_to_statement = True
    node_types = (nodes.Call, nodes.Module)
    script_mentions = re.compile("cookie", re.I)  # document.cookie and every setter below

    def check(self, node: nodes.NodeNG, ctx: RuleContext) -> Iterator[Finding]:
        if isinstance(node, nodes.Module):
            yield from self._settings(node, ctx)
        elif isinstance(node.func, nodes.Attribute) and node.func.attrname in COOKIE_SETTERS:
            finding = self._set_cookie(node, ctx)
            if finding is not None:
                yield finding

    # -- response.set_cookie(...) ------------------------------------------------------------

    def _set_cookie(self, call: nodes.Call, ctx: RuleContext) -> Finding | None:
        name = _cookie_name(call)
        if name and CSRF_WORDS & set(words(name)):
            return None  # the CSRF cookie: scripts must read it
        if not (names_cookie_credential(name) or _value_is_credential(call)):
            return None
        if any(k.arg is None for k in call.keywords or ()):
            return None  # set_cookie(**cookie_options): the options live elsewhere
        if any(k.arg in ("max_age", "expires") and literal(k.value) == 0 for k in call.keywords or ()):
            return None  # set_cookie("session", "", max_age=0): clearing it on logout
        asgi = bool(imported_packages(call.root()) & ASGI_PACKAGES)
        missing = [flag for flag in ("httponly", "secure", "samesite")
                   if _flag_off(call, flag) and not (flag == "samesite" and asgi and _argument(call, flag) is None)]
        if not missing:
            return None
        label = f"`{name}`" if name else "this cookie"
        flags = ", ".join(f"`{flag}`" for flag in missing)
        message = f"cookie {label} holds a credential but is set without {flags}: " + "; ".join(
            CONSEQUENCES[flag] for flag in missing)
        positions = ctx.positions or Positions(ctx.text)
        return ctx.finding(self, positions.span(call), message, fixes=self._fix(call, missing, asgi, ctx, positions),
                           severity=Severity.ERROR if "httponly" in missing else Severity.WARNING)

    def _fix(self, call: nodes.Call, missing: list[str], asgi: bool, ctx: RuleContext,
             positions: Positions) -> list[Fix]:
        if any(len(call.args) > FLAG_POSITIONS[flag] for flag in missing):
            return []  # passed by position: a keyword would repeat it
        values = {"httponly": "True", "secure": "True", "samesite": '"lax"' if asgi else '"Lax"'}
        edits = keyword_edits(call, {flag: values[flag] for flag in missing}, positions, ctx.relpath)
        if not edits:
            return []
        title = "Set " + ", ".join(f"{flag}={values[flag]}" for flag in missing)
        return [Fix(title=title, safety=FixSafety.SAFE, edits=tuple(edits))]

    # -- settings ------------------------------------------------------------------------------

    def _settings(self, module: nodes.Module, ctx: RuleContext) -> Iterator[Finding]:
        positions = ctx.positions or Positions(ctx.text)
        module_level: set[str] = set()
        for setting in setting_assignments(module):
            if not setting.owner:
                module_level.add(setting.name)
            if is_development(ctx.relpath, setting.owner):
                continue
            finding = self._setting(setting, ctx, positions)
            if finding is not None:
                yield finding
        yield from self._production_module(module, module_level, ctx, positions)
        if ctx.index.security.session_login:
            yield from self._production_classes(module, ctx, positions)

    def _setting(self, setting: Setting, ctx: RuleContext, positions: Positions) -> Finding | None:
        value = literal(setting.value)
        span = positions.span(setting.node)
        if setting.name in HTTPONLY_SETTINGS and value is False:
            return ctx.finding(self, span, f"`{setting.name} = False` lets any script on the page read the "
                                           "session cookie: remove it (the default is True)")
        if setting.name in SECURE_SETTINGS and value is False:
            return ctx.finding(self, span, f"`{setting.name} = False` sends the cookie over plain HTTP too: "
                                           "set it to True in production", severity=Severity.WARNING)
        if setting.name in SAMESITE_SETTINGS and value in (None, False):
            return ctx.finding(self, span, f"`{setting.name}` turned off lets other sites send the cookie with "
                                           'their requests: use "Lax"', severity=Severity.WARNING)
        return None

    def _production_module(self, module: nodes.Module, assigned: set[str], ctx: RuleContext,
                           positions: Positions) -> Iterator[Finding]:
        """`settings/production.py` that never turns the Secure flags on, here or in any settings it
        builds on (`from .base import *`): Django's defaults send both cookies over plain HTTP."""
        if not is_production(ctx.relpath) or is_development(ctx.relpath) or \
                not {"DEBUG", "ALLOWED_HOSTS", "DATABASES", "MIDDLEWARE"} & assigned:
            return
        secured = ctx.index.security.truthy_settings
        missing = [name for name in PRODUCTION_REQUIRED if name not in assigned and name not in secured]
        first = next((s for s in module.body if isinstance(s, (nodes.Assign, nodes.AugAssign))), None)
        if missing and first is not None:
            names = " and ".join(f"`{name}`" for name in missing)
            yield ctx.finding(self, positions.span(first), f"these production settings never set {names}: the "
                                                           "cookies are sent over plain HTTP too; set them to True",
                              severity=Severity.WARNING)

    def _production_classes(self, module: nodes.Module, ctx: RuleContext, positions: Positions
                            ) -> Iterator[Finding]:
        """`class ProductionConfig(Config)` that neither sets SESSION_COOKIE_SECURE nor inherits it."""
        classes = {c.name: c for c in module.body if isinstance(c, nodes.ClassDef)}
        for cls in classes.values():
            if not is_production("", cls.name) or is_development("", cls.name):
                continue
            assigned = _class_settings(cls, classes)
            if assigned is not None and "SESSION_COOKIE_SECURE" not in assigned:
                yield ctx.finding(self, positions.name_span(cls),
                                  f"`{cls.name}` never sets `SESSION_COOKIE_SECURE`: Flask's session cookie is "
                                  "sent over plain HTTP too; set it to True", severity=Severity.WARNING)

    # -- scripts -------------------------------------------------------------------------------

    def check_script(self, script: ScriptFile, ctx: RuleContext) -> Iterator[Finding]:
        for region in script.regions:
            facts = ScriptFacts.of(region)
            for node in facts.interesting:
                found = None
                if node.type == "assignment_expression":
                    found = _document_cookie(facts, node)
                elif node.type == "call_expression":
                    found = _library_cookie(facts, node)
                if found is not None:
                    name, how = found
                    yield ctx.finding(self, script.span(region, node),
                                      f"`{name}` is set as a cookie {how}, which can never be HttpOnly: any script "
                                      "on the page can read it. Let the server set it (Set-Cookie with HttpOnly, "
                                      "Secure and SameSite)")


def _class_settings(cls: nodes.ClassDef, classes: dict[str, nodes.ClassDef],
                    seen: frozenset[str] = frozenset()) -> set[str] | None:
    """Settings a config class assigns or inherits from classes of the same module; None when a
    base lives elsewhere and may set anything."""
    names = {t.name for s in cls.body if isinstance(s, (nodes.Assign, nodes.AnnAssign))
             for t in (s.targets if isinstance(s, nodes.Assign) else [s.target]) if isinstance(t, nodes.AssignName)}
    for base in cls.bases:
        base_name = dotted_name(base) or ""
        if base_name == "object":
            continue
        parent = classes.get(base_name)
        if parent is None or base_name in seen:
            return None
        inherited = _class_settings(parent, classes, seen | {cls.name})
        if inherited is None:
            return None
        names |= inherited
    return names


def _argument(call: nodes.Call, flag: str) -> nodes.NodeNG | None:
    for keyword in call.keywords or ():
        if keyword.arg == flag:
            return keyword.value
    position = FLAG_POSITIONS[flag]
    return call.args[position] if len(call.args) > position else None


def _flag_off(call: nodes.Call, flag: str) -> bool:
    """Missing, or passed as False/None. A computed value (`secure=not settings.DEBUG`) is on."""
    value = _argument(call, flag)
    return value is None or literal(value) in (False, None)


def _cookie_name(call: nodes.Call) -> str | None:
    key = call.args[0] if call.args else next((k.value for k in call.keywords or () if k.arg == "key"), None)
    if key is None:
        return None
    text = python_string(key)
    if text is not None and "%s" not in text.text:
        return text.text
    return (dotted_name(key) or "").rsplit(".", 1)[-1] or None


def _value_is_credential(call: nodes.Call) -> bool:
    value = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords or () if k.arg == "value"),
                                                          None)
    if isinstance(value, nodes.Call):
        value = value.func
    name = (dotted_name(value) or "").rsplit(".", 1)[-1] if value is not None else ""
    return names_cookie_credential(name)


def _cookie_text(region: ScriptRegion, node: Node) -> str | None:
    """The leading literal text of a cookie string: `"token=" + t`, `` `token=${t}` ``."""
    literal_text = string_value(region, node)
    if literal_text is not None:
        return literal_text
    if node.type == "template_string":
        text = region.text(node)[1:]
        return text.split("${", 1)[0] if not text.startswith("${") else None
    if node.type == "binary_expression":
        left = node.child_by_field_name("left")
        return _cookie_text(region, left) if left is not None else None
    return None


def _document_cookie(facts: ScriptFacts, node: Node) -> tuple[str, str] | None:
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    if left is None or right is None or facts.text(left).replace("window.", "") != "document.cookie":
        return None
    text = _cookie_text(facts.region, right)
    if text is None or "=" not in text:
        return None
    name, _, rest = text.partition("=")
    lowered = rest.lower().replace(" ", "")
    if "max-age=0" in lowered or "max-age=-1" in lowered or "1970" in lowered:
        return None  # clearing the cookie on logout
    name = name.strip()
    if names_cookie_credential(name):
        return name, "through `document.cookie`"
    return None


def _library_cookie(facts: ScriptFacts, node: Node) -> tuple[str, str] | None:
    callee = node.child_by_field_name("function")
    if callee is None or facts.text(callee) not in JS_COOKIE_SETTERS:
        return None
    arguments = arguments_of(node)
    index, name = next(((i, facts.key_text(a)) for i, a in enumerate(arguments[:2]) if _names_cookie(facts, a)),
                       (None, None))
    if index is None or name is None:
        return None
    options = next((a for a in arguments[index + 2:] if a.type == "object"), None)
    if options is not None and "httponly:true" in facts.text(options).replace(" ", "").lower():
        return None  # set on the server (nookies in getServerSideProps): HttpOnly holds
    return name, f"with `{facts.text(callee)}`"


def _names_cookie(facts: ScriptFacts, key: Node) -> bool:
    """A cookie name, resolved through constants, or the constant's own name (`AUTH_COOKIE`)."""
    if names_cookie_credential(facts.key_text(key)):
        return True
    return key.type in ("identifier", "member_expression") and names_cookie_credential(facts.text(key))
