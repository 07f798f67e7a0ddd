"""The schema operations of one migration file, whatever wrote it: Django, Alembic or SQL.

Rules about dangerous migrations ask the same questions of all three: which tables does this
migration create (a new table is empty, so what locks or fails on a full one is harmless there),
and which operations does it run. The answers are syntactic and never run anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from astroid import nodes
from sqlglot import exp

from .python import const_text, dotted_name, keyword_argument, safe_infer
from .sql import Statement

# dbmate keeps both directions in one file, after these markers.
DBMATE_UP = re.compile(r"^--\s*migrate:up\b", re.M)
DBMATE_DOWN = re.compile(r"^--\s*migrate:down\b[^\n]*", re.M)


def rollback_offset(text: str) -> int:
    """Where the statements that run on rollback start in a SQL migration: dbmate's
    `-- migrate:down` section; the end of the text for any other file."""
    down = DBMATE_DOWN.search(text) if DBMATE_UP.search(text) else None
    return down.start() if down is not None else len(text) + 1


def is_migration_file(relpath: str, language: str, migration_paths: Callable[[str], bool]) -> bool:
    """A Django migration module, an Alembic revision, or a .sql file in a migration folder."""
    folders = relpath.split("/")[:-1]
    if language == "sql":
        return migration_paths(relpath)
    return relpath.endswith(".py") and not relpath.endswith("__init__.py") and (
        (folders[-1:] == ["migrations"]) or "versions" in folders)


def alembic_ops(module: nodes.Module) -> list[nodes.Call]:
    """`op.add_column(...)` and the like in `upgrade()`, batch operations included."""
    upgrade = next((f for f in module.body if isinstance(f, nodes.FunctionDef) and f.name == "upgrade"), None)
    if upgrade is None:
        return []
    return [call for call in upgrade.nodes_of_class(nodes.Call)
            if isinstance(call.func, nodes.Attribute) and (dotted_name(call.func.expr) or "").split(".")[0]
            in ("op", *BATCH_NAMES)]


BATCH_NAMES = ("batch_op", "batch")


def is_batch_op(call: nodes.Call) -> bool:
    """`batch_op.add_column(...)` inside `with op.batch_alter_table(...)`: no table argument."""
    return isinstance(call.func, nodes.Attribute) and (dotted_name(call.func.expr) or "") in BATCH_NAMES


def alembic_column(call: nodes.Call) -> str | None:
    """The column an alter_column or drop_column names: the argument after the table, or the
    first one of a batch operation."""
    position = 0 if is_batch_op(call) else 1
    return literal_text(call.args[position] if len(call.args) > position else keyword_argument(call, "column_name"))


def alembic_table(call: nodes.Call, position: int = 0) -> str | None:
    """The table an Alembic operation names: its first string argument or `table_name=`."""
    if is_batch_op(call):
        return _batch_table(call)  # batch operations name no table: the `with` does
    value = keyword_argument(call, "table_name") or (call.args[position] if len(call.args) > position else None)
    text = literal_text(value)
    return text.lower() if text else None


def literal_text(node: nodes.NodeNG | None) -> str | None:
    """A string literal, or a name bound to one (`TABLE = "orders"` at the top of a revision)."""
    if isinstance(node, nodes.Name):
        node = safe_infer(node)
    return const_text(node)


def _batch_table(call: nodes.Call) -> str | None:
    """`with op.batch_alter_table("orders") as batch_op: batch_op.add_column(...)`."""
    current = call.parent
    while current is not None and not isinstance(current, nodes.With):
        current = current.parent
    if current is None:
        return None
    for item, _ in current.items:
        if isinstance(item, nodes.Call) and (name := literal_text(item.args[0] if item.args else
                                                                 keyword_argument(item, "table_name"))):
            return name.lower()
    return None


def alembic_table_key(call: nodes.Call, position: int = 0) -> str | None:
    """The table an operation names, or the code that computes it (`f"{prefix}users"`), so that
    an index on a table created a few lines up is known as such whatever its name."""
    table = alembic_table(call, position)
    if table is not None or is_batch_op(call):
        return table
    value = keyword_argument(call, "table_name") or (call.args[position] if len(call.args) > position else None)
    return value.as_string() if value is not None else None


def alembic_created_tables(module: nodes.Module) -> set[str]:
    """Tables an Alembic revision creates, by name or by the code that computes the name."""
    return {table for call in alembic_ops(module) if call.func.attrname == "create_table"
            and (table := alembic_table_key(call)) is not None}


def django_operations(module: nodes.Module) -> list[nodes.Call]:
    cls = next((c for c in module.body if isinstance(c, nodes.ClassDef) and c.name == "Migration"), None)
    for statement in cls.body if cls is not None else ():
        if isinstance(statement, nodes.Assign) and isinstance(statement.targets[0], nodes.AssignName) and \
                statement.targets[0].name == "operations":
            return [op for op in getattr(statement.value, "elts", ()) if isinstance(op, nodes.Call)]
    return []


def django_operation_at(module: nodes.Module, line: int) -> nodes.Call | None:
    """The operation of a Django migration that starts on `line` (where the replay saw it)."""
    return next((op for op in django_operations(module) if op.lineno == line), None)


def django_model_name(operation: nodes.Call, argument: str = "model_name") -> str:
    """The lower-cased model an operation names (`model_name=` or its first argument)."""
    value = keyword_argument(operation, argument) or (operation.args[0] if operation.args else None)
    return (const_text(value) or "").lower()


def django_created_models(operations: list[nodes.Call]) -> set[str]:
    """Models a Django migration creates: their tables are empty when its other steps run."""
    return {django_model_name(op, "name") for op in operations
            if (dotted_name(op.func) or "").rsplit(".", 1)[-1] == "CreateModel"}


def sql_created_tables(statements: list[Statement]) -> set[str]:
    found = set()
    for statement in statements:
        tree = statement.tree
        if isinstance(tree, exp.Create) and (tree.args.get("kind") or "").upper() == "TABLE":
            table = tree.find(exp.Table)
            if table is not None:
                found.add(table.name.lower())
    return found


def sql_added_columns(statement: Statement) -> Iterator[tuple[str, exp.ColumnDef]]:
    """(table, column definition) for each `ALTER TABLE t ADD COLUMN ...` of a statement."""
    return ((table, action) for table, action in alter_table_actions(statement) if isinstance(action, exp.ColumnDef))


def sql_altered_columns(statement: Statement) -> Iterator[tuple[str, exp.AlterColumn]]:
    """(table, action) for each `ALTER TABLE t ALTER COLUMN c ...` of a statement."""
    return ((table, action) for table, action in alter_table_actions(statement)
            if isinstance(action, exp.AlterColumn))


def alter_table_actions(statement: Statement) -> Iterator[tuple[str, exp.Expression]]:
    """(table, action) for each action of an `ALTER TABLE` statement."""
    tree = statement.tree
    if not isinstance(tree, exp.Alter) or (tree.args.get("kind") or "").upper() != "TABLE":
        return
    table = tree.this.name.lower() if isinstance(tree.this, exp.Table) else ""
    for action in tree.args.get("actions") or ():
        yield table, action


def fresh_database_only(module: nodes.Module) -> bool:
    """A migration that only ever runs on a database it builds from nothing: a Django initial
    migration (makemigrations splits them, adding foreign keys in 0002) or squash, or the first
    Alembic revision (`down_revision = None`)."""
    for statement in module.body:
        if isinstance(statement, nodes.Assign) and isinstance(statement.targets[0], nodes.AssignName) and \
                statement.targets[0].name == "down_revision":
            return isinstance(statement.value, nodes.Const) and statement.value.value is None
        if isinstance(statement, nodes.AnnAssign) and isinstance(statement.target, nodes.AssignName) and \
                statement.target.name == "down_revision":
            return isinstance(statement.value, nodes.Const) and statement.value.value is None
    cls = next((c for c in module.body if isinstance(c, nodes.ClassDef) and c.name == "Migration"), None)
    for statement in cls.body if cls is not None else ():
        if isinstance(statement, nodes.Assign) and isinstance(statement.targets[0], nodes.AssignName):
            name, value = statement.targets[0].name, statement.value
            if (name == "initial" and isinstance(value, nodes.Const) and value.value is True) or name == "replaces":
                return True
    return False
