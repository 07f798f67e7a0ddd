"""AUTH001: a credential written to localStorage or sessionStorage."""

from __future__ import annotations

from collections.abc import Iterator

from ...lang.javascript import ScriptFile
from ...lang.web_storage import (
    MENTIONS,
    ScriptFacts,
    credential_key,
    is_plain_literal,
    names_a_credential,
    stored_names,
)
from ...model import Finding, Severity
from ..base import RuleContext
from . import CWE_922, OWASP_SESSION, SCRIPT_LANGUAGES, AuthRule


class CredentialInWebStorage(AuthRule):
    """A token, JWT, API key or password is written to localStorage or sessionStorage.

    ## Why is this bad?
    Web Storage is readable by every script that runs on the page: an analytics snippet, a
    compromised dependency, one cross-site scripting bug. Whoever reads the token can act as the
    user from anywhere until it expires, and unlike a session cookie it cannot be marked
    httpOnly. The rule follows `window.localStorage`, aliases (`const s = window.sessionStorage`),
    dot and bracket assignment, `setItem`, string constants used as keys, and the libraries that
    store into Web Storage (store.js, localforage, secure-ls, react-secure-storage, the
    `useLocalStorage` hooks, zustand's `persist`). A key or a value named like a credential
    (`token`, `jwt`, `accessToken`, `api_key`, `password`) counts; `tokenizerMode`, `theme` and
    `tokenExpiry` do not. So does an object stored under any key when some script reads a
    credential back out of it (`JSON.parse(localStorage.getItem("currentUser")).token`).

    ## Example
    ```javascript
    export async function login(email, password) {
      const response = await fetch("/api/login", { method: "POST", body: JSON.stringify({ email, password }) });
      const data = await response.json();
      localStorage.setItem("accessToken", data.access);
    }
    ```

    ## Use instead
    ```javascript
    export async function login(email, password) {
      // The server answers with Set-Cookie: session=...; HttpOnly; Secure; SameSite=Lax
      const response = await fetch("/api/login", {
        method: "POST", credentials: "include", body: JSON.stringify({ email, password }),
      });
      localStorage.setItem("lastLoginEmail", email);
    }
    ```
    """

    code = "AUTH001"
    name = "credential-in-web-storage"
    severity = Severity.ERROR
    languages = SCRIPT_LANGUAGES
    references = (CWE_922, OWASP_SESSION)
    script_mentions = MENTIONS

    def check_script(self, script: ScriptFile, ctx: RuleContext) -> Iterator[Finding]:
        for region in script.regions:
            facts = ScriptFacts.of(region)
            for write in facts.writes():
                if is_plain_literal(script, region, write.value):
                    continue  # localStorage.setItem("hasToken", "true"): a flag
                what = credential_key(facts, write.key) or names_a_credential(stored_names(region, write.value))
                inside = ""
                if what is None:
                    read_back = ctx.index.credential_storage_keys.get(facts.key_text(write.key) or "")
                    if read_back is None:
                        continue
                    what = facts.key_text(write.key)
                    inside = f" with a `{read_back.prop}` inside (read back at {read_back.path}:{read_back.line})"
                place = write.place if write.place in ("localStorage", "sessionStorage") else \
                    f"Web Storage (through `{write.place}`)"
                message = (f"`{what}` is written to {place}{inside}, where any script on the page can read it: let "
                           f"the server set it as an httpOnly, Secure, SameSite cookie instead")
                yield ctx.finding(self, script.span(region, write.node), message)
