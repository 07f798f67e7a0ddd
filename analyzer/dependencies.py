"""What a file's findings depend on besides its own text and the index.

The rules read a file's tree and the index, and astroid's inference reads further: the
project modules the file imports, and those they import in turn (a view's queryset is
followed into the model, its manager and the mixin that narrows it). A digest of a file is
therefore a digest of its own text and of every project module it imports, directly or not,
so that it changes whenever a module its analysis could have read changes. Imports are
matched to project modules generously (by full name, by the ends of longer names as the
import hook in `lang.python` matches them, and the packages above each): a dependency too
many costs a file's analysis, one too few would serve stale findings.

That digest is the fallback. Where the modules a piece of analysis read are known (see
`lang.reach`), its key is the text of its file and of those modules alone (`Reach`): a
comment added to one of saleor's GraphQL mutations has that one file analysed again, not
the 2,396 that import it, directly or not.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable, Iterator

from astroid import nodes

from .index.kept import KeptModule
from .lang.python import imported_modules
from .lang.reach import EVERY, WHOLE
from .workspace import own_digest

Untraced = dict[str, tuple[str, frozenset[str] | None]]  # module name -> its file, what it imports


def dependency_digests(files: Iterable[tuple[str, str, nodes.Module | KeptModule | None]],
                       untraced: Untraced | None = None, own_digests: dict[str, str] | None = None) -> dict[str, str]:
    """relpath -> digest, for (relpath, text, parsed module, its kept facts or None) of every
    file of a run. `untraced` maps the names of Python modules read but not parsed (a test
    module no rule needs) to their files and what they import (`lang.python.imports_in_text`):
    astroid builds one when an import reaches it. One whose imports could not be read depends
    on every file. `own_digests`: the files' `own_digest`s, where the caller has them."""
    return _digests(_Project(files, untraced, own_digests))


class _Project:
    """A run's files, their own digests and the names of their modules, worked out once for
    both digests of a run (`dependency_digests`, `Reach`)."""

    def __init__(self, files: Iterable[tuple[str, str, nodes.Module | KeptModule | None]],
                 untraced: Untraced | None, own_digests: dict[str, str] | None) -> None:
        self.files = list(files)
        known = own_digests or {}
        self.own = {relpath: known.get(relpath) or own_digest(relpath, text) for relpath, text, _ in self.files}
        self.untraced = {name: found for name, found in (untraced or {}).items() if found[0] in self.own}
        self.by_name, self.ends = _names(self.files, self.untraced)


def _digests(project: _Project) -> dict[str, str]:
    files, untraced, by_name, ends = project.files, project.untraced, project.by_name, project.ends
    own = dict(project.own)
    edges: dict[str, set[str]] = {relpath: set() for relpath in own}
    found: dict[str, set[str]] = {}  # saleor's modules import 60,000 names, under 9,000 different

    def add(relpath: str, imports: Iterable[str]) -> None:
        for imported in imports:
            matched = found.get(imported)
            if matched is None:
                matched = found[imported] = _modules(imported, by_name, ends)
            edges[relpath].update(matched)
        edges[relpath].discard(relpath)

    for relpath, _, module in files:
        if module is not None:
            add(relpath, module.imported if isinstance(module, KeptModule) and module.imported is not None
                else imported_modules(module))
    for relpath, imports in untraced.values():
        add(relpath, imports or ())
    unknown = [relpath for relpath, imports in untraced.values() if imports is None]
    if unknown:  # one node that depends on every file, rather than every file for each of them
        edges[_EVERY_FILE] = set(own)
        own[_EVERY_FILE] = ""
        for relpath in unknown:
            edges[relpath] = {_EVERY_FILE}
    digests: dict[str, str] = {}
    for component in _components(edges):
        members = set(component)
        after = sorted({digests[target] for member in component for target in edges[member]
                        if target not in members})
        digest = _hash("\0".join([*sorted(own[member] for member in component), "|", *after]))
        digests.update(dict.fromkeys(component, digest))
    digests.pop(_EVERY_FILE, None)
    return digests


