"""MIG101: a NOT NULL column added to an existing table without a default."""

from __future__ import annotations

from collections.abc import Iterator

from astroid import nodes
from sqlglot import exp

from ...index.django_migrations import is_migration_module, operation_name
from ...index.django_schema import RELATIONS
from ...lang.migration_ops import (
    alembic_created_tables,
    alembic_ops,
    alembic_table_key,
    django_created_models,
    django_model_name,
    django_operations,
    fresh_database_only,
    sql_added_columns,
)
from ...lang.python import Positions, const_text, keyword_argument
from ...lang.sql import Statement
from ...model import Finding, Severity
from ..base import RuleContext
from . import MigrationRule

# Django gives existing rows an empty string when blank=True (the schema editor's effective default),
# except for these field classes, whose values are not strings; a project's own field class (netbox's
# ColorField) is taken for a string field.
NOT_STRING_FIELDS = frozenset({"IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField",
                               "PositiveBigIntegerField", "PositiveSmallIntegerField", "FloatField", "DecimalField",
                               "BooleanField", "DateField", "DateTimeField", "TimeField", "DurationField",
                               "UUIDField", "JSONField", "BinaryField", *RELATIONS})
SQUAWK_REQUIRED = "squawk: adding-required-field — https://squawkhq.com/docs/adding-required-field"


class RequiredColumnWithoutDefault(MigrationRule):
    """A NOT NULL column is added to an existing table without a default.

    ## Why is this bad?
    The table already has rows, and none of them has a value for the new column: PostgreSQL
    refuses the `ALTER TABLE` ("column contains null values") and the deploy stops half done;
    on an empty development database it worked. Give the column a server-side default (cheap
    since PostgreSQL 11: no table rewrite), or add it nullable, backfill it, and set NOT NULL in a
    later migration. Django's `AddField` needs `default=` (or `db_default=`), Alembic's
    `add_column` a `server_default=` (`default=` is applied by SQLAlchemy, not by the database).
    Tables created in the same migration are empty and left alone, and so are Django string
    fields with `blank=True`, which Django fills with an empty string for the existing rows.

    ## Example
    ```python
    # shop/migrations/0002_order_currency.py
    from django.db import migrations, models


    class Migration(migrations.Migration):
        dependencies = [("shop", "0001_initial")]
        operations = [
            migrations.AddField(model_name="order", name="currency", field=models.CharField(max_length=3)),
        ]
    ```

    ## Use instead
    ```python
    # shop/migrations/0002_order_currency.py
    from django.db import migrations, models


    class Migration(migrations.Migration):
        dependencies = [("shop", "0001_initial")]
        operations = [
            migrations.AddField(model_name="order", name="currency",
                                field=models.CharField(max_length=3, default="EUR")),
        ]
    ```
    """

    code = "MIG101"
    name = "required-column-without-default"
    severity = Severity.ERROR
    languages = ("python", "sql")
    references = (SQUAWK_REQUIRED,)
    node_types = (nodes.Module,)

    def check(self, node: nodes.Module, ctx: RuleContext) -> Iterator[Finding]:
        positions = ctx.positions or Positions(ctx.text)
        if fresh_database_only(node):
            return
        if is_migration_module(ctx.relpath):
            created = django_created_models(django_operations(node))
            for op in django_operations(node):
                if operation_name(op) != "AddField":
                    continue
                model = django_model_name(op)
                field = keyword_argument(op, "field") or (op.args[2] if len(op.args) > 2 else None)
                if model in created or not isinstance(field, nodes.Call) or not _django_required(field):
                    continue
                name = const_text(keyword_argument(op, "name") or (op.args[1] if len(op.args) > 1 else None))
                yield ctx.finding(self, positions.span(op),
                                  f"`{model}.{name}` is added NOT NULL with no default: the migration fails on a "
                                  "table that has rows; give it a `default=` or add it with `null=True` and "
                                  "backfill first")
            return
        created = alembic_created_tables(node)
        for op in alembic_ops(node):
            if op.func.attrname != "add_column":
                continue
            table = alembic_table_key(op)
            column = next((a for a in op.args if isinstance(a, nodes.Call) and
                           (getattr(a.func, "attrname", None) or getattr(a.func, "name", "")) == "Column"), None)
            if table in created or column is None or not _alembic_required(column):
                continue
            name = const_text(column.args[0]) if column.args else None
            yield ctx.finding(self, positions.span(op),
                              f"`{table}.{name}` is added with nullable=False and no server_default: the "
                              "migration fails on a table that has rows; add a `server_default=` or add it "
                              "nullable and backfill first")

    def check_deploy_sql(self, statement: Statement, ctx: RuleContext) -> Iterator[Finding]:
        created = self.created_sql_tables(ctx)
        for table, column in sql_added_columns(statement):
            kinds = {type(c.args.get("kind")) for c in column.args.get("constraints") or ()}
            if exp.NotNullColumnConstraint in kinds and exp.DefaultColumnConstraint not in kinds and \
                    table not in created:
                yield ctx.finding(self, ctx.statement_span(statement),
                                  f"`{table}.{column.name}` is added NOT NULL with no DEFAULT: the migration fails "
                                  "on a table that has rows; add a DEFAULT or add it nullable and backfill first")



def _django_required(field: nodes.Call) -> bool:
    kind = (getattr(field.func, "attrname", None) or getattr(field.func, "name", ""))
    if kind in ("ManyToManyField",) or (kind not in RELATIONS and not kind.endswith("Field")):
        return False
    if any(k.arg is None for k in field.keywords or ()):
        return False
    given = {k.arg for k in field.keywords or ()}
    null = keyword_argument(field, "null")
    if null is not None and not (isinstance(null, nodes.Const) and null.value is False):
        return False
    blank = keyword_argument(field, "blank")
    if kind not in NOT_STRING_FIELDS and isinstance(blank, nodes.Const) and blank.value is True:
        return False  # Django fills existing rows with "" (the field's effective default)
    auto = kind.endswith("AutoField") or (kind in ("DateTimeField", "DateField") and bool(
        given & {"auto_now", "auto_now_add"}))
    return not (given & {"default", "db_default"}) and not auto


def _alembic_required(column: nodes.Call) -> bool:
    nullable = keyword_argument(column, "nullable")
    primary = keyword_argument(column, "primary_key")
    if not (isinstance(nullable, nodes.Const) and nullable.value is False):
        return False  # Column() is nullable unless told otherwise
    if isinstance(primary, nodes.Const) and primary.value is True:
        return False
    return keyword_argument(column, "server_default") is None and keyword_argument(column, "server_onupdate") is None
