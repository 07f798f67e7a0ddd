"""The findings a memo keeps across edits are the findings a whole run reports.

Each edit is analysed twice on the same tree: through the workspace's memo, as the language
server does, and by a run that keeps nothing. Every edit that changes what another statement
is judged by (a helper it calls, a caller of it, an import) is one of the cases below.
"""

from __future__ import annotations

import gc
import random
import weakref
from pathlib import Path

import pytest

from analyzer.engine import ParsedFile, analyze_parsed, parse_source
from analyzer.lang.python import release_superseded_trees
from lsp_server.project import Project
from lsp_server.settings import Settings

from .shop import VIEWS, write_shop

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
DJANGO = FIXTURES / "django_saas"


@pytest.fixture(scope="module")
def django() -> Project:
    project = Project(DJANGO, Settings(), lambda message: None)
    project.build()
    return project


def analyse(project: Project, path: Path, text: str) -> list[tuple[str, int, int, str]]:
    """The findings of `text` through the memo, checked against a run that keeps nothing, on
    the tree the server built (from its last one, where the edit stayed in one function or
    class) and on a tree built whole."""
    kept, _ = project.analyse(path, text, [])
    parsed = project.files[project.relpath(path)]
    if parsed.source.text != text:
        return []  # a syntax error: the editor keeps the last findings, the memo its last run
    assert kept == analyze_parsed(parsed, project.config, project.index, [])
    whole = parse_source(parsed.source, project.config)
    assert isinstance(whole, ParsedFile)
    try:
        assert kept == analyze_parsed(whole, project.config, project.index, [])
    finally:  # what was worked out about the tree built whole, which the server never sees
        release_superseded_trees()
        project.index.forget_node_answers()
    return [(f.rule, f.line, f.column, f.message) for f in kept]


def rerun(project: Project, path: Path) -> int:
    return project.memos[project.relpath(path)].rerun_last


def test_an_edit_inside_one_view_analyses_that_view_and_moves_the_findings_below_it(django: Project) -> None:
    views = DJANGO / "projects" / "views.py"
    text = views.read_text()
    before = analyse(django, views, text)
    # Two new lines in project_detail: every finding below moves down by two, none is lost.
    edited = text.replace("def project_detail(request, pk):\n",
                          "def project_detail(request, pk):\n    # looked up by the URL's id\n\n", 1)
    after = analyse(django, views, edited)
    edit_line = text[:text.index("def project_detail")].count("\n") + 1
    assert after == [(rule, line + 2 if line > edit_line else line, column, message)
                     for rule, line, column, message in before]
    body = django.files["projects/views.py"].module.body
    module_level = sum(1 for s in body if type(s).__name__ not in ("FunctionDef", "ClassDef"))
    assert rerun(django, views) == module_level + 1 < len(body)


def test_a_filter_typed_into_a_view_clears_its_finding_and_keeps_the_others(django: Project) -> None:
    views = DJANGO / "projects" / "views.py"
    text = views.read_text()
    unsafe = "    comment = Comment.objects.get(pk=pk)  # expect: TEN001\n"
    assert unsafe in text
    before = analyse(django, views, text)
    line = text[:text.index(unsafe)].count("\n") + 1
    fixed = analyse(django, views, text.replace(unsafe, unsafe.replace(
        "pk=pk)", "pk=pk, task__project__organization=request.user.organization)")))
    assert [f for f in before if f[1] != line] == fixed
    assert len(fixed) == len(before) - 1


def shop(root: Path, views: str) -> tuple[Project, Path]:
    """The small shop of the server's tests, with more views on disk and indexed."""
    write_shop(root)
    (root / "shop" / "views.py").write_text(VIEWS + views)
    project = Project(root, Settings(), lambda message: None)
    project.build()
    return project, root / "shop" / "views.py"


