"""A downgrade() written from its upgrade(), when every upgrade step has a known inverse.

`op.create_table("refunds", ...)` is undone by `op.drop_table("refunds")`, `op.add_column("orders",
sa.Column("tags", ...))` by `op.drop_column("orders", "tags")`, `op.create_index(name, table, ...)`
by `op.drop_index(name, table_name=table)`, a rename by the opposite rename; the steps are undone
in reverse order. An upgrade with any other step (altered columns, data changes, raw SQL) gets
no fix: its inverse needs knowledge the file does not hold.
"""

from __future__ import annotations

from astroid import nodes

from ..lang.migration_ops import alembic_ops
from ..lang.python import Positions
from ..model import TextEdit


def _inverse(call: nodes.Call, positions: Positions) -> str | None:
    def source(node: nodes.NodeNG) -> str:
        """The node as written, quotes and all."""
        span = positions.span(node)
        return positions.text[positions.offset(span.line, span.column):positions.offset(span.end_line,
                                                                                       span.end_column)]

    def _literal(node: nodes.NodeNG | None) -> str | None:
        return source(node) if isinstance(node, nodes.Const) and isinstance(node.value, str) else None

    kind = call.func.attrname
    args = call.args
    if kind == "create_table" and args and _literal(args[0]):
        return f"op.drop_table({_literal(args[0])})"
    if kind == "add_column" and len(args) >= 2 and _literal(args[0]) and isinstance(args[1], nodes.Call) \
            and args[1].args and _literal(args[1].args[0]):
        return f"op.drop_column({_literal(args[0])}, {_literal(args[1].args[0])})"
    if kind == "create_index" and len(args) >= 2 and _literal(args[1]) and (
            _literal(args[0]) or (isinstance(args[0], nodes.Call) and source(args[0]).startswith("op.f("))):
        return f"op.drop_index({source(args[0])}, table_name={_literal(args[1])})"
    if kind == "rename_table" and len(args) == 2 and _literal(args[0]) and _literal(args[1]):
        return f"op.rename_table({_literal(args[1])}, {_literal(args[0])})"
    if kind in ("create_foreign_key", "create_unique_constraint", "create_check_constraint") and len(args) >= 2 \
            and _literal(args[0]) and _literal(args[1]):
        kinds = {"create_foreign_key": "foreignkey", "create_unique_constraint": "unique",
                 "create_check_constraint": "check"}
        return f'op.drop_constraint({_literal(args[0])}, {_literal(args[1])}, type_="{kinds[kind]}")'
    return None


def downgrade_edits(module: nodes.Module, downgrade: nodes.FunctionDef, positions: Positions,
                    path: str) -> list[TextEdit]:
    """Edits that replace `downgrade()`'s body with the inverse of `upgrade()`; [] when unknown."""
    steps = [call for call in alembic_ops(module) if isinstance(call.parent, nodes.Expr)]
    if not steps or any(isinstance(call.func.expr, nodes.Name) and call.func.expr.name != "op" for call in steps):
        return []  # batch operations and nested blocks: left to a person
    inverses = [_inverse(call, positions) for call in reversed(steps)]
    if any(inverse is None for inverse in inverses) or not downgrade.body:
        return []
    first, last = downgrade.body[0], downgrade.body[-1]
    indent = " " * (first.col_offset or 4)
    text = "\n".join(indent + inverse for inverse in inverses)  # type: ignore[operator]
    start = positions.span(first)
    end = positions.span(last)
    return [TextEdit(path=path, line=start.line, column=1, end_line=end.end_line, end_column=end.end_column,
                     new_text=text)]
