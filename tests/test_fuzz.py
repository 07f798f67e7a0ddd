"""Property-based tests: whatever text arrives (a half-typed buffer, a file mangled by a merge),
analysing it never raises, no rule breaks on it, and every finding lies inside the file.

The examples are derandomized so that CI runs the same ones every time; set
PRODREADY_FUZZ_EXAMPLES to run more of them locally.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.config import discover_config
from analyzer.engine import analyze_source, build_project_index
from analyzer.workspace import LANGUAGES

# Python's compiler warns about the mangled code it is given (invalid escapes and the like).
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning", "ignore::DeprecationWarning")
ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
SUFFIXES = tuple(LANGUAGES)  # every front, by every suffix it is chosen by
EXAMPLES = int(os.environ.get("PRODREADY_FUZZ_EXAMPLES", "40"))
fuzz = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("PRODREADY_FUZZ_EXAMPLES"),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FIXTURE_FILES = sorted(p for p in FIXTURES.rglob("*") if p.suffix in SUFFIXES and "node_modules" not in p.parts)


@cache
def project(name: str):
    config = discover_config(FIXTURES / name)
    index, _ = build_project_index([FIXTURES / name], config)
    return config, index


def assert_sound(text: str, path: Path, config=None, index=None) -> None:
    problems: list[str] = []
    findings = analyze_source(text, path, config, index, problems)
    broken = [p for p in problems if "failed on this file" in p]
    assert not broken, broken
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for finding in findings:
        assert 1 <= finding.line <= finding.end_line <= len(lines) + 1, finding
        assert finding.column >= 1 and finding.end_column >= 1, finding
        if finding.line == finding.end_line:
            assert finding.column <= finding.end_column, finding


@fuzz
@given(text=st.text(max_size=400), suffix=st.sampled_from(SUFFIXES))
def test_arbitrary_text_in_any_language(text: str, suffix: str) -> None:
    assert_sound(text, Path(f"app/views{suffix}"))


@st.composite
def mutated_fixture(draw: st.DrawFn) -> tuple[Path, str]:
    """A fixture file with characters deleted and inserted and lines swapped, at random."""
    path = draw(st.sampled_from(FIXTURE_FILES))
    text = path.read_text(encoding="utf-8")
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        kind = draw(st.sampled_from(("delete", "insert", "swap")))
        if kind == "swap":
            lines = text.split("\n")
            if len(lines) > 1:
                a = draw(st.integers(0, len(lines) - 1))
                b = draw(st.integers(0, len(lines) - 1))
                lines[a], lines[b] = lines[b], lines[a]
                text = "\n".join(lines)
            continue
        at = draw(st.integers(0, len(text)))
        if kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)):]
        else:
            text = text[:at] + draw(st.text(alphabet="()[]{}'\"`<>/#*:;=,.\n\t \\{%}-_aZ0é🧾", max_size=12)) + text[at:]
    return path, text


@fuzz
@given(case=mutated_fixture())
def test_mutated_fixture_files_judged_by_their_project(case: tuple[Path, str]) -> None:
    path, text = case
    name = path.relative_to(FIXTURES).parts[0]
    config, index = project(name)
    assert_sound(text, path, config, index)


IDENTIFIERS = st.sampled_from(("invoices", "projects", "tasks", "i", "p", "t", "organization_id", "tenant_id",
                               "id", "total", "status"))
VALUES = st.sampled_from(("%s", "%(org)s", ":org", "?", "1", "'open'", "NULL"))


@st.composite
def predicate(draw: st.DrawFn, depth: int = 0) -> str:
    if depth < 2 and draw(st.booleans()):
        joiner = draw(st.sampled_from((" AND ", " OR ")))
        return "(" + draw(predicate(depth + 1)) + joiner + draw(predicate(depth + 1)) + ")"
    column = draw(IDENTIFIERS)
    return draw(st.sampled_from((f"{column} = {draw(VALUES)}", f"{column} IN ({draw(VALUES)}, {draw(VALUES)})",
                                 f"{column} IS NULL", f"{column} > {draw(VALUES)}",
                                 f"{column} IN (SELECT id FROM {draw(IDENTIFIERS)} WHERE {column} = {draw(VALUES)})")))


@st.composite
def statement(draw: st.DrawFn) -> str:
    table, other = draw(IDENTIFIERS), draw(IDENTIFIERS)
    alias = draw(st.sampled_from(("", " a", " AS b")))
    join = draw(st.sampled_from(("", f" JOIN {other} o ON o.id = {table}.{draw(IDENTIFIERS)}",
                                 f" LEFT JOIN {other} USING (id)")))
    where = f" WHERE {draw(predicate())}" if draw(st.booleans()) else ""
    head = draw(st.sampled_from((f"SELECT * FROM {table}{alias}{join}{where}",
                                 f"UPDATE {table} SET status = 'x'{where}",
                                 f"DELETE FROM {table}{where}",
                                 f"INSERT INTO {table} (id) SELECT id FROM {other}{where}",
                                 f"WITH c AS (SELECT * FROM {table}{where}) SELECT * FROM c{join}")))
    return head + draw(st.sampled_from(("", ";", " ORDER BY 1", " LIMIT 10", " UNION SELECT * FROM invoices")))


@fuzz
@given(sql=statement(), call=st.sampled_from(("cursor.execute({})", "connection.execute(text({}))",
                                              "Invoice.objects.raw({})", "pd.read_sql({}, engine)")))
def test_sql_built_from_a_grammar_in_a_request_handler(sql: str, call: str) -> None:
    config, index = project("flask_saas")
    source = f"def view(request, cursor, connection):\n    return {call.format(repr(sql))}\n"
    assert_sound(source, FIXTURES / "flask_saas" / "app" / "fuzzed_views.py", config, index)
    assert_sound(sql + "\n", FIXTURES / "flask_saas" / "sql" / "fuzzed.sql", config, index)
