"""MIG102: an index built on an existing PostgreSQL table without CONCURRENTLY."""

from __future__ import annotations

from collections.abc import Iterator

from astroid import nodes
from sqlglot import exp

from ...config import Config
from ...index.django_migrations import is_migration_module, operation_name
from ...lang.migration_ops import (
    alembic_created_tables,
    alembic_ops,
    alembic_table_key,
    django_created_models,
    django_model_name,
    django_operations,
    fresh_database_only,
)
from ...lang.python import Positions, keyword_argument
from ...lang.python_strings import string_value
from ...lang.sql import Statement, parse_script
from ...model import Finding, Severity
from ..base import RuleContext
from . import MigrationRule

SQUAWK_CONCURRENT = ("squawk: require-concurrent-index-creation — "
                     "https://squawkhq.com/docs/require-concurrent-index-creation")


def _created_index_table(tree: exp.Expression | None) -> str | None:
    """The table of a `CREATE INDEX` that is not CONCURRENTLY."""
    if not isinstance(tree, exp.Create) or (tree.args.get("kind") or "").upper() != "INDEX" or \
            tree.args.get("concurrently"):
        return None
    table = tree.find(exp.Table)
    return table.name.lower() if table is not None else ""


class BlockingIndexCreation(MigrationRule):
    """An index is built on an existing table without CONCURRENTLY, blocking every write meanwhile.

    ## Why is this bad?
    `CREATE INDEX` takes a lock that blocks INSERT, UPDATE and DELETE on the table until the
    index is built: minutes on a large table, during which every request that writes to it waits
    and then times out. PostgreSQL builds it without blocking writes with `CREATE INDEX
    CONCURRENTLY` (outside a transaction): Django's `AddIndexConcurrently` (from
    `django.contrib.postgres.operations`, in a migration with `atomic = False`), Alembic's
    `op.create_index(..., postgresql_concurrently=True)` inside `op.get_context().autocommit_block()`.
    Indexes on tables created in the same migration, and initial or squashed Django migrations,
    are left alone. Only checked when the SQL dialect is PostgreSQL (the default).

    ## Example
    ```python
    # shop/migrations/0003_order_status_index.py
    from django.db import migrations, models


    class Migration(migrations.Migration):
        dependencies = [("shop", "0002_order_status")]
        operations = [
            migrations.AddIndex(model_name="order", index=models.Index(fields=["status"], name="order_status_idx")),
        ]
    ```

    ## Use instead
    ```python
    # shop/migrations/0003_order_status_index.py
    from django.contrib.postgres.operations import AddIndexConcurrently
    from django.db import migrations, models


    class Migration(migrations.Migration):
        atomic = False
        dependencies = [("shop", "0002_order_status")]
        operations = [
            AddIndexConcurrently(model_name="order", index=models.Index(fields=["status"], name="order_status_idx")),
        ]
    ```
    """

    code = "MIG102"
    name = "blocking-index-creation"
    severity = Severity.WARNING
    languages = ("python", "sql")
    references = (SQUAWK_CONCURRENT,)
    node_types = (nodes.Module,)

    def applies_to_path(self, relpath: str, language: str, config: Config) -> bool:
        return config.sql.dialect in ("postgres", "postgresql") and super().applies_to_path(relpath, language, config)

    def check(self, node: nodes.Module, ctx: RuleContext) -> Iterator[Finding]:
        positions = ctx.positions or Positions(ctx.text)
        if fresh_database_only(node):
            return
        if is_migration_module(ctx.relpath):
            operations = django_operations(node)
            created = django_created_models(operations)
            for op in operations:
                kind = operation_name(op)
                model = django_model_name(op)
                if kind == "AddIndex" and model not in created:
                    yield ctx.finding(self, positions.span(op),
                                      f"AddIndex on `{model}` blocks writes to its table while the index builds: use "
                                      "AddIndexConcurrently (django.contrib.postgres.operations) in a migration with "
                                      "`atomic = False`")
                elif kind == "RunSQL":
                    sql = string_value(keyword_argument(op, "sql") or op.args[0], positions) if op.args or \
                        keyword_argument(op, "sql") else None
                    tables = [_created_index_table(s.tree) for s in parse_script(sql.text, ctx.config.sql.dialect)] \
                        if sql is not None else []
                    table = next((t for t in tables if t is not None), None)
                    if table is not None:
                        yield ctx.finding(self, positions.span(op),
                                          f"CREATE INDEX on `{table}` blocks writes to it while the index builds: "
                                          "use CREATE INDEX CONCURRENTLY in a migration with `atomic = False`")
            return
        created = alembic_created_tables(node)
        for op in alembic_ops(node):
            if op.func.attrname != "create_index":
                continue
            table = alembic_table_key(op, position=1)
            concurrently = keyword_argument(op, "postgresql_concurrently")
            if table in created or (isinstance(concurrently, nodes.Const) and concurrently.value is True):
                continue
            yield ctx.finding(self, positions.span(op),
                              f"create_index on `{table}` blocks writes to it while the index builds: pass "
                              "`postgresql_concurrently=True` inside `op.get_context().autocommit_block()`")

    def check_deploy_sql(self, statement: Statement, ctx: RuleContext) -> Iterator[Finding]:
        table = _created_index_table(statement.tree)
        if table is None or table in self.created_sql_tables(ctx):
            return
        yield ctx.finding(self, ctx.statement_span(statement),
                          f"CREATE INDEX on `{table}` blocks writes to it while the index builds: use CREATE INDEX "
                          "CONCURRENTLY (outside a transaction)")

