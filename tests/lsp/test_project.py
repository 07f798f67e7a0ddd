"""A workspace folder as the server keeps it, driven in-process on the worker's side."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.engine import Superseded
from lsp_server.project import Project
from lsp_server.settings import Settings

from .shop import MODELS, VIEWS, write_shop


def project_of(root: Path) -> Project:
    project = Project(root, Settings(), lambda message: None)
    project.build()
    return project


def test_an_analysis_whose_buffer_changed_again_stops_but_takes_the_buffer_in(tmp_path: Path) -> None:
    root = write_shop(tmp_path)
    project = project_of(root)
    views = root / "shop" / "views.py"
    edited = VIEWS.replace("organization=request.user.organization", "number=request.GET['number']")
    asked = []

    def superseded() -> bool:
        asked.append(True)
        return len(asked) > 1  # the user typed again while the rules were running

    with pytest.raises(Superseded):
        project.analyse(views, edited, [], superseded)
    assert project.files["shop/views.py"].source.text == edited
    findings, reindexed = project.analyse(views, edited, [])
    assert not reindexed
    assert [(f.rule, f.line) for f in findings if f.rule == "TEN001"] == [("TEN001", 7), ("TEN001", 12)]


def test_an_edit_that_changes_the_index_is_never_cut_short(tmp_path: Path) -> None:
    root = write_shop(tmp_path)
    project = project_of(root)
    generation = project.generation
    unscoped = MODELS.replace("    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)\n    "
                              "customer", "    customer")
    findings, reindexed = project.analyse(root / "shop" / "models.py", unscoped, [], lambda: True)
    assert reindexed and project.generation == generation + 1  # no Superseded: the run went through
    assert findings == []
