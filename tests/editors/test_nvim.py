"""The Neovim plugin in the real editor: headless Neovim, the plugin from editors/nvim, the real
server, a copy of the Django fixture project.

Neovim is not a Python dependency: where it is missing the test is skipped, unless
PRODREADY_REQUIRE_NVIM is set (CI installs Debian's neovim and sets it), and then it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.expectations import parse_annotations
from tests.projects import copy_fixture

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "editors" / "nvim"
DRIVER = Path(__file__).with_name("nvim_driver.lua")
NVIM = shutil.which("nvim")

if NVIM is None and os.environ.get("PRODREADY_REQUIRE_NVIM"):
    raise RuntimeError("PRODREADY_REQUIRE_NVIM is set but nvim is not on PATH")
requires_nvim = pytest.mark.skipif(NVIM is None, reason="Neovim (nvim) is not installed; CI installs it")


def nvim(*arguments: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Neovim with no user configuration and the plugin on its runtimepath."""
    command = [NVIM or "nvim", "--headless", "--clean", "--cmd", f"set runtimepath^={PLUGIN}", *arguments]
    return subprocess.run(command, env={**os.environ, **(env or {})}, cwd=cwd, capture_output=True, text=True,
                          timeout=180)


def drive(tmp_path: Path, **env: str) -> tuple[Path, dict, subprocess.CompletedProcess]:
    """One session of nvim_driver.lua on accounts/views.py of a copy of the Django fixture:
    the file, what the driver saw, and how nvim ended."""
    project = tmp_path / "django_saas"
    copy_fixture("django_saas", project)
    views = project / "accounts" / "views.py"
    out = tmp_path / "seen.json"
    done = nvim("-c", f"luafile {DRIVER}", env={
        "PRODREADY_NVIM_FILE": str(views),
        "PRODREADY_NVIM_CMD": f"{sys.executable} -m lsp_server",
        "PRODREADY_NVIM_OUT": str(out),
        **env,
    })
    assert out.exists(), f"nvim wrote nothing (exit {done.returncode}): {done.stderr}"
    seen = json.loads(out.read_text())
    assert "error" not in seen, (seen, done.stderr)
    return views, seen, done


def expected_codes(views: Path, prefix: str = "") -> list[tuple[str, int]]:
    return sorted((a.code, a.line) for a in parse_annotations(views.read_text(), str(views))
                  if a.kind == "expect" and a.code.startswith(prefix))


def cookie_line() -> int:
    """The fixture's `response.set_cookie("remember_device", ...)` without its flags."""
    lines = (ROOT / "fixtures" / "django_saas" / "accounts" / "views.py").read_text().splitlines()
    return next(number for number, line in enumerate(lines, 1) if 'set_cookie("remember_device"' in line)


@requires_nvim
def test_diagnostics_appear_and_a_quick_fix_clears_its_diagnostic(tmp_path: Path) -> None:
    line = cookie_line()
    views, seen, done = drive(tmp_path, PRODREADY_NVIM_LINE=str(line))
    assert seen["steps"] == ["opened python", "diagnostics", "applied", "cleared"]

    expected = expected_codes(views)
    assert sorted((d["code"], d["line"]) for d in seen["before"]) == expected
    assert ("AUTH003", line) in expected

    assert seen["applied"] == 'Set httponly=True, secure=True, samesite="Lax"'
    assert {"title": seen["applied"], "kind": "quickfix", "preferred": True} in seen["actions"]
    assert seen["fixed_line"].endswith(
        'max_age=30 * 86400, httponly=True, secure=True, samesite="Lax")  # expect: AUTH003')
    assert sorted((d["code"], d["line"]) for d in seen["after"]) == [c for c in expected if c != ("AUTH003", line)]
    assert done.returncode == 0, done.stderr


@requires_nvim
def test_settings_from_setup_reach_the_server(tmp_path: Path) -> None:
    settings = {"select": ["AUTH"], "severity": {"AUTH005": "hint"}}
    views, seen, _ = drive(tmp_path, PRODREADY_NVIM_SETTINGS=json.dumps(settings))
    assert seen["steps"] == ["opened python", "diagnostics"]
    assert sorted((d["code"], d["line"]) for d in seen["before"]) == expected_codes(views, "AUTH")
    hints = {d["code"] for d in seen["before"] if d["severity"] == 4}  # vim.diagnostic.severity.HINT
    assert hints == {"AUTH005"}


@requires_nvim
def test_checkhealth_finds_the_server_and_the_project_root(tmp_path: Path) -> None:
    project = tmp_path / "shop"
    (project / "shop").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "shop"\nversion = "1.0"\n')
    (project / "shop" / "views.py").write_text("")
    report = tmp_path / "health.txt"
    server = Path(sys.executable).with_name("prodready-lsp")
    done = nvim("-c", f"lua require('prodready').setup({{ cmd = {{ '{server}' }} }})",
                "-c", f"edit {project / 'shop' / 'views.py'}", "-c", "checkhealth prodready",
                "-c", f"write! {report}", "-c", "qall!")
    assert done.returncode == 0, done.stderr
    text = report.read_text()
    assert f"found {server}" in text
    assert "version: prodready-lsp " in text
    assert f"project root of {project / 'shop' / 'views.py'}: {project}" in text
    assert "ERROR" not in text
