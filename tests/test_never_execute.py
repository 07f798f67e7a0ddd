"""prodready reads the code it analyses and never runs it: not through the CLI, the library,
the index, or `python -m lsp_server` started inside the project."""

from __future__ import annotations

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
