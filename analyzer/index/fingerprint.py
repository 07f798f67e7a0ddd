"""A fingerprint of everything an index holds, the same for the same facts in any run.

A file's cached findings stand only while the index they were worked out with stands. The
index is plain data (see `facts`), so it is written out canonically, sets and mappings
sorted, and hashed. A value of a kind not known here is an error, never a guess: a
fingerprint that missed a difference would serve findings worked out against other facts.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from enum import Enum

_ATOMS = (str, int, float, bool, type(None))


class NotFingerprintable(TypeError):
    """The index holds a value whose meaning the fingerprint cannot capture."""


def fingerprint(value: object) -> str:
    return hashlib.blake2b(json.dumps(_canonical(value), separators=(",", ":")).encode(),
                           digest_size=16).hexdigest()


def _canonical(value: object) -> object:
    if isinstance(value, _ATOMS):
        return value
    if isinstance(value, Enum):
        return [type(value).__name__, value.value]
    names = _field_names(type(value))
    if names is not None:
        return [type(value).__name__, {name: _canonical(getattr(value, name)) for name in names}]
    if isinstance(value, dict):  # ordered by key alone: a dict's keys differ
        items = [[_canonical(k), _canonical(v)] for k, v in value.items()]
        return ["dict", sorted(items, key=_first if all(type(k) is str for k in value) else _first_order)]
    if isinstance(value, (set, frozenset)):
        if all(type(item) is str for item in value):  # most of them: names, ordered as they are
            return ["set", sorted(value)]
        return ["set", sorted((_canonical(item) for item in value), key=_order)]
    if isinstance(value, (list, tuple)):
        return [_canonical(item) for item in value]
    raise NotFingerprintable(f"{type(value).__qualname__} in the project index")


@functools.cache
def _field_names(kind: type) -> tuple[str, ...] | None:
    """The fields of a dataclass, None for any other type: asked of every value of the index."""
    return tuple(f.name for f in dataclasses.fields(kind)) if dataclasses.is_dataclass(kind) else None


def _first(item: list) -> str:
    return item[0]


def _first_order(item: list) -> str:
    return _order(item[0])


def _order(value: object) -> str:
    """A canonical value's repr, which is the same in every process: it holds lists, strings,
    numbers, booleans and None only."""
    return repr(value)
