"""Time cold and warm scans through the command line: `python benchmarks/scan.py PATH [--repeat N]`.

Each run is a fresh `prodready check PATH --format json` process, as in CI, timed from start
to exit, with its own peak resident memory. Three kinds of run, `--repeat` times each:

- cold: `.prodready_cache/` removed first (`prodready clean`);
- warm: nothing changed since the last run;
- one file changed: a comment appended to `--edit` (default: the longest `views.py` or
  `api.py` in the tree), a new one each time; the file is put back at the end.

After the last changed run, the same tree is checked with `--no-cache`, and the two reports
must hold the same findings: a cache that served anything stale would show here. Prints the
median and best of each kind, and the largest peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def prodready() -> str:
    beside = Path(sys.executable).with_name("prodready")
    return str(beside) if beside.is_file() else "prodready"


def timed(argv: list[str]) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one process."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} exited with {process.returncode}")
    return seconds, usage.ru_maxrss / 1024


def findings(report: Path) -> list:
    return json.loads(report.read_text(encoding="utf-8"))["findings"]


def default_edit(root: Path) -> Path | None:
    candidates = [p for p in root.rglob("*.py") if p.name in ("views.py", "api.py") and ".venv" not in p.parts]
    if not candidates:
        candidates = [p for p in root.rglob("*.py") if ".venv" not in p.parts]
    return max(candidates, key=lambda p: (p.stat().st_size, str(p)), default=None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--edit", type=Path, default=None, help="the file to change (default: the longest view)")
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    root = args.path.resolve()
    if not root.is_dir():
        parser.error(f"{args.path}: no such folder")
    edit = args.edit or default_edit(root)
    if edit is None:
        parser.error(f"{args.path}: no Python file to change between runs; name one with --edit")
    edit = edit.resolve()
    original = edit.read_bytes()
    out = Path(tempfile.mkdtemp()) / "report.json"
    check = [prodready(), "check", str(root), "--format", "json", "--output-file", str(out), "--exit-zero"]
    if args.jobs:
        check += ["--jobs", str(args.jobs)]
    kinds: dict[str, list[tuple[float, float]]] = {"cold": [], "warm": [], "one file changed": []}
    try:
        for _ in range(args.repeat):
            subprocess.run([prodready(), "clean", str(root)], capture_output=True, check=False)
            kinds["cold"].append(timed(check))
        cold = findings(out)
        for _ in range(args.repeat):
            kinds["warm"].append(timed(check))
        warm_same = findings(out) == cold
        for number in range(args.repeat):
            edit.write_bytes(original + f"\n# benchmark edit {number}\n".encode())
            kinds["one file changed"].append(timed(check))
        changed = findings(out)
        timed([*check, "--no-cache"])
        changed_same = findings(out) == changed
    finally:
        edit.write_bytes(original)
    print(f"path:      {root}")
    print(f"findings:  {len(cold)}")
    for kind, runs in kinds.items():
        seconds = [s for s, _ in runs]
        print(f"{kind + ':':<18} median {statistics.median(seconds):6.2f} s, best {min(seconds):6.2f} s "
              f"over {len(runs)} runs, peak RSS {max(m for _, m in runs):.0f} MB")
    print(f"edited:    {edit.relative_to(root)}")
    print(f"warm runs report what the cold run did: {'yes' if warm_same else 'NO'}; "
          f"the changed runs what --no-cache does: {'yes' if changed_same else 'NO'}")
    return 0 if warm_same and changed_same else 1


if __name__ == "__main__":
    sys.exit(main())
