"""Python through astroid: parsing, module names for cross-file inference, and positions.

Files are registered in astroid's module cache under their dotted name, so that
`from billing.models import Invoice` in one file infers to the class parsed from another
without importing anything: astroid reads source, it never executes it.
"""

from __future__ import annotations

import ast
import bisect
import contextlib
import importlib.machinery
import itertools
import re
import sys
import tokenize
import types
import weakref
from collections.abc import Callable, Iterable
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import astroid
from astroid import nodes
from astroid.brain import brain_builtin_inference, brain_dataclasses, brain_namedtuple_enum
from astroid.builder import AstroidBuilder
from astroid.context import _invalidate_cache
from astroid.exceptions import AstroidError, AstroidImportError
from astroid.inference_tip import clear_inference_tip_cache
from astroid.interpreter._import import spec as astroid_spec
from astroid.manager import AstroidManager
from astroid.nodes._base_nodes import LookupMixIn, NoChildrenNode
from astroid.rebuilder import TreeRebuilder

from ..model import Span
from ..workspace import one_line
from . import reach
from .python_compat import rewrite_newer_syntax

if TYPE_CHECKING:
    from astroid.interpreter._import.spec import ModuleSpec

# Syntax that Python 3.12+ accepts and older parsers reject: type aliases and generics (3.12),
# nested f-strings reusing their quotes (3.12), `except A, B:` without parentheses (3.14).
_NEWER_SYNTAX = re.compile(
    r"^\s*type\s+\w+\s*(\[.*\])?\s*=|^\s*(async\s+)?def\s+\w+\s*\[|^\s*class\s+\w+\s*\["
    r"|^\s*except\*?\s+[\w.]+\s*,\s*[\w.]+.*:|f\"[^\"\n]*\{[^}\n]*\"[^\"\n]*\"[^}\n]*\}"
    r"|f'[^'\n]*\{[^}\n]*'[^'\n]*'[^}\n]*\}",
    re.M,
)


class PythonParseError(Exception):
    """The file is not Python this interpreter can parse; the message is the skip reason."""


@lru_cache(maxsize=4096)
def _is_package(folder: Path) -> bool:
    return (folder / "__init__.py").is_file()


@lru_cache(maxsize=65_536)
def module_name(path: Path) -> str:
    """Dotted module name, from the outermost package above the file: folders with __init__.py,
    and folders without one inside such a package (namespace packages, `api/` with no
    __init__.py), so that relative imports resolve as Python would resolve them. Found once a
    path, as the packages above each folder are: a changed run names each of saleor's 2,600
    modules three times (0.05 s)."""
    parts = [] if path.stem == "__init__" else [path.stem]
    packages = _package_names(path.parent)
    if packages is None:
        return ".".join(parts) or path.parent.name
    return ".".join([*packages, *parts])


@lru_cache(maxsize=8192)
def _package_names(folder: Path) -> tuple[str, ...] | None:
    """The names of the packages from the outermost one down to `folder`, or None when no
    package holds it (or one of them is not named like a module). Asked once a folder: a scan
    names each module three times, and walking up the folders of every file was a tenth of a
    run with one file changed."""
    chain = [folder, *list(folder.parents)[:12]]
    top = None
    for index, above in enumerate(chain):
        if _is_package(above):
            top = index
    if top is None:
        return None
    names = [above.name for above in chain[: top + 1]]
    if not all(name.isidentifier() for name in names):
        return None
    return tuple(reversed(names))


def parse_python(text: str, path: Path, modname: str | None = None, register: bool = True) -> nodes.Module:
    """Parse `text` as the module at `path`; raise PythonParseError with a user-facing reason.

    On Python 3.11, a file that fails only on PEP 695 syntax (generics, `type` aliases) or on
    PEP 758's unparenthesized `except A, B:` is parsed again with that syntax rewritten, every
    position kept (see `python_compat`)."""
    name = modname or module_name(path)
    try:
        module = _build(text, name, path)
    except astroid.AstroidSyntaxError as error:
        rewritten = rewrite_newer_syntax(text) if sys.version_info < (3, 14) else None
        if rewritten is None:
            raise PythonParseError(_syntax_reason(error, text)) from None
        try:
            module = _build(rewritten, name, path)
        except astroid.AstroidSyntaxError:
            raise PythonParseError(_syntax_reason(error, text)) from None
    if not register:
        if astroid.MANAGER.astroid_cache.get(name) is module:  # not the tree registered before it
            del astroid.MANAGER.astroid_cache[name]
    else:
        _remember_suffixes(name)
        _DEFERRED.pop(name, None)  # the tree parsed last is the module of that name
    return module


def make_current(module: nodes.Module) -> None:
    """Make `module` the tree that imports of its name resolve to from now on. astroid keeps the
    first tree built under a name (`cache_module` is a `setdefault`), which a scan, building
    each module once, never notices; an editor's buffer is built again at each change."""
    astroid.MANAGER.astroid_cache[module.name] = module


# Every proper dotted suffix of a project module's name -> the full names that end with it.
_SUFFIXES: dict[str, set[str]] = {}


