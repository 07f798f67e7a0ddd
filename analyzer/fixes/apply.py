"""Apply the fixes of a report to the files on disk.

Edits are applied per file from the end backwards so earlier offsets stay valid; a fix whose
edits overlap an already accepted one is left for the next run, as ruff does. The file keeps
its byte-order mark and line endings.
"""

from __future__ import annotations

import codecs
from collections import defaultdict
from pathlib import Path

from ..config import Config
from ..model import Finding, Fix, FixSafety, Report, TextEdit


def _offset(lines_start: list[int], line: int, column: int) -> int:
    return lines_start[line - 1] + column - 1


def apply_edits(text: str, edits: list[TextEdit]) -> str:
    """`text` with non-overlapping `edits` applied (1-based code-point positions)."""
    starts = [0]
    for line in text.split("\n")[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    spans = sorted(((_offset(starts, e.line, e.column), _offset(starts, e.end_line, e.end_column), e.new_text)
                    for e in edits), reverse=True)
    for start, end, new_text in spans:
        text = text[:start] + new_text + text[end:]
    return text


def chosen_fixes(findings: list[Finding], safeties: set[FixSafety]) -> dict[str, list[Fix]]:
    """The first allowed fix of each finding, grouped by path, dropping overlapping ones."""
    by_path: dict[str, list[Fix]] = defaultdict(list)
    taken: dict[str, list[tuple[tuple[int, int], tuple[int, int]]]] = defaultdict(list)
    for finding in findings:
        fix = next((f for f in finding.fixes if f.safety in safeties), None)
        if fix is None:
            continue
        ranges = [((e.line, e.column), (e.end_line, e.end_column)) for e in fix.edits]
        if any(_overlaps(r, other) for r in ranges for other in taken[finding.path]):
            continue
        taken[finding.path].extend(ranges)
        by_path[finding.path].append(fix)
    return by_path


def _overlaps(a: tuple, b: tuple) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def apply_fixes(report: Report, config: Config, safeties: set[FixSafety]) -> int:
    """Write the fixes to disk; returns how many findings were fixed."""
    root = config.root or Path.cwd()
    count = 0
    for relpath, fixes in chosen_fixes(report.findings, safeties).items():
        path = root / relpath
        original = report.sources.get(relpath)
        if original is None or not path.is_file():
            continue
        raw = path.read_bytes()
        bom = raw.startswith(codecs.BOM_UTF8)
        newline = "\r\n" if b"\r\n" in raw else "\n"
        fixed = apply_edits(original, [edit for fix in fixes for edit in fix.edits])
        data = fixed.replace("\n", newline).encode("utf-8")
        path.write_bytes((codecs.BOM_UTF8 if bom else b"") + data)
        count += len(fixes)
    return count
