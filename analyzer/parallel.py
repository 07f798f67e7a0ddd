"""Pass 2 across processes: the rules of each file are independent once the index is built.

Workers are forked after pass 1, so each inherits the parsed trees and the index as they are
in memory, copy-on-write: nothing is pickled on the way in but a list of file numbers, and only
findings come back. The collector's generations are frozen before the fork, so that a child's
collections do not touch (and so copy) every page of the parent's heap. They are frozen as
they are, garbage and all: a full collection first walked saleor's 400 MB heap for 1.1 s, more
than the second process saved.

Forking is only safe in a process with no other threads (the parsing budget's watchdog aside:
a child makes its own), on a platform where fork is the way processes are made: the command
line on Linux. Everywhere else, and for few files, the files are analysed one after another,
with the same results.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .budget import is_watchdog

MIN_FILES_PER_JOB = 50  # below this, forking costs more than it saves
CHUNK = 8  # files per task: small enough to keep every worker busy until the end


@dataclass
class FileResult:
    findings: list
    problems: list[str]  # one-line reasons: a rule that failed, a timeout
    unparsed_sql: int
    number: int = -1  # position of the file in the scan's order
    lasting: bool = True  # the same text, index and dependencies give the same result (not a timeout)
    reaches: frozenset[str] | None = None  # the modules its analysis reached (see `lang.reach`); None: not known


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def can_fork() -> bool:
    others = [thread for thread in threading.enumerate()
              if thread is not threading.current_thread() and not is_watchdog(thread)]  # it is made again in a child
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods() and not others


# What the forked workers read: set just before the pool starts, cleared when it ends.
_WORK: tuple[list, Callable[[object], FileResult]] | None = None


def _run_chunk(numbers: list[int]) -> list[FileResult]:
    assert _WORK is not None
    items, check = _WORK
    results = []
    for number in numbers:
        result = check(items[number])
        result.number = number
        results.append(result)
    return results


def map_files(items: list, check: Callable[[object], FileResult], jobs: int) -> Iterator[FileResult]:
    """`check(item)` for every item, in `jobs` forked processes when that pays, yielding results
    as they are done (not in order: each carries its `number`)."""
    global _WORK
    jobs = min(jobs, len(items) // MIN_FILES_PER_JOB)
    if jobs <= 1 or not can_fork():
        for number, item in enumerate(items):
            result = check(item)
            result.number = number
            yield result
        return
    # The longest files first, so that no worker is left with a large one at the end.
    order = sorted(range(len(items)), key=lambda n: -_size(items[n]))
    chunks = [order[i:i + CHUNK] for i in range(0, len(order), CHUNK)]
    _WORK = (items, check)
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            for results in pool.imap_unordered(_run_chunk, chunks):
                yield from results
    finally:
        _WORK = None
        gc.unfreeze()


def _size(item: object) -> int:
    source = getattr(item, "source", None)
    return len(getattr(source, "text", "")) if source is not None else 0
