"""Many-to-many links made from ids the client sent: `widget.owners.add(*request.data["owners"])`.

A related manager's `add` and `set` take primary keys as readily as rows. Handed the
ids of a request's body, they link the caller's row to whatever rows those ids name, another
tenant's included, and the caller then reads them back through the link. No query is written,
so no filter is missing from one; the check belongs where the ids arrive.
"""

from __future__ import annotations

from dataclasses import dataclass

from astroid import nodes

from ...index import ModelInfo
from ...index.handlers import in_request
from ...lang.python import safe_infer
from .chains import ChainResolver, assigned_values
from .values import sent_key

LINKING_METHODS = frozenset({"add", "set"})  # `remove` only drops links from the caller's own row


@dataclass(frozen=True)
class SentLink:
    relation: str  # `owners`
    target: ModelInfo  # the model the ids name


def link_by_sent_ids(call: nodes.Call, resolver: ChainResolver) -> SentLink | None:
    """The relation and its tenant-owned target when `call` links rows by ids from the request."""
    func = call.func
    if not (isinstance(func, nodes.Attribute) and func.attrname in LINKING_METHODS
            and isinstance(func.expr, nodes.Attribute)):
        return None
    values = [arg.value if isinstance(arg, nodes.Starred) else arg for arg in call.args]
    if not values or not in_request(call, resolver.index.view_decorators) \
            or any(sent_key(value) is None for value in values):
        return None  # rows, or ids a serializer's related field has looked up, or from elsewhere
    relation = func.expr.attrname
    target = _target(func.expr.expr, relation, resolver)
    if target is None or not (target.is_tenant_scoped or target.is_tenant_bound):
        return None
    return SentLink(relation=relation, target=target)


def _target(owner: nodes.NodeNG, relation: str, resolver: ChainResolver) -> ModelInfo | None:
    """The model at the end of `owner.relation`: from the owner's model where it is known (a row
    fetched by a query, an instance astroid infers), else from the one many-to-many of that name
    among the project's models."""
    index = resolver.index
    model = _model_of(owner, resolver)
    if model is not None:
        field = model.fields.get(relation)
        return index.relation_target(model, field) if field is not None and field.kind == "m2m" else None
    targets = {target.qname: target for candidate in index.models.values()
               if (field := candidate.fields.get(relation)) is not None and field.kind == "m2m"
               and (target := index.relation_target(candidate, field)) is not None}
    return next(iter(targets.values())) if len(targets) == 1 else None


def _model_of(owner: nodes.NodeNG, resolver: ChainResolver) -> ModelInfo | None:
    if isinstance(owner, nodes.Name):
        values = assigned_values(owner)
        if isinstance(values, list) and len(values) == 1:
            chain = resolver.resolve(values[0])
            if chain is not None and chain.model is not None:
                return chain.model
    proxied = getattr(safe_infer(owner), "_proxied", None)  # an instance of the model's class
    return resolver.index.model(proxied.qname()) if isinstance(proxied, nodes.ClassDef) else None
