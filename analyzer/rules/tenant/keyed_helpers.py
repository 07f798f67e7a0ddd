"""A request's id handed to a helper that fetches a row by that id, unscoped.

`incident = incident_service.get(db_session=db, incident_id=incident_id)` in a route is the
insecure direct object reference, though the lookup itself sits in the service: there the id
is a parameter, chosen by whoever calls. So the lookup is judged at the call, where the id's
origin shows: a value from the URL or the request body makes it a finding, a key read from a
loaded object does not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from astroid import nodes

from ...index import ModelInfo
from ...index.handlers import in_request
from ...lang.python import dotted_name, infer_all, nodes_within
from .chains import Chain, ChainResolver, argument_for, outermost_call
from .narrowing import checked_after_fetch, nested_in_query
from .values import Origin, names_checked_object, origin


@dataclass(frozen=True)
class KeyedHelper:
    name: str
    model: ModelInfo


def keyed_helper_call(call: nodes.Call, resolver: ChainResolver,
                      births: Callable[[nodes.Call], Chain | None]) -> KeyedHelper | None:
    """The helper and model when `call`, in a request handler, passes a request value to a
    project function that fetches a tenant-scoped row by that parameter without the tenant."""
    func = call.func
    name = func.attrname if isinstance(func, nodes.Attribute) else getattr(func, "name", None)
    if name not in resolver.index.keyed_helpers or not in_request(call):
        return None
    if isinstance(func, nodes.Attribute) and resolver.root(func.expr) is not None:
        return None  # `Task.objects.get(...)`: a manager's method, not a project helper named `get`
    functions = [getattr(f, "_proxied", f) for f in infer_all(func, limit=3)]
    functions = [f for f in functions if isinstance(f, nodes.FunctionDef)]
    if len(functions) != 1 or in_request(functions[0].body[0] if functions[0].body else functions[0]):
        return None
    function = functions[0]
    for inner in nodes_within(function, nodes.Call):
        if outermost_call(inner) is not inner:
            continue
        chain = births(inner)
        if chain is None or chain.model is None or not chain.model.is_tenant_scoped:
            continue
        if not chain.keyed or chain.scoped or chain.unknown or chain.key is None:
            continue
        if nested_in_query(inner, resolver) or checked_after_fetch(inner, resolver):
            continue
        argument = argument_for(call, function, chain.key)
        if argument is None or origin(argument) not in (Origin.URL, Origin.REQUEST):
            continue
        if names_checked_object(chain.model.name, argument, resolver.index.is_tenant_lookup):
            continue  # the route's own object, checked by its permissions
        return KeyedHelper(name=dotted_name(func) or name, model=chain.model)
    return None
