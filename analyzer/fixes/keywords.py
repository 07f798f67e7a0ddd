"""Keyword arguments added to, or corrected in, a Python call.

`response.set_cookie("session", token)` becomes
`response.set_cookie("session", token, httponly=True, secure=True, samesite="Lax")`: new
keywords go right after the last argument, so trailing commas and line breaks stay as written,
and a keyword already passed with the wrong value has only its value replaced.
"""

from __future__ import annotations

from astroid import nodes

from ..lang.python import Positions
from ..model import TextEdit


def keyword_edits(call: nodes.Call, wanted: dict[str, str], positions: Positions, path: str) -> list[TextEdit]:
    """Edits that make `call` pass each `wanted` keyword with its source text; [] when the call
    has no argument to anchor on or unpacks `**kwargs` (which may already hold them)."""
    keywords = {k.arg: k for k in call.keywords or ()}
    if None in keywords:
        return []
    edits = []
    missing = []
    for name, source in wanted.items():
        present = keywords.get(name)
        if present is None:
            missing.append(f"{name}={source}")
        else:
            span = positions.span(present.value)
            edits.append(TextEdit(path=path, line=span.line, column=span.column, end_line=span.end_line,
                                  end_column=span.end_column, new_text=source))
    if missing:
        last = _last_argument(call)
        if last is None:
            return []
        span = positions.span(last)
        edits.append(TextEdit(path=path, line=span.end_line, column=span.end_column, end_line=span.end_line,
                              end_column=span.end_column, new_text=", " + ", ".join(missing)))
    return edits


def _last_argument(call: nodes.Call) -> nodes.NodeNG | None:
    arguments = [*call.args, *(call.keywords or ())]
    if not arguments:
        return None
    return max(arguments, key=lambda a: (a.end_lineno or 0, a.end_col_offset or 0))
