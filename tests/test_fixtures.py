"""Every fixture project under fixtures/ is analysed and compared with its inline annotations.

Each folder directly under fixtures/ is one realistic application with its own pyproject.toml.
The test fails on any difference, both ways, and names each line: a missing finding, an
unexpected one, a `todo-expect:` that started firing, a `todo-ok:` that stopped.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

import analyzer
from analyzer.config import discover_config

try:  # tests/ as a package, or as a plain folder on sys.path (pytest's default for it)
    from tests.expectations import (
        PLANNED_CODES,
        Annotation,
        AnnotationError,
        Observed,
        compare,
        known_codes,
        parse_annotations,
        unknown_codes,
    )
except ImportError:  # pragma: no cover - depends on how pytest imported this module
    from expectations import (  # type: ignore[no-redef]
        PLANNED_CODES,
        Annotation,
        AnnotationError,
        Observed,
        compare,
        known_codes,
        parse_annotations,
        unknown_codes,
    )

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ANNOTATED_SUFFIXES = {".py", ".sql", ".html", ".htm", ".jinja", ".jinja2", ".j2", ".djhtml", ".js", ".mjs", ".cjs",
                      ".jsx", ".ts", ".tsx", ".vue", ".svelte"}
SKIPPED_FOLDERS = {"__pycache__", ".git", "node_modules", ".venv"}


def projects() -> list[Path]:
    if not FIXTURES.is_dir():
        return []
    return sorted(p for p in FIXTURES.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def annotated_files(project: Path) -> list[Path]:
    return sorted(
        path for path in project.rglob("*")
        if path.is_file() and path.suffix in ANNOTATED_SUFFIXES
        and not SKIPPED_FOLDERS & set(path.relative_to(project).parts)
    )


def collect_annotations(project: Path) -> tuple[list[Annotation], dict[str, str]]:
    """Annotations of every file under `project`, with paths relative to it, and the texts read."""
    annotations: list[Annotation] = []
    sources: dict[str, str] = {}
    problems: list[str] = []
    for path in annotated_files(project):
        relpath = path.relative_to(project).as_posix()
        text = path.read_text(encoding="utf-8")
        sources[relpath] = text
        try:
            annotations.extend(parse_annotations(text, relpath))
        except AnnotationError as error:
            problems.append(str(error))
    problems.extend(unknown_codes(annotations, known_codes()))
    if problems:
        pytest.fail(f"{project.name}: bad annotations\n" + "\n".join(problems), pytrace=False)
    return annotations, sources


def observed_findings(project: Path) -> tuple[list[Observed], list[str]]:
    """The analyzer's findings with paths relative to `project`, and the files it skipped."""
    report = analyzer.analyze([project])
    root = discover_config(project).root or project
    findings = []
    for finding in report.findings:
        absolute = (Path(root) / finding.path).resolve()
        try:
            relpath = absolute.relative_to(project.resolve()).as_posix()
        except ValueError:
            relpath = absolute.as_posix()
        findings.append(Observed(relpath, finding.line, finding.rule, finding.message))
    skipped = [f"{s.path}: {s.reason}" for s in report.summary.skipped]
    return findings, skipped


@pytest.mark.parametrize("project", projects(), ids=lambda p: p.name)
def test_fixture_project(project: Path) -> None:
    annotations, sources = collect_annotations(project)
    findings, skipped = observed_findings(project)
    comparison = compare(annotations, findings)
    problems = []
    if skipped:
        problems.append("skipped by the analyzer (their annotations cannot be checked):")
        problems += [f"  {line}" for line in skipped]
    if not comparison.passed:
        problems.append(comparison.render(sources))
    if problems:
        pytest.fail(f"{project.name}: findings differ from the annotations\n" + "\n".join(problems), pytrace=False)


def test_fixtures_cover_every_tenant_rule() -> None:
    """Enough must-fire and must-stay-clean lines, and at least one of each for every TEN code."""
    assert projects(), f"no fixture projects under {FIXTURES}"
    counts: Counter[tuple[str, str]] = Counter()
    for project in projects():
        annotations, _ = collect_annotations(project)
        counts.update((a.kind, a.code) for a in annotations if a.code.startswith("TEN"))
    expects = sum(n for (kind, _), n in counts.items() if kind == "expect")
    oks = sum(n for (kind, _), n in counts.items() if kind == "ok")
    codes = sorted(c for c in known_codes() | PLANNED_CODES if c.startswith("TEN"))
    lacking = [f"{code} has no `{kind}:`" for code in codes for kind in ("expect", "ok") if not counts[kind, code]]
    assert expects >= 25 and oks >= 25 and not lacking, (
        f"{expects} expect: and {oks} ok: TEN annotations (want 25 of each); " + "; ".join(lacking))


