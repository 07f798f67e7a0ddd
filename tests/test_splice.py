"""A module's next version built from its last (`analyzer.lang.splice`) is the tree a whole
build gives: the same nodes, positions, parents, names and attribute filings, or no splice."""

from __future__ import annotations

from pathlib import Path

import astroid
import pytest
from astroid import nodes
from astroid.builder import AstroidBuilder
from astroid.rebuilder import TreeRebuilder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.lang.python import PythonParseError, _walk, make_current, nodes_within, parse_python
from analyzer.lang.splice import splice

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NAME = "splice_case.views"
PATH = Path("/project/splice_case/views.py")

VIEWS = '''"""Views of a small shop."""
from django.http import HttpResponse

from .models import Invoice

PAGE = 20


def invoice_detail(request, invoice_id):
    label = "invoice"
    invoice = Invoice.objects.get(pk=invoice_id)
    return HttpResponse(f"{label} {invoice.number}")


class Exporter:
    def __init__(self, request):
        self.request = request
        self.rows = []

    def run(self):
        self.total = len(self.rows)
        return self.total


def my_invoices(request):
    return Invoice.objects.filter(organization=request.user.organization)[:PAGE]


def configure(request):
    Exporter.page_size = PAGE


def reset(request):
    Exporter.page_size = None
'''


def _position(node: nodes.NodeNG) -> tuple:
    return type(node).__name__, node.root().name, node.lineno, node.col_offset


def shape(module: nodes.Module) -> list:
    """Everything a rule can read of a tree: each node with its positions (its own, and those
    astroid works out once) and where its parent stands, in walk order, and what each scope
    binds and has assigned to it as attributes."""
    found: list = []
    placed: dict[int, int] = {}

    def visit(node: nodes.NodeNG) -> None:
        placed[id(node)] = len(placed)
        assert node.root() is module, f"{node!r} hangs under another module"
        found.append((type(node).__name__, node.lineno, node.col_offset, node.end_lineno, node.end_col_offset,
                      getattr(node, "name", None), placed.get(id(node.parent)), getattr(node, "position", None),
                      node.fromlineno, node.tolineno, getattr(node, "blockstart_tolineno", None)))
        doc = getattr(node, "doc_node", None)  # not a child: a whole walk does not reach it
        if doc is not None:
            found.append(("doc", doc.lineno, doc.end_lineno, doc.col_offset))
        for table in ("locals", "instance_attrs"):
            if isinstance(getattr(node, table, None), dict):
                found.append((table, {name: [_position(n) for n in bound]
                                      for name, bound in getattr(node, table).items()}))
        for child in node.get_children():
            visit(child)

    visit(module)
    return found


def spliced_and_whole(old: str, new: str) -> tuple[nodes.Module | None, nodes.Module | None]:
    before = parse_python(old, PATH, NAME)
    shape(before)  # what the rules have asked of the server's last version, which astroid keeps
    nodes_within(before, nodes.Call)
    spliced = splice(before, old, new)
    try:
        whole = parse_python(new, PATH, NAME)
    except PythonParseError:
        whole = None
    return spliced, whole


def assert_same(spliced: nodes.Module, whole: nodes.Module) -> None:
    assert shape(spliced) == shape(whole)
    assert spliced.as_string() == whole.as_string()
    carried = spliced.__dict__.pop("_prodready_walk")  # the last version's walk, carried over
    assert carried == _walk(spliced), "the walk carried over is not the spliced tree's walk"


def assert_same_tree(old: str, new: str) -> nodes.Module:
    spliced, whole = spliced_and_whole(old, new)
    assert spliced is not None and whole is not None
    assert_same(spliced, whole)
    return spliced


def test_typing_in_a_string_of_one_view_builds_that_view_alone() -> None:
    spliced = assert_same_tree(VIEWS, VIEWS.replace('label = "invoice"', 'label = "invoice no."'))
    assert spliced.file_bytes.decode() == VIEWS.replace('label = "invoice"', 'label = "invoice no."')


def test_a_view_renamed_is_bound_by_its_new_name_only() -> None:
    spliced = assert_same_tree(VIEWS, VIEWS.replace("def my_invoices(", "def our_invoices("))
    assert "our_invoices" in spliced.locals and "my_invoices" not in spliced.locals


def test_attributes_assigned_in_a_method_edited_are_filed_as_a_whole_build_files_them() -> None:
    added = assert_same_tree(VIEWS, VIEWS.replace("self.total = len(self.rows)", "self.count = len(self.rows)"))
    exporter = next(node for node in added.body if isinstance(node, nodes.ClassDef))
    assert set(exporter.instance_attrs) == {"request", "rows", "count"}


def test_attributes_a_view_assigns_to_a_class_of_the_module_are_filed_as_a_whole_build_files_them() -> None:
    """The class is not rebuilt: the old view's filing goes, and the new one stands in the order
    of the text, before the later view's."""
    renamed = assert_same_tree(VIEWS, VIEWS.replace("Exporter.page_size = PAGE", "Exporter.batch = PAGE"))
    exporter = next(node for node in renamed.body if isinstance(node, nodes.ClassDef))
    assert [node.lineno for node in exporter.locals["page_size"]] == [VIEWS.count("\n", 0, VIEWS.index("None")) + 1]
    changed = assert_same_tree(VIEWS, VIEWS.replace("Exporter.page_size = PAGE", "Exporter.page_size = PAGE * 2"))
    exporter = next(node for node in changed.body if isinstance(node, nodes.ClassDef))
    assert [node.lineno for node in exporter.locals["page_size"]] == sorted(
        node.lineno for node in exporter.locals["page_size"])


