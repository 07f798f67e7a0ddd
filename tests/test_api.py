"""The public library API on small projects: what a custom script sees."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import analyzer
from analyzer.config import Config
from tests.projects import copy_fixture

MODELS = '''\
from django.db import models


class Account(models.Model):
    name = models.CharField(max_length=50)


class Project(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE)


class Note(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE)
    body = models.TextField()
'''


def make(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return root


def test_analyze_reads_models_from_another_file_and_reports_code_point_columns(tmp_path: Path) -> None:
    root = make(tmp_path, {
        "notes/__init__.py": "",
        "notes/models.py": MODELS,
        "notes/views.py": (
            "from django.http import JsonResponse\n"
            "from .models import Note\n\n\n"
            "def note(request, pk):\n"
            "    label = \"📝\"; body = Note.objects.get(pk=pk).body\n"
            "    return JsonResponse({label: body})\n"
        ),
    })
    report = analyzer.analyze([root], Config(root=root.resolve()))
    (finding,) = report.findings
    assert (finding.rule, finding.path, finding.line) == ("TEN001", "notes/views.py", 6)
    line = report.sources["notes/views.py"].split("\n")[5]
    assert line[finding.column - 1:finding.end_column - 1] == "Note.objects.get(pk=pk)"
    assert finding.docs.endswith("TEN001.md")
    assert report.summary.files == 3 and report.summary.findings == 1


def test_bad_files_are_skipped_and_the_run_goes_on(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    root = make(tmp_path, {
        "app/__init__.py": "",
        "app/models.py": MODELS,
        "app/broken.py": "def view(request:\n",
        "app/latin.py": b"x = '\xff'\n",
        "app/side_effect.py": f"open({str(marker)!r}, 'w').write('ran')\n",
        "app/views.py": "from .models import Project\n\n\ndef p(request):\n    return Project.objects.all()\n",
        "sql/odd.sql": "SELECT FROM WHERE (((;\nSELECT 1;\n",
    })
    report = analyzer.analyze([root], Config(root=root.resolve()))
    skipped = {s.path: s.reason for s in report.summary.skipped}
    assert set(skipped) == {"app/broken.py", "app/latin.py"}
    assert [f.path for f in report.findings] == ["app/views.py"]
    assert not marker.exists(), "analysed code is never executed"


def test_analyze_source_with_a_project_index(tmp_path: Path) -> None:
    from analyzer.engine import build_project_index

    root = make(tmp_path, {"crm/__init__.py": "", "crm/models.py": MODELS})
    config = Config(root=root.resolve())
    index, _ = build_project_index([root], config)
    buffer = (
        "from crm.models import Project\n\n\n"
        "def projects(request):\n"
        "    return Project.objects.filter(account=request.account)\n"
    )
    assert analyzer.analyze_source(buffer, root / "crm" / "views.py", config, index=index) == []
    unsaved = buffer.replace("filter(account=request.account)", "all()")
    (finding,) = analyzer.analyze_source(unsaved, root / "crm" / "views.py", config, index=index)
    assert finding.path == "crm/views.py" and finding.line == 5


def test_a_text_over_max_file_size_is_left_as_a_file_would_be() -> None:
    """Parsing cannot be stopped halfway: a 12 MB buffer took half a minute."""
    text = "import os\n" + "x = 1\n" * 200
    problems: list[str] = []
    assert analyzer.analyze_source(text, "app/big.py", Config(max_file_size=1000), problems=problems) == []
    assert problems == [f"larger than max-file-size ({len(text)} > 1000 bytes)"]
    problems.clear()
    analyzer.analyze_source(text, "app/big.py", Config(max_file_size=len(text)), problems=problems)
    assert problems == []


def test_unparseable_sql_is_counted_not_reported(tmp_path: Path) -> None:
    root = make(tmp_path, {
        "schema.sql": "CREATE TABLE accounts (id int);\nCREATE TABLE a (account_id int REFERENCES accounts (id));\n"
                      "CREATE TABLE b (account_id int REFERENCES accounts (id));\n",
        "reports/q.sql": "SELECT * FROM a WHERE;\nSELECT * FROM b WHERE account_id = 1;\n",
    })
    report = analyzer.analyze([root], Config(root=root.resolve()))
    assert report.findings == []
    assert report.summary.unparsed_sql == 1


def test_checking_one_file_judges_it_by_the_whole_project(tmp_path: Path) -> None:
    root = make(tmp_path, {
        "pyproject.toml": "[tool.prodready]\n",
        "notes/__init__.py": "",
        "notes/models.py": MODELS,
        "notes/views.py": "from .models import Note\n\n\ndef notes(request):\n    return Note.objects.all()\n",
        "notes/other.py": "from .models import Note\n\n\ndef more(request):\n    return Note.objects.all()\n",
    })
    from analyzer.config import discover_config

    report = analyzer.analyze([root / "notes" / "views.py"], discover_config(root))
    assert [(f.path, f.rule) for f in report.findings] == [("notes/views.py", "TEN001")]
    assert report.summary.files == 1, "the other files inform the index but are not reported on"


@pytest.mark.parametrize("marker", ["pyproject.toml", "manage.py", ".git"])
def test_a_project_that_does_not_configure_prodready_is_indexed_from_its_root(tmp_path: Path, marker: str) -> None:
    """What a pre-commit hook does: one changed file, named from the repository's root, in a
    project with no [tool.prodready] table. The tenant model lives in another app."""
    root = make(tmp_path / "shop", {
        "accounts/__init__.py": "",
        "accounts/models.py": MODELS.replace("class Project", "class Unrelated"),
        "notes/__init__.py": "",
        "notes/views.py": "from accounts.models import Note\n\n\ndef notes(request):\n    return Note.objects.all()\n",
    })
    (root / marker).mkdir() if marker == ".git" else (root / marker).write_text("")
    report = analyzer.analyze([root / "notes" / "views.py"])
    assert [(f.path, f.rule) for f in report.findings] == [("notes/views.py", "TEN001")]


def test_a_rule_that_breaks_on_a_file_is_reported_and_the_other_rules_still_run(tmp_path, monkeypatch) -> None:
    from analyzer.rules.auth.storage_write import CredentialInWebStorage

    def broken(self, script, ctx):
        raise KeyError("boom")

    monkeypatch.setattr(CredentialInWebStorage, "check_script", broken)
    (tmp_path / "app.js").write_text('localStorage.setItem("token", t);\ndocument.cookie = "token=" + t;\n',
                                     encoding="utf-8")
    report = analyzer.analyze([tmp_path], analyzer.Config(root=tmp_path))
    assert [f.rule for f in report.findings] == ["AUTH003"]
    assert [s.reason.split(" (")[0] for s in report.summary.skipped] == ["AUTH001 failed on this file"]


def test_a_file_that_outlasts_file_timeout_is_skipped_and_the_run_goes_on(tmp_path: Path) -> None:
    root = make(tmp_path, {
        "pyproject.toml": "[tool.prodready]\nfile-timeout = 0.000000001\n",
        "notes/__init__.py": "",
        "notes/models.py": MODELS,
        "notes/views.py": "from .models import Note\n\n\ndef notes(request):\n    return Note.objects.all()\n",
        "notes/README.txt": "not analysed",
    })
    from analyzer.config import discover_config

    config = discover_config(root)
    assert config.file_timeout == 1e-9
    report = analyzer.analyze([root], config)
    assert report.findings == []
    reasons = {s.path: s.reason for s in report.summary.skipped}
    assert reasons["notes/views.py"].startswith("timeout: the rules took over 1e-09 s on this file (file-timeout)")
    problems: list[str] = []
    assert analyzer.analyze_source((root / "notes" / "views.py").read_text(), "notes/views.py", config,
                                   problems=problems) == []
    assert [p.split(":")[0] for p in problems] == ["timeout"]
    untimed = config.model_copy(update={"file_timeout": 0})
    assert [(f.path, f.rule) for f in analyzer.analyze([root], untimed).findings] == [("notes/views.py", "TEN001")]


def test_a_file_whose_rules_outgrow_file_memory_is_skipped_and_the_run_goes_on(tmp_path: Path, monkeypatch) -> None:
    """An inference that explodes on one file must not take the machine's memory: the process's
    size is looked at while the rules run, and past `file-memory` the file is given up."""
    import analyzer.engine
    from analyzer.config import discover_config

    root = make(tmp_path, {
        "pyproject.toml": "[tool.prodready]\nfile-memory = 300\n",
        "notes/__init__.py": "",
        "notes/models.py": MODELS,
        "notes/views.py": "from .models import Note\n\n\ndef notes(request):\n    return Note.objects.all()\n",
    })
    config = discover_config(root)
    assert config.file_memory == 300
    sizes = iter([100.0, 180.0, 500.0] * 10)  # MB at the start of a file, then as its rules run
    monkeypatch.setattr(analyzer.engine, "resident_mb", lambda: next(sizes))
    monkeypatch.setattr(analyzer.engine, "MEMORY_CHECK_EVERY", 1)
    report = analyzer.analyze([root], config)
    reasons = {s.path: s.reason for s in report.summary.skipped}
    assert reasons["notes/views.py"].startswith("memory: the rules grew the process by over 300 MB on this file")
    assert report.findings == []
    unlimited = config.model_copy(update={"file_memory": 0})
    assert [(f.path, f.rule) for f in analyzer.analyze([root], unlimited).findings] == [("notes/views.py", "TEN001")]


def test_a_run_the_cache_answers_imports_no_parser_and_rules_keeps_its_name(tmp_path: Path) -> None:
    """A warm run is mostly the interpreter's start: importing astroid, sqlglot, tree-sitter
    and the rules took two thirds of it. And `analyzer.rules()` stays the function once a
    scan has imported the `analyzer.rules` subpackage."""
    root = tmp_path / "project"
    copy_fixture("django_saas", root)
    first = analyzer.analyze([root], cache=True)
    script = (
        "import sys, analyzer\n"
        f"report = analyzer.analyze([{str(root)!r}], cache=True)\n"
        "print(len(report.findings))\n"
        "print(sorted(m for m in ('astroid', 'sqlglot', 'tree_sitter', 'analyzer.rules', 'analyzer.engine')"
        " if m in sys.modules))\n"
        f"analyzer.analyze([{str(root / 'billing')!r}], cache=False)\n"
        "print(callable(analyzer.rules), len(analyzer.rules()))\n"
    )
    lines = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                           cwd=tmp_path).stdout.splitlines()
    assert lines == [str(len(first.findings)), "[]", f"True {len(analyzer.rules())}"]
