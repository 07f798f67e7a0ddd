"""Which modules a piece of analysis read, so that a cache keeps its answer for as long as
those modules stay the same, rather than for as long as everything its file imports does.

A file's findings depend on its own text, the index, and what astroid's inference read of
other modules. Keyed by every module the file imports, directly or not, one comment added to
a GraphQL mutation of saleor had the 2,396 files that import it analysed again; their
inference had read that module in none of them.

astroid reaches another module by name, through `AstroidManager.ast_from_module_name` (an
import, a package's submodule, a module named in a string), and prodready reads another
module's facts through its memo. Each such name is written down (`note`), and a piece of
analysis run `reaching()` is given the names written while it ran: a file's rules, a
module's facts, the build of a tree (a star import, a transform that looks at a base class).
Its key is then the text of its own file and of each module it reached, and of what building
each of those reached (`expanded`; see `analyzer.dependencies.Reach`).

Answers kept and shared between analyses would hide a module one of them read: the first
file to infer a helper's call enters the helper's module, and the next gets the answer from
astroid's cache without entering it. So every such answer is kept with the names it reached
and gives them back with itself: astroid's inference cache, its inference-tip cache, its
cached properties that infer, prodready's memos (`Memo`, `remembered`). An inference is a
generator that its consumers run a step at a time, so what it reached is gathered from its own
steps (`_Inference`); the rest is worked out at once, and reaches what is written between its
start and its end. An answer whose names cannot be known reaches `EVERY`: whatever reads it
depends on every module its file imports, as it did before this module.
"""

from __future__ import annotations

import importlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from astroid import nodes

T = TypeVar("T")

# By their modules: the package exports a function named `inference_tip` over the module's name.
_CONTEXT = importlib.import_module("astroid.context")
_TIPS = importlib.import_module("astroid.inference_tip")

EVERY = "\0every module"  # a name that stands for every module of the project
_ONLY_EVERY = frozenset({EVERY})

# What was written in the log, each by the last time it was written, the latest last: the
# names written since a time are those at the end, however long the log, which holds each
# name once. An answer given back writes its names as one entry, the set it was kept with.
_LAST: OrderedDict[str | frozenset[str], int] = OrderedDict()
_clock = 0
_floor = 0  # the log was emptied at this time: what began before reached EVERY
_LONGEST = 1 << 18


def note(name: str | frozenset[str]) -> None:
    """Write down that analysis reached the module `name` (or each of the names)."""
    global _clock, _floor
    if not _TRACKING:
        return
    _clock += 1
    _LAST[name] = _clock
    _LAST.move_to_end(name)
    if _RUNNING:
        running = _RUNNING[-1].lately
        if isinstance(name, str):
            running.add(name)
        else:
            running |= name
    if len(_LAST) > _LONGEST:  # a process that lives long (the language server): start again
        _floor = _clock
        _LAST.clear()
        _SETS.clear()


def _position() -> int:
    return _clock + 1  # the time of the next entry


def _since(start: int) -> frozenset[str]:
    """The names written at `start` or after."""
    if start <= _floor or not _TRACKING:
        return _ONLY_EVERY
    names: set[str] = set()
    for entry in reversed(_LAST):
        if _LAST[entry] < start:
            break
        if isinstance(entry, str):
            names.add(entry)
        else:
            names |= entry
    return _shared(frozenset(names))


# One object for each set of names kept: an answer of astroid's mostly reached what many others did.
_SETS: dict[frozenset[str], frozenset[str]] = {}


def _shared(names: frozenset[str]) -> frozenset[str]:
    return _SETS.setdefault(names, names)


def _replay(names: frozenset[str] | None) -> None:
    if names:
        note(names)


class _Inference:
    """What one of astroid's inferences reached, while it ran: it is a generator, which its
    consumer runs a step at a time, between which others run. Time is no measure of it: an
    inference of a base class started by the index and finished by a rule's would take in
    all that the index read meanwhile."""

    __slots__ = ("lately", "names")

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.lately: set[str] = set()  # since the step began

    def step_done(self) -> None:
        """The step ended: what it reached is the inference's, and that of whoever ran the step."""
        if self.lately:
            self.names |= self.lately
            if _RUNNING:
                _RUNNING[-1].lately |= self.lately
            self.lately = set()


_RUNNING: list[_Inference] = []  # the inferences running a step, the innermost last


