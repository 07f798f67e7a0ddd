"""The server's stdout, written by a thread of its own.

pygls writes each message from its event loop and waits until the pipe takes it. A client that
stops reading (a frozen editor, a plugin paused in a debugger) filled the pipe with diagnostics,
and the event loop stopped with it: it could not even read the `exit` that would end the
process, nor notice that stdin had closed. Here a write returns at once and the messages go
out in order from a thread; a client that reads again gets them all, except the diagnostics of
a document that newer diagnostics of the same document have replaced while they waited. So
what waits for a client that does not read is bounded by its requests and its documents, not
by how often it edits them.
"""

from __future__ import annotations

import collections
import json
import threading
from typing import BinaryIO

_DIAGNOSTICS = b'"textDocument/publishDiagnostics"'


class QueuedStdout:
    """A stream for pygls to write to (`write` and `flush`) that never blocks its caller."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        # Messages not yet written, in order, each as [document or None, frame]; a frame
        # replaced by newer diagnostics of its document is None, and is passed over.
        self.pending: collections.deque[list] = collections.deque()
        self.unsent: dict[str, list] = {}  # document -> its diagnostics waiting in `pending`
        self.ready = threading.Condition()
        self.closing = False
        self.broken = False  # the client is gone: what is written now goes nowhere
        self.thread = threading.Thread(target=self._write_out, name="prodready-stdout", daemon=True)
        self.thread.start()

    def write(self, data: bytes) -> int:
        if self.broken:
            return len(data)
        document = _diagnosed_document(data)
        entry = [document, bytes(data)]
        with self.ready:
            if document is not None:
                superseded = self.unsent.get(document)
                if superseded is not None:
                    superseded[1] = None
                self.unsent[document] = entry
            self.pending.append(entry)
            self.ready.notify()
        return len(data)

    def flush(self) -> None:
        """Nothing to do: the thread flushes each message it writes."""

    def close(self) -> None:
        """Write out what is queued, then stop."""
        with self.ready:
            self.closing = True
            self.ready.notify()

    def finish(self, timeout: float) -> None:
        """Give what is still queued up to `timeout` seconds to go out: at exit, the shutdown
        response of a client that reads, and nothing long for one that does not."""
        self.close()
        self.thread.join(timeout)

    def waiting(self) -> int:
        """How many messages wait for the client."""
        with self.ready:
            return sum(1 for _, frame in self.pending if frame is not None)

    def _next(self) -> bytes | None:
        with self.ready:
            while True:
                while self.pending:
                    document, frame = entry = self.pending.popleft()
                    if document is not None and self.unsent.get(document) is entry:
                        del self.unsent[document]
                    if frame is not None:
                        return frame
                if self.closing:
                    return None
                self.ready.wait()

    def _write_out(self) -> None:
        while (data := self._next()) is not None:
            try:
                self.stream.write(data)
                self.stream.flush()
            except (OSError, ValueError):  # the pipe is closed: the client has gone
                self.broken = True
                return


def _diagnosed_document(frame: bytes) -> str | None:
    """The document whose diagnostics `frame` publishes; None for any other message."""
    if _DIAGNOSTICS not in frame:
        return None
    try:
        message = json.loads(frame[frame.index(b"\r\n\r\n") + 4:])
    except ValueError:
        return None
    params = message.get("params") if isinstance(message, dict) else None
    if message.get("method") != "textDocument/publishDiagnostics" or not isinstance(params, dict):
        return None
    uri = params.get("uri")
    return uri if isinstance(uri, str) else None
