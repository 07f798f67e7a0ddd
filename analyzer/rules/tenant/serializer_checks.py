"""Keys of a serializer's data that the serializer vouches for: its `is_valid` (or a field's
`validate_<name>`) looked them up within the tenant, or every view fills them with the caller.

A service-style DRF serializer (MaxKB's `DocumentSerializers.Migrate`) receives the URL's keys
as data, overrides `is_valid` to look the parent up with the tenant key and raise when it is
not there, and calls `self.is_valid(raise_exception=True)` at the top of each operation:

    def is_valid(self, *, raise_exception=False):
        super().is_valid(raise_exception=True)
        query_set = QuerySet(Knowledge).filter(id=self.data.get("knowledge_id"))
        if workspace_id:
            query_set = query_set.filter(workspace_id=workspace_id)
        if not query_set.exists():
            raise AppApiException(500, "Knowledge id does not exist")

    def migrate(self):
        self.is_valid(raise_exception=True)
        QuerySet(Document).filter(knowledge_id=self.data.get("knowledge_id"))  # that knowledge's rows

The operation's filter on `knowledge_id` is then as good as a parent the caller holds.
"""

from __future__ import annotations

from collections.abc import Callable

from astroid import nodes

from ...index.callers import unconverted
from ...lang.python import dotted_name, nodes_within, safe_infer
from .chains import assigned_values, chain_keywords, holds_rows_of_a_query, single_assigned

# Where a serializer keeps the data it was given, once validated.
DATA_HOLDERS = frozenset({"self.data", "self.validated_data"})


def vouched_data(value: nodes.NodeNG, is_tenant_lookup: Callable[[str], bool],
                 caller_data: frozenset[str] = frozenset()) -> bool:
    """Whether `value` is a key of the serializer's data (`self.data.get("knowledge_id")`) that
    every view making the serializer fills with the caller (`request.auth.application_id`, see
    `index.callers.caller_data_keys`), or that the class's `is_valid` looks up within the
    tenant, in `is_valid` itself or in a method that calls it."""
    if filled_with_caller(value, caller_data):
        return True
    key = data_key(value)
    method = value.frame()  # the method, also from inside a comprehension
    cls = method.parent if isinstance(method, nodes.FunctionDef) else None
    if key is None or not isinstance(cls, nodes.ClassDef) \
            or (method.name != "is_valid" and not _calls_is_valid(method)):
        return False
    validator = cls.locals.get("is_valid", [None])[0]
    return isinstance(validator, nodes.FunctionDef) and _looked_up_within_tenant(validator, key, is_tenant_lookup)


def rows_a_field_validator_returned(value: nodes.NodeNG) -> bool:
    """`attrs["teams"]` in a DRF serializer's `validate(self, attrs)` whose `validate_teams`
    returns rows it loaded (`teams = Team.objects.filter(id__in=ids)`, each checked there): DRF
    puts what a field's validator returns in place of what the client sent. The validator's
    query is judged where it is written."""
    if not (isinstance(value, nodes.Subscript) and isinstance(value.slice, nodes.Const)
            and isinstance(value.slice.value, str) and isinstance(value.value, nodes.Name)):
        return False
    method = value.frame()
    cls = method.parent if isinstance(method, nodes.FunctionDef) and method.name == "validate" else None
    if not isinstance(cls, nodes.ClassDef) or not _validated_attributes(value.value, method):
        return False
    validator = next((m for m in cls.methods() if m.name == f"validate_{value.slice.value}"), None)
    returned = [r.value for r in nodes_within(validator, nodes.Return) if r.value is not None
                and r.frame() is validator] if validator is not None else []
    return bool(returned) and all(holds_rows_of_a_query(v) for v in returned)


def _validated_attributes(name: nodes.Name, method: nodes.FunctionDef) -> bool:
    """`attrs` of `def validate(self, attrs)`, or `data = super().validate(data)`."""
    parameters = method.argnames()
    if len(parameters) >= 2 and name.name == parameters[1] and assigned_values(name) == "parameter":
        return True
    return any(isinstance(v, nodes.Call) and isinstance(v.func, nodes.Attribute) and v.func.attrname == "validate"
               for v in single_assigned(name))


def filled_with_caller(value: nodes.NodeNG, caller_data: frozenset[str]) -> bool:
    """Whether `value` is a key of the serializer's data that every view fills with the caller."""
    key = data_key(value)
    cls = value.frame().parent
    return key is not None and isinstance(cls, nodes.ClassDef) and f"{cls.name}#{key}" in caller_data