def _tracked_infer(node: Any, context: Any = None, **kwargs: Any) -> Iterator[Any]:
    if not _TRACKING:
        return _INFER(node, context, **kwargs)
    return _steps(node, context, kwargs)


_TRACKING = True


@contextmanager
def untracked() -> Iterator[None]:
    """Nothing written down, for a run whose answers are not kept (`--no-cache`): the writing
    took 0.2 s of a cold scan of saleor in one process. An answer kept meanwhile reaches EVERY,
    and so does a piece of analysis that began before the end, as if the log had been emptied."""
    global _TRACKING, _clock, _floor
    before, _TRACKING = _TRACKING, False
    try:
        yield
    finally:
        _TRACKING = before
        if before:
            _clock += 1
            _floor = _clock


def _steps(node: Any, context: Any, kwargs: dict) -> Iterator[Any]:
    inference = _Inference()
    results = _INFER(node, context, **kwargs)
    while True:
        _RUNNING.append(inference)
        try:
            result = next(results)
        except StopIteration:
            return
        finally:
            _RUNNING.pop()
            inference.step_done()
        yield result


# What building each module's tree reached, by its name: a star import's module, a base class's
# that a transform looked at. Its tree depends on them as on its text.
_BUILT: dict[str, frozenset[str]] = {}
WHOLE = "\0whole "  # before a name whose module's build is not known here: it and all it imports


def built(name: str, names: frozenset[str]) -> None:
    """Write down what building the tree of the module `name` (or the one its kept facts were
    read from) reached."""
    _BUILT[name] = names


def expanded(names: frozenset[str]) -> frozenset[str]:
    """`names`, with what building each of their modules reached, and so on; a name whose
    build is not known here is written `WHOLE` + name."""
    if EVERY in names:
        return _ONLY_EVERY
    found: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in found or name.startswith(WHOLE):
            found.add(name)
            continue
        more = _BUILT.get(name)
        if more is None:
            found.add(WHOLE + name)
            continue
        found.add(name)
        if EVERY in more:
            return _ONLY_EVERY
        todo.extend(more)
    return frozenset(found)


@dataclass
class Reached:
    names: frozenset[str] = field(default_factory=frozenset)


@contextmanager
def reaching() -> Iterator[Reached]:
    """The names of the modules reached while the block ran, set when it ends."""
    reached = Reached()
    start = _position()
    try:
        yield reached
    finally:
        reached.names = _since(start) if TRACKED else _ONLY_EVERY


_MISSING = object()


def remembered(store: dict, key: Hashable, work: Callable[[], T]) -> T:
    """`work()`, kept in `store` under `key` with the names it reached, which each later
    answer from `store` writes in the log again."""
    found = store.get(key, _MISSING)
    if found is not _MISSING:
        value, names = found
        _replay(names)
        return value
    start = _position()
    value = work()
    store[key] = (value, _since(start) or None)
    return value


REACHES = "reaches:"  # a memo keeps the names an answer under a string key reached under this prefix and the key


class Memo(dict):
    """The facts and answers kept on a module's tree (`lang.python.module_memo`), each with the
    names it reached. A memo answers `if key not in memo: memo[key] = work()` and
    `memo.get(key)`: the names are those written from the miss to the set. Whoever reads an
    answer reached the module too, whose other answers this one may have been worked out from."""

    def __init__(self, owner: str | None, *args: Any) -> None:
        super().__init__(*args)
        self.owner = owner
        self.starts: dict = {}

    def _hit(self, key: Any) -> None:
        if not _TRACKING:
            return
        if self.owner is not None:
            note(self.owner)
        if isinstance(key, str):
            _replay(dict.get(self, REACHES + key))

    def _miss(self, key: Any) -> None:
        self.starts.setdefault(key, _position())

    def __contains__(self, key: object) -> bool:
        if dict.__contains__(self, key):
            self._hit(key)
            return True
        self._miss(key)
        return False

    def __getitem__(self, key: Any) -> Any:
        try:
            value = dict.__getitem__(self, key)
        except KeyError:
            self._miss(key)
            raise
        self._hit(key)
        return value

    def get(self, key: Any, default: Any = None) -> Any:
        if dict.__contains__(self, key):
            self._hit(key)
            return dict.__getitem__(self, key)
        self._miss(key)
        return default

    def __setitem__(self, key: Any, value: Any) -> None:
        start = self.starts.get(key)  # kept: an answer worked out again, within itself, sets it twice
        if start is not None and isinstance(key, str) and not key.startswith(REACHES):
            names = _since(start)
            if names:
                dict.__setitem__(self, REACHES + key, names)
        dict.__setitem__(self, key, value)


