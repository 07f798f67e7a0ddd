"""Fixes are tested by applying them and comparing the whole file with its `.fixed` twin.

A case is named after its rule (`TEN003.py`, `AUTH003.py`); every finding of that rule in the
case must carry a fix of the rule's safety, and once the fixes are applied the rule is satisfied.
"""

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
# Tenant predicates change what a query returns: they are offered, never applied silently.
SAFETY = {"TEN003": FixSafety.UNSAFE, "AUTH003": FixSafety.SAFE, "MIG004": FixSafety.UNSAFE}
# Where each case pretends to live: migration rules look only at migration folders.
FOLDER = {"MIG004": "migrations/versions"}


@pytest.mark.parametrize("source", CASES, ids=lambda p: p.name)
def test_fix_produces_the_fixed_twin(source: Path) -> None:
    code = source.stem
    path = f"{FOLDER.get(code, 'app')}/{source.name}"
    text = source.read_text(encoding="utf-8")
    fixed = source.with_name(source.stem + ".fixed" + source.suffix).read_text(encoding="utf-8")
    findings = [f for f in analyzer.analyze_source(text, path, CONFIG) if f.rule == code]
    assert findings, "the case must produce findings to fix"
    assert all(f.fixes and all(fix.safety is SAFETY[code] for fix in f.fixes) for f in findings)
    result = apply_edits(text, [edit for f in findings for fix in f.fixes for edit in fix.edits])
    assert result == fixed
    # Once fixed, the rule is satisfied.
    assert [f for f in analyzer.analyze_source(result, path, CONFIG) if f.rule == code] == []