def _remember_suffixes(name: str) -> None:
    parts = name.split(".")
    for start in range(1, len(parts)):
        _SUFFIXES.setdefault(".".join(parts[start:]), set()).add(name)


def _project_module_by_suffix(modname: str) -> nodes.Module:
    """A project that runs from a folder inside its repository (`label_studio/manage.py`, which
    puts `label_studio/` on sys.path) imports `from projects.models import Project`, while that
    folder is itself a package, so the file was parsed as `label_studio.projects.models`. When
    astroid finds no module of the imported name, the one project module whose name ends with
    it is the module meant."""
    cache = astroid.MANAGER.astroid_cache
    names = [name for name in _SUFFIXES.get(modname, ()) if name in cache or name in _DEFERRED]
    if len(names) != 1:
        raise astroid.AstroidBuildingError(modname=modname)
    return cache[names[0]] if names[0] in cache else _build_deferred(names[0])


astroid.MANAGER.register_failed_import_hook(_project_module_by_suffix)

# Project modules whose trees a scan has not built, by name -> what builds and registers one.
# A scan that knows what most modules hold without their trees (see `index.kept`) builds one
# only when inference reaches it, as it would have found it in the cache had it built it.
_DEFERRED: dict[str, Callable[[], nodes.Module | None]] = {}


def defer_module(name: str, build: Callable[[], nodes.Module | None]) -> None:
    """Build the project module `name` with `build` when an import first reaches it, in place
    of any tree of that name already built: the module read last is the module of that name."""
    astroid.MANAGER.astroid_cache.pop(name, None)
    _DEFERRED[name] = build
    _remember_suffixes(name)


def _build_deferred(name: str) -> nodes.Module:
    module = _DEFERRED.pop(name)()
    if module is None:
        raise astroid.AstroidBuildingError(modname=name)
    return module


# Each project module's place in the order a scan that builds every module up front builds
# them, while a scan that builds some out of that order runs (see `scan_order`).
_ORDER: dict[str, int] = {}
_STAR_FROM: list[int] = []  # the places of the modules whose star imports astroid is resolving


def scan_order(names: Iterable[str]) -> None:
    """Give the order in which a scan that parses every module up front parses them; empty
    when the scan ends. astroid resolves `from .models import *` while it builds the importing
    module, and finds only the modules built before it: in such a scan, `admin.py` gets no
    names from a `models.py` parsed after it. A scan that builds modules out of that order
    (kept facts, deferred trees) must find what that scan finds, or a cached run would report
    what a cold one does not; so a star import here finds only the modules placed before its
    own. That the names are missing at all is a gap of its own, to close in every scan at once."""
    _ORDER.clear()
    for place, name in enumerate(names):
        _ORDER.setdefault(name, place)


_add_from_names_to_locals = AstroidBuilder.add_from_names_to_locals


def _in_scan_order(builder: AstroidBuilder, node: nodes.ImportFrom, global_names: object) -> None:
    place = _ORDER.get(node.root().name) if _ORDER else None
    if place is None or not any(name == "*" for name, _ in node.names):
        return _add_from_names_to_locals(builder, node, global_names)
    _STAR_FROM.append(place)
    try:
        return _add_from_names_to_locals(builder, node, global_names)
    finally:
        _STAR_FROM.pop()


AstroidBuilder.add_from_names_to_locals = _in_scan_order  # type: ignore[method-assign]

_ast_from_module_name = AstroidManager.ast_from_module_name


def _deferred_first(manager: AstroidManager, modname: str | None, *args: object, **kwargs: object) -> nodes.Module:
    """A deferred project module is found before anything of the same name elsewhere, as its
    tree in astroid's cache would have been; for a star import, only a module placed before the
    importing one (see `scan_order`)."""
    if modname:
        reach.note(modname)
    if _STAR_FROM and modname is not None and _ORDER.get(modname, -1) > _STAR_FROM[-1]:
        raise astroid.AstroidBuildingError(modname=modname)
    if modname is not None and modname in _DEFERRED and modname not in manager.astroid_cache:
        with contextlib.suppress(astroid.AstroidBuildingError):
            return _build_deferred(modname)
    return _ast_from_module_name(manager, modname, *args, **kwargs)


AstroidManager.ast_from_module_name = _deferred_first  # type: ignore[method-assign]

_INSTALLED_FOLDERS = frozenset({"site-packages", "dist-packages"})
_find_module_file = AstroidManager.file_from_module_name


def _outside_installed_packages(manager: AstroidManager, modname: str, contextfile: str | None) -> ModuleSpec:
    """Where astroid finds a module, unless it is an installed package. Those are the packages of
    the environment prodready runs in, not the project's: reading them made a finding depend on
    where prodready was installed (with or without Django beside it), and reading pydantic and
    Django cost a third of the parsing of a large project. The standard library is still read,
    for astroid's models of typing, enum and dataclasses; the rules know frameworks by the names
    their imports spell."""
    found = _find_module_file(manager, modname, contextfile)
    if found.location and _INSTALLED_FOLDERS.intersection(Path(found.location).parts):
        raise AstroidImportError("{modname} is an installed package, which prodready does not read",
                                 modname=modname)
    return found


AstroidManager.file_from_module_name = _outside_installed_packages  # every manager shares one state


