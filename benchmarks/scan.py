"""Time a whole scan and report its peak memory: `python benchmarks/scan.py PATH [--repeat N]`.

Prints files, findings, seconds per run (best and median), files per second and the peak
resident memory of this process. Run it on the same tree before and after a change.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

import analyzer
from analyzer.config import discover_config


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    config = discover_config(args.path)
    times = []
    report = None
    for _ in range(args.repeat):
        started = time.perf_counter()
        report = analyzer.analyze([args.path], config)
        times.append(time.perf_counter() - started)
    assert report is not None
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    files = report.summary.files
    best = min(times)
    print(f"path:      {args.path}")
    print(f"files:     {files} analysed, {len(report.summary.skipped)} skipped")
    print(f"findings:  {report.summary.findings}")
    print(f"seconds:   best {best:.2f}, median {statistics.median(times):.2f} over {len(times)} runs")
    print(f"speed:     {files / best:.0f} files/s")
    print(f"peak RSS:  {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
