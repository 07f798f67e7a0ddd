"""A key a DRF view reads from the body again after its serializer validated it.

DRF's `create()` runs `serializer.is_valid(raise_exception=True)` before `perform_create`, so a
lookup there by `self.request.data["addon_category"]` uses an id the view's serializer has
already seen. Where that serializer's `validate_addon_category` weighs the value against its
context or the tenant (pretix hands it, with the event, to a check that raises for another
event's category), the id is as checked as the serializer made it.
"""

from __future__ import annotations

from astroid import nodes

from ...lang.python import dotted_name, nodes_within, safe_infer
from .chains import project_lineage
from .values import sent_key

# DRF's hooks that run after `serializer.is_valid(raise_exception=True)` has passed.
AFTER_VALIDATION = frozenset({"perform_create", "perform_update"})


def validated_by_the_views_serializer(lookup: nodes.Call, tenant_names: frozenset[str]) -> bool:
    """Whether a lookup in `perform_create` or `perform_update` reads from the body only keys
    whose `validate_<key>`, in the view's serializer, weighs the value against the serializer's
    context or the tenant."""
    method = lookup.frame()
    view = method.parent if isinstance(method, nodes.FunctionDef) and method.name in AFTER_VALIDATION else None
    if not isinstance(view, nodes.ClassDef):
        return False
    values = [k.value for k in lookup.keywords or ()] + list(lookup.args[1:])
    sent = [sent_key(v) for v in values if not isinstance(v, nodes.Const)]
    if not sent or any(key is None or not key.startswith("body:") for key in sent):
        return False
    keys = [key.removeprefix("body:") for key in sent]
    serializers = _serializer_classes(view)
    return all(any(_validator_weighs(s, key, tenant_names) for s in serializers) for key in keys)


def _serializer_classes(view: nodes.ClassDef) -> list[nodes.ClassDef]:
    """The classes a view's `serializer_class`, or its `get_serializer_class`, names."""
    named: list[nodes.NodeNG] = []
    for cls in project_lineage(view):
        for statement in cls.body:
            if isinstance(statement, nodes.Assign) and any(
                    isinstance(t, nodes.AssignName) and t.name == "serializer_class" for t in statement.targets):
                named.append(statement.value)
            if isinstance(statement, nodes.FunctionDef) and statement.name == "get_serializer_class":
                named += [r.value for r in nodes_within(statement, nodes.Return) if r.value is not None]
    inferred = [safe_infer(n) for n in named]
    return [c for c in inferred if isinstance(c, nodes.ClassDef)]


def _validator_weighs(serializer: nodes.ClassDef, field: str, tenant_names: frozenset[str]) -> bool:
    """Whether `validate_<field>` hands its value to a call, or compares it, and reads the
    serializer's context or the tenant: `clean_categories(self.context["event"], ..., value)`,
    `if menu.organization_id != self.context["request"].user.organization_id: raise`."""
    method = next((m for c in project_lineage(serializer) for m in c.mymethods()
                   if m.name == f"validate_{field}"), None)
    if method is None or len(method.args.args or []) < 2:
        return False
    parameter = method.args.args[1].name
    handed = any(n.name == parameter and isinstance(n.parent, (nodes.Call, nodes.Keyword))
                 for n in nodes_within(method, nodes.Name))
    compared = any(parameter in {n.name for n in c.nodes_of_class(nodes.Name)}
                   for c in nodes_within(method, nodes.Compare))
    read = {dotted_name(a) or "" for a in nodes_within(method, nodes.Attribute)}
    names = {n.name for n in nodes_within(method, nodes.Name)} | {a.split(".")[-1] for a in read}
    return (handed or compared) and ("self.context" in read or bool(names & tenant_names))