def test_a_helper_made_unsafe_is_reported_where_an_untouched_view_calls_it(tmp_path: Path) -> None:
    """The view mentions the helper the edit changed: its findings are worked out again."""
    project, views = shop(tmp_path, '''

def fetch_invoice(organization, invoice_id):
    return Invoice.objects.get(pk=invoice_id, organization=organization)


def invoice_number(request, invoice_id):
    invoice = fetch_invoice(request.user.organization, invoice_id)
    return HttpResponse(invoice.number)
''')
    text = views.read_text()
    before = analyse(project, views, text)
    after = analyse(project, views, text.replace(", organization=organization)", ")"))
    call = text[:text.index("invoice = fetch_invoice(")].count("\n") + 1
    assert [f[:2] for f in after if f not in before] == [("TEN001", call)]


def test_a_caller_that_stops_narrowing_gets_the_untouched_helper_reported(tmp_path: Path) -> None:
    """`unpaid()` is narrowed by every view that calls it: an edit to one of them judges it again."""
    project, views = shop(tmp_path, '''

def unpaid(request):
    return Invoice.objects.filter(number__startswith="U")


def unpaid_count(request):
    return HttpResponse(unpaid(request).filter(organization=request.user.organization).count())


def unpaid_list(request):
    return HttpResponse(", ".join(i.number for i in unpaid(request).filter(organization=request.user.organization)))
''')
    text = views.read_text()
    before = analyse(project, views, text)
    after = analyse(project, views, text.replace(
        "HttpResponse(unpaid(request).filter(organization=request.user.organization).count())",
        "HttpResponse(unpaid(request).count())"))
    helper = text[:text.index("    return Invoice.objects.filter(number__startswith")].count("\n") + 1
    assert ("TEN001", helper) in [f[:2] for f in after if f not in before]


def test_an_import_typed_anywhere_analyses_the_whole_module(django: Project) -> None:
    views = DJANGO / "projects" / "views.py"
    text = views.read_text()
    analyse(django, views, text)
    analyse(django, views, text.replace("def project_detail(request, pk):\n",
                                        "def project_detail(request, pk):\n    import json\n", 1))
    assert rerun(django, views) == len(django.files["projects/views.py"].module.body)


def test_superseded_versions_of_a_buffer_are_freed(tmp_path: Path) -> None:
    """astroid's lookup caches must not keep the trees of earlier versions alive once the rules
    of an edit look up fewer names than those caches hold."""
    project, views = shop(tmp_path, "")
    text = views.read_text()
    trees = []
    for number in range(8):
        project.analyse(views, text.replace("facture", f"facture {number}"), [])
        trees.append(weakref.ref(project.files["shop/views.py"].module))
    gc.collect()
    assert [tree() is not None for tree in trees] == [False] * 7 + [True]


def _mutate(lines: list[str], rng: random.Random, words: list[str]) -> list[str]:
    """One edit as a person might make it: a line deleted, duplicated, moved or emptied, or one
    name in it replaced by another name of the module."""
    lines = list(lines)
    at = rng.randrange(len(lines))
    kind = rng.choice(("delete", "duplicate", "blank", "swap", "rename", "rename"))
    if kind == "delete" and len(lines) > 1:
        del lines[at]
    elif kind == "duplicate":
        lines.insert(at, lines[at])
    elif kind == "blank":
        lines.insert(at, "")
    elif kind == "swap" and at + 1 < len(lines):
        lines[at], lines[at + 1] = lines[at + 1], lines[at]
    else:
        found = [w for w in words if w in lines[at]]
        if found:
            lines[at] = lines[at].replace(rng.choice(found), rng.choice(words), 1)
    return lines


@pytest.mark.parametrize("relpath", ["projects/views.py", "projects/api.py", "billing/services.py",
                                     "accounts/views.py", "projects/services.py"])
def test_random_edits_report_what_a_whole_run_reports(django: Project, relpath: str) -> None:
    path = DJANGO / relpath
    text = path.read_text()
    rng = random.Random(relpath)
    words = sorted({w for w in text.replace("(", " ").replace(")", " ").replace(".", " ").split()
                    if w.isidentifier() and len(w) > 3})
    lines = text.split("\n")
    analyse(django, path, text)
    for _ in range(40):
        edited = _mutate(lines, rng, words)
        analyse(django, path, "\n".join(edited))
        if django.files[relpath].source.text == "\n".join(edited):
            lines = edited  # the next edit starts from text that parses, as most keystrokes do
