"""Pass 1 across processes: forked workers that each parse blocks of the project, and a parent
that passes what they learn between them, in rounds.

A cold scan spends most of its time building astroid trees and reading the index's facts from
them, one module after another. Trees are dear to send between processes (half of saleor's,
pickled, took the parent 0.5 s to read back), but the facts are plain data (`index.kept`), and
a module's facts are the same whichever modules were parsed with it. So each worker takes
blocks of files as it finishes the last, builds their trees and works out their facts; the
parent gathers the facts of every block and hands them all to every worker; each worker then
builds the whole index, its own modules from their trees and the others' from their facts,
and runs the rules on its own files. A module of another worker's block that inference reaches
is built where it is reached, as in a changed run (`lang.python.defer_module`): with blocks of
neighbouring files, a worker of saleor's 1,300 modules builds fewer than 60 of the other's.

This module is the plumbing: the workers, the rounds, and what ends them. A worker that fails or
dies ends every worker with `ShardFailed`, and the scan is done again in one process.
"""

from __future__ import annotations

import gc
import multiprocessing
import pickle
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from multiprocessing.sharedctypes import Synchronized
from typing import Any

# A worker's messages: ("progress", files done since the last), ("done", its answer for the
# round), ("failed", the traceback).
_PROGRESS, _DONE, _FAILED = "progress", "done", "failed"


class ShardFailed(Exception):
    """A worker raised, or exited before it answered."""


class Channel:
    """A worker's end: what the parent hands it, where its answers go, and the pieces of work
    the workers share out as they go."""

    def __init__(self, connection: Connection, taken: Synchronized[int] | None = None, tasks: int = 0) -> None:
        self._connection = connection
        self._taken = taken
        self._tasks = tasks

    def take(self) -> int | None:
        """The number of the next of the `tasks` pieces of work that no worker has taken, or
        None when all are. A worker that takes a piece when it is free keeps every worker busy
        to the end, where shares fixed in advance left one idle while the other finished (a
        second on saleor, whose modules' cost their lengths foretell only roughly)."""
        if self._taken is None:
            return None
        with self._taken.get_lock():
            number = self._taken.value
            if number >= self._tasks:
                return None
            self._taken.value = number + 1
        return number

    def answer(self, message: object) -> None:
        self._connection.send((_DONE, message))

    def progress(self, done: int) -> None:
        self._connection.send((_PROGRESS, done))

    def receive(self) -> Any:
        return pickle.loads(self._connection.recv_bytes())

    def fail(self, trace: str) -> None:
        self._connection.send((_FAILED, trace))

    def close(self) -> None:
        self._connection.close()


class Shards:
    """`jobs` forked processes, each running `work(number, channel)`: a worker answers each
    round with `channel.answer`, and waits for what the parent hands every worker with
    `channel.receive`; `channel.take` deals out `tasks` numbered pieces of work as the workers
    ask. Use as a context manager: the workers are gone when it ends."""

    def __init__(self, jobs: int, work: Callable[[int, Channel], None], tasks: int = 0) -> None:
        context = multiprocessing.get_context("fork")
        taken = context.Value("i", 0)  # the tasks taken so far, shared by the forked workers
        self._connections: list[Connection] = []
        self._processes = []
        gc.freeze()  # a child's collections then leave the parent's pages alone, uncopied
        try:
            for number in range(jobs):
                parent_end, child_end = context.Pipe()
                process = context.Process(target=_serve, args=(work, number, Channel(child_end, taken, tasks)),
                                          daemon=True)
                process.start()
                child_end.close()
                self._connections.append(parent_end)
                self._processes.append(process)
        finally:
            gc.unfreeze()

    def __enter__(self) -> Shards:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.close(at_once=kind is not None)

    def gather(self, progress: Callable[[int], None] | None = None) -> list[Any]:
        """Every worker's answer to this round, in the workers' order; `progress` is given the
        number of files each worker reports done as it goes."""
        answers: dict[int, Any] = {}
        waiting = dict(enumerate(self._connections))
        while waiting:
            for connection in wait(list(waiting.values())):
                number = next(n for n, c in waiting.items() if c is connection)
                try:
                    kind, message = connection.recv()
                except (EOFError, OSError):
                    self._processes[number].join(1)
                    raise ShardFailed(f"worker {number} exited ({self._processes[number].exitcode})") from None
                if kind == _FAILED:
                    raise ShardFailed(f"worker {number} failed:\n{message}")
                if kind == _PROGRESS:
                    if progress is not None:
                        progress(message)
                    continue
                answers[number] = message
                del waiting[number]
        return [answers[number] for number in range(len(self._connections))]

    def hand_out(self, message: object) -> None:
        """Give every worker `message`, pickled once."""
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        for connection in self._connections:
            connection.send_bytes(data)

    def close(self, at_once: bool = False) -> None:
        """End the workers: those that answered exit by themselves; `at_once` (the round failed,
        or the user pressed Ctrl-C) ends the others without waiting for them."""
        for connection in self._connections:
            connection.close()
        for process in self._processes:
            process.join(0 if at_once else 5)
            if process.is_alive():
                process.kill()
                process.join()


def _serve(work: Callable[[int, Channel], None], number: int, channel: Channel) -> None:
    try:
        work(number, channel)
    except BaseException:  # whatever it was, the parent must hear of it to go on alone
        channel.fail(traceback.format_exc())
    finally:
        channel.close()
