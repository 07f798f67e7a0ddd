"""Time and memory budgets for work that does not stop to look: parsing.

The rules check their deadline between nodes (`engine.run_rules`), but a parser, once called,
runs to the end: astroid rebuilding a generated megabyte, sqlglot on a long script, tree-sitter
on a page nested 100,000 tags deep (its HTML scanner is quadratic in the depth: 30 s for one
such page). Within `budget(seconds)`:

- Python code is interrupted. One watchdog thread, shared by every file, raises `TimeUp` in the
  thread that armed it once its deadline passes (CPython's `PyThreadState_SetAsyncExc`, the
  mechanism behind KeyboardInterrupt for other threads; it is delivered at the next bytecode).
- Code in C cannot be interrupted that way, and C that calls back into Python must not be:
  py-tree-sitter turns an exception raised in its read callback into a SystemError. Such a
  call runs `uninterrupted()` and looks at `expired()` itself; tree-sitter reads its input
  through a callback that ends the text at the deadline (`lang.javascript`).

`budget(seconds, megabytes)` also raises `MemoryUp` once the process has grown by `megabytes`
since the block began: the watchdog looks at the process's size every 50 ms while such a block
runs. Both derive from `OverLimit`, a BaseException, so that no library's `except Exception`
swallows them.
"""

from __future__ import annotations

import ctypes
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


class OverLimit(BaseException):
    """A budget of `budget` ran out."""


class TimeUp(OverLimit):
    """The deadline passed."""


class MemoryUp(OverLimit):
    """The process grew by more than the block's megabytes."""


MEMORY_INTERVAL = 0.05  # seconds between two looks at the process's size
# Seconds after which a limit is raised again in a thread still inside its block: the first may
# have landed where it is swallowed (a garbage collector's callback, a finalizer).
REFIRE_INTERVAL = 0.5


def resident_mb() -> float | None:
    """The process's resident memory now, where the platform tells it cheaply (Linux)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


@dataclass
class _Limits:
    deadline: float  # inf: none
    ceiling_mb: float  # inf: none


_local = threading.local()


def expired() -> bool:
    """Whether this thread's deadline has passed; never, outside `budget`."""
    deadline = getattr(_local, "deadline", None)
    return deadline is not None and time.monotonic() > deadline


def _interrupt(thread_id: int, exception: type[BaseException] | None) -> None:
    """Raise `exception` in the thread, at its next bytecode; None takes back one not yet raised."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id),
                                               ctypes.py_object(exception) if exception else None)


class _Watchdog:
    """The limits of the threads inside `budget`, and the thread that enforces them. It sleeps
    until the earliest deadline, or the next look at the process's size, and is woken only for
    one earlier than that, so arming and disarming for each of thousands of files costs a lock,
    not a thread switch."""

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self.limits: dict[int, _Limits] = {}
        self.fired: dict[int, type[OverLimit]] = {}
        self.again: dict[int, float] = {}  # thread -> when to raise its limit again, if still inside
        self.uninterrupted: set[int] = set()
        self.wakes_at = float("inf")
        self.thread: threading.Thread | None = None

    def arm(self, thread_id: int, limits: _Limits) -> None:
        with self.condition:
            self.fired.pop(thread_id, None)
            self.limits[thread_id] = limits
            if self.thread is None:
                self.thread = threading.Thread(target=self._watch, name="prodready-watchdog", daemon=True)
                self.thread.start()
            elif self._next_look(limits, time.monotonic()) < self.wakes_at:
                self.condition.notify()

    def disarm(self, thread_id: int) -> None:
        with self.condition:
            self.limits.pop(thread_id, None)
            self.again.pop(thread_id, None)
            if self.fired.pop(thread_id, None) is not None:  # raised, or still on its way: take it back if so
                _interrupt(thread_id, None)

    @staticmethod
    def _next_look(limits: _Limits, now: float) -> float:
        return min(limits.deadline, now + MEMORY_INTERVAL if limits.ceiling_mb != float("inf") else float("inf"))

    def _watch(self) -> None:
        with self.condition:
            while True:
                now = time.monotonic()
                size = resident_mb() if any(lim.ceiling_mb != float("inf") for lim in self.limits.values()) else None
                for thread_id, limits in list(self.limits.items()):
                    if limits.deadline <= now:
                        del self.limits[thread_id]
                        if thread_id not in self.uninterrupted:  # else it sees `expired()` itself
                            self._fire(thread_id, TimeUp, now)
                    elif size is not None and size > limits.ceiling_mb and thread_id not in self.uninterrupted:
                        del self.limits[thread_id]  # (inside C, it is looked at again on the way out)
                        self._fire(thread_id, MemoryUp, now)
                for thread_id, when in list(self.again.items()):
                    if when <= now and thread_id not in self.uninterrupted:
                        self._fire(thread_id, self.fired[thread_id], now)
                self.wakes_at = min([*(self._next_look(lim, now) for lim in self.limits.values()),
                                     *self.again.values()], default=float("inf"))
                self.condition.wait(None if self.wakes_at == float("inf")
                                    else min(self.wakes_at - now, threading.TIMEOUT_MAX))

    def _fire(self, thread_id: int, over: type[OverLimit], now: float) -> None:
        """Raise `over` in the thread, and again every REFIRE_INTERVAL until it leaves its block."""
        self.fired[thread_id] = over
        self.again[thread_id] = now + REFIRE_INTERVAL
        _interrupt(thread_id, over)

    def hold(self, thread_id: int) -> None:
        with self.condition:
            over = self.fired.pop(thread_id, None)
            if over is not None:  # the limit was passed on the way in: raise it here, not in C
                self.again.pop(thread_id, None)
                _interrupt(thread_id, None)
                raise over
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
    _local.__dict__.pop("armed", None)


os.register_at_fork(after_in_child=_after_fork)


@contextmanager
def budget(seconds: float, megabytes: float = 0) -> Iterator[None]:
    """Raise `TimeUp` in this thread if the block outlasts `seconds`, `MemoryUp` if the process
    grows by more than `megabytes` meanwhile (0: no such limit). Not nested."""
    start_mb = resident_mb() if megabytes else None
    if not seconds and start_mb is None:
        yield
        return
    thread_id = threading.get_ident()
    deadline = time.monotonic() + seconds if seconds else float("inf")
    _local.deadline = deadline if seconds else None
    _local.armed = True
    _watchdog.arm(thread_id, _Limits(deadline, start_mb + megabytes if start_mb is not None else float("inf")))
    try:
        yield
    except Exception as error:
        # C code that the exception reached may give another one in its place: ast.parse says
        # "SystemError: AST constructor recursion depth mismatch". The limit is what happened.
        over = _watchdog.fired.get(thread_id)
        if over is not None:
            raise over from error
        raise
    finally:
        _local.deadline = None
        _local.armed = False
        _watchdog.disarm(thread_id)


@contextmanager
def uninterrupted() -> Iterator[None]:
    """Keep the watchdog from raising in this thread inside the block: for a call into C that
    calls back into Python, which looks at `expired()` itself."""
    if not getattr(_local, "armed", False):
        yield
        return
    thread_id = threading.get_ident()
    _watchdog.hold(thread_id)
    try:
        yield
    finally:
        _watchdog.release(thread_id)