def _looked_up_within_tenant(validator: nodes.FunctionDef, key: str, is_tenant_lookup: Callable[[str], bool],
                             depth: int = 0) -> bool:
    """Whether a query of `is_valid` matches the data's `key` and, in the same query, the tenant
    key, or a parent's key that is itself looked up within the tenant (`Document` by
    `id=document_id, knowledge_id=knowledge_id` after `Knowledge` by `knowledge_id` and the
    workspace). An existence check on the key alone (`Paragraph` by `id=paragraph_id`) proves
    only that some tenant's row has it."""
    if depth > 2:
        return False
    for call in nodes_within(validator, nodes.Call):
        if not any(data_key(keyword.value) == key for keyword in call.keywords or ()):
            continue
        for keyword in _query_keywords(call, validator):
            if keyword.arg and is_tenant_lookup(keyword.arg):
                return True
            other = data_key(keyword.value)
            if other and other != key and _looked_up_within_tenant(validator, other, is_tenant_lookup, depth + 1):
                return True
    return False


def _query_keywords(call: nodes.Call, validator: nodes.FunctionDef) -> list[nodes.Keyword]:
    """The keywords of the query `call` is a step of, with those of the steps added to the
    variable it is kept in (`query_set = query_set.filter(workspace_id=workspace_id)`)."""
    outer: nodes.NodeNG = call
    while isinstance(outer.parent, nodes.Attribute) and isinstance(outer.parent.parent, nodes.Call):
        outer = outer.parent.parent
    steps = [outer]
    statement = outer.parent
    if isinstance(statement, nodes.Assign) and len(statement.targets) == 1 \
            and isinstance(statement.targets[0], nodes.AssignName):
        name = statement.targets[0].name
        steps += [step for step in nodes_within(validator, nodes.Call)
                  if isinstance(step.func, nodes.Attribute) and _rooted_at(step.func.expr, name)]
    return [keyword for step in steps for keyword in chain_keywords(step)]


def _rooted_at(node: nodes.NodeNG, name: str) -> bool:
    while isinstance(node, nodes.Call) and isinstance(node.func, nodes.Attribute):
        node = node.func.expr
    return isinstance(node, nodes.Name) and node.name == name


def data_key(value: nodes.NodeNG, depth: int = 0) -> str | None:
    """`knowledge_id` for `self.data.get("knowledge_id")`, `self.data["knowledge_id"]`, or a
    variable assigned one of those."""
    value = unconverted(value)
    if isinstance(value, nodes.Name) and depth < 3:
        values = assigned_values(value)
        return data_key(values[0], depth + 1) if isinstance(values, list) and len(values) == 1 else None
    if isinstance(value, nodes.Call) and isinstance(value.func, nodes.Attribute) and value.func.attrname == "get" \
            and dotted_name(value.func.expr) in DATA_HOLDERS and value.args:
        index = value.args[0]
    elif isinstance(value, nodes.Subscript) and dotted_name(value.value) in DATA_HOLDERS:
        index = value.slice
    else:
        return None
    return index.value if isinstance(index, nodes.Const) and isinstance(index.value, str) else None


def _calls_is_valid(method: nodes.FunctionDef) -> bool:
    return any(isinstance(call.func, nodes.Attribute) and call.func.attrname == "is_valid"
               and dotted_name(call.func.expr) == "self" for call in nodes_within(method, nodes.Call))


def validated_within_tenant(value: nodes.NodeNG, is_tenant_lookup: Callable[[str], bool]) -> bool:
    """`data["bulk_userstories"]` where `data = validator.data` after `validator.is_valid()`, and
    the validator's `validate_bulk_userstories` looks the ids up within the tenant
    (`{"project__id": attrs["project_id"], "id__in": attrs[source]}`): taiga's bulk endpoints
    refuse another project's ids before the service sees them."""
    if not (isinstance(value, nodes.Subscript) and isinstance(value.slice, nodes.Const)
            and isinstance(value.slice.value, str) and isinstance(value.value, nodes.Name)):
        return False
    for data in single_assigned(value.value):
        if not (isinstance(data, nodes.Attribute) and data.attrname in ("data", "validated_data", "cleaned_data")
                and isinstance(data.expr, nodes.Name)):
            continue
        for made in single_assigned(data.expr):
            cls = safe_infer(made.func) if isinstance(made, nodes.Call) else None
            if not isinstance(cls, nodes.ClassDef):
                continue
            method = next((m for m in cls.methods() if m.name == f"validate_{value.slice.value}"), None)
            if method is not None and any(is_tenant_lookup(_lookup_named(node))
                                          for node in nodes_within(method, (nodes.Const, nodes.Keyword))):
                return True
    return False


def _lookup_named(node: nodes.Const | nodes.Keyword) -> str:
    """`project__id` of `filter(project__id=...)` or of `{"project__id": ...}` handed to one."""
    if isinstance(node, nodes.Keyword):
        return node.arg or ""
    return node.value if isinstance(node.value, str) else ""