@pytest.mark.parametrize("new", [
    VIEWS.replace('    label = "invoice"\n', '    label = "invoice"\n    note = ""\n'),  # a line more
    VIEWS.replace('    label = "invoice"\n', ""),  # a line less
    VIEWS.replace('    return HttpResponse(f"{label} {invoice.number}")\n',
                  '    return HttpResponse(f"{label} {invoice.number}")\n    # reviewed\n\n'),  # after the view
    VIEWS.replace("def invoice_detail(", "@login_required\ndef invoice_detail("),  # before it
    VIEWS.replace("        self.rows = []\n", "        self.rows = [\n        ]\n"),  # Enter in a method
])
def test_lines_added_or_removed_in_one_statement_move_the_nodes_below(new: str) -> None:
    assert_same_tree(VIEWS, new)


@pytest.mark.parametrize("new", [
    VIEWS.replace("PAGE = 20", "PAGE = 50"),  # a module-level statement
    VIEWS.replace("def my_invoices(", "def invoice_detail("),  # a name bound twice
    VIEWS.replace('    label = "invoice"', "    global PAGE"),
    VIEWS.replace("    return Invoice.objects.filter(", "return Invoice.objects.filter("),  # two statements
    VIEWS.replace('label = "invoice"', 'label = "invoice'),  # does not parse
    VIEWS.replace("\n\n\nclass Exporter", "\nPAGE = 30\n\nclass Exporter"),  # a line between statements
    VIEWS.replace("def my_invoices(request):\n", "def my_invoices(request):\nVERSION = 2\n"),
    VIEWS.replace("def invoice_detail(request, invoice_id):", "async def invoice_detail(request, invoice_id):"),
])
def test_an_edit_a_splice_cannot_build_as_a_whole_build_would_is_left_to_one(new: str) -> None:
    spliced, _ = spliced_and_whole(VIEWS, new)
    assert spliced is None


@pytest.mark.parametrize("failing", ["rebuilder", "post-build"])
def test_a_statement_astroid_cannot_build_leaves_the_last_version_as_it_was(failing: str, monkeypatch) -> None:
    """A statement too deep for astroid's recursion (ast parses deeper than astroid builds): the
    whole build says why, and until it succeeds the last version is the tree the server has."""
    before = parse_python(VIEWS, PATH, NAME)
    make_current(before)  # as the server makes each version it builds
    nodes_within(before, nodes.Call)
    untouched = shape(before)
    real_filing = AstroidBuilder.delayed_assattr
    filed: list[nodes.AssignAttr] = []

    def too_deep(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    def too_deep_at_the_second(builder: AstroidBuilder, node: nodes.AssignAttr) -> None:
        filed.append(node)  # the first is filed under the class the module keeps, then it fails
        if len(filed) > 1:
            too_deep()
        real_filing(builder, node)

    if failing == "rebuilder":
        monkeypatch.setattr(TreeRebuilder, "visit", too_deep)
    else:
        monkeypatch.setattr(AstroidBuilder, "delayed_assattr", too_deep_at_the_second)
    new = VIEWS.replace("    Exporter.page_size = PAGE\n",
                        "    Exporter.page_size = PAGE\n    Exporter.batch = 1\n")  # a line more
    assert splice(before, VIEWS, new) is None
    assert shape(before) == untouched
    assert astroid.MANAGER.astroid_cache[NAME] is before


MODULES = [FIXTURES / "django_saas" / relpath for relpath in
           ("projects/views.py", "projects/api.py", "billing/services.py", "accounts/views.py", "projects/models.py")]
PIECES = ["x", "(", ")", '"', "'", ":", " ", "self.", "organization", "=", ".filter(", "#", "\\", "[", "]", ",",
          "lambda: ", "global ", "yield ", "await ", "return ", "\t", "    "]


@pytest.mark.filterwarnings("ignore:invalid escape sequence")  # a backslash typed into a string
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(module=st.sampled_from(MODULES), where=st.floats(0, 1, exclude_max=True), at=st.floats(0, 1),
       cut=st.integers(0, 3), piece=st.sampled_from(PIECES),
       kind=st.sampled_from(["type", "type", "enter", "new line", "delete line"]))
def test_an_edit_splices_to_the_whole_build_or_not_at_all(module: Path, where: float, at: float, cut: int,
                                                          piece: str, kind: str) -> None:
    """A character typed or deleted, Enter pressed, a line typed or deleted: as a person edits."""
    old = module.read_text(encoding="utf-8")
    lines = old.split("\n")
    number = int(where * len(lines))
    line = lines[number]
    column = int(at * len(line))
    indent = line[:len(line) - len(line.lstrip())]
    if kind == "type":
        lines[number] = line[:column] + piece + line[column + cut:]
    elif kind == "enter":
        lines[number:number + 1] = [line[:column], indent + line[column:].lstrip()]
    elif kind == "new line":
        lines.insert(number + 1, indent + piece + "x")
    else:
        del lines[number]
    new = "\n".join(lines)
    spliced, whole = spliced_and_whole(old, new)
    if whole is None:
        assert spliced is None, "a text that does not parse was spliced"
    elif spliced is not None:
        assert_same(spliced, whole)
