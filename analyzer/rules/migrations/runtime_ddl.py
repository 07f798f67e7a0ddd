"""MIG003: the schema changed by the application as it runs, outside any migration."""

from __future__ import annotations

import re
from collections.abc import Iterator

from astroid import nodes

from ...config import Config
from ...lang.python import Positions
from ...lang.python_strings import string_value
from ...lang.sql import is_schema_statement
from ...lang.sql_calls import sql_argument
from ...model import Finding, Severity
from ...workspace import is_test_file, path_spec
from ..base import Rule, RuleContext

DDL = re.compile(r"^\s*(?:--[^\n]*\n\s*)*(create|alter|drop|truncate|rename)\b(?!\s+(?:temp|temporary)\b)", re.I)
TEMPORARY = re.compile(r"^\s*(?:--[^\n]*\n\s*)*(?:create|drop)\s+(?:(?:global|local)\s+)?(?:temp|temporary)\b|"
                       r"^\s*(?:--[^\n]*\n\s*)*drop\s+table\s+(?:if\s+exists\s+)?(?:pg_temp\.|temp_|tmp_)", re.I)
SCHEMA_CALLS = frozenset({"create_all", "drop_all"})
# Where running DDL by hand is the point: one-off scripts, commands, database set-up for a CLI.
SCRIPT_FOLDERS = frozenset({"scripts", "script", "management", "commands", "cli", "bin", "tools", "devtools"})
MIGRATION_FILES = frozenset({"migrations.py", "migration.py", "migrate.py", "schema_migrations.py"})
SCRIPT_FILES = frozenset({"cli", "manage", "commands", "setup_db", "init_db", "seed"})
ALEMBIC_AUTOGENERATE = ("Alembic: Auto Generating Migrations — "
                        "https://alembic.sqlalchemy.org/en/latest/autogenerate.html")


class DdlInApplicationCode(Rule):
    """The application creates, alters or drops tables itself, outside any migration.

    ## Why is this bad?
    `db.create_all()` at start-up and `cursor.execute("ALTER TABLE ...")` in a view change
    the schema with no record of it: the migration history no longer describes the database,
    the next `makemigrations` or `alembic revision --autogenerate` writes the change again, and
    a fresh environment gets whatever the code happened to run. Two processes starting at once
    race to run the same DDL, and ALTER TABLE takes locks in production that no deploy plan
    accounted for. Statements are classified by their leading keyword (temporary tables are
    left alone); migration folders and tests are not checked, and scripts and management
    commands get warnings.

    ## Example
    ```python
    from flask import Flask

    from app.models import db


    def create_app():
        app = Flask(__name__)
        db.init_app(app)
        with app.app_context():
            db.create_all()
        return app
    ```

    ## Use instead
    ```python
    from flask import Flask
    from flask_migrate import Migrate

    from app.models import db


    def create_app():
        app = Flask(__name__)
        db.init_app(app)
        Migrate(app, db)  # schema changes go through `flask db migrate` / `flask db upgrade`
        return app
    ```
    """

    code = "MIG003"
    name = "ddl-in-application-code"
    severity = Severity.ERROR
    languages = ("python",)
    references = (ALEMBIC_AUTOGENERATE,)
    local_to_statement = True
    node_types = (nodes.Call,)

    def applies_to_path(self, relpath: str, language: str, config: Config) -> bool:
        if is_test_file(relpath) or path_spec(config.migrations.paths).match_file(relpath):
            return False
        return relpath.rsplit("/", 1)[-1] not in MIGRATION_FILES  # a project's own migration runner

    def check(self, node: nodes.Call, ctx: RuleContext) -> Iterator[Finding]:
        positions = ctx.positions or Positions(ctx.text)
        parts = ctx.relpath.removesuffix(".py").split("/")
        severity = Severity.WARNING if SCRIPT_FOLDERS & set(parts[:-1]) or parts[-1] in SCRIPT_FILES else self.severity
        func = node.func
        if isinstance(func, nodes.Attribute) and func.attrname in SCHEMA_CALLS:
            yield ctx.finding(self, positions.span(node),
                              f"`{func.attrname}()` builds the schema from the models as the application runs, "
                              "outside the migration history: create and apply a migration instead",
                              severity=severity)
            return
        argument = sql_argument(node)
        value = string_value(argument, positions) if argument is not None else None
        if value is None:
            return
        match = DDL.match(value.text)
        if match is None or TEMPORARY.match(value.text) or \
                not is_schema_statement(value.text, ctx.config.sql.dialect):
            return
        keyword = match.group(1).upper()
        yield ctx.finding(self, positions.span(argument),
                          f"{keyword} runs from application code, outside any migration: the migration history no "
                          "longer describes the database; move it into a migration", severity=severity)
