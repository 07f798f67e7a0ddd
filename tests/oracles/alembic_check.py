"""Alembic's own verdict on a project's models, for the MIG002 oracle test.

Run in a subprocess from the project's folder with DATABASE_URL naming an empty SQLite file:
upgrades it to every head, then compares the models' metadata with the database as
`alembic check` does, and prints one JSON object per difference. The argument names the
declarative base, `app.models:Base`.
"""

from __future__ import annotations

import importlib
import json
import os
import sys

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext

KINDS = {"add_table": "create_table", "remove_table": "drop_table", "add_column": "add_column",
         "remove_column": "drop_column", "add_index": "create_index", "remove_index": "drop_index"}


def described(diff) -> dict:
    if isinstance(diff, list):  # modify_type, modify_nullable...: one column
        _, _, table, column, *_ = diff[0]
        return {"kind": "alter_column", "table": table, "column": column}
    kind = diff[0]
    if kind in ("add_table", "remove_table"):
        return {"kind": KINDS[kind], "table": diff[1].name, "column": None}
    if kind in ("add_column", "remove_column"):
        return {"kind": KINDS[kind], "table": diff[2], "column": diff[3].name}
    if kind in ("add_index", "remove_index"):
        index = diff[1]
        return {"kind": KINDS[kind], "table": index.table.name, "column": ",".join(c.name for c in index.columns)}
    return {"kind": kind, "table": None, "column": None}


def main() -> None:
    module, _, name = sys.argv[1].partition(":")
    metadata = getattr(importlib.import_module(module), name).metadata
    command.upgrade(Config("alembic.ini"), "heads")
    with sa.create_engine(os.environ["DATABASE_URL"]).connect() as connection:
        for diff in compare_metadata(MigrationContext.configure(connection), metadata):
            print(json.dumps(described(diff)))


if __name__ == "__main__":
    main()
