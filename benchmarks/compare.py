"""Time prodready beside bandit, semgrep and pylint on the same tree, in one run.

`python benchmarks/compare.py PATH [--repeat N] [--tools DIR]`

Each tool scans PATH cold (prodready with `--no-cache`), one after another, `--repeat` times;
the median wall time of each is printed with its ratio to prodready's (memory: scan.py).
semgrep runs the local rule file benchmarks/semgrep/tenant.yml (patterns for what the TEN and
AUTH rules look for) with metrics and version checks off, so nothing leaves the machine; pylint
runs one cheap checker (unused-import) on two processes. The other tools are looked up beside
the Python running this script, then in `--tools` (a virtual environment's bin folder), then
on PATH: `pip install bandit semgrep pylint` into any environment. A tool that is missing is
reported as such and left out.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEMGREP_RULES = HERE / "semgrep" / "tenant.yml"


def commands(path: Path) -> dict[str, list[str]]:
    target = str(path)
    return {
        "prodready": ["prodready", "check", target, "--no-cache", "--exit-zero", "--format", "json",
                      "--output-file", os.devnull],
        "semgrep": ["semgrep", "scan", "--config", str(SEMGREP_RULES), "--metrics", "off",
                    "--disable-version-check", "--quiet", "--json", "--output", os.devnull, target],
        "bandit": ["bandit", "-r", target, "-q", "-f", "json", "-o", os.devnull],
        "pylint": ["pylint", "--disable=all", "--enable=unused-import", "--jobs=2", "--recursive=y",
                   "--exit-zero", target],
    }


def find(tool: str, extra: Path | None) -> str | None:
    for folder in (Path(sys.executable).parent, extra):
        if folder is not None and (folder / tool).is_file():
            return str(folder / tool)
    return shutil.which(tool)


def run(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--tools", type=Path, default=None, help="a bin folder holding bandit, semgrep, pylint")
    args = parser.parse_args()
    python_files = sum(1 for _ in args.path.rglob("*.py"))
    print(f"path: {args.path} ({python_files} .py files), {os.cpu_count()} cores, median of {args.repeat}")
    figures: dict[str, float] = {}
    for tool, argv in commands(args.path).items():
        executable = find(argv[0], args.tools)
        if executable is None:
            print(f"{tool:<10} not installed")
            continue
        figures[tool] = statistics.median(run([executable, *argv[1:]]) for _ in range(args.repeat))
    base = figures.get("prodready", 0.0)
    print(f"{'tool':<10} {'seconds':>8} {'x prodready':>12}")
    for tool, seconds in figures.items():
        ratio = f"{seconds / base:.2f}" if base else "-"
        print(f"{tool:<10} {seconds:>8.1f} {ratio:>12}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
