"""The server's stdout, written from a thread: a client that does not read stalls nothing, and
what waits for it does not grow with every edit."""

from __future__ import annotations

import json
import os
import threading

from lsp_server.output import QueuedStdout


def _frame(message: dict) -> bytes:
    body = json.dumps({"jsonrpc": "2.0", **message}).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def _diagnostics(uri: str, version: int) -> bytes:
    return _frame({"method": "textDocument/publishDiagnostics",
                   "params": {"uri": uri, "version": version, "diagnostics": []}})


def _messages(data: bytes) -> list[dict]:
    found = []
    while data:
        header, _, rest = data.partition(b"\r\n\r\n")
        length = int(header.split(b":")[1])
        found.append(json.loads(rest[:length]))
        data = rest[length:]
    return found


def test_diagnostics_replaced_while_the_client_does_not_read_are_not_sent() -> None:
    read_end, write_end = os.pipe()
    out = QueuedStdout(os.fdopen(write_end, "wb", buffering=0))
    out.write(_frame({"method": "window/logMessage", "params": {"type": 3, "message": "x" * 100_000}}))
    for version in range(500):  # the log message fills the pipe: these wait
        out.write(_diagnostics("file:///app/views.py", version))
        out.write(_diagnostics("file:///app/models.py", version))
    out.write(_frame({"id": 7, "result": None}))
    assert out.waiting() <= 4  # one set of diagnostics per document, and the response

    received = bytearray()

    def client() -> None:
        while chunk := os.read(read_end, 65536):
            received.extend(chunk)

    reader = threading.Thread(target=client)
    reader.start()
    out.finish(5)
    out.stream.close()
    reader.join(5)
    messages = _messages(bytes(received))
    assert messages[0]["method"] == "window/logMessage" and messages[-1] == {"jsonrpc": "2.0", "id": 7, "result": None}
    for uri in ("file:///app/views.py", "file:///app/models.py"):
        versions = [m["params"]["version"] for m in messages if m.get("params", {}).get("uri") == uri]
        assert versions[-1] == 499 and len(versions) <= 2


def test_other_messages_are_all_sent_in_order() -> None:
    read_end, write_end = os.pipe()
    out = QueuedStdout(os.fdopen(write_end, "wb", buffering=0))
    sent = [_frame({"id": number, "result": {"items": ["publishDiagnostics"] * 3}}) for number in range(200)]
    for frame in sent:
        out.write(frame)
    out.finish(5)
    out.stream.close()
    received = b""
    while chunk := os.read(read_end, 65536):
        received += chunk
    assert received == b"".join(sent)
