"""AUTH002: a credential read from Web Storage and sent with requests."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tree_sitter import Node

from ...lang.credentials import names_credential
from ...lang.javascript import ScriptFile, ScriptRegion, arguments_of, string_value
from ...lang.web_storage import (
    MENTIONS,
    TRANSPARENT,
    ScriptFacts,
    StorageAccess,
    credential_key,
    holder,
    uses,
)
from ...model import Finding, Severity
from ..base import RuleContext
from . import CWE_922, OWASP_SESSION, SCRIPT_LANGUAGES, AuthRule

AUTH_HEADERS = frozenset({"authorization", "x-auth-token", "x-access-token", "x-api-key", "x-csrf-token",
                          "x-xsrf-token", "x-session-token", "x-token"})
HEADER_SETTERS = frozenset({"setRequestHeader", "set", "append"})
TOKEN_PARAMETER = re.compile(r"[?&;]?\b(?:token|access_token|accessToken|jwt|auth|api_key|apikey|id_token)=$", re.I)


class CredentialFromWebStorage(AuthRule):
    """A credential read from localStorage or sessionStorage is sent with requests.

    ## Why is this bad?
    A token that the front end reads back from Web Storage to put in an `Authorization` header
    (or a `?token=` parameter) lives where any script on the page can read it too. This is the
    other half of AUTH001, and the half that shows the flaw when the write happens in a library
    or in another file. Reads are followed through a variable (`const token = localStorage.
    getItem("token")`) and through a small getter (`const getToken = () => ...`) to the header.

    ## Example
    ```javascript
    export function authHeaders() {
      const token = localStorage.getItem("token");
      return { Authorization: `Bearer ${token}` };
    }
    ```

    ## Use instead
    ```javascript
    export function authHeaders() {
      // The session cookie (HttpOnly, Secure, SameSite) goes with the request by itself.
      return { "X-Requested-With": "fetch" };
    }
    ```
    """

    code = "AUTH002"
    name = "credential-from-web-storage"
    severity = Severity.ERROR
    languages = SCRIPT_LANGUAGES
    references = (CWE_922, OWASP_SESSION)
    script_mentions = MENTIONS

    def check_script(self, script: ScriptFile, ctx: RuleContext) -> Iterator[Finding]:
        for region in script.regions:
            facts = ScriptFacts.of(region)
            getters: dict[str, StorageAccess] = {}
            for read in facts.reads():
                key = credential_key(facts, read.key)
                kept_in = holder(region, read.node)
                if key is None and not (kept_in and names_credential(kept_in[0])):
                    continue
                key = key or facts.key_text(read.key)
                kept = uses(region, kept_in[0], kept_in[1]) if kept_in is not None else ()
                if _sent(region, read.node) or any(_sent(region, use) for use in kept):
                    yield self._finding(script, region, read, key, ctx)
                elif kept_in is not None and kept_in[2]:
                    getters[kept_in[0]] = read
            for name, read in getters.items():
                if any(_sent(region, call) for call in _calls(region, name)):
                    yield self._finding(script, region, read, facts.key_text(read.key), ctx)

    def _finding(self, script: ScriptFile, region: ScriptRegion, read: StorageAccess, key: str | None,
                 ctx: RuleContext) -> Finding:
        place = read.place if read.place in ("localStorage", "sessionStorage") else f"`{read.place}`"
        message = (f"`{key}` is read from {place} and sent as a credential: any script on the page can read it "
                   f"too; authenticate with an httpOnly, Secure, SameSite cookie instead")
        return ctx.finding(self, script.span(region, read.node), message)


REQUEST_METHODS = frozenset({"post", "put", "patch", "request", "fetch", "ajax", "send"})


def _request_payload(region: ScriptRegion, obj: Node) -> bool:
    """An object sent as a request's body: `axios.post(url, { refresh })`,
    `fetch(url, { body: JSON.stringify({ refresh }) })`."""
    current = obj
    while current.parent is not None and current.parent.type in ("arguments", "call_expression", "pair", "object"):
        current = current.parent
        if current.type == "call_expression" and _called_name(region, current) in REQUEST_METHODS:
            return True
    return False


CALLED = re.compile(r"(\w+)\s*(?:<[^()]*>)?\s*$")


def _called_name(region: ScriptRegion, call: Node) -> str | None:
    """`post` for `axios.post(...)`, `await api.post<T>(...)` and `post(...)`."""
    function = call.child_by_field_name("function")
    match = CALLED.search(region.text(function)) if function is not None else None
    return match.group(1) if match else None


def _sent(region: ScriptRegion, node: Node) -> bool:
    """Whether the value at `node` ends up in an auth header, a credential field or a token parameter."""
    if node.type == "shorthand_property_identifier":
        return node.parent is not None and _request_payload(region, node.parent)
    current = node
    while current.parent is not None and current.parent.type in TRANSPARENT:
        parent = current.parent
        if parent.type == "template_string" and _token_parameter_before(region, parent, current):
            return True
        if parent.type == "binary_expression" and _token_parameter_before(region, parent, current):
            return True
        if parent.type == "arguments" and _header_setter(region, parent, current):
            return True
        if parent.type == "call_expression" and parent.child_by_field_name("function") == current:
            return False
        current = parent
    parent = current.parent
    if parent is None:
        return False
    if parent.type == "pair" and parent.child_by_field_name("value") == current:
        key = region.text(parent.child_by_field_name("key")).strip("\"'")
        return key.lower() in AUTH_HEADERS or names_credential(key)
    if parent.type == "assignment_expression" and parent.child_by_field_name("right") == current:
        left = parent.child_by_field_name("left")
        name = None
        if left is not None and left.type == "member_expression":
            name = region.text(left.child_by_field_name("property"))
        elif left is not None and left.type == "subscript_expression":
            name = string_value(region, left.child_by_field_name("index"))
        return name is not None and left is not None and _looks_like_request(region, left) and (
            name.lower() in AUTH_HEADERS or names_credential(name))
    return False


def _looks_like_request(region: ScriptRegion, target: Node) -> bool:
    """`config.headers.Authorization`, `axios.defaults.headers.common[...]`, `params.token`: not
    `state.token` or `this.auth.token`, which keep the value rather than send it."""
    text = region.text(target).lower()
    return any(word in text for word in ("header", "params", "query", "body"))


def _token_parameter_before(region: ScriptRegion, container: Node, part: Node) -> bool:
    """`/ws?token=${token}` or `"...&access_token=" + token`."""
    before = region.source[container.start_byte:part.start_byte].decode("utf-8", errors="replace")
    return bool(TOKEN_PARAMETER.search(before.rstrip("${+ '\"`")))


def _header_setter(region: ScriptRegion, arguments: Node, value: Node) -> bool:
    """`xhr.setRequestHeader("Authorization", value)`, `headers.set("X-Auth-Token", value)`."""
    call = arguments.parent
    function = call.child_by_field_name("function") if call is not None else None
    if call is None or function is None or function.type != "member_expression":
        return False
    if region.text(function.child_by_field_name("property")) not in HEADER_SETTERS:
        return False
    items = arguments_of(call)
    header = string_value(region, items[0]) if items else None
    return len(items) >= 2 and items[0] != value and header is not None and header.lower() in AUTH_HEADERS


def _calls(region: ScriptRegion, name: str) -> Iterator[Node]:
    """`getToken()` and `auth.getToken()` anywhere in the script."""
    for node in ScriptFacts.of(region).interesting:
        if node.type == "call_expression" and _called_name(region, node) == name:
            yield node
