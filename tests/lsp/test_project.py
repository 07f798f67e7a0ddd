"""A workspace folder as the server keeps it, driven in-process on the worker's side."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.engine import Superseded
from lsp_server.project import Project
from lsp_server.settings import Settings

from .shop import CALLER, MODELS, UNSCOPED_HELPER, VIEWS, write_helper_and_caller, write_shop


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


def test_typing_in_a_serializer_leaves_the_index_alone(tmp_path: Path) -> None:
    """`class Meta` and a comment about a ForeignKey are words of models files, but a serializer's
    edit declares no model: rebuilding the index for it cost 0.6 s a keystroke on a large project."""
    root = write_shop(tmp_path)
    serializers = root / "shop" / "serializers.py"
    text = ('from rest_framework import serializers\n\nfrom .models import Invoice\n\n\n'
            'class InvoiceSerializer(serializers.ModelSerializer):\n'
            '    # customer is a ForeignKey: sent as its id\n'
            '    class Meta:\n        model = Invoice\n        fields = ["id", "number"]\n')
    serializers.write_text(text)
    project = project_of(root)
    generation = project.generation
    _, reindexed = project.analyse(serializers, text.replace('"number"]', '"number", "customer"]'), [])
    assert not reindexed and project.generation == generation


def test_a_model_edited_without_saving_rebuilds_the_index_though_its_base_is_elsewhere(tmp_path: Path) -> None:
    """The model's file names no `models.Model`: its own declarations tell that the index changed."""
    root = write_shop(tmp_path)
    catalog = root / "shop" / "catalog.py"
    (root / "shop" / "base.py").write_text('from django.db import models\n\n\nclass Owned(models.Model):\n'
                                           '    class Meta:\n        abstract = True\n')
    text = ('from django.db import models\n\nfrom .base import Owned\n\n\nclass Product(Owned):\n'
            '    organization = models.ForeignKey("shop.Organization", on_delete=models.CASCADE)\n'
            '    name = models.CharField(max_length=100)\n')
    catalog.write_text(text)
    views = root / "shop" / "products.py"
    views.write_text('from django.http import HttpResponse\n\nfrom .catalog import Product\n\n\n'
                     'def product_detail(request, pk):\n    return HttpResponse(Product.objects.get(pk=pk).name)\n')
    project = project_of(root)
    findings, _ = project.analyse(views, views.read_text(), [])
    assert [f.rule for f in findings] == ["TEN001"]
    unscoped = text.replace('    organization = models.ForeignKey("shop.Organization", on_delete=models.CASCADE)\n', "")
    _, reindexed = project.analyse(catalog, unscoped, [])
    assert reindexed
    findings, _ = project.analyse(views, views.read_text(), [])
    assert findings == []


def test_a_guessed_project_whose_walk_meets_too_many_files_takes_in_only_opened_files(tmp_path: Path) -> None:
    root = write_shop(tmp_path)
    logged: list[str] = []
    project = Project(root, Settings(), logged.append, walk_limit=4)
    project.build()
    assert project.alone and project.files == {}
    assert logged == [f"{root} holds more than 4 files and folders: it is not indexed; only the files opened "
                      "from it are analysed"]
    assert not project.update_file(root / "shop" / "models.py", None)  # not opened: not taken in
    views = root / "shop" / "views.py"
    assert [f.rule for f in project.analyse(views, VIEWS, [])[0]] == ["AUTH003"]
    assert project.analyse(root / "shop" / "models.py", MODELS, [])[1]  # the index learns of Invoice
    assert "TEN001" in [f.rule for f in project.analyse(views, VIEWS, [])[0]]

    within_limit = Project(root, Settings(), logged.append, walk_limit=100)
    within_limit.build()
    assert not within_limit.alone and set(within_limit.files) == {"shop/__init__.py", "shop/models.py",
                                                                  "shop/views.py"}


def test_an_index_that_cannot_be_built_is_reported_and_the_files_still_served(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import lsp_server.project

    def broken(*args: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(lsp_server.project, "index_files", broken)
    root = write_shop(tmp_path)
    (root / "shop" / "login.js").write_text("localStorage.setItem('jwt', response.token);\n")
    logged: list[str] = []
    project = Project(root, Settings(), logged.append)
    project.build()
    assert len(logged) == 1 and logged[0].startswith(f"prodready failed to build the index of {root}")
    assert "RecursionError" in logged[0]
    findings, _ = project.analyse(root / "shop" / "login.js", "localStorage.setItem('jwt', response.token);\n", [])
    assert [f.rule for f in findings] == ["AUTH001"]


def test_a_view_typed_in_after_its_helper_changed_is_judged_by_the_new_helper(tmp_path: Path) -> None:
    """Imports resolve to a module's newest version: astroid keeps the first tree built under a
    name, so the view went on inferring through the helper as it was when the folder was read."""
    queries, view = write_helper_and_caller(tmp_path)
    project = project_of(tmp_path)
    assert project.analyse(view, CALLER, [])[0] == []
    project.analyse(queries, UNSCOPED_HELPER, [])
    findings, _ = project.analyse(view, CALLER.replace("invoice_id))", "invoice_id))  # typed"), [])
    assert [(f.rule, f.line) for f in findings] == [("TEN001", 7)]


def test_a_view_analysed_again_after_its_helper_changed_is_judged_by_the_new_helper(tmp_path: Path) -> None:
    """The view's text is as it was, but its kept findings were worked out through the old helper."""
    queries, view = write_helper_and_caller(tmp_path)
    project = project_of(tmp_path)
    assert project.analyse(view, CALLER, [])[0] == []
    project.analyse(queries, UNSCOPED_HELPER, [])
    assert [(f.rule, f.line) for f in project.analyse(view, CALLER, [])[0]] == [("TEN001", 7)]
    project.update_file(queries, None)  # closed unsaved: the file on disk, whose helper filters, is read
    assert project.analyse(view, CALLER, [])[0] == []
