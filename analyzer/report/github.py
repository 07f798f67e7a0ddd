"""GitHub Actions workflow commands (`--format github`): findings become annotations on the
pull request's diff without uploading anything.

Escaping follows @actions/core (`toolkit/packages/core/src/command.ts`): a message containing
a newline or `%` would otherwise end the command early or be decoded into something else, and a
`,` or `:` in a path would split a property.
"""

from __future__ import annotations

from ..model import Finding, Report, Severity, Skipped
from .text import printable

COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render_github(report: Report) -> str:
    lines = [finding_command(finding) for finding in report.findings]
    lines += [skipped_command(skipped) for skipped in report.summary.skipped]
    return "".join(f"{line}\n" for line in lines)


def finding_command(finding: Finding) -> str:
    properties = {
        "file": finding.path,
        "line": finding.line,
        "col": finding.column,
        "endLine": finding.end_line,
        "endColumn": finding.end_column,
        "title": finding.rule,
    }
    return workflow_command(COMMAND[finding.severity], properties, finding.message)


def skipped_command(skipped: Skipped) -> str:
    """A file that was not analysed is worth a warning: its findings are missing from the run."""
    properties = {"file": skipped.path, "title": "prodready"}
    return workflow_command("warning", properties, f"skipped: {skipped.reason}")


def workflow_command(command: str, properties: dict[str, object], message: str) -> str:
    props = ",".join(f"{key}={escape_property(visible(str(value)))}" for key, value in properties.items())
    return f"::{command} {props}::{escape_data(visible(message))}"


def visible(value: str) -> str:
    """Control characters other than line breaks (escaped below) as U+FFFD, as in the text
    output: an escape sequence in a file name would colour or rewrite the Actions log."""
    return "".join(char if char in "\r\n" else printable(char) for char in value)


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")
