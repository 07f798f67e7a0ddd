"""Hover on a diagnostic's range: the rule's documentation page, so that "why is this a
problem and what do I write instead" is answered where the problem is."""

from __future__ import annotations

from lsprotocol import types
from pygls.workspace import TextDocument

from analyzer.model import Finding

from .diagnostics import rule_infos


def hover(document: TextDocument, position: types.Position, findings: list[Finding]) -> types.Hover | None:
    server = document.position_codec.position_from_client_units(document.lines, position)
    line, column = server.line + 1, server.character + 1
    codes: list[str] = []
    for finding in findings:
        starts_before = (finding.line, finding.column) <= (line, column)
        ends_after = (line, column) <= (finding.end_line, finding.end_column)
        if starts_before and ends_after and finding.rule not in codes:
            codes.append(finding.rule)
    pages = [rule_infos()[code].documentation for code in codes if code in rule_infos()]
    if not pages:
        return None
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(pages)))
