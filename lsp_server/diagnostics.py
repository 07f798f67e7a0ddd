"""Findings as LSP diagnostics, and back.

Positions are converted here and nowhere else: findings count 1-based code points, the client
counts 0-based units of its position encoding (UTF-16 unless it asked for another), and
pygls's position codec does the arithmetic. Each diagnostic carries its rule's fixes in `data`,
so that a code action never analyses the file again.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

import analyzer
from analyzer.model import Finding, Fix, RuleInfo, Severity, TextEdit

from .settings import Settings

SOURCE = "prodready"
_SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}
_OVERRIDES = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}


@cache
def rule_infos() -> dict[str, RuleInfo]:
    return {info.code: info for info in analyzer.rules()}


def to_client_range(lines: Sequence[str], codec: PositionCodec, line: int, column: int, end_line: int,
                    end_column: int) -> types.Range:
    """The client's range for a 1-based, end-exclusive span in code points."""
    server = types.Range(start=types.Position(line=max(line - 1, 0), character=max(column - 1, 0)),
                         end=types.Position(line=max(end_line - 1, 0), character=max(end_column - 1, 0)))
    return codec.range_to_client_units(lines, server)


def to_diagnostic(finding: Finding, lines: Sequence[str], codec: PositionCodec, settings: Settings) -> types.Diagnostic:
    info = rule_infos().get(finding.rule)
    override = settings.severity_of(finding.rule)
    return types.Diagnostic(
        range=to_client_range(lines, codec, finding.line, finding.column, finding.end_line, finding.end_column),
        severity=_OVERRIDES[override] if override else _SEVERITIES[finding.severity],
        code=finding.rule,
        code_description=types.CodeDescription(href=info.docs_url) if info and info.docs_url else None,
        source=SOURCE,
        message=finding.message,
        data={"fixes": [fix.model_dump(mode="json") for fix in finding.fixes]},
    )


def fixes_of(diagnostic: types.Diagnostic) -> list[Fix]:
    """The fixes a diagnostic of ours carries; none for anything a client made up."""
    data: Any = diagnostic.data
    if diagnostic.source != SOURCE or not isinstance(data, dict):
        return []
    fixes = []
    for raw in data.get("fixes") or ():
        try:
            fixes.append(Fix.model_validate(raw))
        except ValueError:
            continue
    return fixes


def to_text_edit(edit: TextEdit, lines: Sequence[str], codec: PositionCodec) -> types.TextEdit:
    return types.TextEdit(
        range=to_client_range(lines, codec, edit.line, edit.column, edit.end_line, edit.end_column),
        new_text=edit.new_text,
    )