class _InferenceCache(dict):
    """astroid's inference cache (`context.inferred`), its answers kept with their names.
    `NodeNG.infer` sets an answer at the end of its last step: the names are those the
    inference reached (see `_Inference`)."""

    def __init__(self) -> None:
        super().__init__()
        self.names: dict = {}

    def __getitem__(self, key: Any) -> Any:
        value = dict.__getitem__(self, key)
        _replay(self.names.get(key))
        return value

    def __setitem__(self, key: Any, value: Any) -> None:
        if _RUNNING:
            inference = _RUNNING[-1]
            names = _shared(frozenset(inference.names | inference.lately))
        else:  # set by other than `NodeNG.infer`
            names = _ONLY_EVERY
        if names:
            self.names[key] = names
        dict.__setitem__(self, key, value)

    def clear(self) -> None:
        dict.clear(self)
        self.names.clear()


class _TipCache(OrderedDict):
    """astroid's inference-tip cache: a miss raises KeyError, then the answer is worked out at
    once and set."""

    def __init__(self) -> None:
        super().__init__()
        self.starts: dict = {}
        self.names: dict = {}

    def __getitem__(self, key: Any) -> Any:
        try:
            value = OrderedDict.__getitem__(self, key)
        except KeyError:
            self.starts[key] = _position()
            raise
        _replay(self.names.get(key))
        return value

    def __setitem__(self, key: Any, value: Any) -> None:
        start = self.starts.pop(key, None)
        names = _since(start) if start is not None else _ONLY_EVERY
        if names:
            self.names[key] = names
        OrderedDict.__setitem__(self, key, value)

    def popitem(self, last: bool = True) -> tuple[Any, Any]:
        key, value = OrderedDict.popitem(self, last)
        self.names.pop(key, None)
        return key, value

    def clear(self) -> None:
        OrderedDict.clear(self)
        self.names.clear()
        self.starts.clear()  # a tip is worked out at once: none is under way


class _Remembered:
    """A cached property of astroid's that infers, kept with the names it reached."""

    def __init__(self, work: Callable[[Any], Any], name: str) -> None:
        self.work = work
        self.name = name

    def __get__(self, node: Any, owner: type | None = None) -> Any:
        if node is None:
            return self
        store = node.__dict__.setdefault("_prodready_remembered", {})
        return remembered(store, self.name, lambda: self.work(node))


def _metaclass_lookup_attribute(self: nodes.ClassDef, name: str, context: Any) -> Any:
    store = self.__dict__.setdefault("_prodready_remembered", {})
    return remembered(store, ("metaclass attribute", name, context), lambda: _METACLASS_LOOKUP(self, name, context))


_METACLASS_LOOKUP = getattr(nodes.ClassDef._metaclass_lookup_attribute, "__wrapped__", None)

# astroid's cached properties that infer: what a decorator makes of a function, `__slots__`.
_PROPERTIES = ((nodes.FunctionDef, "type"), (nodes.FunctionDef, "extra_decorators"), (nodes.ClassDef, "_all_slots"))


def _install() -> bool:
    """Put the caches above in place of astroid's; False where this astroid keeps its answers
    otherwise, so that no name can be known (every analysis then reaches `EVERY`)."""
    if not isinstance(getattr(_CONTEXT, "_INFERENCE_CACHE", None), dict) or \
            not isinstance(getattr(_TIPS, "_cache", None), OrderedDict) or _METACLASS_LOOKUP is None:
        return False
    properties = [(cls, name, cls.__dict__.get(name)) for cls, name in _PROPERTIES]
    if not all(hasattr(prop, "func") for _, _, prop in properties):
        return False
    _CONTEXT._INFERENCE_CACHE, _TIPS._cache = _InferenceCache(), _TipCache()
    nodes.NodeNG.infer = _tracked_infer  # type: ignore[method-assign, assignment]
    nodes.ClassDef._metaclass_lookup_attribute = _metaclass_lookup_attribute  # type: ignore[method-assign]
    for cls, name, prop in properties:
        setattr(cls, name, _Remembered(prop.func, name))
    return True


_INFER = nodes.NodeNG.infer
TRACKED = _install()
