"""Turn a Report into what people and tools read: a terminal, a JSON consumer, a SARIF upload
(GitHub code scanning and other dashboards) or GitHub Actions annotations.

Reporters are pure: they take a finished Report and return a string, never read files (the
code frames come from `Report.sources`, the text that was analysed) and never print, so the CLI,
tests and library callers use them the same way. Every non-empty result ends with a newline,
ready for `sys.stdout.write`.
"""

from __future__ import annotations

from ..model import Report
from .github import render_github
from .json_report import render_json
from .sarif import render_sarif
from .text import render_text

FORMATS = ("text", "json", "sarif", "github")

__all__ = ["FORMATS", "render", "render_github", "render_json", "render_sarif", "render_text"]


def render(report: Report, fmt: str, *, color: bool = False, show_source: bool = True,
           show_skipped: bool = True) -> str:
    """`report` in format `fmt` (one of FORMATS); `color`, `show_source` and `show_skipped` (a
    line per skipped file, which the command line writes to stderr instead) apply to text only."""
    if fmt == "text":
        return render_text(report, color=color, show_source=show_source, show_skipped=show_skipped)
    renderers = {"json": render_json, "sarif": render_sarif, "github": render_github}
    if fmt not in renderers:
        raise ValueError(f"unknown output format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    return renderers[fmt](report)
