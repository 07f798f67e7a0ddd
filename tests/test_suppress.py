from __future__ import annotations

from pathlib import Path

from analyzer.model import Finding, Severity
from analyzer.suppress import Baseline, parse_suppressions, write_baseline


def finding(line: int, rule: str = "TEN001", path: str = "app/views.py") -> Finding:
    return Finding(rule=rule, severity=Severity.ERROR, message="m", path=path, line=line, column=1,
                   end_line=line, end_column=5)


def test_inline_comments_in_every_syntax() -> None:
    text = "\n".join([
        "a = Invoice.objects.all()  # prodready: ignore[TEN001]",
        "SELECT * FROM orders -- prodready: ignore[TEN003, TEN001]",
        "localStorage.setItem('t', t) // prodready: ignore",
        "<script>x()</script> <!-- prodready: ignore[AUTH001] -->",
        "{# prodready: ignore[AUTH] #}",
        "b = 1  # prodready: ignore[TEN002]",
        "c = 'prodready: ignore[TEN001]'",
    ])
    s = parse_suppressions(text)
    assert s.silences(finding(1))
    assert not s.silences(finding(1, "TEN002"))
    assert s.silences(finding(2, "TEN003")) and s.silences(finding(2, "TEN001"))
    assert s.silences(finding(3, "AUTH009"))
    assert s.silences(finding(4, "AUTH001")) and not s.silences(finding(4, "TEN001"))
    assert s.silences(finding(5, "AUTH002"))
    assert not s.silences(finding(6, "TEN001"))
    assert not s.silences(finding(7, "TEN001")), "a directive in a string is not a comment"


def test_directives_need_a_comment_each_and_a_closed_bracket() -> None:
    text = "\n".join([
        "a = q()  # prodready: ignore[TEN001] prodready: ignore[TEN003]",  # the second has no opener of its own
        "b = q()  # prodready: ignore[TEN001",  # left open: no directive, rather than every rule
        "c = q()  # note  # prodready: ignore[TEN002]",
        "d = q()  " + "#" * 200_000 + " prodready: ignore[TEN001]",  # a banner: read in linear time
        "e = q()  # prodready: ignore [TEN001]",  # a space before the bracket still names the codes
        "# prodready: ignore-file\t[AUTH004]",
    ])
    s = parse_suppressions(text)
    assert s.silences(finding(1, "TEN001")) and not s.silences(finding(1, "TEN003"))
    assert not s.silences(finding(2, "TEN001")) and not s.silences(finding(2, "TEN002"))
    assert s.silences(finding(3, "TEN002"))
    assert s.silences(finding(4, "TEN001"))
    assert s.silences(finding(5, "TEN001")) and not s.silences(finding(5, "TEN003"))
    assert s.silences(finding(1, "AUTH004")) and not s.silences(finding(1, "AUTH001"))


def test_ignore_file_directive() -> None:
    s = parse_suppressions("x = 1\n# prodready: ignore-file[TEN003]\n")
    assert s.silences(finding(1, "TEN003"))
    assert not s.silences(finding(1, "TEN001"))


def test_baseline_survives_moved_lines_but_not_new_code(tmp_path: Path) -> None:
    before = "def v():\n    return Invoice.objects.all()\n"
    path = tmp_path / "baseline.json"
    assert write_baseline(path, [finding(2)], {"app/views.py": before}) == 1
    baseline = Baseline.load(path)
    moved = "import os\n\n\ndef v():\n    return Invoice.objects.all()\n"
    assert baseline.filter([finding(5)], {"app/views.py": moved}) == []
    changed = "def v():\n    return Invoice.objects.filter(status=1)\n"
    assert baseline.filter([finding(2)], {"app/views.py": changed}) == [finding(2)]
    # A second identical finding on another line is new.
    twice = before + "    x = Invoice.objects.all()\n".replace("x = ", "return ")
    assert len(baseline.filter([finding(2), finding(3)], {"app/views.py": twice})) == 1
