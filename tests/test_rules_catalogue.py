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


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_documentation_examples_fire_and_stay_clean(rule) -> None:
    sections = rule.sections()
    bad, good = sections["Example"], sections["Use instead"]
    bad_findings = analyzer.analyze_source(code_block(bad), example_path(bad))
    good_findings = analyzer.analyze_source(code_block(good), example_path(good))
    assert rule.code in {f.rule for f in bad_findings}, "the ## Example must trigger the rule"
    assert rule.code not in {f.rule for f in good_findings}, "the ## Use instead must stay clean"


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
