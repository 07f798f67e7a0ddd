"""What an unsaved edit costs the language server on a real project: `python benchmarks/reindex.py PATH [FILE ...]`.

Builds the server's view of the folder at PATH (every file of pass 1 and the index), then:

- rebuilds the index over the same trees, as the server does when a models file changes
  (median of five);
- for each FILE (relative to PATH), sends six small edits of its text through
  `Project.analyse`, as a keystroke would, and prints whether each rebuilt the index and how
  long each took.

Prints seconds and milliseconds; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lsp_server.project import Project  # noqa: E402
from lsp_server.settings import Settings  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path)
    parser.add_argument("files", nargs="*", help="files to edit, relative to PATH")
    args = parser.parse_args()
    root = args.path.resolve()
    started = time.perf_counter()
    project = Project(root, Settings(), lambda message: None)
    project.build()
    print(f"build          {time.perf_counter() - started:6.2f} s  ({len(project.files)} files)")
    rebuilds = []
    for _ in range(5):
        started = time.perf_counter()
        project._reindex()
        rebuilds.append(time.perf_counter() - started)
    print(f"index rebuild  {statistics.median(rebuilds):6.2f} s  (median of 5)")
    for name in args.files:
        path = root / name
        text = path.read_text(encoding="utf-8")
        project.analyse(path, text, [])
        times, rebuilt = [], []
        for number in range(6):  # a comment typed at the end, one character more each time
            started = time.perf_counter()
            _, reindexed = project.analyse(path, text + "\n#" + "x" * number, [])
            times.append((time.perf_counter() - started) * 1000)
            rebuilt.append(reindexed)
        print(f"edit {name}: rebuilt the index {sum(rebuilt)} of 6 times; "
              f"median {statistics.median(times):.0f} ms, max {max(times):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
