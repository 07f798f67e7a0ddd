"""Memory of prodready-lsp over a long session: `python benchmarks/lsp_soak.py [--edits 10000]`.

Opens the 2,000-line module of lsp_latency.py in the real server, sends edits as fast as the
diagnostics come back (each edit waits for the previous one's diagnostics, so the server is
never idle for long), and prints the server's RSS every 10% of the way, then after a pause in
which it collects. A leak shows as RSS that keeps growing; a plateau is the working set.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from lsp_latency import Client, open_module, rss_mb, write_project  # beside this script, on sys.path when it runs
from lsprotocol import types


async def run(edits: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        module = write_project(Path(folder))
        text = module.read_text()
        client = Client()
        pid, uri = await open_module(client, module)
        line = text.split("\n").index('    done = tasks.filter(status="done").count()')
        column = len('    done = tasks.filter(status="d')
        print(f"edits=0      RSS={rss_mb(pid):.0f} MB")
        started = time.perf_counter()
        for number in range(1, edits + 1):
            typing = number % 2 == 1
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=number + 1),
                content_changes=[types.TextDocumentContentChangePartial(range=types.Range(
                    start=types.Position(line=line, character=column),
                    end=types.Position(line=line, character=column + (0 if typing else 1))),
                    text="x" if typing else "")]))
            await client.diagnostics_for(number + 1)
            client.arrived.pop(number + 1, None)
            if number % max(edits // 10, 1) == 0:
                print(f"edits={number:<6} RSS={rss_mb(pid):.0f} MB  ({time.perf_counter() - started:.0f} s)")
        await asyncio.sleep(1)
        print(f"after a pause RSS={rss_mb(pid):.0f} MB")
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edits", type=int, default=10_000)
    asyncio.run(run(parser.parse_args().edits))
    return 0


if __name__ == "__main__":
    sys.exit(main())
