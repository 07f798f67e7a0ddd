"""Identifiers split into words, whatever their case style.

`accessToken`, `access_token`, `access-token` and `ACCESS_TOKEN` are all ["access", "token"];
`tokenizerMode` is ["tokenizer", "mode"]. Rules that judge a name by what it says (a credential,
a login view, a production settings file) match whole words, never substrings.
"""

from __future__ import annotations

import re

_BOUNDARY = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?=[A-Z][a-z]|\b|\d|_|$)|\d+")


def words(name: str) -> list[str]:
    """Lower-case words of an identifier or key in any case style."""
    return [w.lower() for part in re.split(r"[^A-Za-z0-9]+", name) for w in _BOUNDARY.findall(part)]


KEY_WORDS = frozenset({"id", "ids", "pk", "pks", "uuid"})


def is_key_name(name: str) -> bool:
    """`page_id`, `ids`, `pk`, `pageId`: a name for a row's key, or a list of them."""
    found = words(name)
    return bool(found) and found[-1] in KEY_WORDS
