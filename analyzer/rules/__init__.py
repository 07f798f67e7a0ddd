"""The rule registry: one explicit tuple, checked by tests for unique codes and full documentation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .auth.cookies import UnprotectedCookie
from .auth.csrf import CsrfDisabled
from .auth.jwt_decode import UnverifiedJwt
from .auth.login_throttle import LoginWithoutRateLimit
from .auth.storage_read import CredentialFromWebStorage
from .auth.storage_write import CredentialInWebStorage
from .base import Rule
from .migrations.alembic_drift import UnmigratedSqlalchemyModel
from .migrations.blocking_index import BlockingIndexCreation
from .migrations.divergent_history import DivergentMigrationHistory
from .migrations.django_drift import UnmigratedDjangoModel
from .migrations.drop_in_use import DropWhileInUse
from .migrations.no_migrations import ModelsWithoutMigrations
from .migrations.no_rollback import MigrationWithoutRollback
from .migrations.rename import RenameWhileInUse
from .migrations.required_column import RequiredColumnWithoutDefault
from .migrations.runtime_ddl import DdlInApplicationCode
from .migrations.set_not_null import NotNullOnExistingColumn
from .migrations.type_change import ColumnTypeChange
from .migrations.unvalidated_constraint import ConstraintWithoutNotValid
from .tenant.django_query import UnfilteredDjangoQuery
from .tenant.raw_sql import UnfilteredRawSql
from .tenant.sqlalchemy_query import UnfilteredSqlalchemyQuery

if TYPE_CHECKING:
    from ..config import Config

ALL_RULES: tuple[type[Rule], ...] = (
    UnfilteredDjangoQuery,
    UnfilteredSqlalchemyQuery,
    UnfilteredRawSql,
    CredentialInWebStorage,
    CredentialFromWebStorage,
    UnprotectedCookie,
    CsrfDisabled,
    LoginWithoutRateLimit,
    UnverifiedJwt,
    UnmigratedDjangoModel,
    UnmigratedSqlalchemyModel,
    DdlInApplicationCode,
    MigrationWithoutRollback,
    ModelsWithoutMigrations,
    DivergentMigrationHistory,
    RequiredColumnWithoutDefault,
    BlockingIndexCreation,
    ConstraintWithoutNotValid,
    ColumnTypeChange,
    RenameWhileInUse,
    DropWhileInUse,
    NotNullOnExistingColumn,
)

__all__ = ["ALL_RULES", "Rule", "enabled_rules", "rule_by_code"]


def enabled_rules(config: Config) -> list[Rule]:
    return [rule() for rule in ALL_RULES if config.is_enabled(rule.code)]


def rule_by_code(code: str) -> type[Rule] | None:
    wanted = code.upper()
    for rule in ALL_RULES:
        if rule.code == wanted or rule.name == code.lower():
            return rule
    return None
