"""Helper parameters that every call site fills with the authenticated caller.

`accept_invite(user.email, tenant_id, db)` in a route, and in the helper
`select(Membership).where(Membership.email == email)`: the helper reads across tenants only the
caller's own rows, but judged alone its `email` is any string. Reading the call sites once per
project says which parameters only ever receive the caller (`user.email`, `request.user.id`,
`request.state.user_id`), so the rules can trust them as they trust the expression itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from astroid import nodes

from ..lang.python import dotted_name, module_memo, nodes_within
from .handlers import callee_keys, function_key, imported_module_names
from .kept import keep, module_fact

# Names under which code holds the authenticated user: `filter(email=request.user.email)`
# selects the caller's own rows.
USER_OBJECTS = frozenset({"user", "current_user", "request_user", "actor", "viewer", "me", "auth_subject",
                          "principal", "identity", "current_member"})
# Calls that change a value's type and keep where it came from.
CONVERSIONS = frozenset({"int", "str", "UUID", "ObjectId", "PydanticObjectId"})


def unconverted(value: nodes.NodeNG) -> nodes.NodeNG:
    """The value a type conversion is given: `workspace_id` in `uuid.UUID(workspace_id)`."""
    while isinstance(value, nodes.Call) and len(value.args) == 1 and not value.keywords \
            and (dotted_name(value.func) or "").rsplit(".", 1)[-1] in CONVERSIONS:
        value = value.args[0]
    return value


def names_the_caller(value: nodes.NodeNG) -> bool:
    """`user.email`, `current_user.id`, `request.user.pk`, `str(request.state.user_id)`."""
    parts = (dotted_name(unconverted(value)) or "").split(".")
    if parts[:2] == ["request", "auth"] and len(parts) > 2:
        return True  # request.auth.application_id: of the token DRF's authentication verified
    if parts[0] in ("request", "self") and len(parts) > 1:
        return "user" in parts or (parts[0] == "request" and parts[-1].startswith("user"))
    return parts[0] in USER_OBJECTS and len(parts) <= 2


class _Signature(NamedTuple):  # a tuple: kept (see `index.kept`) for every function of the project
    parameters: tuple[str, ...]  # self and cls left out, keyword-only ones last
    positional: int  # how many of them a positional argument can fill
    varargs: bool
    kwargs: bool

    def accepts(self, positional: int, keywords: Iterable[str]) -> bool:
        return (positional <= self.positional or self.varargs) and \
            all(name in self.parameters or self.kwargs for name in keywords)


@dataclass(frozen=True)
class _ModuleCalls:
    definitions: tuple[tuple[str, _Signature], ...]  # function key -> its signature
    # callee key, whether each positional argument is the caller (None for f(*args)), keywords
    calls: tuple[tuple[str, tuple[bool, ...] | None, tuple[tuple[str, bool], ...]], ...]


def caller_parameters(modules: Iterable[tuple[str, nodes.Module]]) -> frozenset[str]:
    """"f:accept_invite#email" for each parameter that every call in the project fills with the
    caller. Keys are those of `handlers.function_key`, and a call counts for every function it
    may run (`handlers.callee_keys`) whose signature takes its arguments: a route and the service
    it calls are often both named `delete_api_key`, and `delete_api_key(user_id=...)` is the
    service's. A positional argument counts only where every such signature names it alike."""
    signatures: dict[str, set[_Signature]] = {}
    passed: dict[str, list[bool]] = {}
    calls = []
    for _, module in modules:
        facts = _module_calls(module)
        for key, signature in facts.definitions:
            signatures.setdefault(key, set()).add(signature)
        calls += facts.calls
    for key, positional, keywords in calls:
        if key not in signatures:  # a call of a function the project does not define: most of them
            continue
        takers = [s for s in signatures[key] if s.accepts(len(positional or ()), (n for n, _ in keywords))]
        if positional is None:  # f(*args, **kwargs): any parameter may get anything
            for name in {name for signature in takers for name in signature.parameters}:
                passed.setdefault(f"{key}#{name}", []).append(False)
            continue
        for index, is_caller in enumerate(positional):
            names = {s.parameters[index] for s in takers if index < s.positional}
            for name in names:
                passed.setdefault(f"{key}#{name}", []).append(is_caller and len(names) == 1)
        for name, is_caller in keywords:
            if any(name in s.parameters for s in takers):
                passed.setdefault(f"{key}#{name}", []).append(is_caller)
    return frozenset(name for name, seen in passed.items() if all(seen))


def caller_data_keys(modules: Iterable[tuple[str, nodes.Module]]) -> frozenset[str]:
    """"ChatSerializer#application_id" for each key of a serializer's data that every place
    making the serializer fills with the caller (`ChatSerializer(data={"application_id":
    request.auth.application_id, ...})`). A class also made from data that cannot be read
    (`data=request.data`) gets none: any key may come from the client there."""
    passed: dict[str, list[bool]] = {}
    unread: set[str] = set()
    for _, module in modules:
        given, unreadable = module_fact(module, "caller_data", _caller_data)
        for key, is_caller in given:
            passed.setdefault(key, []).append(is_caller)
        unread |= unreadable
    return frozenset(key for key, seen in passed.items() if all(seen) and key.split("#")[0] not in unread)