class Reach:
    """The dependency digest of a piece of analysis from the names of the modules it reached
    (see `lang.reach`): its file's own text and the text of each module a name may mean, itself
    excepted. A name whose module's build was not known where the analysis ran stands for that
    module and all it imports (its digest above). Analysis that reached `lang.reach.EVERY`, or
    whose names are not known, has its file's digest above."""

    def __init__(self, files: Iterable[tuple[str, str, nodes.Module | KeptModule | None]],
                 untraced: Untraced | None = None, own_digests: dict[str, str] | None = None) -> None:
        project = _Project(files, untraced, own_digests)
        self.own, self.by_name, self.ends = project.own, project.by_name, project.ends
        self.whole = _digests(project)  # each file's digest of everything it imports, for the fallback

    def __contains__(self, relpath: str) -> bool:
        return relpath in self.whole

    def every_file_reads(self, names: Iterable[str]) -> list[str]:
        """The digests (of everything each imports) of the modules `names` that any file's
        analysis may read without importing them, the classes a settings string names
        (`DEFAULT_FILTER_BACKENDS`): `with_shared` adds them to each file's."""
        return sorted({self.whole[relpath] for name in names for relpath in _modules(name, self.by_name, self.ends)
                       if relpath in self.whole})

    def digest(self, relpath: str, names: Iterable[str] | None) -> str:
        names = None if names is None else frozenset(names)
        if names is None or EVERY in names:
            return self.whole[relpath]
        read = set()
        for name in names:
            if name.startswith(WHOLE):
                read.update(f"{self.whole[found]}+" for found in _modules(name[len(WHOLE):], self.by_name, self.ends)
                            if found in self.whole)
            else:
                read.update(self.own[found] for found in _modules(name, self.by_name, self.ends, packages=False)
                            if found != relpath and found in self.own)
        return _hash("\0".join([self.own[relpath], "reached", *sorted(read)]))


def with_shared(digest: str, shared: list[str]) -> str:
    return _hash("\0".join([digest, "|", *shared])) if shared else digest


def _names(files: list[tuple[str, str, nodes.Module | KeptModule | None]], untraced: Untraced
           ) -> tuple[dict[str, str], dict[str, set[str]]]:
    """Project modules' files by name, and the full names that end with each dotted suffix."""
    by_name = {module.name: relpath for relpath, _, module in files if module is not None}
    by_name.update({name: relpath for name, (relpath, _) in untraced.items() if name not in by_name})
    ends: dict[str, set[str]] = {}
    for name in by_name:
        parts = name.split(".")
        for start in range(1, len(parts)):
            ends.setdefault(".".join(parts[start:]), set()).add(name)
    return by_name, ends


_EVERY_FILE = "\0every file"


def _modules(imported: str, by_name: dict[str, str], ends: dict[str, set[str]], packages: bool = True) -> set[str]:
    """The files of the project modules an imported name may mean, and of the packages above
    (unless not `packages`: a name astroid reached, which reaches a package above by a name of
    its own when it reads it). A name that is not a project module's is matched by the ends of
    longer names, as the import hook does once astroid has found no module of that name; the
    standard library is always found (`import collections` is not saleor's
    `graphql.product.types.collections`)."""
    if imported in by_name:
        names = {imported}
    elif imported in sys.stdlib_module_names:  # not `types.collections`, which astroid looks up in vain
        names = set()
    else:
        names = ends.get(imported, set())
    if not packages:
        return {by_name[name] for name in names}
    return {by_name[package] for name in names for package in _packages(name) if package in by_name}


def _packages(name: str) -> Iterator[str]:
    """`a.b.c`, `a.b`, `a`: importing a module reads the packages above it."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        yield ".".join(parts[:end])


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _components(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of the import graph (modules that import each other
    depend on each other), each after every component it reaches: Tarjan's algorithm, without
    recursion, since an import chain may be longer than Python's stack."""
    number: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in number:
            continue
        number[root] = low[root] = len(number)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(sorted(edges[root])))]
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in number:
                    number[target] = low[target] = len(number)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(edges[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], number[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == number[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    found.append(component)
    return found
