"""MIG: schema changes that no migration records, and migrations that break or lock production."""

from __future__ import annotations

from ...lang.migration_ops import is_migration_file, sql_created_tables
from ...workspace import path_spec
from ..base import Rule, RuleContext

DJANGO_MIGRATIONS_DOCS = ("Django: Migrations — https://docs.djangoproject.com/en/stable/topics/migrations/")


class MigrationRule(Rule):
    """A rule about migration files: Django migration modules, Alembic revisions, SQL migrations."""

    def applies_to(self, ctx: RuleContext) -> bool:
        return is_migration_file(ctx.relpath, ctx.language, path_spec(ctx.config.migrations.paths).match_file)

    @staticmethod
    def created_sql_tables(ctx: RuleContext) -> set[str]:
        """Tables a SQL migration creates (empty when its later statements run), read once per file."""
        if "created_tables" not in ctx.memo:
            ctx.memo["created_tables"] = sql_created_tables(ctx.statements)
        return ctx.memo["created_tables"]
