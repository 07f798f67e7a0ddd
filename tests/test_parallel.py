"""Pass 2 in forked processes: the same report as one process, found by other processes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import analyzer
from analyzer import parallel
from analyzer.config import discover_config
from analyzer.parallel import FileResult, map_files

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "django_saas"


def test_files_are_checked_in_other_processes_and_each_result_keeps_its_place(monkeypatch) -> None:
    monkeypatch.setattr(parallel, "MIN_FILES_PER_JOB", 1)
    if not parallel.can_fork():
        pytest.skip("forking is unsafe here (not Linux, or the test process runs other threads)")
    items = [f"file{n}" for n in range(40)]
    results = list(map_files(items, lambda item: FileResult([item, os.getpid()], [], 0), jobs=2))
    assert sorted(r.number for r in results) == list(range(40))
    assert all(items[r.number] == r.findings[0] for r in results)
    assert {r.findings[1] for r in results} - {os.getpid()}, "no file was checked in a worker"


def test_a_parallel_scan_reports_exactly_what_a_serial_one_does(monkeypatch) -> None:
    monkeypatch.setattr(parallel, "MIN_FILES_PER_JOB", 1)
    config = discover_config(FIXTURE)
    serial = analyzer.analyze([FIXTURE], config, jobs=1)
    forked = analyzer.analyze([FIXTURE], config, jobs=2)
    assert serial.findings and forked.findings == serial.findings
    assert forked.summary.skipped == serial.summary.skipped
    assert forked.summary.unparsed_sql == serial.summary.unparsed_sql


def test_few_files_are_not_worth_a_fork() -> None:
    items = list(range(parallel.MIN_FILES_PER_JOB))
    results = list(map_files(items, lambda item: FileResult([os.getpid()], [], 0), jobs=4))
    assert {r.findings[0] for r in results} == {os.getpid()}
