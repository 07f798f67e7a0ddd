"""The project index as JSON and back, by the types its fields declare.

A changed run in which no module the index reads has changed (a test edited, a template) would
build the same index again from the kept facts of every module: 0.6 s of a changed run of
saleor, with 0.1 s more for its fingerprint. The index is plain data (see `fingerprint`), so it
is kept as written here and read back in its place (see `cache.FactCache.kept_index`).

JSON has no tuples, sets or keys other than strings, so every value is written as its declared
type says and read back as that type: a mapping as a list of pairs, a set as a list. A value
that is not of its declared type, or that JSON would not give back alike (a field option
holding bytes, a tuple where any value may stand), is an error: such an index is not kept.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from collections.abc import Callable
from typing import Any, Union

_ATOMS = (str, int, float, bool)


class NotKeepable(TypeError):
    """A value of the index that JSON, read by its declared type, would not give back alike."""


def to_json(value: Any, kind: Any) -> Any:
    """`value`, declared as `kind`, as JSON values."""
    return _writer(kind)(value)


def from_json(data: Any, kind: Any) -> Any:
    """What `to_json` wrote of a value declared as `kind`, read back; ValueError where `data`
    is not what it writes (a cache written by hand)."""
    return _reader(kind)(data)


Convert = Callable[[Any], Any]


@functools.cache
def _writer(kind: Any) -> Convert:
    """The function that writes a value declared as `kind`, made once per type: saleor's index
    holds 150,000 values."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if kind is Any or kind is object:  # a constant, whatever it is: only JSON's own come back alike
        return _constant
    if origin in (Union, types.UnionType):
        options = [arg for arg in args if arg is not type(None)]
        if len(options) != 1:
            raise NotKeepable(f"a value of {kind}")
        inner = _writer(options[0])
        return lambda value: None if value is None else inner(value)  # the other option is None
    if kind in _ATOMS:
        return functools.partial(_atom, kind)
    if dataclasses.is_dataclass(kind):
        fields = _Fields(kind, _writer)  # a field may hold its own class: a table's editions
        return lambda value: {name: write(getattr(value, name)) for name, write in fields.each()} \
            if type(value) is kind else _wrong(value, kind)
    if origin is dict:
        write_key, write_value = _writer(args[0]), _writer(args[1])
        return lambda value: [[write_key(key), write_value(item)] for key, item in value.items()] \
            if type(value) is dict else _wrong(value, dict)
    if origin in (set, frozenset, list) or (origin is tuple and len(args) == 2 and args[1] is Ellipsis):
        write_item = _writer(args[0])
        return lambda value: [write_item(item) for item in value] if type(value) is origin else _wrong(value, origin)
    if origin is tuple:
        writers = [_writer(arg) for arg in args]
        return lambda value: [write(item) for write, item in zip(writers, value, strict=True)] \
            if type(value) is tuple and len(value) == len(writers) else _wrong(value, tuple)
    raise NotKeepable(f"a value of {kind}")


@functools.cache
def _reader(kind: Any) -> Convert:
    """The function that reads back what `_writer(kind)` wrote."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if kind is Any or kind is object:
        return _written_constant
    if origin in (Union, types.UnionType):
        inner = _reader(next(arg for arg in args if arg is not type(None)))
        return lambda data: None if data is None else inner(data)
    if kind in _ATOMS:
        return functools.partial(_written_atom, kind)
    if dataclasses.is_dataclass(kind):
        fields = _Fields(kind, _reader)
        return lambda data: kind(**{name: read(_field(data, name)) for name, read in fields.each()}) \
            if type(data) is dict else _unwritten(data, kind)
    if origin is dict:
        read_key, read_value = _reader(args[0]), _reader(args[1])
        return lambda data: {read_key(key): read_value(item) for key, item in map(_pair, data)} \
            if type(data) is list else _unwritten(data, dict)
    if origin in (set, frozenset, list) or (origin is tuple and len(args) == 2 and args[1] is Ellipsis):
        read_item = _reader(args[0])
        return lambda data: origin(read_item(item) for item in data) if type(data) is list else _unwritten(data, origin)
    if origin is tuple:
        readers = [_reader(arg) for arg in args]
        return lambda data: tuple(read(item) for read, item in zip(readers, data, strict=True)) \
            if type(data) is list and len(data) == len(readers) else _unwritten(data, tuple)
    raise ValueError(f"a value of {kind}")


def _constant(value: Any) -> Any:
    if value is None or (type(value) in _ATOMS and not (type(value) is float and not math.isfinite(value))):
        return value
    raise NotKeepable(f"{type(value).__name__} where any value may stand")


def _written_constant(data: Any) -> Any:
    if data is None or type(data) in _ATOMS:
        return data
    raise ValueError(f"{type(data).__name__} where a constant is written")


def _atom(kind: type, value: Any) -> Any:
    if type(value) is not kind or (kind is float and not math.isfinite(value)):
        raise NotKeepable(f"{value!r} where {kind.__name__} is declared")
    return value


def _written_atom(kind: type, data: Any) -> Any:
    if type(data) is kind:
        return data
    if kind is float and type(data) is int:
        return float(data)
    raise ValueError(f"{type(data).__name__} where {kind.__name__} is written")


def _wrong(value: Any, kind: type) -> Any:
    raise NotKeepable(f"{type(value).__name__} where {kind.__name__} is declared")


def _unwritten(data: Any, kind: type) -> Any:
    raise ValueError(f"{type(data).__name__} where {kind.__name__} is written")


class _Fields:
    """A dataclass's fields that its constructor takes, each with the function that writes or
    reads its declared type, found when first asked."""

    def __init__(self, kind: type, convert: Callable[[Any], Convert]) -> None:
        self.kind = kind
        self.convert = convert
        self.found: list[tuple[str, Convert]] | None = None

    def each(self) -> list[tuple[str, Convert]]:
        if self.found is None:
            hints = typing.get_type_hints(self.kind)
            self.found = [(field.name, self.convert(hints[field.name]))
                          for field in dataclasses.fields(self.kind) if field.init]
        return self.found


def _field(data: dict, name: str) -> Any:
    try:
        return data[name]
    except KeyError:
        raise ValueError(f"no {name} written") from None


def _pair(item: Any) -> tuple[Any, Any]:
    if not isinstance(item, list) or len(item) != 2:
        raise ValueError("a mapping's item that is not a pair")
    return item[0], item[1]
