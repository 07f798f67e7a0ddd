"""What a file's cached findings depend on: its own text and every project module it imports,
directly or not (analyzer.dependencies)."""

from __future__ import annotations

from pathlib import Path

from analyzer.dependencies import Reach, dependency_digests, with_shared
from analyzer.lang.python import imported_modules, imports_in_text, parse_python

MODULES = {
    "app/__init__.py": ("app", ""),
    "app/a.py": ("app.a", "from . import b\n"),
    "app/b.py": ("app.b", "from app.c import total\n"),
    "app/c.py": ("app.c", "def total():\n    import app.a\n    return 1\n"),
    "app/d.py": ("app.d", "VALUE = 1\n"),
    "tools/report.py": ("report", "from c import total\n"),  # run from inside app/: `c` is app.c
}


def digests(changed: str = "") -> dict[str, str]:
    files = []
    for relpath, (name, text) in MODULES.items():
        text = text + "# changed\n" if relpath == changed else text
        files.append((relpath, text, parse_python(text, Path(relpath), name, register=False)))
    files.append(("templates/page.html", "<p>{{ total }}</p>\n" + ("<!-- changed -->" if changed == "page" else ""),
                  None))
    return dependency_digests(files)


def moved(changed: str) -> set[str]:
    before, after = digests(), digests(changed)
    return {relpath for relpath in before if before[relpath] != after[relpath]}


def test_a_module_that_nothing_imports_moves_only_itself() -> None:
    assert moved("app/d.py") == {"app/d.py"}
    assert moved("tools/report.py") == {"tools/report.py"}
    assert moved("page") == {"templates/page.html"}


def test_modules_that_import_each_other_move_together_with_their_importers() -> None:
    """a imports b, b imports c, and c imports a inside a function; report imports c by the
    name it has from inside its package."""
    assert moved("app/c.py") == {"app/a.py", "app/b.py", "app/c.py", "tools/report.py"}
    assert moved("app/a.py") == {"app/a.py", "app/b.py", "app/c.py", "tools/report.py"}


def test_a_package_imported_from_is_a_dependency() -> None:
    assert "app/a.py" in moved("app/__init__.py")
    assert "app/d.py" not in moved("app/__init__.py")


def test_the_same_files_give_the_same_digests() -> None:
    assert digests() == digests()


def test_a_module_every_analysis_may_read_moves_every_file() -> None:
    files = [(relpath, text, parse_python(text, Path(relpath), name, register=False))
             for relpath, (name, text) in MODULES.items()]
    def digests(files: list) -> dict[str, str]:
        reach = Reach(files)
        shared = reach.every_file_reads(["app.d"])
        return {relpath: with_shared(digest, shared) for relpath, digest in reach.whole.items()}

    before = digests(files)
    files = [(relpath, text + ("# changed\n" if relpath == "app/d.py" else ""), module)
             for relpath, text, module in files]
    after = digests(files)
    assert all(before[relpath] != after[relpath] for relpath in before)


def test_a_standard_library_module_is_not_the_project_module_of_the_same_last_name() -> None:
    """astroid finds `collections` in the standard library before any import hook runs."""
    files = [(relpath, text, parse_python(text, Path(relpath), name, register=False)) for relpath, name, text in (
        ("shop/types/collections.py", "shop.types.collections", "NAMES = []\n"),
        ("shop/views.py", "shop.views", "import collections\nimport logging\n"),
        ("shop/reports.py", "shop.reports", "from types.collections import NAMES\n"),
    )]
    before = dependency_digests(files)
    files[0] = (files[0][0], "NAMES = [1]\n", files[0][2])
    after = dependency_digests(files)
    assert before["shop/views.py"] == after["shop/views.py"]
    assert before["shop/reports.py"] != after["shop/reports.py"]


def _with_a_test_module(factories: str, imports: frozenset[str] | None) -> dict[str, str]:
    """The digests of MODULES with a test module read but not parsed, `app/tests/factories.py`,
    which `app/seed.py` imports; `imports` is what the factories are known to import."""
    files = [(relpath, text, parse_python(text, Path(relpath), name, register=False))
             for relpath, (name, text) in MODULES.items()]
    files.append(("app/tests/factories.py", factories, None))
    files.append(("app/seed.py", "from app.tests.factories import VALUE\n",
                  parse_python("from app.tests.factories import VALUE\n", Path("app/seed.py"), "app.seed",
                               register=False)))
    return dependency_digests(files, untraced={"app.tests.factories": ("app/tests/factories.py", imports)})


def test_a_module_read_without_a_tree_depends_on_what_it_imports() -> None:
    """A test module no rule needs is not parsed; what it imports is read from its text, and a
    module that imports it moves with those modules, not with every file."""
    text = "from app.d import VALUE\n"
    imports = imports_in_text(text, Path("app/tests/factories.py"), "app.tests.factories")
    assert imports == {"app.d", "app.d.VALUE"}
    before = _with_a_test_module(text, imports)
    after = _with_a_test_module(text + "# changed\n", imports)
    assert before["app/seed.py"] != after["app/seed.py"]
    assert before["app/d.py"] == after["app/d.py"] and before["tools/report.py"] == after["tools/report.py"]


def test_a_module_whose_imports_cannot_be_read_depends_on_every_file() -> None:
    before = _with_a_test_module("from app.d import (\n", None)
    files = {relpath: text for relpath, (_, text) in MODULES.items()}
    assert files["app/c.py"]  # every file: a change to c moves the module that imports the factories
    after = dependency_digests(
        [(relpath, text + ("# changed\n" if relpath == "app/c.py" else ""),
          parse_python(text, Path(relpath), name, register=False)) for relpath, (name, text) in MODULES.items()]
        + [("app/tests/factories.py", "from app.d import (\n", None),
           ("app/seed.py", "from app.tests.factories import VALUE\n",
            parse_python("from app.tests.factories import VALUE\n", Path("app/seed.py"), "app.seed", register=False))],
        untraced={"app.tests.factories": ("app/tests/factories.py", None)})
    assert before["app/seed.py"] != after["app/seed.py"]


def test_imports_are_read_from_text_as_from_the_tree() -> None:
    """Parenthesised names with comments that hold parentheses, continuation lines, aliases,
    relative imports from a package; `import` elsewhere than at the start of a line is left to
    Python's own parser."""
    text = ("from . import (\n    admin,  # the console (legacy)\n    billing,\n)\n"
            "from .models import Invoice as I, \\\n    Order\nimport shop.tasks as tasks, json\n")
    path = Path("shop/__init__.py")
    expected = imported_modules(parse_python(text, path, "shop", register=False))
    assert imports_in_text(text, path, "shop") == expected
    assert {"shop.admin", "shop.billing", "shop.models.Order", "shop.tasks", "json"} <= expected
    odd = "x = 1; import shop.tasks\nif x: from shop import models\n"
    assert imports_in_text(odd, Path("shop/views.py"), "shop.views") == \
        imported_modules(parse_python(odd, Path("shop/views.py"), "shop.views", register=False))
    assert imports_in_text('NOTE = "import"\nfrom shop import (\n', Path("shop/views.py"), "shop.views") is None
    for more in ("from shop import (\n    models,  # import them lazily\n    tasks,\n)\n",
                 "from shop.a import b; import json\n"):
        assert imports_in_text(more, Path("shop/views.py"), "shop.views") == \
            imported_modules(parse_python(more, Path("shop/views.py"), "shop.views", register=False))
