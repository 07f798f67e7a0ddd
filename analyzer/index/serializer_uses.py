"""Serializer fields whose every use checks the row the client chose.

Label Studio declares `project = PrimaryKeyRelatedField(queryset=Project.objects.all())` on a
serializer that only validates a request's shape, and every view that makes it checks the chosen
row before using it:

    serializer = LabelBulkUpdateSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    project = serializer.validated_data["project"]
    self.check_object_permissions(self.request, project)

or looks it up again among the caller's rows (`get_object_or_404(Project.objects.for_user(
request.user), pk=serializer.validated_data["project"].id)`). The field's queryset only says
whether the id exists; whose row it is was decided where the serializer is used. Reading those
places once per project gives "LabelBulkUpdateSerializer#project" for such a field. A serializer
also named as a view's `serializer_class`, or saved as it is, hands the row on unchecked.
"""

from __future__ import annotations

from collections.abc import Iterable

from astroid import nodes

from ..lang.python import dotted_name, nodes_within
from .callers import names_the_caller
from .kept import keep, module_fact

# Calls that decide whether the caller may use a row they are handed.
ROW_CHECKS = frozenset({"check_object_permissions", "has_object_permission", "has_permission"})


def rechecked_serializer_fields(modules: Iterable[tuple[str, nodes.Module]]) -> frozenset[str]:
    verdicts: dict[str, list[bool]] = {}
    unchecked: set[str] = set()
    for _, module in modules:
        reads, unchecked_here = module_fact(module, "serializer_reads", _serializer_reads)
        unchecked |= unchecked_here
        for key, checked in reads:
            verdicts.setdefault(key, []).append(checked)
    return frozenset(key for key, seen in verdicts.items() if all(seen) and key.split("#")[0] not in unchecked)


def _serializer_reads(module: nodes.Module) -> tuple[tuple[tuple[str, bool], ...], frozenset[str]]:
    """("Serializer#field", whether the row read from it is checked) for each read of a
    serializer's validated field, and the serializers that views save or serve unchecked."""
    reads = []
    unchecked = set()
    for statement in nodes_within(module, nodes.Assign):
        if isinstance(statement.parent, nodes.ClassDef) and any(
                isinstance(t, nodes.AssignName) and t.name == "serializer_class" for t in statement.targets):
            unchecked.add((dotted_name(statement.value) or "").rsplit(".", 1)[-1])
    for function in nodes_within(module, nodes.FunctionDef):
        for variable, cls in _serializers_made(function):
            if _saved(function, variable):
                unchecked.add(cls)
            reads += [(f"{cls}#{field}", _checked(read, function)) for field, read in _fields_read(function, variable)]
    return tuple(reads), frozenset(unchecked)


keep("serializer_reads", tuple[tuple[tuple[str, bool], ...], frozenset[str]])


def _serializers_made(function: nodes.FunctionDef) -> list[tuple[str, str]]:
    """`serializer` and `LabelBulkUpdateSerializer` for `serializer = LabelBulkUpdateSerializer(data=...)`."""
    made = []
    for assign in nodes_within(function, nodes.Assign):
        call = assign.value
        if not (isinstance(call, nodes.Call) and len(assign.targets) == 1
                and isinstance(assign.targets[0], nodes.AssignName)):
            continue
        name = (dotted_name(call.func) or "").rsplit(".", 1)[-1]
        if name.endswith("Serializer") and any(k.arg == "data" for k in call.keywords or ()):
            made.append((assign.targets[0].name, name))
    return made


def _saved(function: nodes.FunctionDef, variable: str) -> bool:
    return any(isinstance(call.func, nodes.Attribute) and call.func.attrname == "save"
               and dotted_name(call.func.expr) == variable for call in nodes_within(function, nodes.Call))


def _fields_read(function: nodes.FunctionDef, variable: str) -> list[tuple[str, nodes.NodeNG]]:
    """`project` and the read itself, for `serializer.validated_data["project"]` or `.get("project")`."""
    holder = f"{variable}.validated_data"
    reads = []
    for node in nodes_within(function, (nodes.Subscript, nodes.Call)):
        if isinstance(node, nodes.Subscript) and dotted_name(node.value) == holder:
            key = node.slice
        elif isinstance(node, nodes.Call) and isinstance(node.func, nodes.Attribute) and node.func.attrname == "get" \
                and dotted_name(node.func.expr) == holder and node.args:
            key = node.args[0]
        else:
            continue
        if isinstance(key, nodes.Const) and isinstance(key.value, str):
            reads.append((key.value, node))
    return reads


def _checked(read: nodes.NodeNG, function: nodes.FunctionDef) -> bool:
    """The row read is handed to an object permission check later in the function, or looked up
    again in a call that names the caller: `get_object_or_404(Project.objects.for_user(
    request.user), pk=serializer.validated_data["project"].id)`."""
    for ancestor in read.node_ancestors():
        if ancestor is function:
            break
        rows = _rows_looked_up_in(ancestor) if isinstance(ancestor, nodes.Call) else None
        if rows is not None and any(names_the_caller(argument) for call in rows.nodes_of_class(nodes.Call)
                                    for argument in (*call.args, *(k.value for k in call.keywords or ()))):
            return True
    assign = read.parent
    if not (isinstance(assign, nodes.Assign) and len(assign.targets) == 1
            and isinstance(assign.targets[0], nodes.AssignName)):
        return False
    name = assign.targets[0].name
    return any(isinstance(call.func, nodes.Attribute) and call.func.attrname in ROW_CHECKS
               and (call.lineno or 0) > (assign.lineno or 0)
               and any(isinstance(a, nodes.Name) and a.name == name for a in call.args)
               for call in nodes_within(function, nodes.Call))


def _rows_looked_up_in(call: nodes.Call) -> nodes.NodeNG | None:
    """The queryset a lookup of one row searches: the first argument of `get_object_or_404`, the
    receiver of `.get(...)`."""
    name = (dotted_name(call.func) or "").rsplit(".", 1)[-1]
    if name in ("get_object_or_404", "aget_object_or_404") and call.args:
        return call.args[0]
    if isinstance(call.func, nodes.Attribute) and call.func.attrname in ("get", "aget"):
        return call.func.expr
    return None
