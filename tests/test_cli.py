from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer import __version__
from analyzer.cli import main

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

VIEWS = '''\
from django.db import models
from django.shortcuts import get_object_or_404


class Tenant(models.Model):
    name = models.CharField(max_length=100)


class Project(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)


class Invoice(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)


def detail(request, pk):
    return get_object_or_404(Invoice, pk=pk)


def listing(request):
    return Invoice.objects.filter(tenant=request.tenant)
'''

SQL = '''\
CREATE TABLE tenants (id serial PRIMARY KEY);
CREATE TABLE orders (id serial PRIMARY KEY, tenant_id int REFERENCES tenants (id), total numeric);
CREATE TABLE customers (id serial PRIMARY KEY, tenant_id int REFERENCES tenants (id));

SELECT id, total
FROM orders o
WHERE o.total > 10 OR o.total < 0
ORDER BY id;
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "billing").mkdir()
    (tmp_path / "billing" / "__init__.py").write_text("")
    (tmp_path / "billing" / "views.py").write_text(VIEWS)
    (tmp_path / "pyproject.toml").write_text("[tool.prodready]\n")
    return tmp_path


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"prodready {__version__}"


def test_check_text_and_exit_codes(project: Path, capsys) -> None:
    assert main(["check", str(project), "--no-progress"]) == 1
    out = capsys.readouterr().out
    assert "billing/views.py:18:12: TEN001" in out
    assert "Found 1 finding" in out
    assert main(["check", str(project), "--exit-zero"]) == 0
    assert main(["check", str(project), "--ignore", "TEN001"]) == 0


def test_check_json_contract(project: Path, capsys) -> None:
    assert main(["check", str(project), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["version"] == 1
    (finding,) = data["findings"]
    assert finding["rule"] == "TEN001" and finding["path"] == "billing/views.py"
    assert (finding["line"], finding["column"], finding["end_line"]) == (18, 12, 18)
    assert data["summary"]["files"] == 2 and data["summary"]["findings"] == 1


def test_tenant_field_flag_overrides_detection(project: Path, capsys) -> None:
    assert main(["check", str(project), "--tenant-field", "owner", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["findings"] == []


def test_usage_and_config_errors_exit_2(project: Path, capsys) -> None:
    assert main(["check", str(project / "missing")]) == 2
    assert "no such file" in capsys.readouterr().err
    (project / "pyproject.toml").write_text("[tool.prodready]\nselekt = []\n")
    assert main(["check", str(project)]) == 2
    assert "unknown key `tool.prodready.selekt`" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--format", "xml"])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["check", str(project), "--jobs", "0"])
    assert exit_info.value.code == 2
    assert "expected a number of processes, 1 or more, not '0'" in capsys.readouterr().err


def test_baseline_round_trip(project: Path, capsys) -> None:
    baseline = project / "prodready-baseline.json"
    assert main(["check", str(project), "--write-baseline", str(baseline)]) == 0
    assert main(["check", str(project), "--baseline", str(baseline)]) == 0
    views = project / "billing" / "views.py"
    views.write_text("# a new comment moves every line\n" + VIEWS + "\n\ndef more(request, pk):\n"
                     "    return Invoice.objects.get(pk=pk)\n")
    capsys.readouterr()
    assert main(["check", str(project), "--baseline", str(baseline), "--format", "json"]) == 1
    lines = [f["line"] for f in json.loads(capsys.readouterr().out)["findings"]]
    assert lines == [27], "only the new finding is reported"


def test_unsafe_fix_applies_to_sql_file(tmp_path: Path, capsys) -> None:
    path = tmp_path / "reports.sql"
    path.write_text(SQL)
    (tmp_path / "prodready.toml").write_text("")
    assert main(["check", str(tmp_path), "--fix"]) == 1, "the only fix is unsafe: --fix alone leaves it"
    assert path.read_text() == SQL
    assert main(["check", str(tmp_path), "--fix", "--unsafe-fixes"]) == 0
    assert path.read_text() == SQL.replace("WHERE o.total > 10 OR o.total < 0",
                                           "WHERE (o.total > 10 OR o.total < 0) AND o.tenant_id = %s")


def test_rule_rules_and_index_commands(project: Path, capsys) -> None:
    assert main(["rule", "TEN001"]) == 0
    page = capsys.readouterr().out
    assert page.startswith("# TEN001 unfiltered-django-query") and "## Why is this bad?" in page
    assert main(["rule", "NOPE999"]) == 2
    assert main(["rule", "X\n\x1b[2J\u202e"]) == 2  # echoed, never obeyed by the terminal
    assert capsys.readouterr().err.splitlines()[-1] == \
        "prodready: error: unknown rule `X\\n\\x1b[2J\\u202e` (see `prodready rules`)"
    assert main(["rules", "--format", "json"]) == 0
    codes = [r["code"] for r in json.loads(capsys.readouterr().out)]
    assert {"TEN001", "TEN002", "TEN003"} <= set(codes)
    assert main(["index", str(project), "--format", "json"]) == 0
    index = json.loads(capsys.readouterr().out)
    assert index["tenant"]["models"] == ["Tenant"]
    statuses = {m["name"]: m["status"] for m in index["models"]}
    assert statuses == {"Tenant": "tenant", "Project": "tenant-scoped", "Invoice": "tenant-scoped"}
    assert main(["index", str(project)]) == 0
    assert "named like a tenant and 2 models point to it" in capsys.readouterr().out


def test_console_script_runs(project: Path) -> None:
    exe = Path(sys.executable).with_name("prodready")
    result = subprocess.run([str(exe), "check", str(project), "--format", "github"], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stdout.startswith("::error file=billing/views.py,line=18,")


def test_a_reader_that_stops_early_gets_no_traceback() -> None:
    """`prodready index . --format json | head -1`: the pipe closes under the writer, which stops
    quietly. The pipe holds one page, so the writer is still writing when it closes."""
    exe = Path(sys.executable).with_name("prodready")
    read_end, write_end = os.pipe()
    if hasattr(fcntl, "F_SETPIPE_SZ"):  # Linux: a one-page pipe
        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "django_saas"
    process = subprocess.Popen([str(exe), "index", str(fixture), "--format", "json"], stdout=write_end,
                               stderr=subprocess.PIPE)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as output:
        assert output.readline().startswith(b"{")
    _, errors = process.communicate(timeout=60)
    assert b"Traceback" not in errors and b"internal error" not in errors
    assert process.returncode == 1


COOKIE_VIEW = ["from django.http import HttpResponse", "", "", "def login(request):",
               "    response = HttpResponse('ok')", "    response.set_cookie('sessionid', request.session.session_key)",
               "    return response", ""]
FIXED_CALL = ("    response.set_cookie('sessionid', request.session.session_key, httponly=True, secure=True, "
              "samesite=\"Lax\")")


@pytest.mark.parametrize(("name", "before"), [
    ("crlf", "\r\n".join(COOKIE_VIEW).encode()),
    ("cr only", "\r".join(COOKIE_VIEW).encode()),
    ("mixed", ("\r\n".join(COOKIE_VIEW[:5]) + "\n" + "\n".join(COOKIE_VIEW[5:])).encode()),
    ("bom", b"\xef\xbb\xbf" + "\n".join(COOKIE_VIEW).encode()),
    ("latin-1", ("# -*- coding: latin-1 -*-\n" + "\n".join(COOKIE_VIEW).replace("'ok'", "'café'")).encode("latin-1")),
    ("a crlf in a string of an lf file", "\n".join(COOKIE_VIEW).replace("'ok'", "'''o\r\nk'''").encode()),
])
def test_a_fix_changes_the_fixed_call_and_not_one_other_byte(tmp_path: Path, name: str, before: bytes) -> None:
    (tmp_path / "prodready.toml").write_text("")
    path = tmp_path / "views.py"
    path.write_bytes(before)
    main(["check", str(tmp_path), "--fix", "--no-cache", "--no-progress"])
    old_call = COOKIE_VIEW[5].encode()
    assert path.read_bytes() == before.replace(old_call, FIXED_CALL.encode())
    assert old_call in before


def _edit(path: Path) -> None:
    path.write_text("\n".join(COOKIE_VIEW) + "# typed in the editor meanwhile\n")


def _swap_for_a_pipe(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)  # no writer, no reader: opened the usual way, it blocks for ever


@pytest.mark.parametrize("meanwhile", [_edit, _swap_for_a_pipe])
def test_a_file_changed_since_its_analysis_is_left_and_nothing_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                      capsys, meanwhile) -> None:
    from analyzer.fixes import apply

    (tmp_path / "prodready.toml").write_text("")
    path = tmp_path / "views.py"
    path.write_text("\n".join(COOKIE_VIEW))
    fixes = apply.apply_fixes

    def changed_meanwhile(*args: object) -> apply.Applied:
        meanwhile(path)
        return fixes(*args)

    monkeypatch.setattr("analyzer.cli.apply_fixes", changed_meanwhile)
    main(["check", str(tmp_path), "--fix", "--no-cache", "--no-progress"])
    if meanwhile is _edit:
        assert path.read_text() == "\n".join(COOKIE_VIEW) + "# typed in the editor meanwhile\n"
    assert "prodready: warning: views.py: not fixed: changed since it was analysed\n" in capsys.readouterr().err


def test_fix_writes_through_no_link_to_a_file_outside_the_project(tmp_path: Path, capsys) -> None:
    project, outside = tmp_path / "project", tmp_path / "outside.py"
    project.mkdir()
    (project / "prodready.toml").write_text("")
    outside.write_text("\n".join(COOKIE_VIEW))
    (project / "linked.py").symlink_to(outside)
    (project / "views.py").write_text("\n".join(COOKIE_VIEW))
    main(["check", str(project), "--fix", "--no-cache", "--no-progress"])
    assert outside.read_text() == "\n".join(COOKIE_VIEW)
    assert (project / "views.py").read_text() == "\n".join(COOKIE_VIEW).replace(COOKIE_VIEW[5], FIXED_CALL)
    err = capsys.readouterr().err
    assert "prodready: warning: linked.py: not fixed: a symbolic link to a file outside the project" in err
    assert "Fixed 1 finding." in err


def test_fix_writes_nothing_a_planted_cache_names_outside_the_project(tmp_path: Path, capsys) -> None:
    """The run cache holds the report that --fix applies, and the project may have written it:
    a finding on `../outside.py`, with that file's text as analysed, is not fixed; nor is one
    whose edit lies past the end of its file."""
    project, outside = tmp_path / "project", tmp_path / "outside.py"
    project.mkdir()
    (project / "prodready.toml").write_text("")
    outside.write_text("\n".join(COOKIE_VIEW))
    (project / "views.py").write_text("\n".join(COOKIE_VIEW))
    main(["check", str(project), "--no-progress"])
    (entry,) = [path for path in (project / ".prodready_cache").rglob("*.json")
                if not path.name.endswith("files.json")]
    data = json.loads(entry.read_text())
    (finding,) = [finding for finding in data["findings"] if finding["fixes"]]
    data["findings"] = [json.loads(json.dumps(finding)) for _ in range(2)]
    data["findings"][0]["path"] = "../outside.py"
    data["sources"]["../outside.py"] = "\n".join(COOKIE_VIEW)
    data["findings"][1]["fixes"][0]["edits"][0].update(line=900, end_line=900)
    entry.write_text(json.dumps(data))
    capsys.readouterr()
    main(["check", str(project), "--fix", "--no-progress"])
    assert outside.read_text() == "\n".join(COOKIE_VIEW)
    assert (project / "views.py").read_text() == "\n".join(COOKIE_VIEW)
    err = capsys.readouterr().err
    assert "prodready: warning: ../outside.py: not fixed: a file outside the project" in err
    assert "prodready: warning: views.py: not fixed: a fix that does not fit the file" in err
