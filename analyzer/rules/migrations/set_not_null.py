"""MIG107: an existing column made NOT NULL in one step."""

from __future__ import annotations

import re
from collections.abc import Iterator

from astroid import nodes

from ...index.django_migrations import is_migration_module
from ...lang.migration_ops import (
    alembic_column,
    alembic_created_tables,
    alembic_ops,
    alembic_table_key,
    django_operation_at,
    fresh_database_only,
    sql_altered_columns,
)
from ...lang.python import Positions, keyword_argument
from ...lang.sql import Statement
from ...model import Finding, Severity
from ..base import RuleContext
from . import MigrationRule

SQUAWK_NOT_NULL = ("squawk: adding-not-nullable-field — "
                   "https://squawkhq.com/docs/adding-not-nullable-field")
RECIPE = ("add `CHECK (column IS NOT NULL) NOT VALID`, `VALIDATE CONSTRAINT` it in a later step, then SET NOT "
          "NULL (PostgreSQL 12+ uses the validated check instead of scanning) and drop the check")


class NotNullOnExistingColumn(MigrationRule):
    """An existing column is made NOT NULL in one step, which scans the whole table under lock.

    ## Why is this bad?
    `ALTER TABLE ... ALTER COLUMN ... SET NOT NULL` takes an ACCESS EXCLUSIVE lock and reads
    every row to prove there is no NULL: on a large table, every query against it waits for the
    scan, and the deploy stalls the application. If a NULL is left (a row written by the release
    still running), the migration fails halfway. The safe recipe is in steps: add a
    `CHECK (column IS NOT NULL) NOT VALID` constraint (instant), `VALIDATE CONSTRAINT` it (reads
    the table without blocking writes), then `SET NOT NULL`, which PostgreSQL 12 and later prove
    from the validated check without a scan, and drop the check. The rule looks at SQL
    migrations, Alembic's `alter_column(..., nullable=False)` and Django's AlterField from
    `null=True` to `null=False`; a table created in the same migration is empty and is left
    alone.

    ## Example
    ```python
    # migrations/versions/0012_orders_status_required.py
    from alembic import op

    revision = "0012"
    down_revision = "0011"


    def upgrade():
        op.alter_column("orders", "status", nullable=False)


    def downgrade():
        op.alter_column("orders", "status", nullable=True)
    ```

    ## Use instead
    ```python
    # migrations/versions/0012_orders_status_required.py
    from alembic import op

    revision = "0012"
    down_revision = "0011"


    def upgrade():
        op.create_check_constraint("orders_status_not_null", "orders", "status IS NOT NULL",
                                   postgresql_not_valid=True)
        op.execute("ALTER TABLE orders VALIDATE CONSTRAINT orders_status_not_null")


    def downgrade():
        op.drop_constraint("orders_status_not_null", "orders")
    ```
    """

    code = "MIG107"
    name = "not-null-on-existing-column"
    severity = Severity.WARNING
    languages = ("python", "sql")
    references = (SQUAWK_NOT_NULL,)
    node_types = (nodes.Module,)

    def check(self, node: nodes.Module, ctx: RuleContext) -> Iterator[Finding]:
        positions = ctx.positions or Positions(ctx.text)
        if fresh_database_only(node):
            return
        if is_migration_module(ctx.relpath):
            for change in ctx.index.django_migrations.changes_in(ctx.relpath):
                if change.before.options.get("null") is True \
                        and change.after.options.get("null") is False and not _proven_by_check(ctx.text, change.field):
                    operation = django_operation_at(node, change.line)
                    if operation is not None:
                        yield ctx.finding(self, positions.span(operation),
                                          f"`{change.model}.{change.field}` goes from null=True to null=False: "
                                          f"PostgreSQL scans the whole table under lock; {RECIPE}")
            return
        created = alembic_created_tables(node)
        for op in alembic_ops(node):
            if op.func.attrname != "alter_column":
                continue
            table = alembic_table_key(op)
            nullable = keyword_argument(op, "nullable")
            existing = keyword_argument(op, "existing_nullable")
            if table in created or not (isinstance(nullable, nodes.Const) and nullable.value is False) or (
                    isinstance(existing, nodes.Const) and existing.value is False):
                continue
            column = alembic_column(op)
            if _proven_by_check(ctx.text, column):
                continue
            yield ctx.finding(self, positions.span(op),
                              f"`{table}.{column}` is made nullable=False: PostgreSQL scans the whole table under "
                              f"lock; {RECIPE}")

    def check_deploy_sql(self, statement: Statement, ctx: RuleContext) -> Iterator[Finding]:
        created = self.created_sql_tables(ctx)
        for table, action in sql_altered_columns(statement):
            if action.args.get("allow_null") is False and table not in created and \
                    not _proven_by_check(ctx.text, action.name):
                yield ctx.finding(self, ctx.statement_span(statement),
                                  f"`{table}.{action.name}` is SET NOT NULL: PostgreSQL scans the whole table under "
                                  f"lock; {RECIPE}")


def _proven_by_check(text: str, column: str | None) -> bool:
    """The recipe followed in the same migration: a `CHECK (column IS NOT NULL)` validated before
    SET NOT NULL lets PostgreSQL 12+ skip the scan."""
    code = re.sub(r"--[^\n]*|#[^\n]*", "", text)  # comments say nothing about the schema
    return bool(column) and re.search(rf"\b{re.escape(column)}\W*\s+is\s+not\s+null", code, re.I) is not None \
        and re.search(r"validate\s+constraint", code, re.I) is not None
