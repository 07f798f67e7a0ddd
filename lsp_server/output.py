"""The server's stdout, written by a thread of its own.

pygls writes each message from its event loop and waits until the pipe takes it. A client that
stops reading (a frozen editor, a plugin paused in a debugger) filled the pipe with diagnostics,
and the event loop stopped with it: it could not even read the `exit` that would end the
process, nor notice that stdin had closed. Here a write returns at once and the messages go
out in order from a thread; a client that reads again gets them all.
"""

from __future__ import annotations

import queue
import threading
from typing import BinaryIO


class QueuedStdout:
    """A stream for pygls to write to (`write` and `flush`) that never blocks its caller."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.pending: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.broken = False  # the client is gone: what is written now goes nowhere
        self.thread = threading.Thread(target=self._write_out, name="prodready-stdout", daemon=True)
        self.thread.start()

    def write(self, data: bytes) -> int:
        if not self.broken:
            self.pending.put(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing to do: the thread flushes each message it writes."""

    def close(self) -> None:
        """Write out what is queued, then stop."""
        self.pending.put(None)

    def finish(self, timeout: float) -> None:
        """Give what is still queued up to `timeout` seconds to go out: at exit, the shutdown
        response of a client that reads, and nothing long for one that does not."""
        self.close()
        self.thread.join(timeout)

    def _write_out(self) -> None:
        while (data := self.pending.get()) is not None:
            try:
                self.stream.write(data)
                self.stream.flush()
            except (OSError, ValueError):  # the pipe is closed: the client has gone
                self.broken = True
                return
