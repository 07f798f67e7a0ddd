"""A module's index facts as plain data, standing in for its tree.

The index reads each module only through facts worked out once per tree and kept in the
tree's memo (`lang.python.module_memo`): what a module adds to the call graph, the models it
declares, the operations of a migration. Those facts are plain data, so they can be written
down and read back in a later run, and a `KeptModule` holding them can be handed to
`build_index` in place of the tree: a scan in which one file changed need not build the trees
of the thousands that did not.

A fact that depends on more than the module's own text (the tenant's field names, say) is kept
under a key that names what it depends on (`tenant_methods:<digest>`), so that a later run with
other names asks for a key the kept module does not hold. A kept module asked for anything it
does not hold raises `TreeNeeded`: the caller builds that module's tree and builds the index
again. A missing fact costs a parse, never a wrong index.

A module's plain facts are worked out whatever the rest of the project holds: a gatherer asks
each module first and asks whether the answer matters after (the class names of every module,
not only of the apps that have migrations). So the facts of a module are the same whether it
was parsed with the whole project or with a part of it in a process of its own (see
`analyzer.shards`). A fact kept under a context is asked only of a module whose plain facts
say it has something to answer (a manager class, a FastAPI dependency, a model): the others
need no tree when the context changes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from ..lang import reach
from ..lang.python import BUILT_REACHING, module_memo, reached_by
from ..lang.reach import REACHES, Memo

T = TypeVar("T")

# Fact family (the memo key up to its first ":") -> the type of its value.
_KEPT_TYPES: dict[str, Any] = {}
_ADAPTERS: dict[str, TypeAdapter] = {}
_LOOSE: set[str] = set()  # families whose values hold `object`s, which JSON may not give back alike


class TreeNeeded(Exception):
    """The index asked a kept module for what only its tree can answer."""

    def __init__(self, relpath: str, wanted: str) -> None:
        super().__init__(f"{relpath}: {wanted} is not kept")
        self.relpath = relpath
        self.wanted = wanted  # a fact's key, or an attribute of the tree


class KeptModule:
    """The facts of one module from an earlier run, in place of its tree. Its `name` is that of
    the module; any other attribute is the tree's, which it does not have.

    `facts` may be a function that reads them, called when the module is first asked for one
    (see `lang.python.module_memo`); what building its tree reached (`built`) and what it
    imports (`imported`, or None to ask its facts) are then given beside them (see
    `header_facts`)."""

    def __init__(self, name: str, relpath: str, facts: dict[str, Any] | Callable[[], dict[str, Any]],
                 built: frozenset[str] | None = None, imported: frozenset[str] | None = None) -> None:
        self.name = name
        self.relpath = relpath
        self.imported = imported
        if isinstance(facts, dict):
            self._prodready_memo = _KeptMemo(name, facts)
            built = facts.get(BUILT_REACHING, frozenset())
        else:
            self._read_facts = facts
        reach.built(name, built or frozenset())

    def __getattr__(self, attribute: str) -> Any:
        raise TreeNeeded(self.relpath, attribute)

    def read_memo(self) -> Memo:
        """The memo of a module whose facts are read when first asked for."""
        memo = self.__dict__.get("_prodready_memo")
        if memo is None:
            memo = self._prodready_memo = _KeptMemo(self.name, self._read_facts())
        return memo


def header_facts(module: Any) -> dict[str, list[str]]:
    """What a module's facts are kept with beside them, for a kept module to answer without
    reading them: what building its tree reached, and what it imports if that was asked."""
    memo = module_memo(module)
    header = {}
    for field, key in (("built", BUILT_REACHING), ("imported", "imported_modules")):
        value = dict.get(memo, key)
        if isinstance(value, _Unread):
            try:
                value = value.read()
            except (ValidationError, ValueError, RecursionError):
                continue
        if isinstance(value, frozenset):
            header[field] = sorted(value)
    header.setdefault("built", [])
    return header


def keep(family: str, kind: Any, loose: bool = False) -> None:
    """Declare that the facts stored in module memos under `family` (or `family:...`) are plain
    data of type `kind`, to be written down and read back. `loose`: `kind` holds values typed
    `object` (a constant's value: bytes, a tuple), so each is read back before it is kept."""
    _KEPT_TYPES[family] = kind
    if loose:
        _LOOSE.add(family)


def module_fact(module: Any, key: str, work_out: Callable[[Any], T]) -> T:
    """The fact `key` of `module`, worked out from its tree once; a kept module holds it or
    raises `TreeNeeded`."""
    memo = module_memo(module)
    found = memo.get(key, _MISSING)  # one look, and one noting of what the fact reached (see `Memo`)
    if found is _MISSING:
        if isinstance(module, KeptModule):
            raise TreeNeeded(module.relpath, key)
        found = memo[key] = work_out(module)
    return found


_MISSING = object()


def facts_reached(module: Any) -> frozenset[str]:
    """What building the tree of a module (or script) and working out its facts reached, with
    what building each of those reached (see `lang.reach`)."""
    name = getattr(module, "name", None)
    return reach.expanded(reached_by(module) | ({name} if isinstance(name, str) else set()))


def context_key(family: str, parts: Iterable[str]) -> str:
    """The key of a fact that depends on `parts` besides the module's text."""
    digest = hashlib.blake2b("\0".join(sorted(parts)).encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
    return f"{family}:{digest}"


def asked_alike(module: KeptModule, wanted: str) -> bool:
    """Whether the index will ask a kept module for the fact `wanted`, which it lacks, as it
    asked another: for a fact kept under a context, it will ask again each module that holds
    one of the family under another context (the tenant's fields have changed, say), whose
    plain facts said it had something to answer. Their trees are built at once, rather than
    one by one, each at a new start of the index."""
    if not _is_context(wanted):
        return False
    family = wanted.partition(":")[0]
    held = dict.keys(module_memo(module))
    return wanted not in held and any(isinstance(key, str) and key.startswith(family + ":") for key in held)


_CONTEXT = re.compile(r"[0-9a-f]{16}")  # the context part of `context_key`


def same_facts(kept: object, module: Any) -> bool:
    """Whether the plain facts of a parsed `module` are those `kept` (as `written_facts` wrote
    them for an earlier text of it), the same facts and each the same value, and none of them
    was kept under a context, which `module` was not asked in (see `context_key`)."""
    if not isinstance(kept, dict) or any(_is_context(key) for key in kept):
        return False
    found = {key: value for key, value in module_memo(module).items()
             if isinstance(key, str) and not key.startswith(REACHES) and key.split(":", 1)[0] in _KEPT_TYPES}
    if found.keys() != {key for key in kept if not key.startswith(REACHES)} or any(_is_context(key) for key in found):
        return False
    for key, value in found.items():
        adapter, text = _adapter(key.split(":", 1)[0]), kept[key]
        try:
            if adapter is None or not isinstance(text, str) or adapter.validate_json(text) != value:
                return False
        except (ValidationError, ValueError, RecursionError):
            return False
    return True


def adopt_facts(module: Any, probe: Any) -> None:
    """Give the tree `module` the plain facts, and what working them out reached, of `probe`,
    a tree of the same text built apart: they are kept for it at the end of the run, and a
    tree the index was not built from holds only what its rules asked."""
    memo = module_memo(module)
    for key, value in dict.items(module_memo(probe)):
        if isinstance(key, str) and key.split(":", 1)[0] in _KEPT_TYPES and not _is_context(key) \
                and not dict.__contains__(memo, key):
            dict.__setitem__(memo, key, value)


def _is_context(key: object) -> bool:
    return isinstance(key, str) and _CONTEXT.fullmatch(key.partition(":")[2]) is not None


def _adapter(family: str) -> TypeAdapter | None:
    if family not in _ADAPTERS and family in _KEPT_TYPES:
        _ADAPTERS[family] = TypeAdapter(_KEPT_TYPES[family])
    return _ADAPTERS.get(family)


def plain_facts(module: Any) -> dict[str, Any]:
    """The kept facts of a parsed module as they are, for a process of the same scan: see
    `analyzer.shards`."""
    return {key: value for key, value in module_memo(module).items()
            if isinstance(key, str) and key.split(":", 1)[0] in _KEPT_TYPES}


def written_facts(module: Any) -> dict[str, str]:
    """The kept facts of a parsed module, each as JSON text. A fact that would not read back as
    it is (a value of a kind JSON does not hold) is left out: asked for, it costs a parse."""
    written: dict[str, str] = {}
    for key, value in dict.items(module_memo(module)):
        family = key.split(":", 1)[0] if isinstance(key, str) else ""
        if isinstance(value, _Unread):  # a kept module's fact, never asked: as it was read
            written[key] = value.text
            continue
        adapter = _adapter(family)
        if adapter is None:
            continue
        try:
            text = adapter.dump_json(value, exclude_defaults=True).decode()
            if family not in _LOOSE or adapter.validate_json(text) == value:
                written[key] = text
        except (ValidationError, TypeError, ValueError, UnicodeDecodeError):
            continue
    return written


def read_facts(data: object) -> dict[str, Any]:
    """Facts written by `written_facts`, each read back when it is first asked (see
    `_KeptMemo`), but for what working out each reached, which every answer replays; anything
    that does not fit is dropped."""
    facts: dict[str, Any] = {}
    if not isinstance(data, dict):
        return facts
    for key, text in data.items():
        adapter = _adapter(key.split(":", 1)[0]) if isinstance(key, str) and isinstance(text, str) else None
        if adapter is None:
            continue
        if not key.startswith(REACHES):
            facts[key] = _Unread(text, adapter)
            continue
        try:
            facts[key] = adapter.validate_json(text)
        except (ValidationError, ValueError, RecursionError):
            continue
    return facts


class _Unread:
    """A kept fact's JSON text and the adapter that reads it back. A changed run of saleor
    reads the facts of 2,611 modules; the index asks most of them, the rules few, and a
    fact left as text is read in one step of pydantic's parser rather than two of Python's."""

    __slots__ = ("adapter", "text")

    def __init__(self, text: str, adapter: TypeAdapter) -> None:
        self.text = text
        self.adapter = adapter

    def read(self) -> Any:
        return self.adapter.validate_json(self.text)


class _KeptMemo(Memo):
    """The memo of a kept module, whose facts are read from their text when first asked. A
    fact whose text no longer fits its type is dropped: asking for it costs a parse."""

    def _read(self, key: Any) -> bool:
        value = dict.get(self, key, _MISSING)
        if value is _MISSING:
            return False
        if isinstance(value, _Unread):
            try:
                dict.__setitem__(self, key, value.read())
            except (ValidationError, ValueError, RecursionError):
                dict.__delitem__(self, key)
                return False
        return True

    def __contains__(self, key: object) -> bool:
        self._read(key)
        return super().__contains__(key)

    def __getitem__(self, key: Any) -> Any:
        self._read(key)
        return super().__getitem__(key)

    def get(self, key: Any, default: Any = None) -> Any:
        self._read(key)
        return super().get(key, default)


keep(REACHES.rstrip(":"), frozenset[str])  # what working out each fact reached (see `lang.reach`)
