"""The schema Alembic's revisions build, replayed from their `upgrade()` without a database.

Revisions run parents first (every branch, when the history has two heads); each `op.*` call
changes a table state: create_table, drop_table, rename_table, add_column, drop_column,
alter_column, create_index and drop_index, inside `batch_alter_table` too. `op.execute` with
SQL that creates or alters a table leaves that table's columns unknown, and an operation whose
table cannot be read (a name computed in a loop) makes every claim of its kind unknown, so that
the comparison with the models stays silent rather than wrong.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from astroid import nodes
from sqlglot import exp

from ..lang.migration_ops import alembic_ops, alembic_table, is_batch_op, literal_text
from ..lang.python import callee_name, const_text, keyword_argument, nodes_within
from ..lang.python_strings import string_value
from ..lang.sql import parse_script
from ..lang.sqlalchemy_columns import ColumnFacts, column_facts, is_column_call, type_of
from .alembic import AlembicHistory, Revision
from .kept import keep, module_fact


@dataclass
class AlembicTable:
    name: str
    path: str  # the revision that created it
    line: int  # of its create_table call
    column: int = 1
    columns: dict[str, ColumnFacts] = field(default_factory=dict)
    indexes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # index name -> its columns
    opaque: bool = False  # changed by SQL the replay does not follow: its columns are not compared

    def indexed(self, column: str) -> bool:
        return any(columns == (column,) for columns in self.indexes.values())


@dataclass
class AlembicSchema:
    tables: dict[str, AlembicTable] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)  # operations whose table could not be read
    declared_tables: set[str] = field(default_factory=set)  # `Table(...)` objects of the application


def declared_tables(modules: Iterable[tuple[str, nodes.Module]]) -> set[str]:
    """Tables built with `Table("ticket_tags", metadata, ...)` outside migrations: association
    tables and reflected ones, which no model class declares but the metadata holds."""
    return set().union(*(module_fact(module, "declared_tables", _declared_tables)
                         for relpath, module in modules if "versions" not in relpath.split("/")[:-1]))


def _declared_tables(module: nodes.Module) -> frozenset[str]:
    return frozenset(const_text(call.args[0]).lower() for call in nodes_within(module, nodes.Call)
                     if (callee_name(call) or "").rsplit(".", 1)[-1] == "Table" and call.args
                     and const_text(call.args[0]))


keep("declared_tables", frozenset[str])


def replay(history: AlembicHistory, modules: dict[str, nodes.Module]) -> AlembicSchema:
    """The schema at the heads; `modules` maps the revisions' paths to their parsed files (or
    their kept facts, see `index.kept`)."""
    schema = AlembicSchema()
    for revision in _in_order(history):
        module = modules.get(revision.path)
        for operation in module_fact(module, "alembic_operations", _operations) if module is not None else ():
            _apply(operation, revision, schema)
    return schema


@dataclass(frozen=True)
class AlembicOperation:
    """One `op.*` call of a revision's `upgrade()`, with what replaying it needs, read from its syntax."""

    kind: str  # create_table, add_column, ...
    line: int
    column: int = 1
    table: str | None = None  # the table it names, if it can be read
    columns: tuple[ColumnFacts, ...] = ()  # create_table's columns; add_column's column
    primary: tuple[str, ...] = ()  # create_table: the columns of its PrimaryKeyConstraint
    opaque: bool = False  # create_table: columns it builds elsewhere (`*columns`)
    name: str | None = None  # the column dropped or altered, the new table name, the index
    nullable: bool | None = None  # alter_column
    type: tuple[str | None, int | None] | None = None  # alter_column's type_: (family, length)
    new_name: str | None = None  # alter_column's new_column_name
    index_columns: tuple[str, ...] = ()  # create_index
    executed: tuple[tuple[str, bool], ...] = ()  # execute: (table, whether its SQL creates it) it changes


