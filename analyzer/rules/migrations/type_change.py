"""MIG104: a column's type changed in place on an existing table."""

from __future__ import annotations

from collections.abc import Iterator

from astroid import nodes

from ...index.django_migrations import FieldChange, is_migration_module
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
from ...lang.sqlalchemy_columns import type_of
from ...model import Finding, Severity
from ..base import RuleContext
from . import MigrationRule

SQUAWK_TYPE = "squawk: changing-column-type — https://squawkhq.com/docs/changing-column-type"
RISK = ("PostgreSQL rewrites the table and its indexes under an ACCESS EXCLUSIVE lock, and the release still "
        "running reads the old type; add a column of the new type, backfill it in batches, switch, then drop the "
        "old one")
# The PostgreSQL column type of Django's field classes: a change between two classes of one type
# (SlugField to CharField, NullBooleanField to BooleanField) rewrites nothing.
COLUMN_TYPES = {
    **dict.fromkeys(("CharField", "SlugField", "EmailField", "URLField", "FilePathField", "FileField",
                     "ImageField"), "varchar"),
    "TextField": "text",
    **dict.fromkeys(("IntegerField", "PositiveIntegerField", "AutoField"), "integer"),
    **dict.fromkeys(("SmallIntegerField", "PositiveSmallIntegerField", "SmallAutoField"), "smallint"),
    **dict.fromkeys(("BigIntegerField", "PositiveBigIntegerField", "BigAutoField"), "bigint"),
    **dict.fromkeys(("BooleanField", "NullBooleanField"), "boolean"),
    "DecimalField": "numeric", "FloatField": "double precision", "DateField": "date",
    "DateTimeField": "timestamp with time zone", "TimeField": "time", "DurationField": "interval",
    "UUIDField": "uuid", "JSONField": "jsonb", "BinaryField": "bytea", "GenericIPAddressField": "inet",
}


class ColumnTypeChange(MigrationRule):
    """A column's type is changed in place on a table that has rows.

    ## Why is this bad?
    Changing a column's type (`ALTER COLUMN ... TYPE`) makes PostgreSQL rewrite the whole table
    and rebuild its indexes while it holds an ACCESS EXCLUSIVE lock: no query reaches the table
    until it is done. The release still running keeps reading and writing the old type, and a
    narrower type (a shorter `varchar`, fewer decimal places) can fail halfway on rows that do
    not fit. Only widenings that PostgreSQL does in the catalogue are left alone: `varchar` to
    `text` and a longer `varchar`. The safe recipe adds a column of the new type, backfills it
    in batches, switches the code to it, and drops the old one later. The rule looks at SQL
    migrations, Alembic's `alter_column(type_=...)` (judged against `existing_type=` when it is
    given) and Django's AlterField, whose previous definition the migration history holds.

    ## Example
    ```python
    # billing/migrations/0009_invoiceline_quantity_precision.py
    from django.db import migrations, models


    class Migration(migrations.Migration):
        dependencies = [("billing", "0008_invoiceline")]
        operations = [
            migrations.AlterField(model_name="invoiceline", name="quantity",
                                  field=models.DecimalField(max_digits=8, decimal_places=3)),
        ]

    # billing/migrations/0008_invoiceline.py
    from django.db import migrations, models


    class Migration(migrations.Migration):
        dependencies = []
        operations = [
            migrations.CreateModel(name="InvoiceLine", fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("quantity", models.DecimalField(max_digits=8, decimal_places=2)),
            ]),
        ]
    ```

    ## Use instead
    ```python
    # billing/migrations/0009_invoiceline_quantity_precise.py
    from django.db import migrations, models


    class Migration(migrations.Migration):
        dependencies = [("billing", "0008_invoiceline")]
        operations = [
            migrations.AddField(model_name="invoiceline", name="quantity_precise",
                                field=models.DecimalField(max_digits=8, decimal_places=3, null=True)),
        ]

    # billing/migrations/0008_invoiceline.py
    from django.db import migrations, models


    class Migration(migrations.Migration):
        dependencies = []
        operations = [
            migrations.CreateModel(name="InvoiceLine", fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("quantity", models.DecimalField(max_digits=8, decimal_places=2)),
            ]),
        ]
    ```
    """

    code = "MIG104"
    name = "column-type-change"
    severity = Severity.WARNING
    languages = ("python", "sql")
    references = (SQUAWK_TYPE,)
    node_types = (nodes.Module,)

    def check(self, node: nodes.Module, ctx: RuleContext) -> Iterator[Finding]:
        positions = ctx.positions or Positions(ctx.text)
        if fresh_database_only(node):
            return
        if is_migration_module(ctx.relpath):
            for change in ctx.index.django_migrations.changes_in(ctx.relpath):
                described = _django_rewrite(change)
                operation = django_operation_at(node, change.line) if described else None
                if operation is not None:
                    yield ctx.finding(self, positions.span(operation),
                                      f"`{change.model}.{change.field}` {described}: {RISK}")
            return
        created = alembic_created_tables(node)
        for op in alembic_ops(node):
            new_type = keyword_argument(op, "type_")
            table = alembic_table_key(op)
            if op.func.attrname != "alter_column" or new_type is None or table in created:
                continue
            if _alembic_widening(keyword_argument(op, "existing_type"), new_type):
                continue
            column = alembic_column(op)
            yield ctx.finding(self, positions.span(op),
                              f"`{table}.{column}` changes type to `{new_type.as_string()}`: {RISK}")

    def check_deploy_sql(self, statement: Statement, ctx: RuleContext) -> Iterator[Finding]:
        created = self.created_sql_tables(ctx)
        for table, action in sql_altered_columns(statement):
            dtype = action.args.get("dtype")
            if dtype is not None and table not in created:
                yield ctx.finding(self, ctx.statement_span(statement),
                                  f"`{table}.{action.name}` changes type to `{dtype.sql('postgres')}`: {RISK}")


def _django_rewrite(change: FieldChange) -> str | None:
    """What about an AlterField makes PostgreSQL rewrite the table, or None. Fields of a package
    or of the project, whose column type is not known here, are left alone."""
    before, after = change.before, change.after
    old_type, new_type = COLUMN_TYPES.get(before.type), COLUMN_TYPES.get(after.type)
    if old_type is None or new_type is None:
        return None
    if old_type != new_type:
        if (old_type, new_type) == ("varchar", "text"):
            return None  # binary coercible: only the catalogue changes
        return f"changes from {before.type} to {after.type} ({old_type} to {new_type})"
    old, new = before.options.get("max_length"), after.options.get("max_length")
    if isinstance(old, int) and isinstance(new, int) and new < old:
        return f"shrinks from max_length={old} to {new}"
    for option in ("max_digits", "decimal_places"):
        old, new = before.options.get(option), after.options.get(option)
        if isinstance(old, int) and isinstance(new, int) and new != old and (new < old or option == "decimal_places"):
            return f"changes {option} from {old} to {new}"
    return None


def _alembic_widening(existing: nodes.NodeNG | None, new: nodes.NodeNG) -> bool:
    """`String(40)` to `String(80)` or to `Text()`: PostgreSQL changes only the catalogue."""
    if existing is None:
        return False
    (old_family, old_length), (new_family, new_length) = type_of(existing), type_of(new)
    if old_family == "string" and new_family == "text":
        return True
    return old_family == new_family == "string" and (new_length is None or (
        old_length is not None and new_length >= old_length))
