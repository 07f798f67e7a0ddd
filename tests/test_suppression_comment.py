"""The comments the editor's "Suppress" actions write must be ones the analyzer honours."""

from __future__ import annotations

import pytest

from analyzer.fixes.apply import apply_edits
from analyzer.fixes.suppression_comment import suppress_file, suppress_line
from analyzer.suppress import parse_suppressions


@pytest.mark.parametrize(("path", "text", "expected"), [
    ("billing/views.py", "x = 1\ninvoice = Invoice.objects.get(pk=pk)\n",
     "invoice = Invoice.objects.get(pk=pk)  # prodready: ignore[TEN001]"),
    ("reports/q.sql", "SELECT 1;\nSELECT * FROM invoices;\n", "SELECT * FROM invoices;  -- prodready: ignore[TEN001]"),
    ("static/app.js", "let a;\nlocalStorage.setItem('jwt', t);\n",
     "localStorage.setItem('jwt', t);  // prodready: ignore[TEN001]"),
    ("templates/base.html", "<p>{{ user }}</p>\n<script>localStorage.token = t</script>\n",
     "<script>localStorage.token = t</script>  {# prodready: ignore[TEN001] #}"),
    ("static/page.html", "<p>hi</p>\n<script>localStorage.token = t</script>\n",
     "<script>localStorage.token = t</script>  <!-- prodready: ignore[TEN001] -->"),
])
def test_a_line_suppression_uses_the_files_comment_syntax_and_is_honoured(path: str, text: str, expected: str) -> None:
    edit = suppress_line(path, text, 2, "TEN001")
    fixed = apply_edits(text, [edit])
    assert fixed.split("\n")[1] == expected
    assert parse_suppressions(fixed).lines[2] == {"TEN001"}


def test_a_second_code_joins_the_existing_directive() -> None:
    text = "invoice = Invoice.objects.get(pk=pk)  # noqa: E501  prodready: ignore[TEN001]\n"
    fixed = apply_edits(text, [suppress_line("views.py", text, 1, "AUTH003")])
    assert fixed == "invoice = Invoice.objects.get(pk=pk)  # noqa: E501  prodready: ignore[TEN001, AUTH003]\n"
    assert parse_suppressions(fixed).lines[1] == {"TEN001", "AUTH003"}


def test_a_second_code_joins_a_directive_spaced_from_its_bracket() -> None:
    text = "invoice = Invoice.objects.get(pk=pk)  # prodready: ignore [TEN001]\n"
    fixed = apply_edits(text, [suppress_line("views.py", text, 1, "AUTH003")])
    assert fixed == "invoice = Invoice.objects.get(pk=pk)  # prodready: ignore [TEN001, AUTH003]\n"


def test_no_line_comment_where_the_line_ends_inside_a_string() -> None:
    text = 'def report(cursor):\n    cursor.execute("""\n        SELECT * FROM invoices\n    """)\n'
    assert suppress_line("reports.py", text, 2, "TEN003") is None
    assert suppress_line("reports.py", text, 4, "TEN003") is not None


def test_a_file_suppression_goes_first_but_after_a_shebang() -> None:
    text = "#!/usr/bin/env python\nimport os\n"
    fixed = apply_edits(text, [suppress_file("manage.py", text, "TEN001")])
    assert fixed == "#!/usr/bin/env python\n# prodready: ignore-file[TEN001]\nimport os\n"
    assert parse_suppressions(fixed).file == {"TEN001"}
    sql = "SELECT * FROM invoices;\n"
    assert apply_edits(sql, [suppress_file("q.sql", sql, "TEN003")]).startswith("-- prodready: ignore-file[TEN003]\n")
