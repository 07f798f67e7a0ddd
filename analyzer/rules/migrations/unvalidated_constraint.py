"""MIG103: a foreign key or check constraint added to an existing table without NOT VALID."""

from __future__ import annotations

import re
from collections.abc import Iterator

from astroid import nodes
from sqlglot import exp

from ...index.django_migrations import is_migration_module, operation_name
from ...lang.migration_ops import (
    alembic_created_tables,
    alembic_ops,
    alembic_table_key,
    alter_table_actions,
    django_created_models,
    django_model_name,
    django_operations,
    fresh_database_only,
)
from ...lang.python import Positions, callee_name, keyword_argument
from ...lang.sql import Statement
from ...model import Finding, Severity
from ..base import RuleContext
from . import MigrationRule

SQUAWK_FOREIGN_KEY = ("squawk: adding-foreign-key-constraint — "
                      "https://squawkhq.com/docs/adding-foreign-key-constraint")
SQUAWK_CHECK = "squawk: constraint-missing-not-valid — https://squawkhq.com/docs/constraint-missing-not-valid"
NOT_VALID = re.compile(r"\bnot\s+valid\b", re.I)
# Alembic operations that add a constraint, and the position of the table they add it to.
ALEMBIC_CONSTRAINTS = {"create_foreign_key": 1, "create_check_constraint": 1}
RECIPE = "add it NOT VALID, then VALIDATE CONSTRAINT in a later step, which does not block writes"


class ConstraintWithoutNotValid(MigrationRule):
    """A foreign key or check constraint is added to an existing table and validated at once.

    ## Why is this bad?
    Adding a constraint makes PostgreSQL check every existing row before it commits. For a
    check constraint it holds an ACCESS EXCLUSIVE lock on the table the whole time; for a
    foreign key, a SHARE ROW EXCLUSIVE lock on both tables, so writes to the referenced table
    stop too. On a large table the application waits for the scan. Added `NOT VALID`, the
    constraint only guards new rows and takes its lock for an instant; `ALTER TABLE ...
    VALIDATE CONSTRAINT` then checks the old rows under a lock that lets reads and writes go on.
    The rule looks at SQL migrations (`ADD CONSTRAINT ... FOREIGN KEY` or `CHECK`, and `ADD COLUMN
    ... REFERENCES`), Alembic's `create_foreign_key` and `create_check_constraint` without
    `postgresql_not_valid=True`, and Django's `AddConstraint` of a `CheckConstraint`, which
    Django always validates (use `RunSQL` with NOT VALID, or django-pg-zero-downtime-migrations).
    A table created in the same migration is empty and is left alone.

    ## Example
    ```python
    # migrations/versions/0014_orders_customer_fk.py
    from alembic import op

    revision = "0014"
    down_revision = "0013"


    def upgrade():
        op.create_foreign_key("orders_customer_fk", "orders", "customers", ["customer_id"], ["id"])


    def downgrade():
        op.drop_constraint("orders_customer_fk", "orders", type_="foreignkey")
    ```

    ## Use instead
    ```python
    # migrations/versions/0014_orders_customer_fk.py
    from alembic import op

    revision = "0014"
    down_revision = "0013"


    def upgrade():
        op.create_foreign_key("orders_customer_fk", "orders", "customers", ["customer_id"], ["id"],
                              postgresql_not_valid=True)
        op.execute("ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk")


    def downgrade():
        op.drop_constraint("orders_customer_fk", "orders", type_="foreignkey")
    ```
    """

    code = "MIG103"
    name = "constraint-without-not-valid"
    severity = Severity.WARNING
    languages = ("python", "sql")
    references = (SQUAWK_FOREIGN_KEY, SQUAWK_CHECK)
    node_types = (nodes.Module,)

    def check(self, node: nodes.Module, ctx: RuleContext) -> Iterator[Finding]:
        positions = ctx.positions or Positions(ctx.text)
        if fresh_database_only(node):
            return
        if is_migration_module(ctx.relpath):
            operations = django_operations(node)
            created = django_created_models(operations)
            for op in operations:
                constraint = keyword_argument(op, "constraint") or (op.args[1] if len(op.args) > 1 else None)
                if operation_name(op) == "AddConstraint" and isinstance(constraint, nodes.Call) and \
                        (callee_name(constraint) or "").endswith("CheckConstraint") and \
                        django_model_name(op) not in created:
                    yield ctx.finding(self, positions.span(op),
                                      f"a CheckConstraint is added to `{django_model_name(op)}` and validated at "
                                      f"once, under a lock that blocks its writes; {RECIPE} (RunSQL)")
            return
        created = alembic_created_tables(node)
        for op in alembic_ops(node):
            kind = op.func.attrname
            if kind not in ALEMBIC_CONSTRAINTS:
                continue
            table = alembic_table_key(op, ALEMBIC_CONSTRAINTS[kind])
            not_valid = keyword_argument(op, "postgresql_not_valid")
            if table in created or (isinstance(not_valid, nodes.Const) and not_valid.value is True):
                continue
            what = "a foreign key" if kind == "create_foreign_key" else "a check constraint"
            yield ctx.finding(self, positions.span(op),
                              f"{what} is added to `{table}` and validated at once, under a lock that blocks "
                              f"writes; pass `postgresql_not_valid=True` and {RECIPE}")

    def check_deploy_sql(self, statement: Statement, ctx: RuleContext) -> Iterator[Finding]:
        if NOT_VALID.search(statement.text):
            return
        created = self.created_sql_tables(ctx)
        for table, action in alter_table_actions(statement):
            if table in created:
                continue
            what = _constraint_kind(action)
            if what:
                yield ctx.finding(self, ctx.statement_span(statement),
                                  f"{what} is added to `{table}` and validated at once, under a lock that blocks "
                                  f"writes; {RECIPE}")


def _constraint_kind(action: exp.Expression) -> str | None:
    """"a foreign key" or "a check constraint" for an action that adds one, else None."""
    if isinstance(action, exp.AddConstraint):
        if action.find(exp.ForeignKey) is not None:
            return "a foreign key"
        if action.find(exp.CheckColumnConstraint) is not None:
            return "a check constraint"
    if isinstance(action, exp.ColumnDef) and action.find(exp.Reference) is not None:
        return "a foreign key"
    return None
