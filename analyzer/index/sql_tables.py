"""Pass 1 for SQL: the tables that `CREATE TABLE` statements declare, with their foreign keys.

Raw SQL is judged against these as well as against the ORM models' tables, so a project whose
schema lives only in .sql files or SQL migrations is still understood.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlglot import exp

from ..lang.sql import Statement
from .facts import TableInfo


def _table_name(table: exp.Expression | None) -> str | None:
    if isinstance(table, exp.Table) and table.name:
        return table.name.lower()
    return None


def _reference_table(reference: exp.Expression | None) -> str | None:
    if isinstance(reference, exp.Reference):
        schema = reference.this
        return _table_name(schema.this if isinstance(schema, exp.Schema) else schema)
    return None


def extract_tables(statements: list[Statement], relpath: str, script: str) -> list[TableInfo]:
    tables: list[TableInfo] = []
    for statement in statements:
        tree = statement.tree
        if not isinstance(tree, exp.Create) or str(tree.args.get("kind", "")).upper() != "TABLE":
            continue
        schema = tree.this
        if not isinstance(schema, exp.Schema):
            continue
        name = _table_name(schema.this)
        if not name:
            continue
        columns: dict[str, str | None] = {}
        primary_key = "id"
        for item in schema.expressions:
            if isinstance(item, exp.ColumnDef):
                reference = None
                for constraint in item.args.get("constraints") or ():
                    reference = reference or _reference_table(constraint.args.get("kind"))
                    if isinstance(constraint.args.get("kind"), exp.PrimaryKeyColumnConstraint):
                        primary_key = item.name.lower()
                columns[item.name.lower()] = reference
            elif isinstance(item, exp.PrimaryKey) and len(item.expressions) == 1:
                primary_key = item.expressions[0].name.lower()
        for foreign_key in schema.find_all(exp.ForeignKey):
            target = _reference_table(foreign_key.args.get("reference"))
            for column in foreign_key.expressions:
                columns[column.name.lower()] = target
        line = script.count("\n", 0, statement.start) + 1
        tables.append(TableInfo(name=name, columns=columns, path=relpath, line=line, primary_key=primary_key))
    return tables


def edition_folders(paths: Iterable[str]) -> list[str]:
    """Folders that hold another edition of the schema, longest first: `ee/` when both
    `scripts/schema/init.sql` and `ee/scripts/schema/init.sql` exist. An open-core project keeps
    its enterprise code and schema beside the community ones, and each edition's code is judged
    against its own schema: the community `projects` has no `tenant_id` to filter by."""
    known = set(paths)
    folders = set()
    for path in known:
        parts = path.split("/")
        for cut in range(1, len(parts) - 1):
            if "/".join(parts[cut:]) in known:
                folders.add("/".join(parts[:cut]) + "/")
    return sorted(folders, key=len, reverse=True)


def merge_editions(by_edition: dict[str, dict[str, TableInfo]]) -> dict[str, TableInfo]:
    """One table per name, from the schema outside any edition folder where it has one, with each
    edition's own definition kept beside it. A table only one edition defines is that one."""
    tables = dict(by_edition.get("", {}))
    for folder, defined in by_edition.items():
        if not folder:
            continue
        for name, table in defined.items():
            main = tables.setdefault(name, table)
            if main is not table:
                main.editions[folder] = table
    return tables
