"""The index's fingerprint, which keeps or drops every cached finding: the same for the same
facts in any process, different for different facts, and never a guess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.config import discover_config
from analyzer.engine import build_project_index
from analyzer.index import ProjectIndex
from analyzer.index.facts import TenantKey
from analyzer.index.fingerprint import NotFingerprintable, fingerprint
from analyzer.lang.python import parse_python

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PRINT = ("import sys; from pathlib import Path; from analyzer.config import discover_config; "
         "from analyzer.engine import build_project_index; from analyzer.index.fingerprint import fingerprint; "
         "root = Path(sys.argv[1]); print(fingerprint(build_project_index([root], discover_config(root))[0]))")


@pytest.mark.parametrize("fixture", ["django_saas", "flask_saas", "fastapi_saas"])
def test_every_fixture_index_is_plain_data(fixture: str) -> None:
    root = FIXTURES / fixture
    index, _ = build_project_index([root], discover_config(root))
    assert len(fingerprint(index)) == 32


def test_processes_that_order_their_sets_differently_agree() -> None:
    found = set()
    for seed in ("1", "2", "3"):
        done = subprocess.run([sys.executable, "-c", PRINT, str(FIXTURES / "flask_saas")], capture_output=True,
                              text=True, timeout=120, env={**os.environ, "PYTHONHASHSEED": seed}, check=True)
        found.add(done.stdout.strip())
    assert len(found) == 1


def test_different_facts_differ() -> None:
    assert fingerprint(ProjectIndex(tenant=TenantKey(fields=["org_id"]))) != \
        fingerprint(ProjectIndex(tenant=TenantKey(fields=["tenant_id"])))
    assert fingerprint(ProjectIndex(tenant_names={"a", "b"})) == fingerprint(ProjectIndex(tenant_names={"b", "a"}))


def test_a_syntax_tree_in_the_index_is_refused() -> None:
    module = parse_python("x = 1\n", Path("m.py"), "m", register=False)
    with pytest.raises(NotFingerprintable):
        fingerprint(ProjectIndex(query_builders={module}))  # type: ignore[arg-type]