def _operations(module: nodes.Module) -> tuple[AlembicOperation, ...]:
    return tuple(_operation(call) for call in alembic_ops(module))


keep("alembic_operations", tuple[AlembicOperation, ...])


def _operation(call: nodes.Call) -> AlembicOperation:
    kind = call.func.attrname
    line = call.lineno or 0
    if kind == "execute":
        return AlembicOperation(kind, line, executed=_executed(call))
    batch = is_batch_op(call)
    args = list(call.args)
    table = alembic_table(call, 1 if kind in ("create_index", "drop_index") else 0)
    rest = args if batch else args[1:]
    if kind == "create_table":
        columns, primary, opaque = _created(rest)
        return AlembicOperation(kind, line, (call.col_offset or 0) + 1, table, columns, primary, opaque)
    if kind == "rename_table":
        new = literal_text(rest[0]) if rest else literal_text(keyword_argument(call, "new_table_name"))
        return AlembicOperation(kind, line, table=table, name=new)
    if kind == "add_column":
        column = next((a for a in rest if is_column_call(a)), keyword_argument(call, "column"))
        return AlembicOperation(kind, line, table=table,
                                columns=(column_facts(column),) if isinstance(column, nodes.Call) else ())
    if kind == "drop_column":
        name = literal_text(rest[0]) if rest else literal_text(keyword_argument(call, "column_name"))
        return AlembicOperation(kind, line, table=table, name=name)
    if kind == "alter_column":
        name = literal_text(rest[0]) if rest else literal_text(keyword_argument(call, "column_name"))
        nullable = keyword_argument(call, "nullable")
        type_node = keyword_argument(call, "type_")
        return AlembicOperation(kind, line, table=table, name=name,
                                nullable=nullable.value if isinstance(nullable, nodes.Const)
                                and isinstance(nullable.value, bool) else None,
                                type=type_of(type_node) if type_node is not None else None,
                                new_name=literal_text(keyword_argument(call, "new_column_name")))
    if kind in ("create_index", "drop_index"):
        name = _index_name(args[0] if args else keyword_argument(call, "index_name"))
        columns_node = (rest[0] if batch and rest else args[2] if len(args) > 2 else None) or \
            keyword_argument(call, "columns")
        columns = tuple(literal_text(e) or "?" for e in getattr(columns_node, "elts", ()))
        return AlembicOperation(kind, line, table=table, name=name, index_columns=columns)
    return AlembicOperation(kind, line, table=table)


def _in_order(history: AlembicHistory) -> list[Revision]:
    """Parents before children, ties by file path: the order `alembic upgrade heads` takes."""
    revisions = history.revisions
    waiting = {name: sum(parent in revisions for parent in r.parents) for name, r in revisions.items()}
    children: dict[str, list[str]] = {}
    for name, revision in revisions.items():
        for parent in revision.parents:
            children.setdefault(parent, []).append(name)
    ready = [(revisions[name].path, name) for name, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        _, name = heapq.heappop(ready)
        order.append(revisions[name])
        for child in children.get(name, ()):
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, (revisions[child].path, child))
    return order