# --- the annotation parser itself -------------------------------------------------------------


def kinds(text: str, path: str = "f.py") -> list[tuple[str, int, str]]:
    return [(a.kind, a.line, a.code) for a in parse_annotations(text, path)]


def test_trailing_comment_targets_its_own_line() -> None:
    text = "x = 1\ninvoice = Invoice.objects.get(pk=pk)  # expect: TEN001\n"
    assert kinds(text) == [("expect", 2, "TEN001")]


def test_standalone_comment_targets_next_code_line() -> None:
    text = (
        "def view(request):\n"
        "    # ok: TEN001, TEN002\n"
        "\n"
        "    # the organization comes from the session\n"
        "    return Invoice.objects.filter(organization=org)\n"
    )
    assert kinds(text) == [("ok", 5, "TEN001"), ("ok", 5, "TEN002")]


def test_sql_comment_inside_a_python_string() -> None:
    text = (
        'rows = cursor.execute("""\n'
        "    -- expect: TEN003\n"
        "    SELECT id FROM orders\n"
        "    WHERE status = %s  -- todo-ok: TEN003\n"
        '""", [status])\n'
    )
    assert kinds(text) == [("expect", 3, "TEN003"), ("todo-ok", 4, "TEN003")]


def test_html_jinja_and_block_comments() -> None:
    text = (
        "<!-- expect: TEN001 -->\n"
        "<p>{{ invoice.number }}</p>\n"
        "{% for line in invoice.lines.all %} {# ok: TEN001 #}\n"
        "/* todo-expect: TEN003 */ SELECT 1;\n"
        "/*\n"
        "   a block comment over lines\n"
        "*/\n"
        "<!-- ok: TEN003 --> <!-- a second comment -->\n"
        "<!--\n"
        "  notes\n"
        "-->\n"
        "SELECT 2;\n"
    )
    assert kinds(text, "t.html") == [
        ("expect", 2, "TEN001"), ("ok", 3, "TEN001"), ("todo-expect", 4, "TEN003"), ("ok", 12, "TEN003"),
    ]


def test_malformed_and_unknown_codes_are_reported() -> None:
    with pytest.raises(AnnotationError, match=r"f.py:1: `ten001` is not a rule code"):
        parse_annotations("x = 1  # expect: ten001\n", "f.py")
    with pytest.raises(AnnotationError, match=r"no code line follows"):
        parse_annotations("x = 1\n# expect: TEN001\n\n", "f.py")
    with pytest.raises(AnnotationError, match=r"contradictory annotations for TEN001"):
        parse_annotations("# ok: TEN001\nx = 1  # expect: TEN001\n", "f.py")
    annotations = parse_annotations("x = 1  # expect: ZZZ999\n", "f.py")
    assert unknown_codes(annotations, {"TEN001"}) == ["f.py:1: unknown rule code ZZZ999 in `expect:`"]


def test_compare_reports_each_line_both_ways() -> None:
    annotations = parse_annotations(
        "a()  # expect: TEN001\n"
        "b()  # expect: TEN001\n"
        "c()  # ok: TEN001\n"
        "d()  # todo-expect: TEN001\n"
        "e()  # todo-ok: TEN001\n",
        "v.py",
    )
    findings = [Observed("v.py", 1, "TEN001", "m1"), Observed("v.py", 3, "TEN001", "m3"),
                Observed("v.py", 4, "TEN001", "m4")]
    result = compare(annotations, findings)
    assert [a.line for a in result.missing] == [2]
    assert [f.line for f in result.unexpected] == [3]
    assert [f.line for f in result.promoted_misses] == [4]
    assert [a.line for a in result.fixed_false_positives] == [5]
    rendered = result.render({"v.py": "a()\nb()\nc()\nd()\ne()\n"})
    assert "v.py:2 TEN001  | b()" in rendered
    assert "v.py:3 TEN001 m3 [line is marked ok:]" in rendered