def _frozen_spec(name: str, package: str | None = None) -> importlib.machinery.ModuleSpec | None:
    """`importlib.util.find_spec` as astroid's module finder asks it: whether a module of the
    standard library is frozen. The real one imports the parent package of a dotted name, so
    `from this.sub import x` in an analysed file printed the Zen of Python into the report,
    `antigravity.sub` started a browser, and a project's own `wsgiref/__init__.py` ran when
    prodready was started from the project's folder. The frozen importer answers the same
    question and imports nothing."""
    return importlib.machinery.FrozenImporter.find_spec(name)


astroid_spec.importlib = types.SimpleNamespace(  # type: ignore[attr-defined]
    machinery=importlib.machinery, util=types.SimpleNamespace(find_spec=_frozen_spec))

# Two of astroid's brain transforms infer while a tree is built, for every class: whether it is
# an Enum (then each member becomes an instance of it) and whether it is a dataclass (then an
# __init__ is made up). No rule asks either question, and on saleor's GraphQL schema of enum
# classes they were a quarter of the parsing (8.8 s of every module built, 6.7 s without).
for _transform, _predicate in ((brain_namedtuple_enum.infer_enum_class, brain_namedtuple_enum._is_enum_subclass),
                                (brain_dataclasses.dataclass_transform, brain_dataclasses.is_decorated_with_dataclass)):
    with contextlib.suppress(ValueError):  # an astroid that registers them otherwise: slower, not wrong
        astroid.MANAGER.unregister_transform(nodes.ClassDef, _transform, _predicate)


def _builtin_calls_asked_once() -> None:
    """astroid registers a transform for each of nineteen builtins (`super`, `dict`, `len`...),
    each with its own predicate, so each is asked of every call of a module as it is built: a
    fifteenth of building saleor's modules, under callgrind. They are put in the place of the
    first as one, which looks the called name up. `dict.fromkeys(...)` satisfies every one of
    them (their predicate does not look at the name of a method), and the last one's inference
    tip, which overwrites the others', is set alone."""
    calls = astroid.MANAGER._transform.transforms[nodes.Call]
    builtins = [(transform, predicate) for transform, predicate in calls
                if getattr(predicate, "func", None) is brain_builtin_inference._builtin_filter_predicate]
    by_name = {predicate.keywords.get("builtin_name"): (transform, predicate) for transform, predicate in builtins}
    if len(builtins) < 2 or len(by_name) != len(builtins) or \
            calls[calls.index(builtins[0]):calls.index(builtins[0]) + len(builtins)] != builtins:
        return  # registered otherwise by this version of astroid: asked one by one, slower, not wrong
    last_transform, last_predicate = builtins[-1]

    def chosen(call: nodes.Call) -> tuple[Callable, Callable] | None:
        if isinstance(call.func, nodes.Name):
            return by_name.get(call.func.name)
        return (last_transform, last_predicate) if isinstance(call.func, nodes.Attribute) else None

    def predicate(call: nodes.Call) -> bool:
        found = chosen(call)
        return found is not None and bool(found[1](call))

    def transform(call: nodes.Call) -> nodes.NodeNG | None:
        found = chosen(call)
        return found[0](call) if found is not None else None

    first = calls.index(builtins[0])
    calls[first:first + len(builtins)] = [(transform, predicate)]


_builtin_calls_asked_once()

# astroid tokenizes the header of each class and function again as it builds it, to find where
# its keyword and name stand (`position`), for a linter to underline. prodready reports a
# definition by its own lines and never reads `position`: on 400 of saleor's modules, building
# them took 8.6 s with it and 7.9 s without. A node's `position` is None, as astroid leaves it
# for a tree built without its text.
TreeRebuilder._get_position_info = lambda self, node, parent: None


def _build(text: str, name: str, path: Path) -> nodes.Module:
    """The module's tree, with the modules its build reached (a star import's, a base class's
    that a transform looked at) in its memo: what the tree holds depends on them too."""
    try:
        with reach.reaching() as reached:
            module = AstroidBuilder(astroid.MANAGER).string_build(text, name, str(path))
    except astroid.AstroidSyntaxError:
        raise
    except RecursionError:
        raise PythonParseError("too deeply nested to parse (Python's recursion limit)") from None
    except (AstroidError, ValueError, MemoryError) as error:
        raise PythonParseError(f"cannot parse: {type(error).__name__}: {error}") from None
    if reached.names:
        module_memo(module)[BUILT_REACHING] = reached.names
    reach.built(name, reached.names)
    return module


# The memo key under which the names that building the tree reached are kept (see `lang.reach`).
BUILT_REACHING = reach.REACHES + "build"


def reached_by(module: object) -> frozenset[str]:
    """The modules that building the tree of `module` (or its kept facts) and working out its
    facts reached."""
    return frozenset().union(*(names for key, names in dict.items(module_memo(module))
                               if isinstance(key, str) and key.startswith(reach.REACHES)))


