"""The server's documents: lines as the protocol counts them, and a file read as a scan reads it.

pygls splits a document's lines with `str.splitlines`, which also breaks at a form feed, a
vertical tab, the separators \\x1c-\\x1e, \\x85, U+2028 and U+2029. The protocol counts only
`\\n`, `\\r\\n` and `\\r`, as the analysis does: one form feed between two functions moved
every diagnostic below it, and the quick fix that suppresses a finding commented out the code
after it. And a request may name a document the client never opened, which pygls reads from
the disk whatever it is: a request for `/dev/zero` grew the server until the kernel killed it,
and one for a pipe blocked it for good.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from pygls.workspace import TextDocument

from analyzer.config import Config
from analyzer.workspace import decode_source, language_of, read_regular

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_NEVER_OPENED_LIMIT = Config().max_file_size  # which project it belongs to is not known yet


def protocol_lines(text: str) -> list[str]:
    """`text`'s lines, each with its line break, broken where the protocol breaks them."""
    return _LINE.findall(text)


def with_newlines(text: str) -> str:
    """`text` with each line break a `\n`, as the analysis reads it: the same lines, the same
    columns."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


class ProtocolDocument(TextDocument):
    _lines_of: str | None = None  # the text `_lines` was split from
    _lines: tuple[str, ...] = ()

    @property
    def lines(self) -> Sequence[str]:
        """Split once per version: pygls asks at each edit it applies, the server at each
        publication and each code action (0.7 ms each on a 2,000-line module)."""
        source = self.source
        if source is not self._lines_of:
            self._lines, self._lines_of = tuple(protocol_lines(source)), source
        return self._lines

    @property
    def source(self) -> str:
        if self._source is None:  # never opened: its file's text, if it is a regular file under the limit
            self._source = _file_text(self.uri, self.path)
        return self._source


def _file_text(uri: str, path: str) -> str:
    if not uri.startswith("file:"):
        return ""
    try:
        data = read_regular(Path(path), _NEVER_OPENED_LIMIT)
    except (OSError, ValueError):
        return ""
    text = decode_source(data, language_of(path) or "unknown") if isinstance(data, bytes) else ""
    return text if isinstance(text, str) else ""
