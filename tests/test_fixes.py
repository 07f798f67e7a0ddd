"""Fixes are tested by applying them and comparing the whole file with its `.fixed` twin."""

from __future__ import annotations

from pathlib import Path

import pytest

import analyzer
from analyzer.config import Config, TenantConfig
from analyzer.fixes.apply import apply_edits
from analyzer.model import FixSafety

HERE = Path(__file__).parent / "fixes"
CONFIG = Config(tenant=TenantConfig(tables=("orders", "customers"), fields=("tenant_id",), exempt_paths=()))
CASES = sorted(p for p in HERE.iterdir() if ".fixed" not in p.name)


@pytest.mark.parametrize("source", CASES, ids=lambda p: p.name)
def test_fix_produces_the_fixed_twin(source: Path) -> None:
    text = source.read_text(encoding="utf-8")
    fixed = source.with_name(source.stem + ".fixed" + source.suffix).read_text(encoding="utf-8")
    findings = analyzer.analyze_source(text, f"app/{source.name}", CONFIG)
    assert findings, "the case must produce findings to fix"
    edits = [edit for f in findings for fix in f.fixes if fix.safety is FixSafety.UNSAFE for edit in fix.edits]
    assert all(fix.safety is FixSafety.UNSAFE for f in findings for fix in f.fixes), "tenant fixes are unsafe"
    result = apply_edits(text, edits)
    assert result == fixed
    # Once fixed, the rule is satisfied.
    assert [f for f in analyzer.analyze_source(result, f"app/{source.name}", CONFIG) if f.rule == "TEN003"] == []