def module_memo(module: nodes.Module) -> dict:
    """Facts worked out once per parsed module (its settings, what its imported names are),
    kept on the module itself so they live and die with that version of it, each with the
    modules it reached (see `lang.reach`)."""
    memo = module.__dict__.get("_prodready_memo")
    if memo is None:
        if "_read_facts" in module.__dict__:  # a kept module's, read when first asked (see `index.kept`)
            return module.read_memo()
        name = getattr(module, "name", None)
        memo = module.__dict__["_prodready_memo"] = reach.Memo(name if isinstance(name, str) else None)
    return memo


def nodes_within(node: nodes.NodeNG, kinds: type | tuple[type, ...]) -> tuple[nodes.NodeNG, ...]:
    """`node.nodes_of_class(kinds)`, found once per node and kinds. The rules ask each function
    the same questions for every query in it, and a walk through astroid's nested generators
    costs a frame per level for every node: on a long views module those walks were a third of
    an analysis. A scope's nodes are a slice of its module's walk, taken once."""
    memo = node.__dict__.setdefault("_prodready_nodes", {})
    found = memo.get(kinds)
    if found is None:
        root = node
        while root.parent is not None:  # not node.root(): a node made by inference may have no module
            root = root.parent
        order, spans, by_class = _walk(root)
        span = spans.get(id(node))
        if span is None:
            found = tuple(n for n in node.nodes_of_class(nodes.NodeNG) if isinstance(n, kinds))
        else:
            found = _of_kinds(order, by_class, kinds, *span)
        memo[kinds] = found
    return found


def _of_kinds(order: list[nodes.NodeNG], by_class: _ByClass, kinds: type | tuple[type, ...],
              start: int, end: int) -> tuple[nodes.NodeNG, ...]:
    """The nodes of `kinds` among `order[start:end]`, in order, from where each class of node
    stands in the walk: a module's facts ask it for a dozen kinds, each rare (its imports, its
    classes), and a look at every node for each was a tenth of a cold run."""
    runs = [positions[bisect.bisect_left(positions, start):bisect.bisect_left(positions, end)]
            for positions in by_class.of_kinds(kinds)]
    picked = runs[0] if len(runs) == 1 else sorted(position for run in runs for position in run)
    return tuple(order[position] for position in picked)


_SCOPES = (nodes.Module, nodes.ClassDef, nodes.FunctionDef, nodes.Lambda)


def _walk(root: nodes.NodeNG) -> tuple[list[nodes.NodeNG], dict[int, tuple[int, int]], _ByClass]:
    """The tree in the order nodes_of_class visits it, where the nodes of each scope and of
    each top-level statement lie in it, and where each class of node does."""
    memo = root.__dict__.get("_prodready_walk")
    if memo is None:
        order: list[nodes.NodeNG] = []
        spans: dict[int, tuple[int, int]] = {}
        try:
            order.append(root)
            for child in root.get_children():  # each top-level statement's nodes are a slice too
                _walk_statement(child, order, spans)
            if isinstance(root, _SCOPES):
                spans[id(root)] = (0, len(order))
        except RecursionError:  # a pathologically deep expression: walk each scope on its own
            order, spans = [], {}
        memo = root.__dict__["_prodready_walk"] = (order, spans, _ByClass(order))
    return memo


def _walk_statement(statement: nodes.NodeNG, order: list[nodes.NodeNG], spans: dict[int, tuple[int, int]]) -> None:
    append = order.append

    def visit(node: nodes.NodeNG) -> None:
        start = len(order)
        append(node)
        kind = _KINDS.get(type(node)) or _kind(type(node))
        if kind[0]:
            for child in node.get_children():
                visit(child)
        if kind[1]:
            spans[id(node)] = (start, len(order))

    start = len(order)
    visit(statement)
    spans[id(statement)] = (start, len(order))


# A class of node -> whether it has children, whether it is a scope. A third of the walk went to
# asking a name or a constant for its children (none) and every node whether it is a scope.
_KINDS: dict[type, tuple[bool, bool]] = {}


def _kind(cls: type) -> tuple[bool, bool]:
    found = _KINDS[cls] = (cls.get_children is not NoChildrenNode.get_children, issubclass(cls, _SCOPES))
    return found


class _ByClass(dict):
    """Where each class of node stands in a walk, by class; and the classes of each set of kinds
    asked, found once: every function and class of a module is asked for the same kinds, and
    looking through its fifty classes of node each time was a fortieth of a cold scan."""

    def __init__(self, order: list[nodes.NodeNG]) -> None:
        super().__init__()
        for position, node in enumerate(order):
            self.setdefault(type(node), []).append(position)
        self._of_kinds: dict[type | tuple[type, ...], list[list[int]]] = {}

    def of_kinds(self, kinds: type | tuple[type, ...]) -> list[list[int]]:
        found = self._of_kinds.get(kinds)
        if found is None:
            found = self._of_kinds[kinds] = [positions for kind, positions in self.items() if issubclass(kind, kinds)]
        return found


def can_shift(module: nodes.Module) -> bool:
    """Whether `shift_after` can move this module's nodes: it follows the module's walk, which a
    pathologically deep expression leaves empty."""
    return bool(_walk(module)[0])


