"""The server exits when the editor that started it is gone, even if nobody says `exit`."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest
from lsprotocol import types
from pygls.lsp.client import LanguageClient

pytestmark = pytest.mark.e2e


async def test_the_server_exits_when_its_client_process_dies(tmp_path) -> None:
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(2)"])
    client = LanguageClient("parent-test", "1")
    await client.start_io(sys.executable, "-m", "lsp_server")
    try:
        await client.initialize_async(types.InitializeParams(
            capabilities=types.ClientCapabilities(), process_id=parent.pid, root_uri=tmp_path.as_uri()))
        parent.wait(timeout=30)
        assert await asyncio.wait_for(client._server.wait(), 30) == 0  # type: ignore[union-attr]
    finally:
        parent.kill()
        await client.stop()
