"""The server's stdin as pygls reads it, able to find the next message after a broken frame.

pygls reads headers line by line and takes `Content-Length:` only at the start of a line. After
a frame whose Content-Length was too short, the rest of its body runs into the next header on
one line, that message is lost, its body runs into the header after it, and so on: one client
bug and the server never hears another message. Here a header buried inside a line starts a
line of its own, so the next whole message is read again.

pygls also believes any Content-Length and any line: `Content-Length: 99999999999` asks for a
100 GB buffer, and a megabyte with no newline is read whole. Lines are handed over in pieces of
at most `LINE_LIMIT` bytes, and a header announcing more than `MAX_BODY` is refused and logged;
its body then goes by as lines of junk until the next header.
"""

from __future__ import annotations

import logging
import re
from typing import BinaryIO

HEADER = b"Content-Length:"
LENGTH = re.compile(rb"Content-Length: *(\d+)\r?\n")
MAX_BODY = 256 * 1024 * 1024  # a 20 MB document, escaped as JSON, fits many times over
LINE_LIMIT = 1024 * 1024
log = logging.getLogger(__name__)


class ResyncingStdin:
    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.pending = b""

    def readline(self) -> bytes:
        line, self.pending = self.pending, b""
        if not line.endswith(b"\n"):
            line += self.stream.readline(LINE_LIMIT)
        at = line.find(HEADER, 1)
        if at > 0:  # the tail of a broken body, then a header: hand them over as two lines
            self.pending = line[at:]
            return line[:at]
        if not line.endswith(b"\n") and len(line) >= len(HEADER):
            # cut at the limit: keep back what may be the start of a header split by the cut
            keep = len(HEADER) - 1
            self.pending = line[-keep:]
            return line[:-keep]
        length = LENGTH.fullmatch(line)
        if length and int(length[1]) > MAX_BODY:
            log.warning("refused a message of %s bytes (the limit is %d): reading on to the next header",
                        length[1].decode(), MAX_BODY)
            return b"X-Refused-" + line  # no longer a Content-Length: pygls passes it over
        return line

    def read(self, size: int) -> bytes:
        data, self.pending = self.pending[:size], self.pending[size:]
        if len(data) < size:
            data += self.stream.read(size - len(data))
        return data
