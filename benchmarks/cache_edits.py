"""Random edits to a copy of a project, each followed by a cached run and a `--no-cache` run,
which must report the same: `python benchmarks/cache_edits.py PATH [--edits N] [--seed S]`.

`scan.py` checks the cache after appending a comment to one view. Here the edits are of the
kinds a day of work makes, at random, and reach the cache's every path: a line deleted,
duplicated or swapped with the next (often a syntax error, whose skip reason must match too),
a comment added, a file removed, a module added with a query in it, a foreign key or an
`organization` line taken out of a model. `--core` edits only the application's own modules
(no tests, no migrations), where the index and the imports change most.

The copy is made in a temporary folder; the project itself is not touched. Prints one line per
edit with both runs' times, and exits 1 if any pair of reports differed (findings or skips).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scan import prodready

KINDS = ("delete", "duplicate", "swap", "comment", "remove file", "new file", "foreign key")
NEW_MODULE = ("from .models import *\n\n\ndef added_view(request, pk):\n"
              "    return Project.objects.get(pk=pk)\n")


def report(root: Path, *extra: str) -> tuple[list, list, float]:
    """Findings and skips of one run of the command line on `root`, and its seconds."""
    out = root.parent / "report.json"
    started = time.perf_counter()
    subprocess.run([prodready(), "check", str(root), "--format", "json", "-o", str(out), "--exit-zero", *extra],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    data = json.loads(out.read_text(encoding="utf-8"))
    found = sorted((f["rule"], f["path"], f["line"], f["column"], f["message"]) for f in data["findings"])
    skipped = sorted((s["path"], s["reason"]) for s in data["summary"]["skipped"])
    return found, skipped, time.perf_counter() - started


def edit(rng: random.Random, kind: str, target: Path, number: int) -> Path | None:
    """Make one edit of `kind` to `target`; returns the file added, if any."""
    if kind == "remove file":
        target.unlink()
        return None
    if kind == "new file":
        added = target.with_name(f"added_{number}.py")
        added.write_text(NEW_MODULE)
        return added
    lines = target.read_text(encoding="utf-8", errors="replace").split("\n")
    if kind == "delete" and len(lines) > 1:
        del lines[rng.randrange(len(lines))]
    elif kind == "duplicate":
        at = rng.randrange(len(lines))
        lines.insert(at, lines[at])
    elif kind == "swap" and len(lines) > 1:
        at = rng.randrange(len(lines) - 1)
        lines[at], lines[at + 1] = lines[at + 1], lines[at]
    elif kind == "comment":
        lines.append(f"# edit {number}")
    elif kind == "foreign key":
        places = [n for n, line in enumerate(lines) if "ForeignKey(" in line or "organization" in line]
        if places:
            del lines[rng.choice(places)]
    target.write_text("\n".join(lines), encoding="utf-8")
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--core", action="store_true", help="edit only modules outside tests and migrations")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / args.path.resolve().name
        shutil.copytree(args.path, root, ignore=shutil.ignore_patterns(".prodready_cache", ".git"))
        files = sorted(p for p in root.rglob("*.py") if not args.core
                       or ("test" not in p.relative_to(root).as_posix() and "migrations" not in p.parts))
        report(root)  # cold: fills the cache
        differed = 0
        for number in range(args.edits):
            kind, target = rng.choice(KINDS), rng.choice(files)
            added = edit(rng, kind, target, number)
            if kind == "remove file":
                files.remove(target)
            if added is not None:
                files.append(added)
            cached, plain = report(root), report(root, "--no-cache")
            same = cached[:2] == plain[:2]
            differed += not same
            print(f"{number:3} {kind:12} {target.relative_to(root)}: cached {cached[2]:.2f} s, --no-cache "
                  f"{plain[2]:.2f} s, {len(cached[0])} findings, {'same' if same else 'DIFFERENT'}", flush=True)
            if not same:
                print("    only cached:", sorted(set(cached[0]) - set(plain[0]))[:3])
                print("    only --no-cache:", sorted(set(plain[0]) - set(cached[0]))[:3])
                print("    skips differ:", cached[1] != plain[1])
        print(f"{differed} of {args.edits} edits gave a cached report other than --no-cache's")
        return 1 if differed else 0


if __name__ == "__main__":
    sys.exit(main())