def shift_after(module: nodes.Module, position: int, lines: int) -> None:
    """Move every node after the top-level statement at `position` by `lines` lines, as an edit
    above them moved their text (see `lang.splice`); `can_shift(module)` must hold."""
    order, spans, _ = _walk(module)
    for node in order[spans[id(module.body[position])][1]:]:
        _shift(node, lines)
        for aside in _NOT_CHILDREN.get(type(node), ()):  # nodes a whole walk does not reach
            value = getattr(node, aside)
            for part in value if isinstance(value, list) else (value,):
                if part is not None:
                    for inner in part.nodes_of_class(nodes.NodeNG):
                        _shift(inner, lines)


_DEFINITION_ASIDE = ("doc_node", "type_comment_args", "type_comment_returns")
_NOT_CHILDREN: dict[type, tuple[str, ...]] = {
    nodes.FunctionDef: _DEFINITION_ASIDE, nodes.AsyncFunctionDef: _DEFINITION_ASIDE, nodes.ClassDef: ("doc_node",),
    nodes.Arguments: ("type_comment_args", "type_comment_kwonlyargs", "type_comment_posonlyargs"),
    **dict.fromkeys((nodes.Assign, nodes.For, nodes.AsyncFor, nodes.With, nodes.AsyncWith), ("type_annotation",)),
}
_LINE_PROPERTIES = ("fromlineno", "tolineno", "blockstart_tolineno")  # astroid's, cached per node


def _shift(node: nodes.NodeNG, lines: int) -> None:
    if node.lineno is not None:
        node.lineno += lines
    if node.end_lineno is not None:
        node.end_lineno += lines
    cached = node.__dict__
    for name in _LINE_PROPERTIES:
        cached.pop(name, None)


def carry_walk(old: nodes.Module, new: nodes.Module, position: int) -> None:
    """Give `new`, a module whose top-level statements are `old`'s but for the one at
    `position`, the walk of `old` with that statement walked anew (see `lang.splice`): a walk
    of a long module at each keystroke was nearly half of what was left of an analysis."""
    memo = old.__dict__.pop("_prodready_walk", None)
    if not memo or not memo[0] or len(old.body) != len(new.body):
        return
    order, spans, _ = memo
    span = spans.get(id(old.body[position]))
    if span is None:
        return
    start, end = span
    fresh: list[nodes.NodeNG] = []
    fresh_spans: dict[int, tuple[int, int]] = {}
    try:
        _walk_statement(new.body[position], fresh, fresh_spans)
    except RecursionError:
        return
    moved = len(fresh) - (end - start)
    carried = {key: (first, last) if last <= start else (first + moved, last + moved)
               for key, (first, last) in spans.items() if last <= start or first >= end}
    carried.update({key: (first + start, last + start) for key, (first, last) in fresh_spans.items()})
    walked = [new, *order[1:start], *fresh, *order[end:]]
    carried[id(new)] = (0, len(walked))
    new.__dict__["_prodready_walk"] = (walked, carried, _ByClass(walked))


def release_superseded_trees() -> None:
    """Empty astroid's caches that are keyed by node: inference results, name lookups (the
    last 128), metaclass attribute lookups and inference tips. An editor's buffer is parsed anew
    at each change, and these caches held the superseded trees alive: the inference cache until
    a transform happened to empty it, the others until newer lookups pushed them out. astroid
    empties the inference cache itself whenever a transform replaces a node."""
    _invalidate_cache()
    LookupMixIn.lookup.cache_clear()
    metaclass_lookups = getattr(nodes.ClassDef._metaclass_lookup_attribute, "cache_clear", None)
    if metaclass_lookups is not None:  # `lang.reach` keeps them on the class node instead
        metaclass_lookups()
    clear_inference_tip_cache()


def forget_modules(names: list[str]) -> None:
    """Drop a scan's modules from astroid's cache so the next scan starts clean."""
    cache = astroid.MANAGER.astroid_cache
    for name in names:
        cache.pop(name, None)
        _DEFERRED.pop(name, None)
        parts = name.split(".")
        for start in range(1, len(parts)):
            suffix = ".".join(parts[start:])
            holders = _SUFFIXES.get(suffix)
            if holders is not None:
                holders.discard(name)
                if not holders:
                    del _SUFFIXES[suffix]


def _syntax_reason(error: astroid.AstroidSyntaxError, text: str) -> str:
    inner = getattr(error, "error", None)
    cause = inner if isinstance(inner, SyntaxError) else None
    line = getattr(cause, "lineno", None)
    message = getattr(cause, "msg", None) or _failure(inner) or str(error).splitlines()[0]
    where = f" on line {line}" if line else ""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    reason = f"syntax error{where}: {message}"
    if (_NEWER_SYNTAX.search(text) or "f-string expression part cannot include" in message
            or _field_across_lines(message, text, line)) and sys.version_info < (3, 14):
        reason += f" (the file uses syntax newer than Python {version}, which prodready runs on)"
    return reason


def _failure(error: BaseException | None) -> str | None:
    """What Python's parser said when it failed other than with a SyntaxError."""
    if isinstance(error, MemoryError):  # its stack of nested expressions ran out: 3,000 `lambda:`
        return "too deeply nested for Python's parser"
    if isinstance(error, UnicodeError):  # a lone surrogate, which no UTF-8 text can hold
        return f"not valid Unicode ({error.reason})"
    return one_line(f"{type(error).__name__}: {error}") if error is not None else None


