"""MIG002 against Alembic's own comparison, drift by drift, on the Alembic fixture project.

The fixture's revisions (a branch and its merge included) run on SQLite in a subprocess
(tests/oracles/alembic_check.py), and Alembic compares the models with the result as `alembic
check` does. prodready must report exactly those differences, without a database or imports.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import analyzer
from analyzer.config import discover_config
from analyzer.engine import build_project_index

pytest.importorskip("alembic", reason="the oracle needs Alembic: pip install -e '.[test]'")

ROOT = Path(__file__).resolve().parent
PROJECT = ROOT.parent / "fixtures" / "fastapi_helpdesk"
NAMED = re.compile(r"`([\w.]+)`")
KIND = re.compile(r"would write (\w+)$")

Drift = tuple[str, str, str | None]  # (kind, table, column)


def alembic_verdict(tmp_path: Path) -> set[Drift]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'deskline.db'}", "DESKLINE_JWT_SECRET": "oracle",
           "PYTHONPATH": str(PROJECT), "PYTHONDONTWRITEBYTECODE": "1"}
    run = subprocess.run([sys.executable, str(ROOT / "oracles" / "alembic_check.py"), "app.models:Base"],
                         cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    diffs = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    created = {d["table"] for d in diffs if d["kind"] == "create_table"}
    # A new table's indexes come as diffs of their own; prodready's create_table covers them.
    return {(d["kind"], d["table"], d["column"]) for d in diffs
            if d["kind"] == "create_table" or d["table"] not in created}


def prodready_verdict() -> set[Drift]:
    config = discover_config(PROJECT).model_copy(update={"select": ("MIG002",)})
    index, _ = build_project_index([PROJECT], config)
    tables = {m.name: m for m in index.models.values()}
    found = set()
    for finding in analyzer.analyze([PROJECT], config).findings:
        kind, names = KIND.search(finding.message).group(1), NAMED.findall(finding.message)
        if kind in ("create_table", "drop_table"):
            table = names[1] if kind == "create_table" else names[0]
            found.add((kind, table, None))
        elif kind == "drop_column":
            table, column = names[0].split(".")
            found.add((kind, table, column))
        else:
            model_name, attribute = names[0].split(".")
            model = tables[model_name]
            found.add((kind, model.table, model.fields[attribute].column))
    return found


def test_mig002_agrees_with_alembic_check(tmp_path: Path) -> None:
    expected = alembic_verdict(tmp_path)
    assert expected, "the fixture has deliberate drifts: the oracle must see them"
    assert prodready_verdict() == expected
