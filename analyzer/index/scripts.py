"""What the project's scripts say about each other: storage keys that hold a credential inside.

`localStorage.setItem("currentUser", JSON.stringify(user))` names no credential, but when
another file reads `JSON.parse(localStorage.getItem("currentUser")).token` the stored object
clearly carries one. The reads are gathered here, once, so that AUTH001 can judge the write.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..lang.javascript import ScriptFile
from ..lang.web_storage import ScriptFacts, credential_read_back
from .kept import keep, module_fact


@dataclass(frozen=True)
class ReadBack:
    """Where a stored value's credential property is read: `token` at src/api.ts:12."""

    prop: str
    path: str
    line: int


def credential_storage_keys(scripts: Iterable[tuple[str, ScriptFile]]) -> dict[str, ReadBack]:
    found: dict[str, ReadBack] = {}
    for relpath, script in scripts:
        for key, read_back in module_fact(script, "read_backs", lambda script, relpath=relpath:
                                          _read_backs(relpath, script)):
            found.setdefault(key, read_back)
    return found


def _read_backs(relpath: str, script: ScriptFile) -> tuple[tuple[str, ReadBack], ...]:
    """One script's reads, worked out once per parsed script (or kept, see `index.kept`): the
    language server indexes the project again for each keystroke in a models file, and the
    scripts have not changed."""
    return tuple((key, ReadBack(prop=prop, path=relpath, line=script.span(region, node).line))
                 for region in script.regions
                 for key, prop, node in credential_read_back(region, ScriptFacts.of(region)))


keep("read_backs", tuple[tuple[str, ReadBack], ...])
