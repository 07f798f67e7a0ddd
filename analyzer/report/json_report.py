"""The JSON output (`--format json`): the schema-version-1 contract of DESIGN.md.

The shape is defined once, by the pydantic models in `analyzer.model`; this module only pins
the serialisation (enums as their values, tuples as lists, stable indentation) so that scripts
parsing it never see a Python repr.
"""

from __future__ import annotations

import json
from typing import Any

from ..model import Report


def render_json(report: Report) -> str:
    # ASCII-only output decodes the same under any locale a CI runner happens to use.
    return json.dumps(valid_unicode(report.to_json_dict()), indent=2, ensure_ascii=True) + "\n"


def valid_unicode(value: Any) -> Any:
    """`value` with every string made valid Unicode. A file name that is not UTF-8 is held with
    surrogate escapes, and a lone surrogate makes strict parsers (serde_json) reject the whole
    report; its undecodable bytes are written as `\\xNN`, as Python's repr and git show them."""
    if isinstance(value, str):
        return value if value.isascii() or not _has_surrogate(value) else "".join(map(_escaped, value))
    if isinstance(value, dict):
        return {valid_unicode(key): valid_unicode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [valid_unicode(item) for item in value]
    return value


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _escaped(char: str) -> str:
    if "\udc80" <= char <= "\udcff":  # a byte that did not decode
        return f"\\x{ord(char) - 0xDC00:02x}"
    if "\ud800" <= char <= "\udfff":
        return f"\\u{ord(char):04x}"
    return char