def _caller_data(module: nodes.Module) -> tuple[tuple[tuple[str, bool], ...], frozenset[str]]:
    """("Class#key", whether the caller fills it) for each key of the data a class is made
    with, and the classes made from data that cannot be read."""
    given = []
    unread = set()
    for call in nodes_within(module, nodes.Call):
        data = next((k.value for k in call.keywords or () if k.arg == "data"), None)
        name = (dotted_name(call.func) or "").rsplit(".", 1)[-1]
        if data is None or not name[:1].isupper():
            continue
        if not isinstance(data, nodes.Dict) or any(not isinstance(key, nodes.Const) for key, _ in data.items):
            unread.add(name)
            continue
        given += [(f"{name}#{key.value}", names_the_caller(value)) for key, value in data.items]
    return tuple(given), frozenset(unread)


def _signature(function: nodes.FunctionDef) -> _Signature:
    names = [a.name for a in (*function.args.posonlyargs, *function.args.args)]
    if isinstance(function.parent, nodes.ClassDef) and names and names[0] in ("self", "cls"):
        names = names[1:]
    positional = len(names)
    names += [a.name for a in function.args.kwonlyargs]
    return _Signature(tuple(names), positional, bool(function.args.vararg), bool(function.args.kwarg))


def _module_calls(module: nodes.Module) -> _ModuleCalls:
    memo = module_memo(module)
    found = memo.get("caller_calls")
    if found is None:
        imported = imported_module_names(module)
        certain = imported_module_names(module, only_certain=True)
        definitions = tuple((function_key(function), _signature(function))
                            for function in nodes_within(module, nodes.FunctionDef))
        calls = []
        for call in nodes_within(module, nodes.Call):
            if not (call.args or call.keywords):
                continue
            spread = any(isinstance(a, nodes.Starred) for a in call.args) or \
                any(k.arg is None for k in call.keywords or ())
            positional = None if spread else tuple(names_the_caller(a) for a in call.args)
            keywords = tuple((k.arg, names_the_caller(k.value)) for k in call.keywords or () if k.arg)
            calls += [(key, positional, keywords) for key in sorted(callee_keys(call, imported, certain))]
        # Each shape of call once: only whether every call fills a parameter with the caller matters.
        found = memo["caller_calls"] = _ModuleCalls(definitions, tuple(dict.fromkeys(calls)))
    return found


def always_given(modules: Iterable[tuple[str, nodes.Module]]) -> frozenset[str]:
    """"get_optimized_queryset#queryset" for each optional parameter that every call in the
    project of a function of that name fills: `if queryset is None: queryset = Comment.objects
    .all()` is then a default no caller uses. Calls are matched by the function's name alone
    (`self.serializer_class.get_optimized_queryset(base)` names no class), so every function of
    that name must take the parameter at the same place, and every call must give it."""
    signatures: dict[str, list[dict[str, int]]] = {}
    calls: dict[str, list[tuple[int, frozenset[str], bool]]] = {}
    for _, module in modules:
        definitions, made = _named_calls(module)
        for name, optional in definitions:
            signatures.setdefault(name, []).append(dict(optional))
        for name, positional, keywords, spread in made:
            calls.setdefault(name, []).append((positional, keywords, spread))
    given = set()
    for name, found in signatures.items():
        for parameter in {p for signature in found for p in signature}:
            places = {signature.get(parameter) for signature in found}
            if len(places) != 1 or None in places or not calls.get(name):
                continue
            index = places.pop()
            if all(not spread and (positional > index or parameter in keywords)
                   for positional, keywords, spread in calls[name]):
                given.add(f"{name}#{parameter}")
    return frozenset(given)


def _named_calls(module: nodes.Module) -> tuple[tuple[tuple[str, tuple[tuple[str, int], ...]], ...],
                                                  tuple[tuple[str, int, frozenset[str], bool], ...]]:
    """Each function of the module with its optional parameters and their positions, and each
    call as (name, positional arguments, keywords, whether it spreads a list or a dict)."""
    memo = module_memo(module)
    found = memo.get("named_calls")
    if found is None:
        definitions = []
        for function in nodes_within(module, nodes.FunctionDef):
            names = [a.name for a in (*function.args.posonlyargs, *function.args.args)]
            if isinstance(function.parent, nodes.ClassDef) and names and names[0] in ("self", "cls"):
                names = names[1:]
            first = len(names) - len(function.args.defaults or [])
            definitions.append((function.name, tuple((name, index) for index, name in enumerate(names)
                                                     if index >= first)))
        calls = set()  # the same shape of call counts once: only whether every call gives a parameter matters
        for call in nodes_within(module, nodes.Call):
            name = call.func.attrname if isinstance(call.func, nodes.Attribute) else getattr(call.func, "name", None)
            if name:
                spread = any(isinstance(a, nodes.Starred) for a in call.args) or \
                    any(k.arg is None for k in call.keywords or ())
                calls.add((name, len(call.args), frozenset(k.arg for k in call.keywords or () if k.arg), spread))
        # In an order of their own, not the set's: a module's facts are compared with those kept
        # for its last text (see `engine.facts_as_kept`), and a set's order changes between runs.
        found = memo["named_calls"] = (tuple(definitions), tuple(sorted(calls, key=_call_order)))
    return found


def _call_order(call: tuple[str, int, frozenset[str], bool]) -> tuple:
    name, positional, keywords, spread = call
    return name, positional, sorted(keywords), spread


keep("caller_calls", _ModuleCalls)
keep("caller_data", tuple[tuple[tuple[str, bool], ...], frozenset[str]])
keep("named_calls", tuple[tuple[tuple[str, tuple[tuple[str, int], ...]], ...],
                          tuple[tuple[str, int, frozenset[str], bool], ...]])
