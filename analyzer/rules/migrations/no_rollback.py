"""MIG004: a migration that cannot be rolled back."""

from __future__ import annotations

import re
from collections.abc import Iterator

from astroid import nodes

from ...fixes.alembic_downgrade import downgrade_edits
from ...index.django_migrations import is_migration_module, operation_name
from ...lang.migration_ops import DBMATE_DOWN, DBMATE_UP
from ...lang.python import Positions, keyword_argument
from ...model import Finding, Fix, FixSafety, Severity, Span
from ..base import RuleContext
from . import DJANGO_MIGRATIONS_DOCS, MigrationRule

ALEMBIC_DOWNGRADES = ("Alembic: Tutorial, running downgrades — "
                      "https://alembic.sqlalchemy.org/en/latest/tutorial.html#downgrading")


GOLANG_MIGRATE = ("golang-migrate: Migration files — "
                  "https://github.com/golang-migrate/migrate/blob/master/MIGRATIONS.md")
DBMATE = "dbmate: Creating migrations — https://github.com/amacneil/dbmate#creating-migrations"


class MigrationWithoutRollback(MigrationRule):
    """A migration has no way back: a data migration without reverse code, an empty downgrade.

    ## Why is this bad?
    A deploy that goes wrong is undone by migrating back to the previous release. Django
    cannot reverse a `RunPython` without `reverse_code` or a `RunSQL` without `reverse_sql`
    ("Operation ... is not reversible"), and stops the rollback there; an Alembic `downgrade()`
    that is empty or raises leaves the schema of the new release under the old code, and so do a
    golang-migrate `.up.sql` without its `.down.sql` and a dbmate file whose `-- migrate:down`
    section is missing or empty. Say what undoing means, even when it is nothing:
    `reverse_code=migrations.RunPython.noop` and `reverse_sql=migrations.RunSQL.noop` are
    rollback paths.

    ## Fix
    For an Alembic revision whose upgrade() only creates tables, adds columns, creates indexes
    or constraints, or renames tables, writes a downgrade() that undoes each step in reverse
    order. Unsafe: dropping what the upgrade created loses the data written since, which is
    what a downgrade means but should be read before it runs.

    ## Example
    ```python
    # billing/migrations/0002_backfill_currency.py
    from django.db import migrations


    def backfill(apps, schema_editor):
        apps.get_model("billing", "Invoice").objects.filter(currency="").update(currency="EUR")


    class Migration(migrations.Migration):
        dependencies = [("billing", "0001_initial")]
        operations = [migrations.RunPython(backfill)]
    ```

    ## Use instead
    ```python
    # billing/migrations/0002_backfill_currency.py
    from django.db import migrations


    def backfill(apps, schema_editor):
        apps.get_model("billing", "Invoice").objects.filter(currency="").update(currency="EUR")


    class Migration(migrations.Migration):
        dependencies = [("billing", "0001_initial")]
        operations = [migrations.RunPython(backfill, reverse_code=migrations.RunPython.noop)]
    ```
    """

    code = "MIG004"
    name = "migration-without-rollback"
    severity = Severity.WARNING
    languages = ("python", "sql")
    references = (DJANGO_MIGRATIONS_DOCS, ALEMBIC_DOWNGRADES, GOLANG_MIGRATE, DBMATE)
    node_types = (nodes.Call, nodes.FunctionDef)
    fixable = True

    def check(self, node: nodes.NodeNG, ctx: RuleContext) -> Iterator[Finding]:
        positions = ctx.positions or Positions(ctx.text)
        if isinstance(node, nodes.Call) and is_migration_module(ctx.relpath):
            kind = operation_name(node)
            if kind == "RunPython" and len(node.args) < 2 and keyword_argument(node, "reverse_code") is None:
                yield ctx.finding(self, positions.span(node),
                                  "RunPython has no `reverse_code`: this migration cannot be rolled back; pass the "
                                  "function that undoes it, or `migrations.RunPython.noop` if nothing needs undoing")
            elif kind == "RunSQL" and len(node.args) < 2 and keyword_argument(node, "reverse_sql") is None:
                yield ctx.finding(self, positions.span(node),
                                  "RunSQL has no `reverse_sql`: this migration cannot be rolled back; give the SQL "
                                  "that undoes it, or `migrations.RunSQL.noop`")
        elif isinstance(node, nodes.FunctionDef) and node.name == "downgrade" and \
                isinstance(node.parent, nodes.Module) and ctx.index.alembic.revisions and _undoes_nothing(node) \
                and not _upgrade_does_nothing(node.parent):  # a merge revision: nothing to undo
            edits = downgrade_edits(node.parent, node, positions, ctx.relpath)
            fixes = [Fix(title="Write downgrade() from upgrade()", safety=FixSafety.UNSAFE, edits=tuple(edits))] \
                if edits else []
            yield ctx.finding(self, positions.name_span(node),
                              "this revision's downgrade() does nothing: `alembic downgrade` will leave its schema "
                              "changes in place under the previous release; undo each upgrade operation here",
                              fixes=fixes)


    def check_sql_file(self, ctx: RuleContext) -> Iterator[Finding]:
        """golang-migrate's `N_name.up.sql` needs its `N_name.down.sql`; dbmate's `-- migrate:up`
        needs a `-- migrate:down` section with a statement in it. Reported on the first statement
        the rollback could not undo."""
        first = ctx.statement_span(ctx.statements[0]) if ctx.statements else Span(line=1, column=1, end_line=1,
                                                                                   end_column=1)
        if ctx.relpath.endswith(".up.sql"):
            down = ctx.relpath.removesuffix(".up.sql") + ".down.sql"
            if down not in ctx.index.sql_migrations:
                yield ctx.finding(self, first, f"no `{down.rsplit('/', 1)[-1]}` beside this migration: `migrate "
                                               "down` cannot undo it; write the statements that reverse it there")
            return
        if DBMATE_UP.search(ctx.text) is None:
            return
        down = DBMATE_DOWN.search(ctx.text)
        if down is None or not _has_statement(ctx.text[down.end():]):
            yield ctx.finding(self, first, "this migration's `-- migrate:down` section is missing or empty: `dbmate "
                                           "rollback` cannot undo it; write the statements that reverse "
                                           "`-- migrate:up` there")


def _has_statement(sql: str) -> bool:
    without_comments = re.sub(r"--[^\n]*|/\*.*?\*/", "", sql, flags=re.S)
    return bool(without_comments.strip(" \t\r\n;"))


def _undoes_nothing(function: nodes.FunctionDef) -> bool:
    """`pass`, `...`, a docstring, or raising: no way back."""
    body = [s for s in function.body if not (isinstance(s, nodes.Expr) and isinstance(s.value, nodes.Const))]
    return all(isinstance(s, (nodes.Pass, nodes.Raise)) for s in body)


def _upgrade_does_nothing(module: nodes.Module) -> bool:
    upgrade = next((f for f in module.body if isinstance(f, nodes.FunctionDef) and f.name == "upgrade"), None)
    return upgrade is not None and _undoes_nothing(upgrade) and not any(
        isinstance(s, nodes.Raise) for s in upgrade.body)
