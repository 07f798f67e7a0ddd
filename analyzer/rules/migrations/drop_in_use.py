"""MIG106: a column or table dropped while the models still use it."""

from __future__ import annotations

from collections.abc import Iterator

from astroid import nodes
from sqlglot import exp

from ...index import ModelInfo, ProjectIndex
from ...index.django_migrations import is_migration_module, operation_name
from ...lang.migration_ops import (
    alembic_column,
    alembic_ops,
    alembic_table,
    alter_table_actions,
    django_model_name,
    django_operations,
    fresh_database_only,
)
from ...lang.python import Positions, const_text, keyword_argument
from ...lang.sql import Statement
from ...model import Finding, Severity, Span
from ..base import RuleContext
from . import MigrationRule

SQUAWK_DROP_COLUMN = "squawk: ban-drop-column — https://squawkhq.com/docs/ban-drop-column"
SQUAWK_DROP_TABLE = "squawk: ban-drop-table — https://squawkhq.com/docs/ban-drop-table"
ADVICE = ("remove it from the models and release that first, then drop it in a later migration")


class DropWhileInUse(MigrationRule):
    """A migration drops a column or table that a model still maps.

    ## Why is this bad?
    The model still reads and writes what the migration drops, so every query that selects it
    fails with "column does not exist" as soon as the migration commits, in the release being
    deployed and in the one still running alongside it. Dropping is the last of two steps:
    first release code that no longer uses the column (remove the field from the model, or
    stop mapping it with `deferred` or `exclude_properties`), then drop it in a later
    migration. The rule looks at Django's `RemoveField` and `DeleteModel`, Alembic's
    `drop_column` and `drop_table`, and SQL `DROP TABLE` and `ALTER TABLE ... DROP COLUMN`, and
    reports only what a model of the project still declares.

    ## Example
    ```python
    # shop/migrations/0005_remove_order_notes.py
    from django.db import migrations


    class Migration(migrations.Migration):
        dependencies = [("shop", "0004_order_notes")]
        operations = [migrations.RemoveField(model_name="order", name="notes")]

    # shop/models.py
    from django.db import models


    class Order(models.Model):
        number = models.CharField(max_length=20)
        notes = models.TextField(blank=True)
    ```

    ## Use instead
    ```python
    # shop/migrations/0005_remove_order_notes.py
    from django.db import migrations


    class Migration(migrations.Migration):
        dependencies = [("shop", "0004_order_notes")]
        operations = [migrations.RemoveField(model_name="order", name="notes")]

    # shop/models.py
    from django.db import models


    class Order(models.Model):
        number = models.CharField(max_length=20)
    ```
    """

    code = "MIG106"
    name = "drop-while-in-use"
    severity = Severity.ERROR
    languages = ("python", "sql")
    references = (SQUAWK_DROP_COLUMN, SQUAWK_DROP_TABLE)
    node_types = (nodes.Module,)

    def check(self, node: nodes.Module, ctx: RuleContext) -> Iterator[Finding]:
        positions = ctx.positions or Positions(ctx.text)
        if fresh_database_only(node):
            return
        if is_migration_module(ctx.relpath):
            yield from self._django(node, ctx, positions)
            return
        for op in alembic_ops(node):
            kind = op.func.attrname
            table = alembic_table(op)
            if kind == "drop_table" and table and _model_of_table(table, ctx.index):
                yield ctx.finding(self, positions.span(op), f"`{table}` is dropped while "
                                  f"`{_model_of_table(table, ctx.index).name}` still maps it: {ADVICE}")
            elif kind == "drop_column" and table:
                yield from self._column(table, alembic_column(op), positions.span(op), ctx)

    def _django(self, module: nodes.Module, ctx: RuleContext, positions: Positions) -> Iterator[Finding]:
        app = ctx.index.django_migrations.app_of(ctx.relpath)
        operations = django_operations(module)
        for position, op in enumerate(operations):
            kind = operation_name(op)
            if kind not in ("RemoveField", "DeleteModel"):
                continue
            name = django_model_name(op, "name" if kind == "DeleteModel" else "model_name")
            if _added_again(op, operations[position + 1:]):
                continue  # dropped and rebuilt in one migration: the model's table is there when it commits
            model = next((m for m in ctx.index.models_named(name, ignore_case=True)
                          if m.framework == "django" and not m.abstract and
                          ctx.index.django_migrations.label(m) == app), None)
            if model is None:
                continue
            if kind == "DeleteModel":
                yield ctx.finding(self, positions.span(op), f"DeleteModel drops `{model.name}`'s table while "
                                                            f"the model still declares it: {ADVICE}")
                continue
            field = const_text(keyword_argument(op, "name") or (op.args[1] if len(op.args) > 1 else None))
            if field and field in model.fields:
                yield ctx.finding(self, positions.span(op), f"RemoveField drops `{model.name}.{field}` while the "
                                                            f"model still declares it: {ADVICE}")

    def _column(self, table: str, column: str | None, span: Span, ctx: RuleContext) -> Iterator[Finding]:
        model = _model_of_table(table, ctx.index)
        if model is not None and column and column in {f.column for f in model.fields.values()
                                                       if f.kind not in ("m2m", "relationship")}:
            yield ctx.finding(self, span, f"`{table}.{column}` is dropped while `{model.name}` still maps it: "
                                          f"{ADVICE}")

    def check_deploy_sql(self, statement: Statement, ctx: RuleContext) -> Iterator[Finding]:
        tree = statement.tree
        if isinstance(tree, exp.Drop) and (tree.args.get("kind") or "").upper() == "TABLE":
            for table in tree.args.get("tables") or ([tree.this] if tree.this is not None else []):
                model = _model_of_table(table.name.lower(), ctx.index)
                if model is not None:
                    yield ctx.finding(self, ctx.statement_span(statement),
                                      f"`{table.name}` is dropped while `{model.name}` still maps it: {ADVICE}")
            return
        for table, action in alter_table_actions(statement):
            if isinstance(action, exp.Drop) and (action.args.get("kind") or "").upper() == "COLUMN":
                for column in action.args.get("tables") or ():
                    yield from self._column(table, column.name, ctx.statement_span(statement), ctx)


def _added_again(dropped: nodes.Call, later: list[nodes.Call]) -> bool:
    """A CreateModel of the model a DeleteModel dropped, or an AddField of the field a
    RemoveField dropped, further down the same migration."""
    if operation_name(dropped) == "DeleteModel":
        name = django_model_name(dropped, "name")
        return any(operation_name(op) == "CreateModel" and django_model_name(op, "name") == name for op in later)
    model, field = django_model_name(dropped), const_text(keyword_argument(dropped, "name"))
    return any(operation_name(op) == "AddField" and django_model_name(op) == model and
               const_text(keyword_argument(op, "name")) == field for op in later)


def _model_of_table(table: str, index: ProjectIndex) -> ModelInfo | None:
    info = index.table(table)
    return index.model(info.model) if info is not None and info.model else None
