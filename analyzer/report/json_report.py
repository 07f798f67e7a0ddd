"""The JSON output (`--format json`): the schema-version-1 contract of DESIGN.md.

The shape is defined once, by the pydantic models in `analyzer.model`; this module only pins
the serialisation (enums as their values, tuples as lists, stable indentation) so that scripts
parsing it never see a Python repr.
"""

from __future__ import annotations

import json

from ..model import Report


def render_json(report: Report) -> str:
    # ASCII-only output decodes the same under any locale a CI runner happens to use.
    return json.dumps(report.to_json_dict(), indent=2, ensure_ascii=True) + "\n"
