"""A module's next version built from its last, when an edit stays inside one top-level function
or class: only that statement is parsed and built again.

In the language server a keystroke changes one function of a long module, and building the
whole module's tree again was four fifths of the time from keystroke to diagnostics on a
2,000-line views module. Here the statement's new tree is built by astroid's own rebuilder,
under a new module node, and given the post-build steps and transforms a whole build gives it;
the other statements are the last version's nodes, moved under the new module. Whatever could
make the result differ from a whole build sends the edit to one (`splice` returns None): an
edit outside one function or class, a name the module binds elsewhere too, a `global`
statement, text that does not parse as one statement of the same kind, a module that astroid's
module transforms would change, or one that imports `barry_as_FLUFL` from `__future__`, which
changes how the rest of its text parses.

Lines added or removed move every later node by as many lines, through the walk of the last
version's tree (`lang.python.shift_after`). A statement astroid cannot build (deeper than its
recursion reaches) leaves the last version as it was, and the whole build that follows says
why.

The old statement's `obj.attr = ...` nodes, which astroid's post-build step filed under the
classes and functions they assign to, are taken out of this module's scopes, and the new
statement's are filed in their place, in source order: a whole build files them all after
building the module, in the order of the text.
"""

from __future__ import annotations

import ast
import re

import astroid
from astroid import nodes
from astroid.builder import AstroidBuilder
from astroid.exceptions import AstroidError
from astroid.rebuilder import TreeRebuilder

from .python import can_shift, carry_walk, make_current, nodes_within, release_superseded_trees, shift_after

_SPLICEABLE = (nodes.FunctionDef, nodes.AsyncFunctionDef, nodes.ClassDef)
_AST_KINDS = {nodes.FunctionDef: ast.FunctionDef, nodes.AsyncFunctionDef: ast.AsyncFunctionDef,
              nodes.ClassDef: ast.ClassDef}
_ATTRIBUTE_TARGETS = nodes.AssignAttr  # what astroid files under the scope it assigns to
_SCOPES = (nodes.ClassDef, nodes.FunctionDef, nodes.Lambda)  # AsyncFunctionDef is a FunctionDef
_BUILD_FAILURES = (RecursionError, MemoryError, ValueError, AstroidError)  # as `lang.python` reads them
# A statement that binds module names from inside a function (`global x`).
_MODULE_WIDE = re.compile(r"\bglobal\b")


def splice(module: nodes.Module, old_text: str, new_text: str) -> nodes.Module | None:
    """The tree of `new_text`, built from `module` (the tree of `old_text`) where the two
    texts differ inside one top-level function or class; None otherwise, and then the caller
    builds the whole module."""
    old_lines, new_lines = old_text.split("\n"), new_text.split("\n")
    if old_text == new_text or "barry_as_FLUFL" in module.future_imports:
        return None
    moved = len(new_lines) - len(old_lines)
    found = _enclosing(module, *_changed_lines(old_lines, new_lines))
    if found is None or (moved and not can_shift(module)):
        return None
    position, old = found
    start, end = _first_line(old), old.end_lineno
    snippet = "\n".join(new_lines[start - 1:end + moved])
    if _MODULE_WIDE.search(snippet) or _MODULE_WIDE.search("\n".join(old_lines[start - 1:end])):
        return None
    parsed = _parse_statement(snippet, start, _AST_KINDS[type(old)])
    if parsed is None or not _binds_alone(module, old, parsed.name) or _transformed_as_module(module):
        return None
    refiled = _filed_from_elsewhere(module, old)
    new_module = _module_like(module, new_text)
    new_module.locals = new_module.globals = {
        name: [node for node in bound if node is not old] for name, bound in module.locals.items()}
    del new_module.locals[old.name]  # it bound nothing else (`_binds_alone`)
    rebuilder = TreeRebuilder(astroid.MANAGER, new_text)
    try:
        statement = rebuilder.visit(parsed, new_module)
    except _BUILD_FAILURES:  # nothing of the last version is touched yet: a whole build says why
        return None
    body = [*module.body[:position], statement, *module.body[position + 1:]]
    new_module.postinit(body, doc_node=module.doc_node)
    _move(module, new_module, position, moved)
    scopes = [new_module, *(scope for scope in nodes_within(module, _SCOPES) if scope.root() is new_module),
              *statement.nodes_of_class(_SCOPES)]
    try:
        builder = AstroidBuilder(astroid.MANAGER)
        for from_node, global_names in rebuilder._import_from_nodes:
            builder.add_from_names_to_locals(from_node, global_names)
        for assigned in (*rebuilder._delayed_assattr, *refiled):
            builder.delayed_assattr(assigned)
        body[position] = astroid.MANAGER.visit_transforms(statement)  # as a whole build puts what they return
    except _BUILD_FAILURES:  # the last version's nodes go back as they were, for the whole build
        _unfile_attributes(scopes, statement)
        _move(module, module, position, -moved)
        return None
    _unfile_attributes(scopes, old)
    _in_source_order(scopes, [*rebuilder._delayed_assattr, *refiled])
    carry_walk(module, new_module, position)
    return new_module


def _move(module: nodes.Module, owner: nodes.Module, position: int, lines: int) -> None:
    """Hang the last version's statements but the one at `position` under `owner`, those after
    it `lines` lines further down, and make `owner` the module of their name."""
    for number, node in enumerate((*module.body, module.doc_node)):
        if node is not None and number != position:
            node.parent = owner
    if lines:
        shift_after(module, position, lines)
    make_current(owner)
    release_superseded_trees()  # name lookups and inferences that found the replaced nodes