def _apply(operation: AlembicOperation, revision: Revision, schema: AlembicSchema) -> None:
    kind = operation.kind
    if kind == "execute":
        for name, creates in operation.executed:
            if creates:
                schema.tables.setdefault(name, AlembicTable(name=name, path="", line=operation.line))
            if name in schema.tables:
                schema.tables[name].opaque = True
        return
    table_name = operation.table
    if kind == "drop_index":
        table_name = table_name or next((t.name for t in schema.tables.values() if operation.name in t.indexes), None)
    if table_name is None:
        if kind in ("create_table", "add_column", "alter_column", "drop_column", "drop_table", "rename_table",
                    "create_index", "drop_index"):
            schema.unknown.add(kind)
        return
    table = schema.tables.get(table_name)
    if kind == "create_table":
        schema.tables[table_name] = _table(table_name, operation, revision)
    elif kind == "drop_table":
        schema.tables.pop(table_name, None)
    elif table is None:
        return  # a table the replay does not know (created by SQL it could not read)
    elif kind == "rename_table":
        if operation.name:
            table.name = operation.name.lower()
            schema.tables[table.name] = schema.tables.pop(table_name)
    elif kind == "add_column":
        for facts in operation.columns:
            table.columns[facts.name] = facts
            if facts.index:
                table.indexes[f"ix_{table_name}_{facts.name}"] = (facts.name,)
    elif kind == "drop_column":
        name = operation.name
        if name:
            table.columns.pop(name, None)
            table.indexes = {k: v for k, v in table.indexes.items() if name not in v}
    elif kind == "alter_column":
        _altered(table, operation)
    elif kind == "create_index":
        if operation.name and operation.index_columns:
            table.indexes[operation.name] = operation.index_columns
    elif kind == "drop_index":
        table.indexes.pop(operation.name or "", None)


def _created(elements: list[nodes.NodeNG]) -> tuple[tuple[ColumnFacts, ...], tuple[str, ...], bool]:
    """A create_table's columns, the columns of its PrimaryKeyConstraint, and whether it builds
    columns elsewhere (`*columns`)."""
    columns = []
    primary: list[str] = []
    opaque = False
    for element in elements:
        if is_column_call(element):
            columns.append(column_facts(element))
        elif isinstance(element, nodes.Call) and (element.func.as_string().rsplit(".", 1)[-1]
                                                  == "PrimaryKeyConstraint"):
            primary += [text for a in element.args if (text := const_text(a))]
        elif not isinstance(element, nodes.Call):
            opaque = True
    return tuple(columns), tuple(primary), opaque


def _table(name: str, operation: AlembicOperation, revision: Revision) -> AlembicTable:
    table = AlembicTable(name=name, path=revision.path, line=operation.line, column=operation.column,
                         opaque=operation.opaque)
    for facts in operation.columns:
        table.columns[facts.name] = facts
        if facts.index:
            table.indexes[f"ix_{name}_{facts.name}"] = (facts.name,)
    for column in set(operation.primary) & set(table.columns):
        table.columns[column] = replace(table.columns[column], nullable=False, primary_key=True)
    return table


def _altered(table: AlembicTable, operation: AlembicOperation) -> None:
    facts = table.columns.get(operation.name or "")
    if facts is None:
        return
    if operation.nullable is not None:
        facts = replace(facts, nullable=operation.nullable)
    if operation.type is not None:
        family, length = operation.type
        facts = replace(facts, family=family, length=length)
    table.columns.pop(facts.name, None)
    if operation.new_name:
        facts = replace(facts, name=operation.new_name)
    table.columns[facts.name] = facts


def _index_name(node: nodes.NodeNG | None) -> str | None:
    """"ix_orders_status" for the literal and for autogenerate's `op.f("ix_orders_status")`."""
    if isinstance(node, nodes.Call) and node.args and (node.func.as_string().endswith(".f")):
        node = node.args[0]
    return literal_text(node)


def _executed(call: nodes.Call) -> tuple[tuple[str, bool], ...]:
    """`op.execute("ALTER TABLE orders ...")`: the tables its SQL creates or alters, which the
    replay then holds opaque, and whether it creates each."""
    value = string_value(call.args[0]) if call.args else None
    if value is None:
        return ()
    found = []
    for statement in parse_script(value.text, "postgres"):
        tree = statement.tree
        if not isinstance(tree, exp.Create | exp.Alter):
            continue
        target = tree.this.find(exp.Table) if tree.this is not None else None
        if target is None or not target.name:
            continue
        creates = isinstance(tree, exp.Create) and (tree.args.get("kind") or "").upper() == "TABLE"
        found.append((target.name.lower(), creates))
    return tuple(found)
