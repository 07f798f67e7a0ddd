"""Whether a name or a string names a credential, word by word.

`accessToken`, `access_token`, `access-token` and `ACCESS_TOKEN` are all the words
["access", "token"]; `tokenizerMode` is ["tokenizer", "mode"] and `theme` is ["theme"], so
matching whole words keeps them apart. A name whose last word only describes the credential
(`tokenExpiry`, `authProvider`) holds a date or a label, not a secret.
"""

from __future__ import annotations

from itertools import pairwise

from .words import words

CREDENTIAL_WORDS = frozenset({
    "token", "tokens", "jwt", "jwts", "bearer", "auth", "authorization", "secret", "password", "passwd",
    "credential", "credentials", "apikey", "sessionid", "sid", "accesstoken", "refreshtoken", "idtoken",
    "authtoken", "xsrf",
})
CREDENTIAL_PAIRS = frozenset({("api", "key"), ("session", "id"), ("session", "key"), ("private", "key"),
                              ("client", "secret"), ("access", "key")})
# Last words that describe a credential without being one: `tokenExpiry`, `authRedirect`.
DESCRIPTIVE_WORDS = frozenset({
    "expiry", "expires", "expiration", "exp", "expire", "expired", "expiresat", "expiresin", "type", "ttl",
    "timestamp", "time", "at", "date", "count", "length", "status", "flag", "mode", "provider", "method",
    "url", "uri", "endpoint", "enabled", "version", "scope", "scopes", "redirect", "path", "error", "errors",
    "loading", "required", "strength", "policy", "hint", "label", "visible", "visibility", "field", "input",
    "step", "page", "route", "modal", "form", "timeout", "id_type", "format", "name", "kind", "plugin",
})


def names_credential(name: str | None) -> bool:
    """`authToken`, `jwt`, `refresh_token`, `X-API-Key`: yes. `tokenizerMode`, `tokenExpiry` and
    `authPluginId` (a credential word followed by one that describes it): no."""
    if not name:
        return False
    parts = words(name)
    if not parts or parts[-1] in DESCRIPTIVE_WORDS or parts[0] in ("is", "has", "should", "show", "use"):
        return False
    padded = [*parts, ""]
    if any(word in CREDENTIAL_WORDS and after not in DESCRIPTIVE_WORDS for word, after in pairwise(padded)):
        return True
    return any((first, second) in CREDENTIAL_PAIRS and after not in DESCRIPTIVE_WORDS
               for first, second, after in zip(padded, padded[1:], padded[2:], strict=False))
