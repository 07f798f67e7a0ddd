"""What a view does with the request, as far as CSRF and login rules need to know.

A CSRF exemption matters when the browser's session cookie is what authenticates the view and
the view changes something; a webhook that checks an HMAC signature, or an API view that reads
a bearer token, is not at risk from a forged form. These questions are answered from the
view's own code: its decorators, its base classes and the names its body uses.
"""

from __future__ import annotations

from astroid import nodes

from ...lang.python import decorator_names, dotted_name, nodes_within
from ...lang.words import words

SESSION_DECORATORS = frozenset({"login_required", "permission_required", "user_passes_test", "staff_member_required",
                                "fresh_login_required", "roles_required", "superuser_required"})
SESSION_MIXINS = ("LoginRequiredMixin", "PermissionRequiredMixin", "UserPassesTestMixin")
STATE_DECORATORS = frozenset({"require_POST", "require_http_methods"})
STATE_METHODS = frozenset({"post", "put", "patch", "delete"})
WRITE_CALLS = frozenset({"save", "delete", "create", "update", "bulk_create", "bulk_update", "get_or_create",
                         "update_or_create", "add", "remove", "set_password", "commit", "execute"})
# Names that show the request is authenticated by something other than the session cookie.
SIGNATURE_WORDS = ("hmac", "compare_digest", "constant_time_compare", "signature", "construct_event",
                   "verify_webhook", "validate_webhook", "verify_request", "webhook_secret")
TOKEN_WORDS = ("HTTP_AUTHORIZATION", "Authorization", "authorization", "bearer", "Bearer", "api_key", "HTTP_X_API_KEY",
               "X-Api-Key", "X-API-Key", "authenticate_token", "TokenAuthentication")


def _source_names(definition: nodes.NodeNG) -> set[str]:
    """Every name, attribute and string a definition mentions."""
    found: set[str] = set()
    for node in nodes_within(definition, (nodes.Name, nodes.Attribute, nodes.Const)):
        if isinstance(node, nodes.Name):
            found.add(node.name)
        elif isinstance(node, nodes.Attribute):
            found.add(node.attrname)
        elif isinstance(node.value, str):
            found.add(node.value)
    return found


def base_names(cls: nodes.ClassDef) -> list[str]:
    return [(dotted_name(base) or "").rsplit(".", 1)[-1] for base in cls.bases]


def _decorator_texts(definition: nodes.FunctionDef | nodes.ClassDef) -> list[str]:
    return [d.as_string() for d in definition.decorators.nodes] if definition.decorators else []


def _token_decorator(text: str) -> bool:
    """`@token_auth.login_required` (Flask-HTTPAuth), `@requires_kobo_auth`, `@require_api_key`:
    the caller proves who it is with a header or a token, not with the session cookie."""
    parts = set(words(text.split("(")[0]))
    return bool(parts & {"token", "basic", "httpauth", "key", "signature", "hmac", "bearer", "jwt"}) or (
        "auth" in parts and not parts & {"login", "required"})


def uses_session_auth(definition: nodes.FunctionDef | nodes.ClassDef) -> bool:
    """Behind a login decorator or mixin, or reading `request.user` / `request.session` / `current_user`."""
    texts = _decorator_texts(definition)
    if any(_token_decorator(text) for text in texts):
        return False
    if SESSION_DECORATORS & set(decorator_names(definition)):
        return True
    if isinstance(definition, nodes.ClassDef) and any(b.endswith(SESSION_MIXINS) for b in base_names(definition)):
        return True
    for attribute in nodes_within(definition, nodes.Attribute):
        if attribute.attrname in ("user", "session") and (dotted_name(attribute.expr) or "").endswith("request"):
            return True
    return any(name.name == "current_user" for name in nodes_within(definition, nodes.Name))


def changes_state(definition: nodes.FunctionDef | nodes.ClassDef) -> bool:
    """Accepts POST (by decorator or `request.method == "POST"`) or writes something; a class
    takes a POST and writes something (an export rendered on POST changes nothing)."""
    if STATE_DECORATORS & set(decorator_names(definition)):
        return True
    if isinstance(definition, nodes.ClassDef):
        return any(isinstance(m, nodes.FunctionDef) and m.name in STATE_METHODS for m in definition.body) and \
            _writes(definition)
    for compare in nodes_within(definition, nodes.Compare):
        if "method" in (dotted_name(compare.left) or "") and any(
                isinstance(n, nodes.Const) and n.value in ("POST", "PUT", "PATCH", "DELETE")
                for _, other in compare.ops for n in other.nodes_of_class(nodes.Const)):
            return True
    return _writes(definition)


def _writes(definition: nodes.NodeNG) -> bool:
    return any(isinstance(call.func, nodes.Attribute) and call.func.attrname in WRITE_CALLS
               for call in nodes_within(definition, nodes.Call))


def authenticates_otherwise(definition: nodes.FunctionDef | nodes.ClassDef) -> str | None:
    """"a signature" for a webhook that checks one, "a token" for a view that reads a bearer token."""
    names = _source_names(definition)
    if any(word in name for name in names for word in SIGNATURE_WORDS):
        return "a signature"
    if any(name in TOKEN_WORDS for name in names):
        return "a token"
    return None
