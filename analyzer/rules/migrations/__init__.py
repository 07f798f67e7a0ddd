"""MIG: schema changes that no migration records, and migrations that break or lock production."""

from __future__ import annotations

from collections.abc import Iterator

from ...config import Config
from ...lang.migration_ops import is_migration_file, rollback_offset, sql_created_tables
from ...lang.sql import Statement
from ...model import Finding
from ...workspace import path_spec
from ..base import Rule, RuleContext

DJANGO_MIGRATIONS_DOCS = ("Django: Migrations — https://docs.djangoproject.com/en/stable/topics/migrations/")


class MigrationRule(Rule):
    """A rule about migration files: Django migration modules, Alembic revisions, SQL migrations."""

    def applies_to_path(self, relpath: str, language: str, config: Config) -> bool:
        return is_migration_file(relpath, language, path_spec(config.migrations.paths).match_file)

    def check_sql(self, statement: Statement, ctx: RuleContext) -> Iterator[Finding]:
        """Only what runs on deploy: the statements of a dbmate `-- migrate:down` section run on
        rollback, and are the rollback path, not a hazard of the deploy."""
        if statement.start >= self.rollback_offset(ctx):
            return iter(())
        return self.check_deploy_sql(statement, ctx)

    def check_deploy_sql(self, statement: Statement, ctx: RuleContext) -> Iterator[Finding]:
        return iter(())

    @staticmethod
    def rollback_offset(ctx: RuleContext) -> int:
        if "rollback_offset" not in ctx.memo:
            ctx.memo["rollback_offset"] = rollback_offset(ctx.text)
        return ctx.memo["rollback_offset"]

    @classmethod
    def created_sql_tables(cls, ctx: RuleContext) -> set[str]:
        """Tables a SQL migration creates on deploy (empty when its later statements run), read once
        per file."""
        if "created_tables" not in ctx.memo:
            offset = cls.rollback_offset(ctx)
            ctx.memo["created_tables"] = sql_created_tables([s for s in ctx.statements if s.start < offset])
        return ctx.memo["created_tables"]
