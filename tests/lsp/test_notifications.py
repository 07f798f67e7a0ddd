"""Notifications leave nothing behind in the server: a session of ten thousand edits must not
keep ten thousand of anything."""

from __future__ import annotations

import asyncio

from lsprotocol import types
from pygls.workspace import Workspace

from lsp_server.server import ProdreadyServer


def test_the_futures_of_handled_notifications_are_not_kept() -> None:
    async def edit_a_document() -> ProdreadyServer:
        server = ProdreadyServer()
        server.protocol._workspace = Workspace(None)
        uri = "file:///nowhere/views.py"
        server.protocol._handle_notification(types.TEXT_DOCUMENT_DID_OPEN, types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text="x = 1\n")))
        for version in range(2, 50):
            server.protocol._handle_notification(types.TEXT_DOCUMENT_DID_CHANGE, types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=f"x = {version}\n")]))
        await asyncio.sleep(0)
        assert server.workspace.get_text_document(uri).source == "x = 49\n"
        return server

    server = asyncio.run(edit_a_document())
    assert server.protocol._request_futures == {}
