"""Apply the fixes of a report to the files on disk.

Edits are applied per file from the end backwards so earlier offsets stay valid; a fix whose
edits overlap an already accepted one is left for the next run, as ruff does. The file keeps
its encoding (a PEP 263 declaration, a byte-order mark) and each of its line endings: the
edits are placed in the text as it is on disk, where the rules saw it with `\n` alone. A file
that changed since it was analysed is left as it is.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config
from ..model import Finding, Fix, FixSafety, Report, TextEdit
from ..workspace import DecodeProblem, decode_exactly, language_of, read_regular, source_encoding


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


@dataclass
class Applied:
    fixed: int = 0  # findings fixed
    left: list[str] = field(default_factory=list)  # "path: not fixed: why", one line each


def apply_fixes(report: Report, config: Config, safeties: set[FixSafety]) -> Applied:
    """Write the fixes to disk: how many findings were fixed, and the files left as they were."""
    root = (config.root or Path.cwd()).resolve()
    applied = Applied()
    for relpath, fixes in chosen_fixes(report.findings, safeties).items():
        reason = _fix_file(root / relpath, root, report.sources.get(relpath), fixes)
        if reason:
            applied.left.append(f"{relpath}: not fixed: {reason}")
        else:
            applied.fixed += len(fixes)
    return applied


def _fix_file(path: Path, root: Path, analysed: str | None, fixes: list[Fix]) -> str | None:
    """Apply `fixes` to the file; why not, if it was not."""
    language = language_of(path)
    if analysed is None or language is None:
        return "not a file it analysed"
    if not path.resolve().is_relative_to(root):  # a report read from a cache the project may have written
        return f"{'a symbolic link to ' if path.is_symlink() else ''}a file outside the project, " \
               "which --fix does not write to"
    try:
        raw = read_regular(path, 4 * len(analysed.encode("utf-8", "surrogatepass")) + 4096)
    except OSError as error:
        return f"cannot read: {error.strerror or error}"
    if isinstance(raw, str):  # swapped for a pipe, or grown, since it was analysed
        return "changed since it was analysed"
    encoding = source_encoding(raw, language)
    text = decode_exactly(raw, language)
    if isinstance(encoding, DecodeProblem) or isinstance(text, DecodeProblem) or \
            text.replace("\r\n", "\n").replace("\r", "\n") != analysed:
        return "changed since it was analysed"
    edits = [edit for fix in fixes for edit in fix.edits]
    lines = len(_LINE_BREAK.findall(text)) + 1
    if not all(1 <= edit.line <= edit.end_line <= lines and min(edit.column, edit.end_column) >= 1 for edit in edits):
        return "a fix that does not fit the file"
    try:
        data = _encode(_edited(text, edits), encoding, raw)
    except UnicodeEncodeError:
        return f"the fix cannot be written in the file's encoding ({encoding})"
    try:
        return _write_regular(path, data)
    except OSError as error:
        return f"cannot write: {error.strerror or error}"


def _write_regular(path: Path, data: bytes) -> str | None:
    """Write `data` over the regular file at `path`; why not, if it is no longer one. What is
    opened is checked: a pipe put in its place would block the write for ever."""
    descriptor = os.open(path, os.O_WRONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with open(descriptor, "wb", closefd=True) as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return "changed since it was analysed"
        handle.truncate(0)
        handle.write(data)
    return None


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _edited(text: str, edits: list[TextEdit]) -> str:
    """`text`, with its own line endings, with `edits` applied: positions count lines as the
    analysed text did (every break one `\n`), and a break an edit inserts takes the ending of
    the line it starts on."""
    breaks = list(_LINE_BREAK.finditer(text))
    starts = [0, *(match.end() for match in breaks)]
    default = breaks[0].group() if breaks else "\n"
    spans = []
    for edit in edits:
        ending = breaks[edit.line - 1].group() if edit.line <= len(breaks) else default
        spans.append((_offset(starts, edit.line, edit.column), _offset(starts, edit.end_line, edit.end_column),
                      edit.new_text.replace("\n", ending)))
    for start, end, new_text in sorted(spans, reverse=True):
        text = text[:start] + new_text + text[end:]
    return text


def _encode(text: str, encoding: str, raw: bytes) -> bytes:
    """`text` in the file's encoding, with the byte-order mark it had."""
    if encoding == "utf-16":
        big_endian = raw.startswith(codecs.BOM_UTF16_BE)
        return raw[:2] + text.encode("utf-16-be" if big_endian else "utf-16-le")
    if encoding == "utf-8-sig":
        return (codecs.BOM_UTF8 if raw.startswith(codecs.BOM_UTF8) else b"") + text.encode("utf-8")
    return text.encode(encoding)
