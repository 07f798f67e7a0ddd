"""The `prodready` command: argument parsing and exit codes; all logic lives in the library.

Exit codes: 0 no findings, 1 findings, 2 a usage, configuration or internal error.
"""

from __future__ import annotations

import argparse
import errno
import io
import json
import os
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .config import Config, ConfigError, discover_config, load_config, valid_selector
from .fixes.apply import apply_fixes
from .lang import quiet_parsers
from .model import FixSafety, Report
from .parallel import default_jobs
from .report import FORMATS, render
from .report.json_report import valid_unicode
from .report.text import printable, skipped_line
from .scan import analyze
from .suppress import BaselineError, write_baseline

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _codes(value: str) -> list[str]:
    try:
        return [valid_selector(code) for code in value.split(",") if code.strip()]
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _field(value: str) -> str:
    if not value.strip():
        raise argparse.ArgumentTypeError("a tenant field needs a name")
    return value.strip()


def _jobs(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"expected a number of processes, 1 or more, not {value!r}")
    return jobs


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="prodready",
        description="Find the production gaps in a SaaS codebase: cross-tenant queries, exposed tokens, "
                    "unversioned schema changes.",
    )
    parser.add_argument("--version", action="version", version=f"prodready {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help="analyse files and folders (the default)")
    check.add_argument("paths", nargs="*", default=["."], help="files or folders (default: .)")
    check.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    check.add_argument("--select", type=_codes, default=None, help="comma-separated rule codes or prefixes")
    check.add_argument("--ignore", type=_codes, default=None, help="comma-separated rule codes or prefixes")
    check.add_argument("--tenant-field", action="append", type=_field, default=None, metavar="FIELD",
                       help="tenant key field or column (repeatable); skips detection")
    check.add_argument("--config", type=Path, default=None, help="pyproject.toml or prodready.toml to use")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings are reported")
    check.add_argument("--baseline", type=Path, default=None, help="hide the findings recorded in this file")
    check.add_argument("--write-baseline", type=Path, default=None, metavar="FILE",
                       help="record the current findings in FILE and exit 0")
    check.add_argument("--fix", action="store_true", help="apply safe fixes")
    check.add_argument("--unsafe-fixes", action="store_true", help="with --fix, also apply unsafe fixes")
    check.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    check.add_argument("--output-file", "-o", type=Path, default=None, help="write the report to a file")
    check.add_argument("--no-cache", action="store_true",
                       help="neither read nor write .prodready_cache/ (an unchanged run is answered from it)")
    check.add_argument("--jobs", "-j", type=_jobs, default=None, metavar="N",
                       help="processes that parse and analyse the files (default: the number of cores; 1: none)")

    rule = commands.add_parser("rule", help="show a rule's documentation")
    rule.add_argument("code", help="rule code (TEN001) or name (unfiltered-django-query)")

    rules = commands.add_parser("rules", help="list every rule")
    rules.add_argument("--format", choices=("text", "json"), default="text")

    clean = commands.add_parser("clean", help="remove the project's .prodready_cache/")
    clean.add_argument("paths", nargs="*", default=["."], help="a file or folder of the project (default: .)")
    clean.add_argument("--config", type=Path, default=None)

    index = commands.add_parser("index", help="show what the project index learned (models, tables, tenant key)")
    index.add_argument("paths", nargs="*", default=["."], help="files or folders (default: .)")
    index.add_argument("--format", choices=("text", "json"), default="text")
    index.add_argument("--config", type=Path, default=None)
    index.add_argument("--tenant-field", action="append", type=_field, default=None, metavar="FIELD")
    return parser


class CannotWrite(Exception):
    """The report or the baseline cannot be written where the command line says."""


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and not argv[0].startswith("-") and argv[0] not in ("check", "rule", "rules", "index", "clean"):
        argv.insert(0, "check")
    if not argv:
        argv = ["check"]
    quiet_parsers()
    _writable_in_any_locale()
    args = build_parser().parse_args(argv)
    if args.command is None:
        args = build_parser().parse_args(["check", *argv])
    try:
        if args.command == "rule":
            return _rule(args)
        if args.command == "rules":
            return _rules(args)
        if args.command == "index":
            return _index(args)
        if args.command == "clean":
            return _clean(args)
        return _check(args)
    except (ConfigError, BaselineError, CannotWrite) as error:
        for problem in str(error).splitlines():  # a configuration may have several, each a line
            print(f"prodready: error: {printable(problem)}", file=sys.stderr)  # it may quote the repository
        return EXIT_ERROR
    except RuntimeError as error:
        if not str(error).startswith("Symlink loop"):  # pathlib's resolve(), of a path the command line names
            return _internal_error(error)
        print(f"prodready: error: {printable(str(error))}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `prodready rules | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 1
    except OSError as error:
        if error.errno in OUTPUT_ERRORS:  # a full disk under the report: no bug of ours
            print(f"prodready: error: cannot write the output: {error.strerror}", file=sys.stderr)
            return EXIT_ERROR
        if error.errno == errno.ELOOP:  # pathlib's resolve() from Python 3.13 on
            print(f"prodready: error: {printable(str(error))}", file=sys.stderr)
            return EXIT_ERROR
        return _internal_error(error)
    except Exception as error:
        return _internal_error(error)


# What writing the report (to stdout, or to a file) can fail with that is no bug of ours.
OUTPUT_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})


