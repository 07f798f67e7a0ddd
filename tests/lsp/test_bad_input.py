"""The bad-input matrix of `tests/test_bad_input.py` through the language server: indexing
logs each bad file with the reason the command line gives, and the rest is served."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.test_api import MODELS, make
from tests.test_bad_input import VIEWS, expected_skips, write_bad_project
from tests.test_budget import deep_page

from .conftest import open_document, published, start

pytestmark = pytest.mark.e2e


async def test_each_bad_file_is_logged_with_its_reason_and_the_views_are_still_served(
        client: LanguageClient, tmp_path: Path) -> None:
    root = write_bad_project(tmp_path / "project")
    await start(client, root)
    views = open_document(client, root / "app" / "views.py")
    (leak,) = await published(client, views, 1)
    assert leak.code == "TEN001"
    logged = [m.message for m in client.log_messages]
    found_by_rules = "sql/deep.sql"  # logged when the file is analysed, not when it is indexed
    for path, reason in expected_skips().items():
        lines = [line for line in logged if line.startswith(f"{path}: skipped: ")]
        if path == found_by_rules:
            assert lines == []
            continue
        assert len(lines) == 1 and reason in lines[0] and "\n" not in lines[0], (path, lines)
    await published(client, open_document(client, root / found_by_rules), 1)
    assert any(m.message.endswith(f"{found_by_rules}: {expected_skips()[found_by_rules]}")
               for m in client.log_messages)
    hover = await client.text_document_hover_async(types.HoverParams(  # and it still answers requests
        text_document=types.TextDocumentIdentifier(uri=views), position=leak.range.start))
    assert hover is not None and "TEN001" in hover.contents.value


@pytest.mark.parametrize(("configuration", "said"), [
    ("[tool.prodready\nselect = [\n", "pyproject.toml"),
    ("[tool.prodready]\ntenant-feild = ['org']\n", "unknown key `tool.prodready.tenant-feild`"),
    ("[tool.prodready]\nextend-exclude = ['!']\n", "`!` is not a gitignore-style pattern"),
    ("[tool.prodready.sql]\ndialect = 'postgress'\n", "Did you mean postgres?"),
    ("[tool.prodready]\n# r\xe9gl\xe9\n".encode("latin-1"), "not UTF-8"),
])
async def test_a_configuration_it_cannot_use_is_logged_and_the_defaults_serve(
        client: LanguageClient, tmp_path: Path, configuration: str | bytes, said: str) -> None:
    root = write_bad_project(tmp_path / "project")
    (root / "pyproject.toml").write_bytes(configuration if isinstance(configuration, bytes) else configuration.encode())
    await start(client, root)
    views = open_document(client, root / "app" / "views.py")
    assert [d.code for d in await published(client, views, 1)] == ["TEN001"]
    complaints = [m.message for m in client.log_messages if "using the default configuration" in m.message]
    assert complaints and said in complaints[0] and "\n" not in complaints[0]


async def test_a_file_that_outlasts_its_budget_to_parse_is_logged_and_the_rest_served(
        client: LanguageClient, tmp_path: Path) -> None:
    root = make(tmp_path / "project", {
        "pyproject.toml": "[tool.prodready]\nfile-timeout = 0.5\nmax-file-size = 10000000\n",
        "app/__init__.py": "", "app/models.py": MODELS, "app/views.py": VIEWS,
        "templates/deep.html": deep_page(60_000),
    })
    await start(client, root)
    views = open_document(client, root / "app" / "views.py")
    assert [d.code for d in await published(client, views, 1)] == ["TEN001"]
    logged = [m.message for m in client.log_messages if m.message.startswith("templates/deep.html: skipped: ")]
    assert logged == ["templates/deep.html: skipped: timeout: parsing took over 0.5 s on this file (file-timeout)"]