# An f-string whose replacement field goes on past the end of the line (PEP 701, Python 3.12).
_OPEN_FIELD = re.compile(r"""[fF][rR]?(?:"[^"\n]*|'[^'\n]*)\{[^}\n]*$""")


def _field_across_lines(message: str, text: str, line: int | None) -> bool:
    """`f"-{` on one line and its expression on the next: 3.11 reads an unterminated string."""
    if "unterminated string" not in message or not line:
        return False
    lines = text.split("\n")
    return line <= len(lines) and _OPEN_FIELD.search(lines[line - 1]) is not None


class Positions:
    """Converts astroid's UTF-8 byte columns to 1-based code-point columns, once per file."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.split("\n")

    @cached_property
    def line_starts(self) -> list[int]:
        """Where each line starts: for the offsets of SQL and scripts, which most files have none of."""
        return [0, *itertools.accumulate(len(line) + 1 for line in self.lines[:-1])]

    def column(self, line: int, byte_offset: int) -> int:
        """1-based code-point column of a 0-based byte offset on 1-based `line`."""
        if not 1 <= line <= len(self.lines):
            return byte_offset + 1
        raw = self.lines[line - 1]
        if raw.isascii():
            return byte_offset + 1
        return len(raw.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore")) + 1

    def span(self, node: nodes.NodeNG) -> Span:
        line = node.lineno or 1
        end_line = node.end_lineno or line
        end_col = node.end_col_offset if node.end_col_offset is not None else (node.col_offset or 0)
        return Span(
            line=line,
            column=self.column(line, node.col_offset or 0),
            end_line=end_line,
            end_column=self.column(end_line, end_col),
        )

    def name_span(self, definition: nodes.FunctionDef | nodes.ClassDef) -> Span:
        """The name of a `def` or `class`, not its decorators and body."""
        found = _name_start(self.lines, definition)
        if found is None:
            return self.span(definition)
        line, column = found
        return Span(line=line, column=column + 1, end_line=line, end_column=column + 1 + len(definition.name))

    def offset(self, line: int, column: int) -> int:
        """Character offset in the text of a 1-based line and code-point column."""
        if not 1 <= line <= len(self.line_starts):
            return len(self.text)
        return self.line_starts[line - 1] + column - 1

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and code-point column of a character offset."""
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1


def _name_start(lines: list[str], definition: nodes.FunctionDef | nodes.ClassDef) -> tuple[int, int] | None:
    """The line and 0-based column of a definition's name: its header's tokens read as astroid
    reads them for `position`, which it is not asked to work out for every definition it builds
    (see `TreeRebuilder._get_position_info` above)."""
    first = definition.lineno  # astroid's: the first decorator's line
    last = definition.body[0].lineno if definition.body else definition.end_lineno
    if not first or not last:
        return None
    keyword = "class" if isinstance(definition, nodes.ClassDef) else \
        "async" if isinstance(definition, nodes.AsyncFunctionDef) else "def"
    header = iter(lines[first - 1:last])

    def read_line() -> str:
        line = next(header, None)
        return "" if line is None else line + "\n"

    seen_keyword = False
    try:
        for token in tokenize.generate_tokens(read_line):
            if token.type != tokenize.NAME:
                continue
            if seen_keyword and token.string == definition.name:
                return first + token.start[0] - 1, token.start[1]
            seen_keyword = seen_keyword or token.string == keyword
    except (tokenize.TokenError, SyntaxError):
        return None
    return None


def safe_infer(node: nodes.NodeNG) -> nodes.NodeNG | None:
    """The single value astroid infers for `node`, or None when it is unknown or ambiguous."""
    try:
        values = node.infer()
        first = next(values, None)
        if first is None or first is astroid.Uninferable:
            return None
        for other in values:
            if other is astroid.Uninferable or type(other) is not type(first) or (
                getattr(other, "value", object()) != getattr(first, "value", object())
                and isinstance(first, nodes.Const)
            ):
                return None
        return first
    except (astroid.InferenceError, AstroidError, RecursionError, StopIteration, AttributeError, TypeError):
        return None


def infer_all(node: nodes.NodeNG, limit: int = 8) -> list[nodes.NodeNG]:
    """Up to `limit` inferred values of `node`, without Uninferable; empty when inference fails."""
    found: list[nodes.NodeNG] = []
    try:
        for value in node.infer():
            if value is astroid.Uninferable:
                continue
            found.append(value)
            if len(found) >= limit:
                break
    except (astroid.InferenceError, AstroidError, RecursionError, StopIteration, AttributeError, TypeError):
        return found
    return found


def function_of(value: nodes.NodeNG) -> nodes.NodeNG:
    """The function behind an inferred callable: `self.get_board` infers to a bound method,
    which proxies an unbound one, which proxies the `FunctionDef`."""
    while isinstance(value, astroid.UnboundMethod):  # BoundMethod is a subclass
        value = value._proxied
    return value