def _internal_error(error: Exception) -> int:
    """Our own bug: say so, with the traceback for the report."""
    print(f"prodready: internal error: {type(error).__name__}: {error}", file=sys.stderr)
    print("Please report this with the traceback below.", file=sys.stderr)
    traceback.print_exc(file=sys.stderr)
    return EXIT_ERROR


def _writable_in_any_locale() -> None:
    """A terminal or pipe whose encoding is not UTF-8 (`LC_ALL=C`, `PYTHONIOENCODING=latin-1`)
    is given the characters it cannot show as escapes: writing `…` or U+FFFD ended the run. A
    stream that was closed before the start is /dev/null: writing to None ended it too."""
    if sys.stdout is None:  # started with stdout closed (`>&-`): what would go there goes nowhere
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - for the life of the process
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
        if encoding != "utf8" and isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def _config(args: argparse.Namespace) -> Config:
    config = load_config(args.config) if args.config else discover_config(Path(args.paths[0]))
    updates: dict = {}
    if getattr(args, "select", None):
        updates["select"] = tuple(args.select)
    if getattr(args, "ignore", None):
        updates["ignore"] = tuple(config.ignore) + tuple(args.ignore)
    if getattr(args, "baseline", None):
        updates["baseline"] = str(args.baseline.resolve())
    if args.tenant_field:
        updates["tenant"] = config.tenant.model_copy(update={"fields": tuple(args.tenant_field)})
    return config.model_copy(update=updates) if updates else config


def _missing(paths: Sequence[str]) -> bool:
    """Whether a path the command line names does not exist (then it says so)."""
    for path in paths:
        if not Path(path).exists():
            print(f"prodready: error: {printable(path)}: no such file or folder", file=sys.stderr)
            return True
    return False


def _check(args: argparse.Namespace) -> int:
    if _missing(args.paths):
        return EXIT_ERROR
    config = _config(args)
    progress = None if args.no_progress or args.format != "text" else _ProgressBar()
    jobs = args.jobs or default_jobs()
    report = analyze(args.paths, config, progress=progress, cache=not args.no_cache, jobs=jobs)
    if progress:
        progress.close()
    if args.write_baseline:
        try:
            count = write_baseline(args.write_baseline, report.findings, report.sources)
        except OSError as error:
            raise CannotWrite(f"{args.write_baseline}: cannot write the baseline: {error.strerror or error}") from None
        print(f"Wrote {count} findings to {args.write_baseline}", file=sys.stderr)
        return EXIT_CLEAN
    if args.fix:
        safeties = {FixSafety.SAFE, FixSafety.UNSAFE} if args.unsafe_fixes else {FixSafety.SAFE}
        applied = apply_fixes(report, config, safeties)
        for line in applied.left:
            print(f"prodready: warning: {line}", file=sys.stderr)
        if applied.fixed:
            print(f"Fixed {applied.fixed} finding{'s' if applied.fixed != 1 else ''}.", file=sys.stderr)
            report = analyze(args.paths, config, cache=not args.no_cache, jobs=jobs)
    _emit(report, args)
    if report.findings and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _emit(report: Report, args: argparse.Namespace) -> None:
    """The report to stdout (or the output file); why each skipped file was skipped, one line
    each, to stderr, where it reaches a person whatever the format."""
    for skipped in report.summary.skipped:
        print(skipped_line(skipped), file=sys.stderr)
    to_terminal = args.output_file is None and sys.stdout.isatty()
    output = render(report, args.format, color=to_terminal, show_skipped=False)
    if args.output_file:
        try:  # a file name that is not UTF-8 is written back as the bytes it was
            args.output_file.write_text(output, encoding="utf-8", errors="surrogateescape")
        except OSError as error:
            raise CannotWrite(f"{args.output_file}: cannot write the report: {error.strerror or error}") from None
    else:
        _write_stdout(output if output.endswith("\n") else output + "\n")


