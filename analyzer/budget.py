"""A time budget for work that does not stop to look at the clock: parsing.

The rules check their deadline between nodes (`engine.run_rules`), but a parser, once called,
runs to the end: astroid rebuilding a generated megabyte, sqlglot on a long script, tree-sitter
on a page nested 100,000 tags deep (its HTML scanner is quadratic in the depth: 30 s for one
such page). Within `time_limit(seconds)`:

- Python code is interrupted. One watchdog thread, shared by every file, raises `TimeUp` in the
  thread that armed it once its deadline passes (CPython's `PyThreadState_SetAsyncExc`, the
  mechanism behind KeyboardInterrupt for other threads; it is delivered at the next bytecode).
- Code in C cannot be interrupted that way, and C that calls back into Python must not be:
  py-tree-sitter turns an exception raised in its read callback into a SystemError. Such a
  call runs `uninterrupted()` and looks at `expired()` itself; tree-sitter reads its input
  through a callback that ends the text at the deadline (`lang.javascript`).

`TimeUp` derives from BaseException so that no library's `except Exception` swallows it.
"""

from __future__ import annotations

import ctypes
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class TimeUp(BaseException):
    """The deadline of `time_limit` passed."""


_local = threading.local()


def expired() -> bool:
    """Whether this thread's deadline has passed; never, outside `time_limit`."""
    deadline = getattr(_local, "deadline", None)
    return deadline is not None and time.monotonic() > deadline


def _interrupt(thread_id: int, exception: type[BaseException] | None) -> None:
    """Raise `exception` in the thread, at its next bytecode; None takes back one not yet raised."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id),
                                               ctypes.py_object(exception) if exception else None)


class _Watchdog:
    """The deadlines of the threads inside `time_limit`, and the thread that enforces them. It
    sleeps until the earliest deadline and is woken only for one earlier than that, so arming
    and disarming for each of thousands of files costs a lock, not a thread switch."""

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self.deadlines: dict[int, float] = {}
        self.fired: set[int] = set()
        self.uninterrupted: set[int] = set()
        self.wakes_at = float("inf")
        self.thread: threading.Thread | None = None

    def arm(self, thread_id: int, deadline: float) -> None:
        with self.condition:
            self.fired.discard(thread_id)
            self.deadlines[thread_id] = deadline
            if self.thread is None:
                self.thread = threading.Thread(target=self._watch, name="prodready-watchdog", daemon=True)
                self.thread.start()
            elif deadline < self.wakes_at:
                self.condition.notify()

    def disarm(self, thread_id: int) -> None:
        with self.condition:
            self.deadlines.pop(thread_id, None)
            if thread_id in self.fired:  # raised, or still on its way: take it back if so
                self.fired.discard(thread_id)
                _interrupt(thread_id, None)

    def _watch(self) -> None:
        with self.condition:
            while True:
                now = time.monotonic()
                for thread_id, deadline in list(self.deadlines.items()):
                    if deadline <= now:
                        del self.deadlines[thread_id]
                        if thread_id not in self.uninterrupted:  # else it sees `expired()` itself
                            self.fired.add(thread_id)
                            _interrupt(thread_id, TimeUp)
                self.wakes_at = min(self.deadlines.values(), default=float("inf"))
                self.condition.wait(None if self.wakes_at == float("inf")
                                    else min(self.wakes_at - now, threading.TIMEOUT_MAX))


    def hold(self, thread_id: int) -> None:
        with self.condition:
            if thread_id in self.fired:  # the deadline passed on the way in: raise it here, not in C
                self.fired.discard(thread_id)
                _interrupt(thread_id, None)
                raise TimeUp
            self.uninterrupted.add(thread_id)

    def release(self, thread_id: int) -> None:
        with self.condition:
            self.uninterrupted.discard(thread_id)


_watchdog = _Watchdog()


def is_watchdog(thread: threading.Thread) -> bool:
    """Whether `thread` is the watchdog, which a fork leaves behind safely: see `_after_fork`."""
    return thread is _watchdog.thread


def _after_fork() -> None:
    """A forked worker has no watchdog thread, and its lock may have been held at the fork."""
    global _watchdog
    _watchdog = _Watchdog()
    _local.__dict__.pop("deadline", None)


os.register_at_fork(after_in_child=_after_fork)


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise `TimeUp` in this thread if the block outlasts `seconds` (0: no limit). Not nested."""
    if not seconds:
        yield
        return
    thread_id = threading.get_ident()
    deadline = time.monotonic() + seconds
    _local.deadline = deadline
    _watchdog.arm(thread_id, deadline)
    try:
        yield
    finally:
        _local.deadline = None
        _watchdog.disarm(thread_id)


@contextmanager
def uninterrupted() -> Iterator[None]:
    """Keep the watchdog from raising in this thread inside the block: for a call into C that
    calls back into Python, which looks at `expired()` itself."""
    if getattr(_local, "deadline", None) is None:
        yield
        return
    thread_id = threading.get_ident()
    _watchdog.hold(thread_id)
    try:
        yield
    finally:
        _watchdog.release(thread_id)