def infer_through_annotations(func: nodes.Attribute, limit: int = 3) -> list[nodes.NodeNG]:
    """What `server.page_manager.get_page` is when `server` is a parameter astroid cannot infer
    (`server: SyncServer = Depends(get_letta_server)`): the attribute chain read from an
    instance of the annotated class. Web frameworks hand routes their services that way."""
    chain: list[str] = []
    node: nodes.NodeNG = func
    while isinstance(node, nodes.Attribute):
        chain.insert(0, node.attrname)
        node = node.expr
    if not isinstance(node, nodes.Name):
        return []
    annotation = _parameter_annotation(node)
    cls = safe_infer(annotation) if annotation is not None else None
    if isinstance(annotation, nodes.Const) and isinstance(annotation.value, str):
        cls = _named_class(node, annotation.value)  # server: "SyncServer", imported for type checking
    if not isinstance(cls, nodes.ClassDef):
        return []
    values: list[nodes.NodeNG] = [cls.instantiate_class()]
    try:
        for name in chain:
            values = [v for value in values[:limit] for v in value.igetattr(name)
                      if v is not astroid.Uninferable][:limit]
    except (astroid.InferenceError, AstroidError, RecursionError, StopIteration, AttributeError, TypeError):
        return []
    return values


def _named_class(node: nodes.NodeNG, name: str) -> nodes.NodeNG | None:
    """The class a string annotation names, looked up from where it is written."""
    if not name.isidentifier():
        return None
    try:
        _, bindings = node.scope().lookup(name)
        if len(bindings) != 1:
            return None
        binding = bindings[0]
        if isinstance(binding, nodes.ClassDef):
            return binding
        if isinstance(binding, nodes.ImportFrom):  # from letta.server.server import SyncServer
            imported = next((real for real, alias in binding.names if (alias or real) == name), name)
            found = binding.do_import_module().getattr(imported)
            return found[0] if len(found) == 1 else None
    except (astroid.InferenceError, AstroidError, RecursionError, StopIteration, AttributeError, TypeError,
            KeyError):
        return None
    return None


def _parameter_annotation(name: nodes.Name) -> nodes.NodeNG | None:
    function = name.scope()
    if not isinstance(function, nodes.FunctionDef) or name.name not in function.argnames():
        return None
    arguments = function.args
    for argument, annotation in zip(arguments.args or [], arguments.annotations or [], strict=False):
        if argument.name == name.name:
            return annotation
    for argument, annotation in zip(arguments.kwonlyargs or [], arguments.kwonlyargs_annotations or [], strict=False):
        if argument.name == name.name:
            return annotation
    return None


def dotted_name(node: nodes.NodeNG) -> str | None:
    """`a.b.c` for a Name/Attribute chain, else None."""
    parts = []
    while isinstance(node, nodes.Attribute):
        parts.append(node.attrname)
        node = node.expr
    if isinstance(node, nodes.Name):
        parts.append(node.name)
        return ".".join(reversed(parts))
    return None


def last_name(node: nodes.NodeNG) -> str:
    """`decode` for `jwt.decode` and for `decode`: a cheap first look before resolving imports."""
    return node.attrname if isinstance(node, nodes.Attribute) else getattr(node, "name", "")


