"""The text of a Python string expression, as far as it can be known without running anything.

Literals, implicit and `+` concatenations, `%`-formatting, `.format()` and f-strings are folded;
every hole becomes a placeholder, which is what a value bound at run time looks like to SQL.
`source_offset` is set only when the text is the literal exactly as written in the file, so
that an edit inside the string can be placed in the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from astroid import nodes

from .python import Positions, safe_infer

HOLE = "%s"
_FORMAT_FIELD = re.compile(r"\{[^{}]*\}")
_PERCENT_FIELD = re.compile(r"%%|%(\([^)]*\))?[-#0 +]*\d*(\.\d+)?[sdifrxXeEgGoac]")


def _percent_field(match: re.Match[str]) -> str:
    return "%" if match.group(0) == "%%" else HOLE


@dataclass(frozen=True)
class StringValue:
    text: str
    node: nodes.NodeNG
    source_offset: int | None = None  # character offset of text[0] in the file, when exact


def string_value(node: nodes.NodeNG, positions: Positions | None = None, depth: int = 0) -> StringValue | None:
    if depth > 8:
        return None
    if isinstance(node, nodes.Const):
        if not isinstance(node.value, str):
            return None
        return StringValue(node.value, node, _exact_offset(node, positions))
    if isinstance(node, nodes.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, nodes.Const) and isinstance(value.value, str):
                parts.append(value.value)
            elif isinstance(value, nodes.FormattedValue) and (clause := _clause(value.value, depth)) is not None:
                parts.append(clause)
            else:
                parts.append(HOLE)
        return StringValue("".join(parts), node)
    if isinstance(node, nodes.BinOp):
        if node.op == "+":
            left = string_value(node.left, positions, depth + 1)
            right = string_value(node.right, positions, depth + 1)
            if left is None and right is None:
                return None
            return StringValue((left.text if left else HOLE) + (right.text if right else HOLE), node)
        if node.op == "%":  # `query % (", ".join(...),)`: each conversion is a hole, `%%` a `%`
            left = string_value(node.left, positions, depth + 1)
            return StringValue(_PERCENT_FIELD.sub(_percent_field, left.text), node) if left else None
    if isinstance(node, nodes.Call) and isinstance(node.func, nodes.Attribute) and node.func.attrname == "format":
        template = string_value(node.func.expr, positions, depth + 1)
        if template is not None:
            return StringValue(_FORMAT_FIELD.sub(HOLE, template.text), node)
    if isinstance(node, nodes.Name):
        inferred = safe_infer(node)
        if isinstance(inferred, nodes.Const) and isinstance(inferred.value, str):
            return StringValue(inferred.value, node, _exact_offset(inferred, positions)
                               if inferred.root() is node.root() else None)
    return None


def _clause(node: nodes.NodeNG, depth: int) -> str | None:
    """The SQL an f-string hole writes, where it is a clause rather than a value."""
    return _optional(node, depth) if isinstance(node, nodes.IfExp) else _conjunction(node)


def _conjunction(node: nodes.NodeNG) -> str | None:
    """`{" AND ".join(constraints)}` where `constraints = ["tenant_id = %(tenant_id)s", ...]`:
    the conditions the list starts with. What code appends later is AND-ed too, so it can only
    narrow the rows further; any other separator (`" OR "`, `", "`) stays a hole."""
    if not (isinstance(node, nodes.Call) and isinstance(node.func, nodes.Attribute) and node.func.attrname == "join"
            and isinstance(node.func.expr, nodes.Const) and isinstance(node.func.expr.value, str)
            and node.func.expr.value.strip().upper() == "AND" and len(node.args) == 1):
        return None
    items = node.args[0] if isinstance(node.args[0], nodes.List) else safe_infer(node.args[0])
    if not isinstance(items, nodes.List) or not items.elts:
        return None
    if not all(isinstance(item, nodes.Const) and isinstance(item.value, str) for item in items.elts):
        return None
    return node.func.expr.value.join(item.value for item in items.elts)


def _optional(node: nodes.IfExp, depth: int) -> str | None:
    """`{"AND project_id != %(id)s" if exclude_id else ""}`: text written only when a condition
    holds. The shorter branch stands in for it: the statement must hold up without the optional
    clause (a tenant predicate written only sometimes does not pin the rows), and it parses,
    where a placeholder in a clause's place would not."""
    branches = [string_value(branch, depth=depth + 1) for branch in (node.body, node.orelse)]
    if any(branch is None for branch in branches):
        return None
    return min((branch.text for branch in branches if branch is not None), key=len)


def _exact_offset(node: nodes.Const, positions: Positions | None) -> int | None:
    """Offset of the string's first character in the file, if the literal has no escapes."""
    if positions is None or node.lineno is None or node.end_lineno is None:
        return None
    start = positions.offset(node.lineno, positions.column(node.lineno, node.col_offset or 0))
    end = positions.offset(node.end_lineno, positions.column(node.end_lineno, node.end_col_offset or 0))
    source = positions.text[start:end]
    match = re.match(r"([rRbBuU]{0,2})('''|\"\"\"|'|\")", source)
    if not match:
        return None
    prefix_len = len(match.group(0))
    quote = match.group(2)
    body = source[prefix_len: len(source) - len(quote)]
    if body != node.value or not source.endswith(quote):
        return None  # escapes, implicit concatenation or line continuations: offsets would not map
    return start + prefix_len
