"""The server under a broken client: bad JSON, a wrong Content-Length, requests after shutdown.
It answers as the protocol says, or ignores, and never stops listening."""

from __future__ import annotations

import fcntl
import io
import json
import os
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from lsp_server import framing
from lsp_server.framing import MAX_BODY, ResyncingStdin
from lsp_server.server import QUIET

from .shop import write_shop

pytestmark = pytest.mark.e2e


def frame(message: dict | bytes, length: int | None = None) -> bytes:
    body = message if isinstance(message, bytes) else json.dumps(message).encode()
    return f"Content-Length: {len(body) if length is None else length}\r\n\r\n".encode() + body


def test_a_header_buried_in_a_line_starts_a_line_of_its_own() -> None:
    stdin = ResyncingStdin(io.BytesIO(b'Content-Length: 2\r\n\r\n{}tail of a body}Content-Length: 7\r\n\r\n{"a":1}'))
    assert stdin.readline() == b"Content-Length: 2\r\n"
    assert stdin.readline() == b"\r\n"
    assert stdin.read(2) == b"{}"
    assert stdin.readline() == b"tail of a body}"
    assert stdin.readline() == b"Content-Length: 7\r\n"
    assert stdin.readline() == b"\r\n"
    assert stdin.read(7) == b'{"a":1}'


def lines(stdin: ResyncingStdin) -> list[bytes]:
    read = []
    while line := stdin.readline():
        read.append(line)
    return read


def test_a_length_past_the_limit_is_refused_and_the_next_message_read() -> None:
    stdin = ResyncingStdin(io.BytesIO(f"Content-Length: {MAX_BODY + 1}\r\n\r\n".encode()
                                      + b'{"junk": 1}Content-Length: 7\r\n\r\n{"a":1}'))
    refused = stdin.readline()
    assert refused.endswith(f"Content-Length: {MAX_BODY + 1}\r\n".encode())
    assert not refused.startswith(b"Content-Length")
    assert stdin.readline() == b"\r\n"
    assert stdin.readline() == b'{"junk": 1}'
    assert stdin.readline() == b"Content-Length: 7\r\n"
    assert stdin.readline() == b"\r\n"
    assert stdin.read(7) == b'{"a":1}'


