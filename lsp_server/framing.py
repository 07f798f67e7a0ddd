"""The server's stdin as pygls reads it, able to find the next message after a broken frame.

pygls reads headers line by line and takes `Content-Length:` only at the start of a line. After
a frame whose Content-Length was too short, the rest of its body runs into the next header on
one line, that message is lost, its body runs into the header after it, and so on: one client
bug and the server never hears another message. Here a header buried inside a line starts a
line of its own, so the next whole message is read again.
"""

from __future__ import annotations

from typing import BinaryIO

HEADER = b"Content-Length:"


class ResyncingStdin:
    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.pending = b""

    def readline(self) -> bytes:
        line = self.pending or self.stream.readline()
        self.pending = b""
        at = line.find(HEADER, 1)
        if at > 0:  # the tail of a broken body, then a header: hand them over as two lines
            self.pending = line[at:]
            return line[:at]
        return line

    def read(self, size: int) -> bytes:
        data, self.pending = self.pending[:size], self.pending[size:]
        if len(data) < size:
            data += self.stream.read(size - len(data))
        return data