def single_assignment(statement: nodes.NodeNG) -> tuple[str | None, nodes.NodeNG | None]:
    """(name, value) of `name = value` or `name: T = value`, the way class bodies declare
    fields; (None, None) for anything else."""
    if isinstance(statement, nodes.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
        if isinstance(target, nodes.AssignName):
            return target.name, statement.value
    if isinstance(statement, nodes.AnnAssign) and isinstance(statement.target, nodes.AssignName):
        return statement.target.name, statement.value
    return None, None


def callee_name(call: nodes.Call) -> str | None:
    """The dotted name a call calls, through a generic alias: `models.JSONField` for
    `models.JSONField[list[str]](default=list)`."""
    func = call.func
    while isinstance(func, nodes.Subscript):
        func = func.value
    return dotted_name(func)


_PACKAGES: weakref.WeakKeyDictionary[nodes.Module, frozenset[str]] = weakref.WeakKeyDictionary()


def imported_packages(module: nodes.Module) -> frozenset[str]:
    """Top-level package names a module imports: `from jose import jwt` -> {"jose"}. Rules ask
    per call and per view, so the answer is kept for as long as the tree lives."""
    cached = _PACKAGES.get(module)
    if cached is None:
        cached = _PACKAGES[module] = frozenset(_imports(module))
    return cached


def _imports(module: nodes.Module) -> set[str]:
    names: set[str] = set()
    for node in nodes_within(module, (nodes.Import, nodes.ImportFrom)):
        if isinstance(node, nodes.ImportFrom):
            names.add((node.modname or "").split(".")[0])
        else:
            names.update(name.split(".")[0] for name, _ in node.names)
    return names


def imported_modules(module: nodes.Module) -> frozenset[str]:
    """Absolute names of what a module imports, and of the modules it imports names from;
    worked out once per tree."""
    memo = module_memo(module)
    found = memo.get("imported_modules")
    if found is None:
        names: set[str] = set()
        for node in nodes_within(module, (nodes.Import, nodes.ImportFrom)):
            if isinstance(node, nodes.Import):
                names.update(name for name, _ in node.names)
                continue
            try:
                base = module.relative_to_absolute_name(node.modname or "", node.level)
            except Exception:
                continue
            names.add(base)
            names.update(f"{base}.{name}" for name, _ in node.names)
        found = memo["imported_modules"] = frozenset(names)
    return found


# An import statement at the start of its line: `from .models import (Invoice,\n Order)`,
# `import billing.models as billing_models`.
_IMPORT_LINE = re.compile(r"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+)?import[ \t]+"
                          r"(\((?:[^)#]|#[^\n]*)*\)|(?:[^\n#;\\]|\\\n)*)", re.M)
_IMPORT_WORD = re.compile(r"\bimport\b")


def _import_lines(text: str) -> list[tuple[str, str]] | None:
    """`_IMPORT_LINE.findall(text)`, if each `import` word of the text is the keyword of one of
    its statements; else None. Only the lines that hold the word are matched: findall tried
    every position of every file, a second of a cold run on saleor's tests."""
    found: list[tuple[str, str]] = []
    for word in _IMPORT_WORD.finditer(text):
        statement = _IMPORT_LINE.match(text, text.rfind("\n", 0, word.start()) + 1)
        if statement is None or statement.end() <= word.start():  # `x = 1; import os`, `# import it`
            return None
        found.append((statement.group(1) or "", statement.group(2)))
    return found


def imports_in_text(text: str, path: Path, name: str) -> frozenset[str] | None:
    """What `imported_modules` would find in the module's tree, read from its text: for a module
    read but not parsed (a test module no rule needs). A text in which `import` appears anywhere
    else than at the start of a line (after `;`, in a string) is read with `ast`; None for a
    text that does not parse."""
    statements: list[tuple[str | None, int, list[str]]] = []  # (module, level, names) as in an ImportFrom
    found = _import_lines(text)
    if found is not None:
        for source, imported in found:
            listed = re.sub(r"#[^\n]*", "", imported.strip().strip("()")).replace("\\\n", " ")
            names = [part.split()[0] for part in listed.split(",") if part.split()]
            if source:
                statements.append((source.lstrip("."), len(source) - len(source.lstrip(".")), names))
            else:
                statements.append((None, 0, names))
    else:
        try:
            tree = ast.parse(text)
        except SyntaxError:
            rewritten = rewrite_newer_syntax(text) if sys.version_info < (3, 14) else None
            try:
                tree = ast.parse(rewritten) if rewritten is not None else None
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                tree = None
        except (ValueError, RecursionError, MemoryError):
            tree = None
        if tree is None:
            return None
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                statements.append((None, 0, [alias.name for alias in node.names]))
            elif isinstance(node, ast.ImportFrom):
                statements.append((node.module or "", node.level, [alias.name for alias in node.names]))
    names: set[str] = set()
    module = None
    for source, level, imported in statements:
        if source is None:
            names.update(imported)
            continue
        if module is None and level:  # only a relative import asks where the module is
            module = nodes.Module(name, file=str(path), path=[str(path)], package=path.stem == "__init__")
        try:
            base = module.relative_to_absolute_name(source, level) if level else source
        except Exception:  # as imported_modules: an import above the top package finds nothing
            continue
        names.add(base)
        names.update(f"{base}.{name}" for name in imported)
    return frozenset(names)


def keyword_argument(call: nodes.Call, name: str) -> nodes.NodeNG | None:
    """The value passed as `name=` to `call`, if any."""
    for keyword in call.keywords or ():
        if keyword.arg == name:
            return keyword.value
    return None


def decorator_name(decorator: nodes.NodeNG) -> str:
    """The last name of one decorator: `@method_decorator(csrf_exempt)` -> "method_decorator"."""
    target = decorator.func if isinstance(decorator, nodes.Call) else decorator
    return (dotted_name(target) or "").rsplit(".", 1)[-1]


def decorator_names(definition: nodes.FunctionDef | nodes.ClassDef) -> list[str]:
    """Last names of a definition's decorators."""
    return [decorator_name(d) for d in definition.decorators.nodes] if definition.decorators else []


def imported_name(node: nodes.NodeNG) -> str | None:
    """The dotted name of `node` with its first part resolved through the module's imports:
    `jwt.decode` after `from jose import jwt` is "jose.jwt.decode"; after `import jwt`, "jwt.decode".
    Names not bound by an import come back as written."""
    name = dotted_name(node)
    if name is None:
        return None
    leftmost = node
    while isinstance(leftmost, nodes.Attribute):
        leftmost = leftmost.expr
    head, _, rest = name.partition(".")
    try:
        _, bindings = leftmost.lookup(head)
    except (AttributeError, AstroidError):
        return name
    for binding in bindings:
        if isinstance(binding, nodes.ImportFrom):
            for original, alias in binding.names:
                if (alias or original) == head:
                    return ".".join(p for p in (binding.modname, original, rest) if p)
        elif isinstance(binding, nodes.Import):
            for original, alias in binding.names:
                if alias == head:
                    return ".".join(p for p in (original, rest) if p)
    return name


def const_text(node: nodes.NodeNG | None) -> str | None:
    """The value of a string literal, else None."""
    return node.value if isinstance(node, nodes.Const) and isinstance(node.value, str) else None
