"""prodready reads the code it analyses and never runs it: not through the CLI, the library,
the index, or `python -m lsp_server` started inside the project."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import analyzer
from tests.hostile import write_hostile_project


def test_a_scan_runs_nothing_of_the_project(tmp_path: Path) -> None:
    marker = tmp_path / "ran.txt"
    root = write_hostile_project(tmp_path / "hostile", marker)
    report = analyzer.analyze([root])
    assert [(f.path, f.line, f.rule) for f in report.findings if f.rule.startswith("TEN")] == \
        [("shop/views.py", 9, "TEN001")]
    for command in (["check", "."], ["index", "."], ["check", "shop/views.py", "--format", "json"]):
        done = subprocess.run([str(Path(sys.executable).with_name("prodready")), *command], cwd=root,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode in (0, 1), done.stderr
    assert not marker.exists(), marker.read_text()


def test_python_m_lsp_server_in_the_project_imports_none_of_its_packages(tmp_path: Path) -> None:
    marker = tmp_path / "ran.txt"
    root = write_hostile_project(tmp_path / "hostile", marker)
    done = subprocess.run([sys.executable, "-m", "lsp_server", "--version"], cwd=root, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("prodready-lsp ")
    assert not marker.exists(), marker.read_text()


def test_imports_of_standard_library_packages_import_nothing(tmp_path: Path) -> None:
    """To tell a frozen module, astroid asked importlib for `this.sub`, which imports `this`:
    the Zen of Python was printed into the JSON report, `antigravity` started a browser, and a
    project's own `wsgiref/__init__.py` ran when prodready was started from the project's folder
    (where `python -m` puts the folder on the import path)."""
    marker = tmp_path / "ran.txt"
    root = tmp_path / "project"
    (root / "app").mkdir(parents=True)
    (root / "pyproject.toml").write_text("")
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "models.py").write_text(
        "from django.db import models\n\n\nclass Account(models.Model):\n    name = models.CharField(max_length=80)\n"
        "\n\nclass Project(models.Model):\n    account = models.ForeignKey(Account, on_delete=models.CASCADE)\n"
        "\n\nclass Note(models.Model):\n    account = models.ForeignKey(Account, on_delete=models.CASCADE)\n")
    (root / "app" / "views.py").write_text(
        "from .models import Project\nfrom this.sub import Thing\nfrom antigravity.sub import Other\n"
        "from wsgiref.handlers_of_ours import Handler\nimport dbm.ours\n\n\n"
        "def view(request, pk):\n    Thing.objects.get(pk=pk)\n    Other.objects.get(pk=pk)\n"
        "    Handler.objects.get(pk=pk)\n    dbm.ours.Row.objects.get(pk=pk)\n"
        "    return Project.objects.get(pk=pk)\n")
    for package in ("wsgiref", "dbm"):  # the project's own, shadowing the standard library's
        (root / package).mkdir()
        (root / package / "__init__.py").write_text(f"open({str(marker)!r}, 'a').write('{package} ')\n")
    browser = tmp_path / "browser"
    browser.write_text(f"#!/bin/sh\necho browser >> {marker}\n")
    browser.chmod(0o755)
    done = subprocess.run([sys.executable, "-m", "analyzer.cli", "check", ".", "--no-cache", "--format", "json"],
                          cwd=root, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "BROWSER": str(browser), "HOME": str(tmp_path)})
    assert done.returncode == 1, done.stderr
    assert [(f["path"], f["line"], f["rule"]) for f in json.loads(done.stdout)["findings"]] == \
        [("app/views.py", 13, "TEN001")]
    assert not marker.exists(), marker.read_text()
