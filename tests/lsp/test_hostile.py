"""An editing session over a project whose modules act at import: the server analyses them and
runs none of it."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_lsp import LanguageClient

from tests.hostile import write_hostile_project

from .conftest import codes_and_lines, open_document, published, start

pytestmark = pytest.mark.e2e


async def test_an_editing_session_runs_nothing_of_the_project(client: LanguageClient, tmp_path: Path) -> None:
    marker = tmp_path / "ran.txt"
    root = write_hostile_project(tmp_path / "hostile", marker)
    await start(client, root)
    names = ("shop/views.py", "shop/models.py", "shop/settings.py", "setup.py", "manage.py", "analyzer/__init__.py")
    for name in names:
        uri = open_document(client, root / name)
        diagnostics = await published(client, uri, 1)
        if name == "shop/views.py":
            assert ("TEN001", 9) in codes_and_lines(diagnostics)
    assert not marker.exists(), marker.read_text()
