"""The run cache: an unchanged run answered from .prodready_cache/, exactly as a cold run would
answer it, and any change to what a run reads making a new run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import analyzer
from analyzer import engine
from analyzer.cache import CACHE_DIR
from analyzer.config import discover_config
from analyzer.model import Report

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "django_saas"
PRODREADY = str(Path(sys.executable).with_name("prodready"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / "django_saas"))


def run(root: Path, cache: bool = True, **config: object) -> Report:
    base = discover_config(root)
    return analyzer.analyze([root], base.model_copy(update=config) if config else base, cache=cache)


def same(a: Report, b: Report) -> bool:
    return a.findings == b.findings and a.summary.model_copy(update={"seconds": 0}) == \
        b.summary.model_copy(update={"seconds": 0})


def test_an_unchanged_run_is_answered_from_the_cache_without_parsing(project: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    cold = run(project)
    assert (project / CACHE_DIR / ".gitignore").read_text().endswith("*\n")
    assert (project / CACHE_DIR / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("a warm run parsed files")

    with monkeypatch.context() as patched:
        patched.setattr(engine, "parse_files", no_parsing)
        warm = run(project)
    assert same(warm, cold) and warm.findings
    assert set(warm.sources) == {f.path for f in cold.findings}  # the code frames keep their lines
    assert same(run(project, cache=False), cold)


def test_editing_a_model_changes_the_verdict_in_the_views_as_a_cold_run_does(project: Path) -> None:
    before = run(project)
    models = project / "billing" / "models.py"
    text = models.read_text()
    edited = text.replace("    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)\n    project =",
                          "    project =", 1)
    assert edited != text
    models.write_text(edited)
    after = run(project)
    assert not same(after, before)
    assert same(after, run(project, cache=False))


def test_configuration_is_part_of_the_key(project: Path) -> None:
    everything = run(project)
    tenant_only = run(project, select=("TEN",))
    assert {f.rule[:3] for f in tenant_only.findings} == {"TEN"}
    assert same(run(project), everything)


def test_the_command_line_caches_cleans_and_can_do_without(tmp_path: Path) -> None:
    """A project that imports nothing heavy, so that each run is a fresh process but quick."""
    root = tmp_path / "reports"
    (root / "sql").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.prodready.tenant]\ntables = ["invoices"]\nfields = ["tenant_id"]\n')
    (root / "sql" / "schema.sql").write_text("CREATE TABLE invoices (id int, tenant_id int, total int);\n")
    report = root / "sql" / "report.sql"
    report.write_text("SELECT id, total FROM invoices WHERE total > 100;\n")

    def check(*options: str) -> dict:
        done = subprocess.run([PRODREADY, "check", "--format", "json", *options], cwd=root, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode in (0, 1), done.stderr
        result = json.loads(done.stdout)
        result["summary"].pop("seconds")
        return result

    cold = check()
    assert [f["rule"] for f in cold["findings"]] == ["TEN003"]
    assert check() == cold
    for entry in (root / CACHE_DIR).rglob("*.json"):
        entry.write_text("{ not json")  # a broken cache is ignored and replaced
    assert check() == cold
    report.write_text("SELECT id, total FROM invoices WHERE tenant_id = %s AND total > 100;\n")
    assert check()["findings"] == []
    done = subprocess.run([PRODREADY, "clean"], cwd=root, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "Removed" in done.stderr
    assert not (root / CACHE_DIR).exists()
    assert check("--no-cache")["findings"] == []
    assert not (root / CACHE_DIR).exists()
