"""Human output (`--format text`, the default), modelled on ruff: one `path:line:col: CODE
message` line per finding, the flagged code underlined, what a fix would do, and a summary.

The code frame shows the text that was analysed (`Report.sources`), never a re-read of the
file. Analysed text is untrusted: control characters and bidirectional overrides in it could
move the cursor or reorder the terminal line, so they are shown as U+FFFD. Carets are placed by
terminal cells, not code points, so they stay under the flagged code after an emoji or a CJK
character; tabs are shown as four spaces so that their width is known too.
"""

from __future__ import annotations

import io
import unicodedata
from typing import NamedTuple

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from ..model import Finding, Fix, FixSafety, Report, Severity, Skipped

SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "bold yellow", Severity.INFO: "bold cyan"}
TAB = "    "
MAX_FRAME_LINES = 6
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class FrameLine(NamedTuple):
    """One row of a code frame: the line number (None for an elision), the code, the carets."""

    number: int | None
    code: str
    marks: str


def render_text(report: Report, *, color: bool = False, show_source: bool = True, show_skipped: bool = True) -> str:
    buffer = io.StringIO()
    console = _console(buffer, color)
    for finding in sorted(report.findings, key=Finding.sort_key):
        source = report.sources.get(finding.path) if show_source else None
        _print_finding(console, finding, source)
    _print_summary(console, report, show_skipped)
    return buffer.getvalue()


def _console(buffer: io.StringIO, color: bool) -> Console:
    # markup and highlighting off: paths and messages are data, and `[x]` in them must stay text.
    return Console(
        file=buffer, force_terminal=color, no_color=not color,
        color_system="standard" if color else None, markup=False, highlight=False,
        emoji=False, width=200,
    )


def _print(console: Console, text: Text) -> None:
    console.print(text, soft_wrap=True)


# --- one finding --------------------------------------------------------------------------


def _print_finding(console: Console, finding: Finding, source: str | None) -> None:
    _print(console, header(finding))
    frame = code_frame(source, finding) if source is not None else []
    _print_frame(console, frame, SEVERITY_STYLE[finding.severity])
    for fix in finding.fixes:
        _print(console, Text(f"  = help: {fix_help(fix)}", style="cyan"))
    console.print()


def header(finding: Finding) -> Text:
    style = SEVERITY_STYLE[finding.severity]
    text = Text()
    text.append(printable(finding.path), style="bold")
    text.append(f":{finding.line}:{finding.column}:", style="dim")
    text.append(" ")
    text.append(finding.rule, style=style)
    text.append(f" {printable(finding.message)} ")
    text.append(f"[{finding.severity.value}]", style=style)
    return text


def fix_help(fix: Fix) -> str:
    if fix.safety is FixSafety.SAFE:
        return f"{printable(fix.title)} (safe fix: apply with `--fix`)"
    return f"{printable(fix.title)} (unsafe fix: apply with `--fix --unsafe-fixes`)"


def _print_frame(console: Console, frame: list[FrameLine], style: str) -> None:
    if not frame:
        return
    width = max(len(str(row.number)) for row in frame if row.number is not None)
    gutter = " " * width + " |"
    _print(console, Text(gutter, style="blue"))
    for row in frame:
        number = " " * width if row.number is None else str(row.number).rjust(width)
        _print(console, Text(f"{number} | ", style="blue") + Text(row.code))
        if row.marks:
            _print(console, Text(f"{gutter} ", style="blue") + Text(row.marks, style=style))


# --- code frames --------------------------------------------------------------------------


def code_frame(source: str, finding: Finding) -> list[FrameLine]:
    """The flagged lines with carets under the flagged columns; empty when the source no longer
    has the line (the report was built from different text)."""
    lines = source.split("\n")
    if not 1 <= finding.line <= len(lines):
        return []
    last = min(finding.end_line, len(lines), finding.line + MAX_FRAME_LINES - 1)
    frame = [_frame_line(lines[n - 1].rstrip("\r"), n, finding) for n in range(finding.line, last + 1)]
    if last < finding.end_line:
        frame.append(FrameLine(None, "...", ""))
    return frame


def _frame_line(raw: str, number: int, finding: Finding) -> FrameLine:
    indent = len(raw) - len(raw.lstrip())
    start = finding.column if number == finding.line else indent + 1
    end = finding.end_column if number == finding.end_line else len(raw) + 1
    start = min(max(start, 1), len(raw) + 1)
    end = min(max(end, start), len(raw) + 1)
    before = cell_len(printable(raw[: start - 1]))
    flagged = cell_len(printable(raw[start - 1 : end - 1]))
    if flagged == 0 and number != finding.line:
        return FrameLine(number, printable(raw), "")  # e.g. a span that ends at column 1
    return FrameLine(number, printable(raw), " " * before + "^" * max(flagged, 1))


def printable(text: str) -> str:
    """`text` safe to write to a terminal, with a known width: tabs become spaces, control
    characters and bidi overrides become U+FFFD (one code point each, so columns still match),
    and so does a byte of a name that is not UTF-8 where it is an 8-bit control (0x80-0x9f:
    0x9b starts an escape sequence); other such bytes are written as they are."""
    return "".join(_printable_char(char) for char in text)


def _printable_char(char: str) -> str:
    if char == "\t":
        return TAB
    if char in _BIDI_CONTROLS or unicodedata.category(char) == "Cc" or "\udc80" <= char <= "\udc9f":
        return "\ufffd"
    return char


# --- summary ------------------------------------------------------------------------------


def _print_summary(console: Console, report: Report, show_skipped: bool = True) -> None:
    for skipped in report.summary.skipped if show_skipped else ():
        _print(console, Text(skipped_line(skipped), style="yellow"))
    if report.summary.unparsed_sql:
        _print(console, Text(f"{unparsed_sql_note(report.summary.unparsed_sql)}.", style="yellow"))
    _print(console, Text(summary_line(report), style="bold"))


def skipped_line(skipped: Skipped) -> str:
    return f"{printable(skipped.path)}: skipped: {printable(skipped.reason)}"


def summary_line(report: Report) -> str:
    files = plural(report.summary.files, "file")
    if not report.findings:
        return f"All checks passed! ({files})"
    counts = {severity: 0 for severity in Severity}
    for finding in report.findings:
        counts[finding.severity] += 1
    parts = [plural(counts[Severity.ERROR], "error"), plural(counts[Severity.WARNING], "warning")]
    if counts[Severity.INFO]:
        parts.append(f"{counts[Severity.INFO]} info")
    return f"Found {plural(len(report.findings), 'finding')} ({', '.join(parts)}) in {files}."


def unparsed_sql_note(count: int) -> str:
    verb = "was" if count == 1 else "were"
    return f"{plural(count, 'SQL string')} could not be parsed and {verb} not checked"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
