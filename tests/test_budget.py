"""Parsing within `file-timeout` and `file-memory`: Python is interrupted where it runs,
tree-sitter stops reading, nothing is raised once the budget's block has ended, and the rest of
the scan goes on."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import analyzer
from analyzer.budget import REFIRE_INTERVAL, MemoryUp, TimeUp, budget, expired, uninterrupted
from analyzer.config import Config
from tests.test_api import MODELS, make
from tests.test_bad_input import VIEWS


@pytest.fixture(autouse=True)
def no_collector_callbacks() -> Iterator[None]:
    """The collector's callbacks that the property tests leave behind (hypothesis times its
    collections): a limit raised while one runs is swallowed there, and raised again a moment
    later (REFIRE_INTERVAL), but Python reports the swallowed one, and pytest warns of it.
    prodready registers none."""
    kept = list(gc.callbacks)
    gc.callbacks.clear()
    try:
        yield
    finally:
        gc.callbacks[:] = kept


def spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_python_that_outlasts_its_budget_is_interrupted() -> None:
    started = time.monotonic()
    with pytest.raises(TimeUp), budget(0.2):
        spin(30)
    assert time.monotonic() - started < 10


def test_a_limit_swallowed_on_its_way_is_raised_again() -> None:
    """The first TimeUp may land where it goes nowhere (a garbage collector's callback, a
    finalizer, a library's `except BaseException`): it is raised again until the block ends."""
    swallowed = 0
    started = time.monotonic()
    with pytest.raises(TimeUp), budget(0.1):
        while time.monotonic() - started < 20:
            try:
                spin(20)
            except TimeUp:
                if swallowed:
                    raise
                swallowed += 1  # the first one goes nowhere
    assert swallowed == 1 and time.monotonic() - started < 10
    spin(REFIRE_INTERVAL * 2)  # and nothing once the block has ended


def test_nothing_is_raised_once_the_block_has_ended() -> None:
    for _ in range(500):  # arming and disarming, file after file
        with budget(0.05):
            pass
    spin(0.3)  # past every deadline armed above
    assert not expired()


def test_a_thread_of_its_own_is_interrupted_and_the_others_are_not() -> None:
    outcome: list[str] = []

    def parse() -> None:
        try:
            with budget(0.2):
                spin(30)
        except TimeUp:
            outcome.append("interrupted")

    worker = threading.Thread(target=parse)
    worker.start()
    spin(0.6)  # this thread has no deadline: it is left alone
    worker.join(10)
    assert outcome == ["interrupted"]


def test_c_that_calls_back_into_python_is_left_to_look_at_the_clock_itself() -> None:
    with budget(0.1), uninterrupted():
        spin(0.4)  # a raise in here is what py-tree-sitter turns into a SystemError
        assert expired()
    assert not expired()


def deep_page(levels: int) -> str:
    return "<div>" * levels + "<script>localStorage.setItem('jwt', token)</script>" + "</div>" * levels


def long_views(count: int) -> str:
    return "from .models import Project\n" + "".join(
        f"\n\ndef view_{n}(request):\n    return Project.objects.filter(id=request.GET['id']).first()\n"
        for n in range(count))


def test_files_that_take_too_long_to_parse_are_skipped_and_the_rest_analysed(tmp_path: Path) -> None:
    root = make(tmp_path, {
        "app/__init__.py": "", "app/models.py": MODELS, "app/views.py": VIEWS,
        "app/generated.py": long_views(20_000),  # astroid: seconds
        "templates/deep.html": deep_page(60_000),  # tree-sitter's HTML scanner: quadratic in the depth
        "templates/page.html": deep_page(3),
    })
    started = time.monotonic()
    report = analyzer.analyze([root], Config(root=root.resolve(), file_timeout=0.5, max_file_size=10**7))
    assert time.monotonic() - started < 20
    assert {(s.path, s.reason) for s in report.summary.skipped} == {
        (path, "timeout: parsing took over 0.5 s on this file (file-timeout)")
        for path in ("app/generated.py", "templates/deep.html")}
    assert [(f.path, f.rule) for f in report.findings] == [("app/views.py", "TEN001"),
                                                          ("templates/page.html", "AUTH001")]


def test_python_that_grows_the_process_past_its_budget_is_interrupted() -> None:
    held = []
    with pytest.raises(MemoryUp), budget(0, 40):
        for _ in range(400):  # at most 400 MB, if the watchdog never looked
            held.append(b"x" * 2**20)  # written, so resident
            time.sleep(0.002)
    assert 40 <= len(held) < 400


def test_a_file_whose_parse_outgrows_file_memory_is_skipped_and_the_rest_analysed(tmp_path: Path) -> None:
    root = make(tmp_path, {
        "app/__init__.py": "", "app/models.py": MODELS, "app/views.py": VIEWS,
        "app/generated.py": long_views(6000),  # half a megabyte: astroid's tree grows the process by 80 MB
    })
    report = analyzer.analyze([root], Config(root=root.resolve(), file_memory=20, max_file_size=10**7))
    assert [(s.path, s.reason) for s in report.summary.skipped] == [
        ("app/generated.py", "memory: parsing grew the process by over 20 MB on this file (file-memory)")]
    assert [(f.path, f.rule) for f in report.findings] == [("app/views.py", "TEN001")]


def test_an_exception_that_c_code_raises_in_place_of_the_limit_is_taken_as_the_limit() -> None:
    """ast.parse, interrupted while it builds Python's tree, raises "SystemError: AST constructor
    recursion depth mismatch" instead."""
    with pytest.raises(TimeUp), budget(0.05):
        try:
            spin(30)
        except TimeUp:
            raise SystemError("AST constructor recursion depth mismatch") from None
    with pytest.raises(SystemError), budget(30):  # within its limits, an error is itself
        raise SystemError("a bug")
