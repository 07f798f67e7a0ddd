"""MIG105: a column or table renamed while the running release still uses the old name."""

from __future__ import annotations

from collections.abc import Iterator

from astroid import nodes
from sqlglot import exp

from ...index.django_migrations import is_migration_module, operation_name
from ...lang.migration_ops import alembic_ops, alembic_table, django_operations, fresh_database_only
from ...lang.python import Positions, keyword_argument
from ...lang.sql import Statement
from ...model import Finding, Severity
from ..base import RuleContext
from . import MigrationRule

SQUAWK_RENAME = "squawk: renaming-column — https://squawkhq.com/docs/renaming-column"
DJANGO_RENAMES = {"RenameField": "column", "RenameModel": "table", "AlterModelTable": "table"}


class RenameWhileInUse(MigrationRule):
    """A column or table is renamed in one step, breaking the release that is still running.

    ## Why is this bad?
    During a deploy the old release keeps serving requests until the new one takes over, and
    after a rollback the old code runs against the migrated database. Both use the old name:
    every query on it fails with "column does not exist" the moment the rename commits. Rename in
    steps instead: add the new column (or a view under the new table name), write to both, move
    the readers, then drop the old one in a later release. Django's `RenameField`, `RenameModel`
    and `AlterModelTable`, Alembic's `alter_column(new_column_name=...)` and `rename_table`, and
    SQL `ALTER TABLE ... RENAME` are reported; initial and squashed Django migrations are not.

    ## Example
    ```python
    # shop/migrations/0004_rename_total.py
    from django.db import migrations


    class Migration(migrations.Migration):
        dependencies = [("shop", "0003_order_status")]
        operations = [migrations.RenameField(model_name="order", old_name="total", new_name="amount")]
    ```

    ## Use instead
    ```python
    # shop/migrations/0004_order_amount.py
    from django.db import migrations, models


    class Migration(migrations.Migration):
        dependencies = [("shop", "0003_order_status")]
        operations = [
            migrations.AddField(model_name="order", name="amount",
                                field=models.DecimalField(max_digits=12, decimal_places=2, null=True)),
        ]
    ```
    """

    code = "MIG105"
    name = "rename-while-in-use"
    severity = Severity.WARNING
    languages = ("python", "sql")
    references = (SQUAWK_RENAME,)
    node_types = (nodes.Module,)

    def check(self, node: nodes.Module, ctx: RuleContext) -> Iterator[Finding]:
        positions = ctx.positions or Positions(ctx.text)
        if fresh_database_only(node):
            return
        if is_migration_module(ctx.relpath):
            for op in django_operations(node):
                what = DJANGO_RENAMES.get(operation_name(op))
                if what is not None:
                    yield ctx.finding(self, positions.span(op),
                                      f"{operation_name(op)} renames a {what} in one step: the release still running "
                                      "(and any rollback) uses the old name; add the new one, copy, switch, then "
                                      "drop the old one later")
            return
        for op in alembic_ops(node):
            kind = op.func.attrname
            if kind == "rename_table" or (kind == "alter_column" and keyword_argument(op, "new_column_name")):
                what = "table" if kind == "rename_table" else f"column of `{alembic_table(op)}`"
                yield ctx.finding(self, positions.span(op),
                                  f"{kind} renames a {what} in one step: the release still running (and any "
                                  "rollback) uses the old name; add the new one, copy, switch, then drop the old one")

    def check_deploy_sql(self, statement: Statement, ctx: RuleContext) -> Iterator[Finding]:
        tree = statement.tree
        if not isinstance(tree, exp.Alter):
            return
        for action in tree.args.get("actions") or ():
            if isinstance(action, (exp.RenameColumn, exp.AlterRename)):
                what = "column" if isinstance(action, exp.RenameColumn) else "table"
                yield ctx.finding(self, ctx.statement_span(statement),
                                  f"this renames a {what} in one step: the release still running (and any rollback) "
                                  "uses the old name; add the new one, copy, switch, then drop the old one later")
