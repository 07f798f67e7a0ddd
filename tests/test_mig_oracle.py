"""MIG001 against Django's own makemigrations, drift by drift, on the Django fixture project.

Django's autodetector runs in a subprocess (tests/oracles/django_makemigrations.py) on the
fixture's real settings with SQLite, and says which changes it would write and which of them
reach the database. prodready must report exactly those, without Django, settings or imports.
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

pytest.importorskip("django", reason="the oracle needs Django: pip install -e '.[test]'")
pytest.importorskip("django_scopes", reason="the fixture's billing models use django-scopes")

ROOT = Path(__file__).resolve().parent
PROJECT = ROOT.parent / "fixtures" / "django_saas"
SHIM = '''from config.settings import *  # noqa: F403

INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "rest_framework"]  # noqa: F405
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
'''
FINDING = re.compile(r"`(\w+)(?:\.(\w+))?`.*would write (\w+)")


def django_verdict(tmp_path: Path) -> set[tuple[str, str | None, str]]:
    (tmp_path / "oracle_settings.py").write_text(SHIM, encoding="utf-8")
    env = {**os.environ, "DJANGO_SECRET_KEY": "oracle", "INTERNAL_SERVICE_KEY": "oracle",
           "DJANGO_SETTINGS_MODULE": "oracle_settings",
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(PROJECT)])}
    run = subprocess.run([sys.executable, str(ROOT / "oracles" / "django_makemigrations.py")], cwd=PROJECT,
                         env=env, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    changes = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    return {(c["model"], c["field"], c["op"]) for c in changes if c["schema"]}


def prodready_verdict() -> set[tuple[str, str | None, str]]:
    config = discover_config(PROJECT).model_copy(update={"select": ("MIG001",)})
    found = set()
    for finding in analyzer.analyze([PROJECT], config).findings:
        match = FINDING.search(finding.message)
        assert match, finding.message
        found.add((match.group(1).lower(), match.group(2), match.group(3)))
    return found


def test_mig001_agrees_with_makemigrations(tmp_path: Path) -> None:
    expected = django_verdict(tmp_path)
    assert expected, "the fixture has deliberate drifts: the oracle must see them"
    assert prodready_verdict() == expected