def _changed_lines(old: list[str], new: list[str]) -> tuple[int, int]:
    """The first and last of the old lines that the edit replaced, counted from 1; the last is
    the first - 1 where lines were only inserted, before the first."""
    shortest = min(len(old), len(new))
    before = 0
    while before < shortest and old[before] == new[before]:
        before += 1
    after = 0
    while after < shortest - before and old[-1 - after] == new[-1 - after]:
        after += 1
    return before + 1, len(old) - after


def _enclosing(module: nodes.Module, first: int, last: int) -> tuple[int, nodes.NodeNG] | None:
    """The top-level function or class that holds the old text's lines `first` to `last`, the
    lines the edit changed (none, when `last` is `first - 1`: lines were inserted before line
    `first`, which may be just after the statement's last line), and where it stands in the
    module's body."""
    for position, statement in enumerate(module.body):
        end = statement.end_lineno
        if end is None or end < first - (last < first):
            continue
        if not isinstance(statement, _SPLICEABLE) or _first_line(statement) > first:
            return None
        return (position, statement) if last <= end else None
    return None


def _first_line(statement: nodes.NodeNG) -> int:
    decorators = getattr(statement, "decorators", None)
    lines = [statement.lineno] + ([node.lineno for node in decorators.nodes] if decorators is not None else [])
    return min(lines)


def _parse_statement(snippet: str, start: int, kind: type[ast.stmt]) -> ast.stmt | None:
    """The one statement of `kind` that `snippet` (the lines from `start` on) holds, with its
    positions in the whole text; None when it holds anything else or does not parse. Parsed as
    astroid parses a module: with type comments, unless they are what fails."""
    padded = "\n" * (start - 1) + snippet + "\n"
    try:
        try:
            tree = ast.parse(padded, type_comments=True)
        except SyntaxError as error:
            if not re.search(r"#\s+type:", error.text or ""):
                raise
            tree = ast.parse(padded, type_comments=False)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    if len(tree.body) != 1 or type(tree.body[0]) is not kind:
        return None
    return tree.body[0]


def _transformed_as_module(module: nodes.Module) -> bool:
    """Whether one of astroid's transforms of a whole module applies to this one (they extend
    modules of the standard library's names); a splice gives none."""
    transforms = astroid.MANAGER._transform.transforms.get(nodes.Module, ())
    return any(predicate is None or predicate(module) for _, predicate in transforms)


def _binds_alone(module: nodes.Module, old: nodes.NodeNG, name: str) -> bool:
    """Whether the old statement is all the module binds to its name, and nothing else binds
    the new one: then the module's names are its last version's, with the one statement
    replaced."""
    return module.locals.get(old.name) == [old] and (name == old.name or name not in module.locals)


def _module_like(module: nodes.Module, text: str) -> nodes.Module:
    """An empty module node that stands where `module` stood, for `text`."""
    fresh = nodes.Module(name=module.name, file=module.file, path=module.path, package=module.package,
                         pure_python=module.pure_python)
    fresh.file_bytes = text.encode("utf-8", "surrogatepass")
    fresh.file_encoding = module.file_encoding
    fresh.future_imports = set(module.future_imports)
    return fresh


def _filed_from_elsewhere(module: nodes.Module, old: nodes.NodeNG) -> list[nodes.AssignAttr]:
    """The attribute assignments of the module's other statements that astroid filed under the
    old statement's scopes (`Exporter.page_size = 20` in a view, for the class `Exporter`): the
    new statement's scopes are filed them again, as a whole build would."""
    own = {id(node) for node in nodes_within(old, _ATTRIBUTE_TARGETS)}
    found: dict[int, nodes.AssignAttr] = {}
    for scope in (old, *nodes_within(old, _SCOPES)):
        for table in (scope.locals, getattr(scope, "instance_attrs", None)):
            for bound in (table or {}).values():
                for node in bound:
                    if isinstance(node, _ATTRIBUTE_TARGETS) and id(node) not in own and node.root() is module:
                        found.setdefault(id(node), node)
    return list(found.values())


def _unfile_attributes(scopes: list[nodes.NodeNG], old: nodes.NodeNG) -> None:
    """Take the old statement's attribute assignments out of the module's scopes, where
    astroid filed them under what they assign to."""
    gone = {id(node) for node in nodes_within(old, _ATTRIBUTE_TARGETS)}
    if not gone:
        return
    for scope in scopes:
        for table in (scope.locals, getattr(scope, "instance_attrs", None)):
            if not table:
                continue
            for name in [name for name, bound in table.items() if any(id(node) in gone for node in bound)]:
                kept = [node for node in table[name] if id(node) not in gone]
                if kept:
                    table[name] = kept
                else:
                    del table[name]


def _in_source_order(scopes: list[nodes.NodeNG], filed: list[nodes.NodeNG]) -> None:
    """Put the attribute assignments that were just filed where a whole build puts them: after
    what the scope binds itself, in the order of the text."""
    if not filed:
        return
    added = {id(node) for node in filed}
    for scope in scopes:
        for table in (scope.locals, getattr(scope, "instance_attrs", None)):
            if not table:
                continue
            for name, bound in table.items():
                if any(id(node) in added for node in bound):
                    own = [node for node in bound if not isinstance(node, _ATTRIBUTE_TARGETS)]
                    assigned = sorted((node for node in bound if isinstance(node, _ATTRIBUTE_TARGETS)),
                                      key=lambda node: (node.lineno, node.col_offset))
                    table[name] = own + assigned
