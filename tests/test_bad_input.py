"""Bad input, through the library and the command line: each bad file is skipped with a clear
one-line reason, the good files are still analysed, and the exit code follows the contract."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import analyzer
import analyzer.scan
from analyzer.cli import main
from analyzer.config import Config
from analyzer.workspace import read_source
from tests.test_api import MODELS, make

VIEWS = "from .models import Project\n\n\ndef projects(request):\n    return Project.objects.all()\n"
DEEP_CALLS = "rows = Project.objects" + ".filter(a=1)" * 3000 + "\n"  # a query chain deeper than the stack

# A file's bytes, and what the skip reason says of it.
BAD_FILES: dict[str, tuple[bytes, str]] = {
    "app/latin1.py": (b"name = '\xe9t\xe9'\n", "not valid utf-8: byte 0xe9 on line 1"),
    "app/utf16.py": ("x = 1\n".encode("utf-16"), "UTF-16 text (byte order mark)"),
    "app/nul.py": (b"x = 1\x00\n", "binary file (contains NUL bytes)"),
    # A codec that fails with a plain UnicodeError, neither a decode error nor an unknown name.
    "app/punycode.py": (b"# -*- coding: punycode -*-\nx = 'a'\n", "cannot decode as punycode"),
    "app/bom_latin1.py": (b"\xef\xbb\xbf# coding: latin-1\nname = 'x'\n", "a UTF-8 byte order mark and another"),
    "app/long_codec.py": (b"# coding: " + b"a" * 100_000 + b"\nx = 1\n", "invalid encoding declaration: unknown"),
    "app/surrogate.py": (b"# coding: utf-7\nx = '+2AA-'\n", "syntax error: not valid Unicode (surrogates not allowed)"),
    "app/lambdas.py": (b"f = " + b"lambda: " * 3000 + b"1\n", "syntax error: too deeply nested for Python's parser"),
    "static/u32.js": ('localStorage.setItem("jwt", token);\n'.encode("utf-32"), "UTF-32 text (byte order mark)"),
    "app/huge.py": (b"x = 1\n" * (50 * 2**20 // 6), "larger than max-file-size"),
    "app/one_expression.py": (("total = (\n" + "".join(f"    {n} +\n" for n in range(10_000)) + "    0)\n").encode(),
                              "too deeply nested to parse"),
    "app/nested.py": (("x = " + "(" * 5000 + "1" + ")" * 5000 + "\n").encode(), "too many nested parentheses"),
    "app/deep_calls.py": (DEEP_CALLS.encode(), "too deeply nested"),
    "sql/dump.sql": (b"INSERT INTO audit VALUES (1, 'x');\n" * (2**20 // 34), "larger than max-file-size"),
    # Deeper than sqlglot's recursion can follow; the file's other statements are judged.
    "sql/deep.sql": (("SELECT 1;\nSELECT " + "(" * 3000 + "1" + ")" * 3000 + " FROM app_project;\n").encode(),
                     "line 2: SQL nested too deeply for sqlglot to parse; that statement is judged by no rule"),
}
# Files that are odd but fine: analysed, not skipped.
ODD_FILES: dict[str, bytes] = {
    "app/empty.py": b"",
    "templates/unbalanced.html": b"<div><script>let a = 1;</div>\n{% if %}\n<p>{{ user.name\n",
    "static/u16.js": b"\xff\xfe" + 'localStorage.setItem("jwt", token);\n'.encode("utf-16-le"),
    # Lines git passes over (a lone `!`, a trailing backslash) around one it uses: the generated
    # copy of the views is ignored, or its leak would be reported too.
    ".gitignore": b"!\n\\\n[z-a]\ngenerated/\n",
    "static/.gitignore": b"[z-a].map\n",  # a reversed range alone: pathspec's regular expression refuses it
    "generated/views.py": VIEWS.encode(),
}


def write_bad_project(root: Path) -> Path:
    """A small project with every bad file above beside its models and views."""
    make(root, {
        "app/__init__.py": "", "app/models.py": MODELS, "app/views.py": VIEWS,
        **{name: content for name, (content, _) in BAD_FILES.items()}, **ODD_FILES,
    })
    os.symlink("loop_b.py", root / "app" / "loop_a.py")
    os.symlink("loop_a.py", root / "app" / "loop_b.py")
    os.symlink("nowhere.py", root / "app" / "gone.py")  # reported as itself, not as its target
    os.symlink("/dev/zero", root / "app" / "zero.py")  # read to the end, it never ends
    os.mkfifo(root / "app" / "pipe.py")  # read, it blocks until someone writes
    return root


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    return write_bad_project(tmp_path / "project")


def expected_skips() -> dict[str, str]:
    return {**{name: reason for name, (_, reason) in BAD_FILES.items()},
            "app/loop_a.py": "a loop of symbolic links", "app/loop_b.py": "a loop of symbolic links",
            "app/gone.py": "a broken symbolic link",
            "app/zero.py": "not a regular file", "app/pipe.py": "not a regular file"}


def assert_skips(skipped: list[dict[str, str]]) -> None:
    reasons = {entry["path"]: entry["reason"] for entry in skipped}
    assert set(reasons) == set(expected_skips())
    for path, reason in expected_skips().items():
        assert reason in reasons[path], (path, reasons[path])
        assert "\n" not in reasons[path] and len(reasons[path]) < 200


def test_the_library_skips_each_bad_file_with_its_reason_and_analyses_the_rest(hostile: Path) -> None:
    report = analyzer.analyze([hostile], Config(root=hostile.resolve()))
    assert_skips([s.model_dump() for s in report.summary.skipped])
    assert [(f.path, f.rule) for f in report.findings] == [("app/views.py", "TEN001"), ("static/u16.js", "AUTH001")]


def test_the_command_line_reports_the_same_and_exits_1_for_the_findings(hostile: Path, tmp_path: Path,
                                                                      capsys) -> None:
    out = tmp_path / "report.json"
    assert main(["check", str(hostile), "--no-cache", "--format", "json", "--output-file", str(out)]) == 1
    report = json.loads(out.read_text())
    assert_skips(report["summary"]["skipped"])
    assert {f["path"] for f in report["findings"]} == {"app/views.py", "static/u16.js"}
    stderr = capsys.readouterr().err.splitlines()
    assert_skips([dict(zip(("path", "reason"), line.split(": skipped: "), strict=True)) for line in stderr])
    assert main(["check", str(hostile), "--no-cache", "--no-progress"]) == 1
    captured = capsys.readouterr()
    assert "app/pipe.py: skipped: not a regular file (a pipe, socket or device)" in captured.err.splitlines()
    assert "skipped:" not in captured.out and "Found 2 findings" in captured.out


def test_a_run_with_the_cache_reads_no_pipe_nor_device_for_its_key(hostile: Path) -> None:
    """The run cache's key is a digest of every file: read as they were, the pipe blocked it for
    ever and /dev/zero until memory ran out. A file that is not read goes into the key by why,
    as it goes into the report, and the next run is answered from the cache."""
    for _ in range(2):
        done = subprocess.run([sys.executable, "-m", "analyzer.cli", "check", str(hostile), "--format", "json"],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 1, done.stderr
        assert_skips(json.loads(done.stdout)["summary"]["skipped"])
        assert [entry.name for entry in (hostile / ".prodready_cache").rglob("*.json")
                if not entry.name.endswith("files.json")]


def test_a_file_that_vanishes_after_discovery_is_skipped(tmp_path: Path, monkeypatch) -> None:
    root = make(tmp_path, {"app/__init__.py": "", "app/models.py": MODELS, "app/views.py": VIEWS})
    discover = analyzer.scan.discover

    def discover_then_delete(paths, config):
        files, skipped = discover(paths, config)
        (root / "app" / "models.py").unlink()  # gone between the walk and the read
        return files, skipped

    monkeypatch.setattr(analyzer.scan, "discover", discover_then_delete)
    report = analyzer.analyze([root], Config(root=root.resolve()))
    assert [(s.path, s.reason) for s in report.summary.skipped] == [
        ("app/models.py", "cannot read: No such file or directory")]
    (root / "app" / "models.py").write_text(MODELS)  # and through the command line
    (root / "pyproject.toml").write_text("")
    out = tmp_path / "report.json"
    # Without its models the view's query is no tenant's: no finding, and a skip is no error.
    assert main(["check", str(root), "--no-cache", "--format", "json", "--output-file", str(out)]) == 0
    assert json.loads(out.read_text())["summary"]["skipped"] == [
        {"path": "app/models.py", "reason": "cannot read: No such file or directory"}]


def test_usage_and_configuration_errors_exit_2_with_a_one_line_message(tmp_path: Path, capsys) -> None:
    assert main(["check", str(tmp_path / "nowhere")]) == 2
    assert capsys.readouterr().err.strip().endswith("no such file or folder")
    (tmp_path / "pyproject.toml").write_text("[tool.prodready\nselect = [\n")
    assert main(["check", str(tmp_path)]) == 2
    error = capsys.readouterr().err.strip()
    assert "pyproject.toml" in error and "\n" not in error
    (tmp_path / "pyproject.toml").write_text("[tool.prodready]\ntenant-feild = ['org']\n")
    assert main(["check", str(tmp_path)]) == 2
    assert "unknown key `tool.prodready.tenant-feild`" in capsys.readouterr().err



def test_a_pipe_named_on_the_command_line_and_a_folder_that_cannot_be_listed_are_reported(
        tmp_path: Path, monkeypatch, capsys) -> None:
    root = make(tmp_path / "project", {"pyproject.toml": "", "app/__init__.py": "", "app/models.py": MODELS,
                                       "app/views.py": VIEWS, "locked/views.py": VIEWS})
    os.mkfifo(tmp_path / "requests")  # no language of its own: it used to be passed over in silence
    real_scandir = os.scandir

    def refuse_locked(path=".", *args):
        if Path(path) == root / "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path, *args)

    monkeypatch.setattr(os, "scandir", refuse_locked)
    assert main(["check", str(root), str(tmp_path / "requests"), "--no-cache", "--no-progress"]) == 1
    captured = capsys.readouterr()
    assert sorted(captured.err.splitlines()) == [
        f"{tmp_path / 'requests'}: skipped: not a regular file (a pipe, socket or device)",
        "locked: skipped: cannot read folder: Permission denied",
    ]
    assert "Found 1 finding" in captured.out  # app/views.py, still analysed


def test_an_expression_too_deep_for_astroids_transforms_leaves_stderr_quiet(tmp_path: Path) -> None:
    """astroid warns once per node it could not transform (128 multi-line warnings for this
    model), about code that is not the reader's; the file is still analysed."""
    models = MODELS + "\n\nclass Total(models.Model):\n    x = " + " + ".join(["models.F('a')"] * 450) + "\n"
    root = make(tmp_path, {"pyproject.toml": "", "app/__init__.py": "", "app/models.py": models, "app/views.py": VIEWS})
    done = subprocess.run([sys.executable, "-m", "analyzer.cli", "check", str(root), "--no-cache", "--no-progress"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.stderr == ""
    assert done.returncode == 1 and "TEN001" in done.stdout


def test_files_the_command_line_names_that_cannot_serve_are_one_line_errors(tmp_path: Path, capsys) -> None:
    root = make(tmp_path / "project", {"pyproject.toml": "", "app/__init__.py": "", "app/models.py": MODELS})
    os.mkfifo(tmp_path / "pipe.json")
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    for arguments, said in [
        (["--baseline", "/dev/zero"], "/dev/zero: not a prodready baseline: not a regular file"),  # never ends
        (["--baseline", str(tmp_path / "deep.json")], "deep.json: not a prodready baseline: JSON nested too deeply"),
        (["--baseline", str(tmp_path / "pipe.json")], "pipe.json: not a prodready baseline: not a regular file"),
        (["--config", "/dev/zero"], "/dev/zero: cannot read: not a regular file"),
        (["-o", str(tmp_path / "missing" / "report.txt")], "report.txt: cannot write the report: No such file"),
        (["-o", str(tmp_path)], "cannot write the report: Is a directory"),
        (["--write-baseline", str(tmp_path / "missing" / "b.json")], "cannot write the baseline: No such file"),
    ]:
        assert main(["check", str(root), "--no-cache", "--no-progress", *arguments]) == 2, arguments
        error = capsys.readouterr().err
        assert error.startswith("prodready: error: ") and said in error and error.count("\n") == 1, error


def test_each_problem_of_a_configuration_is_a_line_of_its_own(tmp_path: Path, capsys) -> None:
    root = make(tmp_path, {"pyproject.toml": "[tool.prodready]\nselectt = ['TEN']\nfile-timeout = -1\n",
                           "app/views.py": VIEWS})
    assert main(["check", str(root), "--no-cache", "--no-progress"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and all(line.startswith(f"prodready: error: {root / 'pyproject.toml'}: ") for line in lines)
    assert "`tool.prodready.file-timeout`" in lines[0] and "unknown key `tool.prodready.selectt`" in lines[1]


def test_a_file_name_that_is_not_utf8_is_analysed_cached_and_reported(tmp_path: Path) -> None:
    root = make(tmp_path, {"pyproject.toml": "", "app/__init__.py": "", "app/models.py": MODELS})
    name = os.fsdecode(b"vi\xffews.py")  # a surrogate escape, as Python names such a file
    (root / "app" / name).write_text(VIEWS)
    for form in ("json", "sarif", "github", "text"):  # cached from the second run on
        out = tmp_path / f"report.{form}"
        assert main(["check", str(root), "--no-progress", "--format", form, "-o", str(out)]) == 1, form
    assert (tmp_path / "report.text").read_bytes().count(b"app/vi\xffews.py") == 1  # the name as it is
    # Valid Unicode for strict parsers, which reject a whole report over a lone surrogate.
    json_report = (tmp_path / "report.json").read_bytes()
    assert b"\\udc" not in json_report
    assert json.loads(json_report)["findings"][0]["path"] == "app/vi\\xffews.py"
    annotations = (tmp_path / "report.github").read_bytes()
    assert annotations.count(b"file=app/vi\xffews.py,") == 1


def rebound(first: str, times: int) -> str:
    """A view that hands its queryset through `times` names, one line each, then fetches a row
    by the caller's id."""
    lines = ["from .models import Project", "", "", "def project(request):", f"    rows0 = {first}"]
    lines += [f"    rows{n} = rows{n - 1}" for n in range(1, times)]
    lines.append(f"    return rows{times - 1}.get(pk=request.GET['id'])")
    return "\n".join(lines) + "\n"


def test_a_queryset_handed_through_thousands_of_names_is_judged_as_through_a_few(tmp_path: Path) -> None:
    """astroid's budgets bound each question: the long chain costs no more than its answer, and
    the file is neither given up nor judged otherwise."""
    unscoped, scoped = "Project.objects.all()", "Project.objects.filter(account=request.user.account)"
    root = make(tmp_path, {
        "app/__init__.py": "", "app/models.py": MODELS,
        "app/few.py": rebound(unscoped, 3), "app/many.py": rebound(unscoped, 2000),
        "app/few_scoped.py": rebound(scoped, 3), "app/many_scoped.py": rebound(scoped, 2000),
    })
    report = analyzer.analyze([root], Config(root=root.resolve()))
    assert report.summary.skipped == []
    assert [(f.path, f.line, f.rule) for f in report.findings] == [("app/few.py", 5, "TEN001"),
                                                                  ("app/many.py", 5, "TEN001")]


def changed_after_its_check(monkeypatch, target: Path, change) -> None:
    """`change(target)` as soon as the reader has checked that it is a regular file, before it
    reads: where another process could swap or grow the file."""
    real = stat.S_ISREG

    def checked_then_changed(mode: int) -> bool:
        answer = real(mode)
        if not getattr(checked_then_changed, "done", False):
            checked_then_changed.done = True  # type: ignore[attr-defined]
            change(target)
        return answer

    monkeypatch.setattr(stat, "S_ISREG", checked_then_changed)


def read_within(path: Path, config: Config, seconds: float = 30):
    found: list = []
    reader = threading.Thread(target=lambda: found.append(read_source(path, config)), daemon=True)
    reader.start()
    reader.join(seconds)
    if reader.is_alive():  # blocked on a pipe: give it an end, then fail
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        raise AssertionError(f"reading {path.name} blocked")
    return found[0]


def test_a_file_swapped_for_a_pipe_after_its_check_is_not_read(tmp_path: Path, monkeypatch) -> None:
    views = make(tmp_path, {"app/views.py": VIEWS}) / "app" / "views.py"

    def swap_for_a_pipe(path: Path) -> None:
        path.unlink()
        os.mkfifo(path)

    changed_after_its_check(monkeypatch, views, swap_for_a_pipe)
    skipped = read_within(views, Config(root=tmp_path))
    assert skipped.reason == "not a regular file (a pipe, socket or device)"
    assert stat.S_ISFIFO(os.stat(views).st_mode)


def test_a_file_that_grows_past_the_limit_after_its_check_is_not_read_whole(tmp_path: Path, monkeypatch) -> None:
    app = make(tmp_path, {"app/views.py": VIEWS, "app/models.py": MODELS}) / "app"
    changed_after_its_check(monkeypatch, app / "views.py", lambda path: path.write_text(VIEWS + "# log\n" * 1000))
    config = Config(root=tmp_path, max_file_size=1000)
    assert read_within(app / "views.py", config).reason.startswith("larger than max-file-size (")
    assert read_within(app / "models.py", config).text == MODELS  # the same size limit, left alone


def test_a_file_that_becomes_unreadable_after_its_check_is_skipped_with_the_reason(tmp_path: Path,
                                                                                   monkeypatch) -> None:
    app = make(tmp_path, {"app/views.py": VIEWS, "app/models.py": MODELS}) / "app"
    real_open = os.open

    def refuse_views(path, flags, *args, **kwargs):
        if Path(path) == app / "views.py":
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse_views)
    config = Config(root=tmp_path)
    assert read_within(app / "views.py", config).reason == "cannot read: Permission denied"
    assert read_within(app / "models.py", config).text == MODELS


def test_a_report_that_cannot_be_written_where_it_goes_is_an_error_not_a_bug(tmp_path: Path) -> None:
    root = make(tmp_path, {"pyproject.toml": "", "app/__init__.py": "", "app/models.py": MODELS,
                           "app/views.py": VIEWS.replace("all()\n", "all()  # café …\n")})  # in the code frame
    command = [sys.executable, "-m", "analyzer.cli", "check", str(root), "--no-cache", "--no-progress"]
    with open("/dev/full", "w") as full:  # a disk with no space left
        done = subprocess.run(command, stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr == "prodready: error: cannot write the output: No space left on device\n"
    for encoding in ("ascii", "latin-1"):  # a terminal that cannot show all of the report
        done = subprocess.run(command, capture_output=True, timeout=120,
                              env={**os.environ, "PYTHONIOENCODING": encoding})
        assert done.returncode == 1 and b"TEN001" in done.stdout and done.stderr == b"", encoding
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120,
                          preexec_fn=lambda: os.close(1))  # started with stdout closed
    assert done.returncode == 1 and done.stderr == b""


def test_index_shows_file_names_as_check_does(tmp_path: Path) -> None:
    """Escape sequences in a name never reach the terminal; a name that is not UTF-8 is valid
    Unicode in the JSON."""
    root = make(tmp_path, {"pyproject.toml": "", "app/__init__.py": "", "app/models.py": MODELS})
    (root / "app" / os.fsdecode(b"broken_\xff\x1b]0;TITLE\x07.py")).write_text("def f(:\n")
    command = [sys.executable, "-m", "analyzer.cli", "index", str(root)]
    text = subprocess.run(command, capture_output=True, timeout=120)
    assert text.returncode == 0 and b"\x1b" not in text.stdout and b"\x07" not in text.stdout
    assert b"syntax error" in text.stdout
    done = subprocess.run([*command, "--format", "json"], capture_output=True, timeout=120)
    assert done.returncode == 0 and b"\\udc" not in done.stdout
    assert any("broken_\\xff" in entry["path"] for entry in json.loads(done.stdout)["skipped"])


def test_folders_nested_past_the_longest_path_are_a_skip_not_a_crash(tmp_path: Path) -> None:
    """A name under them is longer than the system takes (ENAMETOOLONG), even to ask whether
    it is a link: the folder that cannot be listed is reported, and the rest analysed."""
    root = make(tmp_path / "project", {"pyproject.toml": "", "app/__init__.py": "", "app/models.py": MODELS,
                                       "app/views.py": VIEWS})
    folder = os.open(root, os.O_RDONLY)
    for depth in range(110):  # 110 names of 40 characters: past PATH_MAX (4,096) from anywhere
        name = f"d{depth:03d}" + "x" * 36
        os.mkdir(name, dir_fd=folder)
        inner = os.open(name, os.O_RDONLY, dir_fd=folder)
        os.close(folder)
        folder = inner
    os.close(folder)
    done = subprocess.run([sys.executable, "-m", "analyzer.cli", "check", str(root), "--no-cache", "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert [finding["path"] for finding in report["findings"]] == ["app/views.py"]
    assert [entry["reason"] for entry in report["summary"]["skipped"]] == ["cannot read folder: File name too long"]


def test_a_loop_of_links_the_command_line_names_is_a_one_line_error(tmp_path: Path, capsys) -> None:
    root = make(tmp_path / "project", {"pyproject.toml": "", "app/__init__.py": "", "app/views.py": VIEWS})
    (root / "loop.json").symlink_to("loop.json")
    for arguments in (["check", str(root), "--baseline", str(root / "loop.json")], ["clean", str(root / "loop.json")],
                      ["index", str(root / "loop.json")]):
        assert main([*arguments, "--no-progress"] if arguments[0] == "check" else arguments) == 2, arguments
        (line,) = capsys.readouterr().err.splitlines()  # `index` finds no such file first, as `check` would
        assert line.startswith("prodready: error: ") and "loop.json" in line, line


def test_an_error_that_quotes_the_configuration_writes_no_escape_sequence(tmp_path: Path, capsys) -> None:
    """A repository's pyproject.toml names the baseline: its text reaches the terminal."""
    configuration = '[tool.prodready]\nbaseline = "\\u001b[2J\\u001b]0;t\\u0007x"\n'
    root = make(tmp_path / "project", {"pyproject.toml": configuration, "app/__init__.py": "", "app/views.py": VIEWS})
    assert main(["check", str(root), "--no-cache", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "baseline file not found" in err and "\x1b" not in err and "\x07" not in err


def test_a_name_byte_that_is_not_utf8_never_reaches_the_terminal_raw(tmp_path: Path) -> None:
    """Byte 0x9b is the 8-bit control sequence introducer: written as it was, `\\x9b31m` coloured
    the terminal."""
    root = make(tmp_path / "project", {"pyproject.toml": "", "app/__init__.py": "", "app/models.py": MODELS})
    (root / "app" / os.fsdecode(b"views_\x9b31m.py")).write_text(VIEWS)
    done = subprocess.run([sys.executable, "-m", "analyzer.cli", "check", str(root), "--no-cache", "--no-progress"],
                          capture_output=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert b"TEN001" in done.stdout and b"\x9b" not in done.stdout and b"\x9b" not in done.stderr


def test_odd_arguments_and_patterns_are_usage_errors_or_nothing(tmp_path: Path, capsys) -> None:
    root = make(tmp_path / "project", {"pyproject.toml": "", "app/__init__.py": "", "app/views.py": VIEWS,
                                       ".gitignore": "[[:alpha:]x\n"})
    with pytest.raises(SystemExit) as exited:
        main(["check", str(root), "--tenant-field", " "])
    assert exited.value.code == 2 and "a tenant field needs a name" in capsys.readouterr().err
    assert main(["index", str(tmp_path / "nowhere")]) == 2  # as `check` says of it
    assert capsys.readouterr().err == f"prodready: error: {tmp_path / 'nowhere'}: no such file or folder\n"
    done = subprocess.run([sys.executable, "-m", "analyzer.cli", "check", str(root), "--no-cache", "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == ""  # no FutureWarning of the regex compiler


def test_the_parsers_warnings_about_the_analysed_code_stay_off_stderr(tmp_path: Path) -> None:
    """`-W default` shows the DeprecationWarning of Python 3.11 as 3.12's SyntaxWarning is shown."""
    root = make(tmp_path / "project", {"pyproject.toml": "", "app/__init__.py": "",
                                       "app/paths.py": 'def pattern():\n    return "\\d+\\.csv"\n'})
    done = subprocess.run([sys.executable, "-W", "default", "-m", "analyzer.cli", "check", str(root), "--no-cache"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == ""
