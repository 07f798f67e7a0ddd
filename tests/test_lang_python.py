"""Helpers over astroid trees that the rules lean on."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import astroid
from astroid import nodes

from analyzer.lang.python import Positions, forget_modules, nodes_within, parse_python

SOURCE = '''
import os

def outer(request, pk):
    rows = [r for r in request.rows if r.pk == pk]
    key = lambda row: row.name
    def inner(value):
        return os.path.join(value, "x")
    class Local:
        def method(self):
            return inner(self)
    return sorted(rows, key=key)

class View:
    permission = os.environ.get("P")

    def get(self, request):
        if request.user and request.user.is_staff:
            return outer(request, 1)
        assert request.method == "GET"
'''

KINDS = (nodes.Call, nodes.Name, (nodes.Return, nodes.Compare), nodes.FunctionDef, nodes.NodeNG)


def test_nodes_within_finds_what_nodes_of_class_finds_for_every_scope_and_node() -> None:
    module = astroid.parse(SOURCE)
    for node in module.nodes_of_class(nodes.NodeNG):
        for kinds in KINDS:
            assert nodes_within(node, kinds) == tuple(node.nodes_of_class(kinds)), (node, kinds)


def test_nodes_within_a_node_made_by_inference_walks_that_node() -> None:
    module = astroid.parse("def f():\n    return [1, 2]\n")
    made = nodes.Const(3, lineno=1, col_offset=0, parent=None, end_lineno=1, end_col_offset=1)
    assert nodes_within(made, nodes.Const) == (made,)
    assert [c.value for c in nodes_within(module, nodes.Const)] == [1, 2]


def test_installed_packages_are_not_read_but_the_standard_library_is(tmp_path) -> None:
    """Django is installed beside the tests; a scan must not depend on that (see
    `_outside_installed_packages`)."""
    source = "import json\nfrom django.shortcuts import get_object_or_404\n\njson.dumps\nget_object_or_404\n"
    module = parse_python(source, tmp_path / "views.py", "shop_views_installed_probe")
    json_dumps, shortcut = (statement.value for statement in module.body[2:])
    assert [n.qname() for n in json_dumps.infer()] == ["json.dumps"]
    assert list(shortcut.infer()) == [astroid.Uninferable]
    forget_modules(["shop_views_installed_probe"])


BUILTIN_CALLS = '''
class Base:
    def save(self):
        return 1


class Child(Base):
    def save(self):
        return super().save()


names = dict(a=1, b=2)
keys = dict.fromkeys(["a", "b"], 0)
kind = type(names)
size = len([1, 2, 3])
text = str(12)
number = int("7")
known = isinstance(names, dict)
items = list((1, 2))
unique = frozenset({1})
method = getattr(Child(), "save")
'''


def _inferred(text: str) -> list[str]:
    module = astroid.parse(text)
    values = [node.value for node in nodes_within(module, nodes.Assign)]
    values += [node.value for node in nodes_within(module, nodes.Return)]
    return [repr([getattr(value, "pytype", lambda: None)() if not isinstance(value, nodes.Const) else value.value
                  for value in call.infer()]) for call in values]


def test_the_builtin_transforms_asked_as_one_infer_what_astroids_own_do(monkeypatch) -> None:
    """prodready puts astroid's nineteen builtin Call transforms in one (see
    `lang.python._builtin_calls_asked_once`); registered afresh by astroid, they infer the same."""
    from astroid.brain import brain_builtin_inference

    ours = _inferred(BUILTIN_CALLS)
    visitor = astroid.MANAGER._transform
    own = defaultdict(list, {kind: list(entries) for kind, entries in visitor.transforms.items()})
    own[nodes.Call] = []
    monkeypatch.setattr(visitor, "transforms", own)
    brain_builtin_inference.register(astroid.MANAGER)  # astroid's own, one by one
    assert len([p for _, p in own[nodes.Call] if getattr(p, "func", None)
                is brain_builtin_inference._builtin_filter_predicate]) == 19
    assert _inferred(BUILTIN_CALLS) == ours
    assert "'builtins.dict'" in ours[0] and "'builtins.dict'" in ours[1] and "3" in ours[3]


def test_a_definition_is_named_by_its_name_past_decorators_and_comments() -> None:
    text = ('@app.route(\n    "/reset",  # def reset(): an old name\n)\n# class Reset: was one\n'
            '@limits(calls=5)\nasync def reset(request):\n    return "é"\n\n\n'
            '@dataclass\nclass   Résumé(Base):  # the name is not ASCII\n    pass\n')
    module = astroid.parse(text)
    handler, klass = module.body
    positions = Positions(text)
    span = positions.name_span(handler)
    assert (span.line, span.column, span.end_line, span.end_column) == (6, 11, 6, 16)
    span = positions.name_span(klass)
    assert (span.line, span.column, span.end_column) == (11, 9, 15)
    assert text.split("\n")[10][span.column - 1:span.end_column - 1] == "Résumé"


def test_a_tree_built_apart_leaves_the_registered_tree_of_its_name_in_place() -> None:
    """A tree built with `register=False` (a module's facts worked out again on a tree of its
    own) is not what imports of its name resolve to, nor does it take away the one that is."""
    registered = parse_python("LIMIT = 10\n", Path("shop/limits.py"), "shop.limits")
    try:
        apart = parse_python("LIMIT = 10\n", Path("shop/limits.py"), "shop.limits", register=False)
        assert apart is not registered
        assert astroid.MANAGER.astroid_cache.get("shop.limits") is registered
        alone = parse_python("RATE = 2\n", Path("shop/rates.py"), "shop.rates", register=False)
        assert alone.name == "shop.rates" and "shop.rates" not in astroid.MANAGER.astroid_cache
    finally:
        forget_modules(["shop.limits"])