def _write_stdout(output: str) -> None:
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is not None and (sys.stdout.encoding or "").lower().replace("-", "") == "utf8":
        sys.stdout.flush()  # a file name that is not UTF-8 goes out as the bytes it was
        data = memoryview(output.encode("utf-8", "surrogateescape"))
        while data:  # a write into a pipe whose reader left returns short; the next one raises
            data = data[buffer.write(data):]
        buffer.flush()
    else:
        sys.stdout.write(output)


def _rule(args: argparse.Namespace) -> int:
    from .rules import rule_by_code

    rule = rule_by_code(args.code)
    if rule is None:
        print(f"prodready: error: unknown rule `{printable(repr(args.code)[1:-1])}` (see `prodready rules`)",
              file=sys.stderr)
        return EXIT_ERROR
    print(rule.page())
    return EXIT_CLEAN


def _rules(args: argparse.Namespace) -> int:
    from . import rules

    infos = rules()
    if args.format == "json":
        print(json.dumps([info.model_dump(mode="json") for info in infos], indent=2))
        return EXIT_CLEAN
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, show_edge=False)
    for column in ("Code", "Name", "Severity", "Fix", "Summary"):
        table.add_column(column)
    for info in infos:
        table.add_row(info.code, info.name, info.severity.value, "yes" if info.fixable else "", info.summary)
    Console(soft_wrap=False).print(table)
    return EXIT_CLEAN


def _clean(args: argparse.Namespace) -> int:
    from .cache import CACHE_DIR, clean

    config = load_config(args.config) if args.config else discover_config(Path(args.paths[0]))
    root = config.root or Path(args.paths[0]).resolve()
    try:
        removed = clean(root)
    except OSError as error:
        raise CannotWrite(f"{root / CACHE_DIR}: cannot remove the cache: {error.strerror or error}") from None
    if removed:
        print(f"Removed {root / CACHE_DIR}", file=sys.stderr)
    return EXIT_CLEAN


def _index(args: argparse.Namespace) -> int:
    from .engine import build_project_index
    from .index.describe import describe_index

    if _missing(args.paths):
        return EXIT_ERROR
    config = _config(args)
    index, skipped = build_project_index(args.paths, config)
    if args.format == "json":  # names that are not UTF-8 as in `check`'s JSON
        _write_stdout(json.dumps(valid_unicode(describe_index(index, skipped)), indent=2) + "\n")
    else:
        from .index.describe import index_text

        # File names may hold escape sequences: shown as in `check`'s text, never to the terminal.
        _write_stdout("\n".join(printable(line) for line in index_text(index, skipped).split("\n")) + "\n")
    return EXIT_CLEAN


class _ProgressBar:
    """A progress bar on stderr, shown only for scans that last over a second on a terminal."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.bar = None
        self.task = None
        self.enabled = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if time.monotonic() - self.started < 1.0:
                return
            from rich.console import Console
            from rich.progress import Progress

            self.bar = Progress(console=Console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task("Analysing", total=total)
        self.bar.update(self.task, completed=done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def console() -> None:
    """The `prodready` command: `main`, then out at once. A scan leaves millions of astroid
    nodes behind, and an interpreter that shuts down normally frees them one by one: 4 s after
    a scan of saleor, with the report already written."""
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, OSError):  # `prodready check | head`: the reader has what it wanted
        code = code or 1
    os._exit(code)


if __name__ == "__main__":
    console()
