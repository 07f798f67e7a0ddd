"""Incremental edits drawn by hypothesis, anywhere in a script: inserted and deleted text with
line breaks, quotes, accents and characters beyond the BMP (two UTF-16 units each). After each
sequence, the server's diagnostics for the edited document must be those of a fresh open of
the client's text: tree-sitter recovers from any damage, so every token stored in Web Storage
that the edits left is still reported, at its place. An edit applied at the wrong place, or
counted in code points rather than UTF-16 units, moves them or leaves stray text behind."""

from __future__ import annotations

import itertools
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .test_framing import RawClient, frame

pytestmark = pytest.mark.e2e
EXAMPLES = int(os.environ.get("PRODREADY_FUZZ_EXAMPLES", "25"))
# Characters beyond the BMP before each finding on its line: an edit placed by code points
# rather than UTF-16 units lands beside where the client made it.
SCRIPT = """async function signIn(form) {
  const response = await fetch("/api/login", {method: "POST", body: new FormData(form)});
  const {access_token: token, refresh} = await response.json();
  const note = "🧾 reçu"; localStorage.setItem("jwt", token);
  const clef = "𝄞 文字"; sessionStorage.setItem("refresh_token", refresh);
  localStorage.setItem("theme", "dark");
  const mark = "🧾🧾"; window.localStorage.authToken = token;
}
"""
TYPED = st.text(alphabet=st.sampled_from(list("ab x\n\"'();{}é文🧾𝄞")), max_size=12)
numbers = itertools.count(1)


def position(text: str, offset: int) -> dict[str, int]:
    before = text[:offset]
    column = before[before.rfind("\n") + 1:]
    return {"line": before.count("\n"), "character": len(column.encode("utf-16-le")) // 2}


class Session:
    """One server for every example: requests are numbered, documents are named afresh."""

    def __init__(self, root: Path) -> None:
        self.client = RawClient(stderr=subprocess.DEVNULL)
        self.root = root
        self.request({"processId": None, "rootUri": root.as_uri(), "capabilities": {}}, "initialize")
        self.client.send(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))

    def request(self, params: dict, method: str) -> dict:
        number = next(numbers)
        self.client.send(frame({"jsonrpc": "2.0", "id": number, "method": method, "params": params}))
        reply = self.client.response(number)
        assert "error" not in reply, reply
        return reply["result"]

    def notify(self, method: str, params: dict) -> None:
        self.client.send(frame({"jsonrpc": "2.0", "method": method, "params": params}))

    def open(self, text: str) -> str:
        uri = (self.root / "static" / f"edited_{next(numbers)}.js").as_uri()
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "javascript", "version": 1, "text": text}})
        return uri

    def diagnostics(self, uri: str) -> list[tuple[str, dict]]:
        report = self.request({"textDocument": {"uri": uri}}, "textDocument/diagnostic")
        return [(item["code"], item["range"]) for item in report["items"]]


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    root = tmp_path_factory.mktemp("project")
    (root / "static").mkdir()
    (root / "static" / "app.js").write_text(SCRIPT)
    session = Session(root)
    try:
        yield session
        session.request(None, "shutdown")  # type: ignore[arg-type]
        session.notify("exit", None)  # type: ignore[arg-type]
        assert session.client.process.wait(timeout=30) == 0
    finally:
        if session.client.process.poll() is None:
            session.client.process.kill()


@settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("PRODREADY_FUZZ_EXAMPLES"),
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_incremental_edits_anywhere_leave_the_servers_text_the_clients(session: Session, data: st.DataObject) -> None:
    text = SCRIPT
    uri = session.open(text)
    original = session.diagnostics(uri)
    assert len(original) == 3
    for version in range(2, 2 + data.draw(st.integers(1, 8), label="edits")):
        start = data.draw(st.integers(0, len(text)), label="start")
        end = data.draw(st.integers(start, min(len(text), start + 30)), label="end")
        typed = data.draw(TYPED, label="typed")
        session.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"range": {"start": position(text, start), "end": position(text, end)},
                                "text": typed}]})
        text = text[:start] + typed + text[end:]
    assert session.diagnostics(uri) == session.diagnostics(session.open(text))
