"""Latest-wins scheduling of document analyses.

An edit that arrives while the server is idle is analysed at once: no debounce spends the
latency budget waiting. Edits that arrive while an analysis runs only mark their document as
wanted again, so however many there were, the document is analysed once more, on its newest
text, when the running analysis ends. Nothing queues up behind a fast typist. When no document
is wanted any more, and no request has come for a quiet moment, the idle hook runs (the server
collects garbage there), before anything that arrives after it: a client that sends edits faster
than they are analysed is served without a collection between each two of them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class LatestWins:
    def __init__(self, run: Callable[[str], Awaitable[None]],
                 idle: Callable[[], Awaitable[None]] | None = None, quiet: float = 0.0) -> None:
        self._run = run
        self._idle = idle
        self._quiet = quiet  # seconds without a request before the idle hook runs
        self._wanted: dict[str, None] = {}  # an ordered set of document URIs
        self._woken = asyncio.Event()
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def ready(self) -> None:
        """Start serving requests (the project index is built)."""
        self._ready.set()

    def request(self, uri: str) -> None:
        self._wanted[uri] = None
        self._wake()

    def request_idle(self) -> None:
        """Run the idle hook once nothing is wanted (after an analysis made outside the queue)."""
        self._wake()

    def _wake(self) -> None:
        self._woken.set()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._serve())

    async def _woken_within(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self._woken.wait(), seconds)
        except TimeoutError:
            return False
        return True

    def forget(self, uri: str) -> None:
        self._wanted.pop(uri, None)

    async def _serve(self) -> None:
        await self._ready.wait()
        while True:
            await self._woken.wait()
            self._woken.clear()
            while self._wanted:
                uri = next(iter(self._wanted))
                del self._wanted[uri]
                try:
                    await self._run(uri)
                except Exception:  # one document's failure must not stop the others' analyses
                    log.exception("analysis of %s failed", uri)
            self._woken.clear()  # whatever woke us meanwhile has been served
            if self._quiet and await self._woken_within(self._quiet):
                continue  # more edits are coming in: serve them first, tidy up once they stop
            if self._idle is not None:
                try:
                    await self._idle()
                except Exception:
                    log.exception("the idle hook failed")
