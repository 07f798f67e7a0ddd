"""SARIF 2.1.0 output (`--format sarif`) for GitHub code scanning and other dashboards.

The log carries the whole rule catalogue (so a dashboard can show a rule's documentation next to
its alerts), one result per finding with its fixes as SARIF replacements, and skipped files as
tool notifications, because a file that was not analysed is a gap the reader must see.

Columns are Unicode code points, prodready's internal unit, and the run says so with
`columnKind`; SARIF's default would be UTF-16 code units. `partialFingerprints` reuse the
baseline's fingerprint (rule, path, flagged code, occurrence), so an alert survives lines being
added above it, both here and in `prodready --baseline`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from urllib.parse import quote

from ..model import Finding, Fix, Report, RuleInfo, Severity, Skipped, TextEdit
from ..suppress import fingerprints
from .text import unparsed_sql_note

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/prodready/prodready"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "prodready/v1"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# Tags by rule family (the code's prefix). "security" is what makes GitHub file an alert
# under security rather than code quality.
FAMILY_TAGS = {
    "TEN": ("security", "tenant-isolation"),
    "AUTH": ("security", "authentication"),
    "MIG": ("reliability", "migrations"),
}
# RuleInfo has no per-rule precision yet; every shipped rule is built to DESIGN.md's
# "precision first", which is what GitHub's "high" means (few false positives).
PRECISION = "high"


def render_sarif(report: Report, rules: Sequence[RuleInfo] | None = None) -> str:
    return json.dumps(sarif_log(report, rules), indent=2) + "\n"


def sarif_log(report: Report, rules: Sequence[RuleInfo] | None = None) -> dict:
    """The SARIF log as a dict; `rules` defaults to the whole registry (`analyzer.rules()`)."""
    catalogue = list(rules) if rules is not None else _registry()
    rule_index = {rule.code: index for index, rule in enumerate(catalogue)}
    prints = {id(finding): fp for finding, fp in fingerprints(report.findings, report.sources)}
    run = {
        "tool": {"driver": driver(catalogue)},
        "invocations": [invocation(report)],
        "columnKind": "unicodeCodePoints",
        "results": [result(f, rule_index.get(f.rule), prints[id(f)]) for f in report.findings],
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _registry() -> list[RuleInfo]:
    # Imported here, not at module level: `analyzer/__init__.py` may one day import the
    # reporters, and `__version__` must exist before this module needs it.
    from .. import rules

    return rules()


def driver(rules: Sequence[RuleInfo]) -> dict:
    from .. import __version__

    return {
        "name": "prodready",
        "version": __version__,
        "informationUri": INFORMATION_URI,
        "rules": [reporting_descriptor(rule) for rule in rules],
    }


def reporting_descriptor(rule: RuleInfo) -> dict:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why or rule.summary},
        "helpUri": rule.docs_url,
        "help": {"text": rule.documentation, "markdown": rule.documentation},
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {"tags": rule_tags(rule), "precision": PRECISION},
    }


def rule_tags(rule: RuleInfo) -> list[str]:
    """Family tags, then CWE tags in the `external/cwe/cwe-N` form GitHub and CodeQL use."""
    family = rule.code.rstrip("0123456789")
    tags = list(FAMILY_TAGS.get(family, (family.lower(),)))
    for reference in rule.references:
        if reference.upper().startswith("CWE-"):
            number = reference[4:].split(":")[0].strip()
            tags.append(f"external/cwe/cwe-{number}")
    return list(dict.fromkeys(tags))


def result(finding: Finding, rule_index: int | None, fingerprint: str) -> dict:
    data: dict = {"ruleId": finding.rule}
    if rule_index is not None:
        data["ruleIndex"] = rule_index
    data.update({
        "level": LEVEL[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": artifact_location(finding.path),
            "region": region(finding),
        }}],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    })
    if finding.fixes:
        data["fixes"] = _unique([sarif_fix(fix) for fix in finding.fixes])
    return data


def sarif_fix(fix: Fix) -> dict:
    by_path: dict[str, list[TextEdit]] = {}
    for edit in fix.edits:
        by_path.setdefault(edit.path, []).append(edit)
    changes = [
        {"artifactLocation": artifact_location(path), "replacements": [replacement(e) for e in edits]}
        for path, edits in by_path.items()
    ]
    return {
        "description": {"text": fix.title},
        "artifactChanges": changes,
        "properties": {"safety": fix.safety.value},
    }


def replacement(edit: TextEdit) -> dict:
    return {"deletedRegion": region(edit), "insertedContent": {"text": edit.new_text}}


def region(span: Finding | TextEdit) -> dict:
    return {
        "startLine": span.line,
        "startColumn": span.column,
        "endLine": span.end_line,
        "endColumn": span.end_column,
    }


def artifact_location(path: str) -> dict:
    # A relative URI reference: spaces, `%` and `#` in a path must be percent-encoded.
    return {"uri": quote(path, safe="/", errors="surrogateescape"), "uriBaseId": SRCROOT}


def invocation(report: Report) -> dict:
    notes = [skipped_notification(s) for s in report.summary.skipped]
    if report.summary.unparsed_sql:
        notes.append({"level": "note", "message": {"text": unparsed_sql_note(report.summary.unparsed_sql)}})
    return {"executionSuccessful": True, "toolExecutionNotifications": _unique(notes)}


def skipped_notification(skipped: Skipped) -> dict:
    return {
        "level": "warning",
        "message": {"text": f"skipped: {skipped.reason}"},
        "locations": [{"physicalLocation": {"artifactLocation": artifact_location(skipped.path)}}],
    }


def _unique(items: list[dict]) -> list[dict]:
    """SARIF declares fixes and notifications `uniqueItems`; a repeated one invalidates the log."""
    seen: dict[str, dict] = {}
    for item in items:
        seen.setdefault(json.dumps(item, sort_keys=True), item)
    return list(seen.values())
