"""The rule catalogue polices itself: unique codes, full documentation, examples that work."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import analyzer
from analyzer.docs import pages
from analyzer.rules import ALL_RULES
from analyzer.rules.base import code_block, example_path

ROOT = Path(__file__).resolve().parents[1]


def test_codes_and_names_are_unique_and_well_formed() -> None:
    codes = [rule.code for rule in ALL_RULES]
    names = [rule.name for rule in ALL_RULES]
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)
    for rule in ALL_RULES:
        assert re.fullmatch(r"[A-Z]+\d{3}", rule.code)
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name)


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_every_rule_is_fully_documented(rule) -> None:
    info = rule.info()
    assert info.summary and info.summary.endswith(".")
    assert len(info.why) > 100
    assert info.bad_example and info.good_example
    assert info.references and all("http" in ref for ref in info.references)
    assert info.languages
    if rule.fixable:
        assert info.fix, "a fixable rule says what its fix does and why it is safe or unsafe"


# An example that spans files (a model and its migration) marks each with a `# path/to/file.py` line.
FILE_MARKER = re.compile(r"^# ([\w./-]+\.\w+)\n", re.M)


def example_findings(section: str, folder: Path) -> set[str]:
    code = code_block(section)
    parts = FILE_MARKER.split(code)
    if len(parts) == 1:
        return {f.rule for f in analyzer.analyze_source(code, example_path(section))}
    folder.mkdir()
    for name, text in zip(parts[1::2], parts[2::2], strict=True):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return {f.rule for f in analyzer.analyze([folder], analyzer.Config(root=folder)).findings}


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_documentation_examples_fire_and_stay_clean(rule, tmp_path: Path) -> None:
    sections = rule.sections()
    assert rule.code in example_findings(sections["Example"], tmp_path / "bad"), "the ## Example must trigger the rule"
    assert rule.code not in example_findings(sections["Use instead"], tmp_path / "good"), \
        "the ## Use instead must stay clean"


def test_public_rules_api_matches_registry() -> None:
    assert [info.code for info in analyzer.rules()] == sorted(rule.code for rule in ALL_RULES)


def test_generated_docs_are_up_to_date() -> None:
    for name, text in pages().items():
        path = ROOT / "docs" / "rules" / name
        assert path.is_file() and path.read_text(encoding="utf-8") == text, (
            f"{path} is stale: run `python -m analyzer.docs docs/rules`"
        )


def test_readme_rules_table_lists_every_rule() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for rule in ALL_RULES:
        assert f"| {rule.code} |" in readme or f"[{rule.code}]" in readme


def test_library_does_not_import_the_language_server() -> None:
    pattern = re.compile(r"^\s*(from|import)\s+(pygls|lsprotocol|lsp_server)\b", re.M)
    offenders = [p for p in (ROOT / "analyzer").rglob("*.py") if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