def test_a_line_without_end_comes_in_pieces_and_a_header_cut_between_them_is_found(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(framing, "LINE_LIMIT", 20)
    for size in range(60):  # every place a cut can fall in and around the header
        junk = b"x" * size
        read = lines(ResyncingStdin(io.BytesIO(junk + b"Content-Length: 2\r\n\r\n{}")))
        assert max(map(len, read)) <= 20 + len(framing.HEADER)
        assert b"".join(read) == junk + b"Content-Length: 2\r\n\r\n{}"
        assert b"Content-Length: 2\r\n" in read, size


class RawClient:
    """Bytes in, messages out: what no well-behaved client library would send."""

    def __init__(self, stderr: int = subprocess.PIPE, command: list[str] | None = None) -> None:
        self.process = subprocess.Popen(command or [sys.executable, "-m", "lsp_server"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=stderr)
        self.buffer = b""
        self.others: list[dict] = []  # what came while waiting for a response: notifications, requests

    def start(self, root: Path | None = None) -> None:
        """`initialize`, with `root` as the one workspace folder, then `initialized`."""
        params: dict = {"processId": None, "rootUri": root.as_uri() if root else None, "capabilities": {}}
        if root is not None:
            params["workspaceFolders"] = [{"uri": root.as_uri(), "name": root.name}]
        self.send(frame({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": params}))
        self.response(0)
        self.send(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))

    def stop(self, request_id: int, pause: float = 0.0, timeout: float = 30) -> int:
        """`shutdown`, answered with null, then `exit` (after `pause`): the server's exit code."""
        self.send(frame({"jsonrpc": "2.0", "id": request_id, "method": "shutdown"}))
        assert self.response(request_id)["result"] is None
        time.sleep(pause)
        self.send(frame({"jsonrpc": "2.0", "method": "exit"}))
        return self.process.wait(timeout=timeout)

    def send(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def response(self, request_id: int, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            while b"\r\n\r\n" in self.buffer:
                header, rest = self.buffer.split(b"\r\n\r\n", 1)
                length = int(header.split(b"Content-Length: ")[1].split(b"\r\n")[0])
                if len(rest) < length:
                    break
                message, self.buffer = json.loads(rest[:length]), rest[length:]
                if message.get("id") == request_id:
                    return message
                self.others.append(message)
            assert self.process.stdout is not None
            ready, _, _ = select.select([self.process.stdout], [], [], 0.1)
            if ready:
                self.buffer += os.read(self.process.stdout.fileno(), 65536)
        raise AssertionError(f"no response to request {request_id} within {timeout} s")


def test_exit_without_shutdown_ends_with_1_as_the_protocol_says() -> None:
    client = RawClient()
    try:
        client.send(frame({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                           "params": {"processId": None, "rootUri": None, "capabilities": {}}}))
        client.response(1)
        client.send(frame({"jsonrpc": "2.0", "method": "exit"}))
        assert client.process.wait(timeout=30) == 1
    finally:
        if client.process.poll() is None:
            client.process.kill()


def test_exit_while_the_workspace_is_being_indexed_ends_the_process_at_once(tmp_path: Path) -> None:
    """An interpreter that shuts down normally waits for the worker thread, here for the rest of
    an indexing that takes about 15 s."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    generated = "from .models import Project\n" + "".join(
        f"\n\ndef view_{n}(request):\n    return Project.objects.filter(id=request.GET['id']).first()\n"
        for n in range(1000))
    for number in range(60):
        (tmp_path / "app" / f"generated_{number}.py").write_text(generated)
    client = RawClient(stderr=subprocess.DEVNULL)
    try:
        client.start(tmp_path)
        time.sleep(1)  # the indexing is under way
        assert client.stop(2, timeout=5) == 0
    finally:
        if client.process.poll() is None:
            client.process.kill()


def test_a_client_that_stops_reading_can_still_end_the_server(tmp_path: Path) -> None:
    """The client stops reading while the server has pages of diagnostics to send; with the
    pipe full, shutdown and exit must still end the process."""
    root = write_shop(tmp_path)
    client = RawClient(stderr=subprocess.DEVNULL)
    try:
        client.start(root)
        views = "from .models import Invoice\n" + "".join(
            f"\n\ndef view_{n}(request, pk):\n    return Invoice.objects.get(pk=pk)\n" for n in range(300))
        for number in range(10):
            uri = (root / "shop" / f"generated_{number}.py").as_uri()
            client.send(frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
                "uri": uri, "languageId": "python", "version": 1, "text": views}}}))
        assert client.process.stdout is not None
        deadline = time.monotonic() + 60
        while unread(client.process.stdout.fileno()) < 60_000:  # the pipe holds 64 KB
            assert time.monotonic() < deadline, "the server never filled the pipe"
            time.sleep(0.1)
        time.sleep(1)  # and is now blocked on the next message, or would be
        client.send(frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}))
        client.send(frame({"jsonrpc": "2.0", "method": "exit"}))
        assert client.process.wait(timeout=30) == 0
    finally:
        if client.process.poll() is None:
            client.process.kill()


def unread(fd: int) -> int:
    """How many bytes wait in a pipe, unread."""
    return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]


def test_params_that_do_not_fit_are_logged_in_a_line_not_a_traceback() -> None:
    client = RawClient()
    try:
        client.start()
        client.send(frame({"jsonrpc": "2.0", "id": 1, "method": "textDocument/hover", "params": {
            "textDocument": {"uri": "file:///shop/views.py"}, "position": {"line": 2**40, "character": 0}}}))
        assert client.response(1)["error"]["code"] == -32602  # InvalidParams
        assert client.stop(2) == 0
        assert client.process.stderr is not None
        logged = client.process.stderr.read().decode()
        assert "Traceback" not in logged
        assert f"do not fit its method: ValueError: Position.line should be in range [0:2147483647], but was {2**40}" \
            in logged
    finally:
        if client.process.poll() is None:
            client.process.kill()


def test_bad_frames_are_survived_and_requests_after_shutdown_refused() -> None:
    client = RawClient()
    try:
        client.send(frame(b"{not json"))
        client.send(b"Content-Length: 99999999999\r\n\r\n")  # refused, not allocated
        client.send(frame({"jsonrpc": "2.0", "id": 1, "method": "prodready/unknown", "params": {}}))
        assert client.response(1)["error"]["code"] == -32601  # MethodNotFound
        client.send(frame(b"{}", length=1))  # too short: the rest runs into the next header
        client.send(frame({"jsonrpc": "2.0", "method": "$/sacrificed"}))  # its header was eaten
        client.send(frame({"jsonrpc": "2.0", "id": 2, "method": "initialize",
                           "params": {"processId": None, "rootUri": None, "capabilities": {}}}))
        assert client.response(2)["result"]["serverInfo"]["name"] == "prodready"
        client.send(frame({"jsonrpc": "2.0", "id": 5, "method": "textDocument/hover",
                           "params": {"textDocument": 3, "position": "start"}}))
        assert client.response(5)["error"]["code"] == -32602  # InvalidParams
        client.send(frame({"jsonrpc": "2.0", "id": 3, "method": "shutdown"}))
        assert client.response(3)["result"] is None
        client.send(frame({"jsonrpc": "2.0", "id": 4, "method": "textDocument/hover", "params": {
            "textDocument": {"uri": "file:///nowhere/views.py"}, "position": {"line": 0, "character": 0}}}))
        assert "error" in client.response(4)
        client.send(frame({"jsonrpc": "2.0", "method": "exit"}))
        assert client.process.wait(timeout=30) == 0
    finally:
        if client.process.poll() is None:
            client.process.kill()


def test_requests_about_documents_with_no_file_get_empty_answers() -> None:
    """`untitled:` buffers, `http:` documents and files never opened that do not exist: the
    answers are empty, not internal errors."""
    client = RawClient(stderr=subprocess.DEVNULL)
    try:
        client.start()
        client.send(frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": "untitled:Untitled-1", "languageId": "python", "version": 1, "text": "x = 1\n"}}}))
        start = {"line": 0, "character": 0}
        requests = [
            ("textDocument/diagnostic", {"textDocument": {"uri": "untitled:Untitled-1"}}),
            ("textDocument/hover", {"textDocument": {"uri": "file:///nowhere/never.py"}, "position": start}),
            ("textDocument/codeAction", {"textDocument": {"uri": "http://example.com/a.py"},
                                         "range": {"start": start, "end": start}, "context": {"diagnostics": []}}),
            ("codeAction/resolve", {"title": "x", "data": {"uri": 5}}),
        ]
        for number, (method, params) in enumerate(requests, start=2):
            client.send(frame({"jsonrpc": "2.0", "id": number, "method": method, "params": params}))
            assert "error" not in client.response(number), method
    finally:
        client.process.kill()


def test_requests_about_devices_and_pipes_never_opened_get_empty_answers(tmp_path: Path) -> None:
    """pygls reads a document the client never opened from the disk: for `/dev/zero` the server
    grew until the kernel killed it, for a pipe it blocked for good."""
    pipe = tmp_path / "pipe.py"
    os.mkfifo(pipe)
    client = RawClient(stderr=subprocess.DEVNULL)
    try:
        client.start()
        start = {"line": 0, "character": 0}
        number = 1
        for uri in ("file:///dev/zero", pipe.as_uri(), "untitled:x"):
            for method, params in (
                    ("textDocument/hover", {"textDocument": {"uri": uri}, "position": start}),
                    ("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": {"start": start, "end": start},
                                                 "context": {"diagnostics": []}}),
                    ("textDocument/diagnostic", {"textDocument": {"uri": uri}})):
                number += 1
                client.send(frame({"jsonrpc": "2.0", "id": number, "method": method, "params": params}))
                assert "error" not in client.response(number), (uri, method)
        assert client.stop(99) == 0
    finally:
        if client.process.poll() is None:
            client.process.kill()


def test_lines_are_counted_as_the_protocol_counts_them(tmp_path: Path) -> None:
    """A form feed, U+2028 or a lone `\r` between the imports and a view: the diagnostic is
    on the query, and "suppress on this line" puts its comment at the end of that line."""
    root = write_shop(tmp_path)
    client = RawClient(stderr=subprocess.DEVNULL)
    try:
        client.start(root)
        view = "def view(request, pk):\n    row = Invoice.objects.get(pk=pk)\n    return row\n"
        texts = {"feed": "from .models import Invoice\n\n\x0c\n" + view,
                 "separator": "from .models import Invoice\n# a\u2028b\n\n" + view,
                 "returns": ("from .models import Invoice\n\n\n" + view).replace("\n", "\r")}
        number = 1
        for name, text in texts.items():
            uri = (root / "shop" / f"{name}.py").as_uri()
            client.send(frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
                "uri": uri, "languageId": "python", "version": 1, "text": text}}}))
            number += 1
            client.send(frame({"jsonrpc": "2.0", "id": number, "method": "textDocument/diagnostic",
                               "params": {"textDocument": {"uri": uri}}}))
            (diagnostic,) = [d for d in client.response(number)["result"]["items"] if d["code"] == "TEN001"]
            assert diagnostic["range"] == {"start": {"line": 4, "character": 10},
                                           "end": {"line": 4, "character": 36}}, name
            number += 1
            client.send(frame({"jsonrpc": "2.0", "id": number, "method": "textDocument/codeAction", "params": {
                "textDocument": {"uri": uri}, "range": diagnostic["range"],
                "context": {"diagnostics": [diagnostic], "only": ["quickfix"]}}}))
            actions = client.response(number)["result"]
            (suppress,) = [a for a in actions if a["title"] == "Suppress TEN001 on this line"]
            (edit,) = suppress["edit"]["changes"][uri]
            assert edit["range"]["start"] == edit["range"]["end"] == {"line": 4, "character": 36}, name
    finally:
        client.process.kill()


@pytest.mark.parametrize("folder", ["http://example.com/", "file:///"])
def test_a_workspace_folder_of_the_whole_machine_holds_no_answer_back(folder: str, tmp_path: Path) -> None:
    """A folder of another scheme was read as the path `/`, and `/` was walked to its end
    before any request was answered."""
    root = write_shop(tmp_path)
    client = RawClient(stderr=subprocess.DEVNULL)
    try:
        client.send(frame({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "processId": None, "rootUri": None, "capabilities": {},
            "workspaceFolders": [{"uri": folder, "name": "everything"}]}}))
        client.response(0)
        client.send(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
        views = root / "shop" / "views.py"
        client.send(frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": views.as_uri(), "languageId": "python", "version": 1, "text": views.read_text()}}}))
        client.send(frame({"jsonrpc": "2.0", "id": 1, "method": "textDocument/diagnostic",
                           "params": {"textDocument": {"uri": views.as_uri()}}}))
        assert "TEN001" in [d["code"] for d in client.response(1, timeout=60)["result"]["items"]]
    finally:
        client.process.kill()


def test_notifications_about_documents_it_does_not_have_raise_no_error(tmp_path: Path) -> None:
    """A change to a document never opened, and watched-file events about no file, are dropped:
    an exception in the server shows in the editor as an error of the server's own."""
    client = RawClient(stderr=subprocess.DEVNULL)
    try:
        client.start(tmp_path)
        never_opened = (tmp_path / "views.py").as_uri()
        client.send(frame({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": never_opened, "version": 2}, "contentChanges": [{"text": "x = 1\n"}]}}))
        client.send(frame({"jsonrpc": "2.0", "method": "workspace/didChangeWatchedFiles", "params": {"changes": [
            {"uri": uri, "type": 2} for uri in ("untitled:Untitled-1", "http://example.com/a.py", "", "file:///%00.py")]}}))
        client.send(frame({"jsonrpc": "2.0", "method": "workspace/didChangeWatchedFiles", "params": {"changes": [
            {"uri": never_opened, "type": "changed"}]}}))  # params that do not fit the method
        client.send(frame({"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": {
            "textDocument": {"uri": never_opened}, "position": {"line": 0, "character": 0}}}))
        assert "error" not in client.response(2)
        errors = [m for m in client.others if m.get("method") in ("window/showMessage", "window/logMessage")
                  and m["params"]["type"] == 1]
        assert errors == []
    finally:
        client.process.kill()


def test_a_shutdown_just_after_an_analysis_logs_no_error(tmp_path: Path) -> None:
    """The idle hook runs once the analyses are done and the client is quiet; after shutdown,
    the worker it would hand its work to takes nothing more, which logged an error."""
    root = write_shop(tmp_path)
    client = RawClient()
    try:
        client.start(root)
        uri = (root / "shop" / "views.py").as_uri()
        client.send(frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "python", "version": 1, "text": (root / "shop" / "views.py").read_text()}}}))
        client.send(frame({"jsonrpc": "2.0", "id": 1, "method": "textDocument/hover", "params": {
            "textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}}))
        client.response(1)  # answered once the document's analysis is done
        assert client.stop(2, pause=QUIET + 1) == 0  # the pause: the idle hook's moment
        assert client.process.stderr is not None
        logged = client.process.stderr.read().decode()
        assert "ERROR" not in logged and "Traceback" not in logged, logged
    finally:
        if client.process.poll() is None:
            client.process.kill()


def test_a_stray_print_goes_to_the_log_not_into_the_protocol(tmp_path: Path) -> None:
    """The client reads stdout as JSON-RPC: text any library prints there (the Zen of Python,
    when astroid once imported `this`) broke the framing of every message after it."""
    root = write_shop(tmp_path)
    printing = ("import runpy, analyzer.engine as engine\n"
                "real = engine.analyze_parsed\n"
                "def noisy(*args, **kwargs):\n"
                "    print('Beautiful is better than ugly.')\n"
                "    return real(*args, **kwargs)\n"
                "engine.analyze_parsed = noisy\n"
                "runpy.run_module('lsp_server', run_name='__main__')\n")
    client = RawClient(command=[sys.executable, "-c", printing])
    try:
        client.start(root)
        views = root / "shop" / "views.py"
        client.send(frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": views.as_uri(), "languageId": "python", "version": 1, "text": views.read_text()}}}))
        published: list[dict] = []
        for asked in range(1, 150):  # each answer brings what came before it
            client.send(frame({"jsonrpc": "2.0", "id": asked, "method": "textDocument/hover", "params": {
                "textDocument": {"uri": views.as_uri()}, "position": {"line": 0, "character": 0}}}))
            client.response(asked)
            published = [m for m in client.others if m.get("method") == "textDocument/publishDiagnostics"]
            if published:
                break
            time.sleep(0.2)
        assert published and published[-1]["params"]["diagnostics"]
        assert client.stop(200) == 0
        assert client.process.stderr is not None
        assert "Beautiful is better than ugly." in client.process.stderr.read().decode()
    finally:
        if client.process.poll() is None:
            client.process.kill()
