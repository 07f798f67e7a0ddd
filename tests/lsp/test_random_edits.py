"""Random sequences of incremental edits with non-ASCII text: the server's copy of the document
must stay the client's. Chunks (accents, CJK, characters beyond the BMP) are typed at random
places, then deleted in another random order. Once typed, the document must get what a fresh
open of the client's text gets; once they are gone, exactly the original's diagnostics. An edit
applied at the wrong place moves the diagnostics or leaves stray characters behind."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from .conftest import open_document, published, start
from .shop import VIEWS, write_shop

pytestmark = pytest.mark.e2e
# Typed inside the string on the line of the lookup by id, so that every version is valid Python
# and the TEN001 after the string moves with each chunk, by UTF-16 units.
CHUNKS = ("x", "é", "🧾", "文字", " ", "🧾🧾", "ab", "𝄞")


def position(text: str, offset: int) -> types.Position:
    """The LSP position (UTF-16 columns) of a code-point offset."""
    before = text[:offset]
    line = before.count("\n")
    column = before[before.rfind("\n") + 1:]
    return types.Position(line=line, character=len(column.encode("utf-16-le")) // 2)


def edits(seed: int) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]:
    """The insertions, then the deletions: (start, end, new text) in code points of the text
    each applies to."""
    chooser = random.Random(seed)
    text = VIEWS
    low = text.index('"🧾 facture"') + 1  # inside the quotes
    high = low + len("🧾 facture")
    typed: list[list[int]] = []  # [offset, length] of each chunk still in the text
    steps = []
    for _ in range(chooser.randint(3, 8)):
        offset, chunk = chooser.randint(low, high), chooser.choice(CHUNKS)
        for other in typed:
            if other[0] >= offset:
                other[0] += len(chunk)
            elif other[0] + other[1] > offset:  # typed inside another chunk: it grows
                other[1] += len(chunk)
        if not any(t[0] < offset < t[0] + t[1] for t in typed):
            typed.append([offset, len(chunk)])
        steps.append((offset, offset, chunk))
        text = text[:offset] + chunk + text[offset:]
        high += len(chunk)
    inserted = len(steps)
    chooser.shuffle(typed)
    for offset, length in typed:
        steps.append((offset, offset + length, ""))
        text = text[:offset] + text[offset + length:]
        for other in typed:
            if other[0] > offset:
                other[0] -= length
    assert text == VIEWS, "the chunks were not all taken out again"
    return steps[:inserted], steps[inserted:]


@pytest.mark.parametrize("seed", range(8))
async def test_random_edit_sequences_keep_the_servers_text_the_clients(client: LanguageClient, tmp_path: Path,
                                                                        seed: int) -> None:
    root = write_shop(tmp_path)
    await start(client, root)
    uri = open_document(client, root / "shop" / "views.py")
    original = [(d.code, d.range) for d in await published(client, uri, 1)]
    assert original
    text, version = VIEWS, 1

    def send(steps: list[tuple[int, int, str]]) -> None:
        nonlocal text, version
        for begin, end, new_text in steps:
            edit_range = types.Range(start=position(text, begin), end=position(text, end))
            version += 1
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangePartial(range=edit_range, text=new_text)]))
            text = text[:begin] + new_text + text[end:]

    insertions, deletions = edits(seed)
    send(insertions)
    typed = [(d.code, d.range) for d in await published(client, uri, version)]
    copy = open_document(client, root / "shop" / "typed.py", text=text)
    assert typed == [(d.code, d.range) for d in await published(client, copy, 1)]
    send(deletions)
    assert text == VIEWS and version > 4
    assert [(d.code, d.range) for d in await published(client, uri, version)] == original


async def test_ten_thousand_rapid_edits_end_on_the_clients_text(client: LanguageClient, tmp_path: Path) -> None:
    """A client that sends edits as fast as it can (a macro, a paste replayed key by key): the
    server reads them in without collecting garbage between each two analyses, coalesces them,
    publishes the last version, and still answers requests."""
    root = write_shop(tmp_path)
    await start(client, root)
    uri = open_document(client, root / "shop" / "views.py")
    original = [(d.code, d.range) for d in await published(client, uri, 1)]
    where = position(VIEWS, VIEWS.index('"🧾 facture"') + 1)
    after = types.Position(line=where.line, character=where.character + 1)
    version = 1
    for step in range(10_000):  # type a character, then take it out again
        version += 1
        edit_range = types.Range(start=where, end=where if step % 2 == 0 else after)
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangePartial(range=edit_range,
                                                                     text="x" if step % 2 == 0 else "")]))
    assert [(d.code, d.range) for d in await published(client, uri, version)] == original
    # A server that analysed every edit would publish 10,001 times. How many coalesce depends on
    # how long an analysis takes against how fast the edits are read: once the findings of the
    # functions an edit leaves alone were kept, about half of them still did.
    analyses = sum(1 for p in client.published if p.uri == uri)  # type: ignore[attr-defined]
    assert analyses < 9_000, f"{analyses} publications for 10,000 edits: the edits did not coalesce"
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=original[0][1].start))
    assert hover is not None and original[0][0] in hover.contents.value
