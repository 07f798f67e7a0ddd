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
    """The schema at the heads; `modules` maps the revisions' paths to their parsed files."""
    schema = AlembicSchema()
    for revision in _in_order(history):
        module = modules.get(revision.path)
        for call in alembic_ops(module) if module is not None else ():
            _apply(call, revision, schema)
    return schema


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


def _apply(call: nodes.Call, revision: Revision, schema: AlembicSchema) -> None:
    kind = call.func.attrname
    batch = is_batch_op(call)
    args = list(call.args)
    if kind == "execute":
        _execute(call, schema)
        return
    table_name = alembic_table(call, 1 if kind in ("create_index", "drop_index") else 0)
    if kind == "drop_index":
        table_name = table_name or _table_of_index(call, schema)
    if table_name is None:
        if kind in ("create_table", "add_column", "alter_column", "drop_column", "drop_table", "rename_table",
                    "create_index", "drop_index"):
            schema.unknown.add(kind)
        return
    rest = args if batch else args[1:]
    table = schema.tables.get(table_name)
    if kind == "create_table":
        schema.tables[table_name] = _created(table_name, rest, revision, call)
    elif kind == "drop_table":
        schema.tables.pop(table_name, None)
    elif table is None:
        return  # a table the replay does not know (created by SQL it could not read)
    elif kind == "rename_table":
        new = literal_text(rest[0]) if rest else literal_text(keyword_argument(call, "new_table_name"))
        if new:
            table.name = new.lower()
            schema.tables[table.name] = schema.tables.pop(table_name)
    elif kind == "add_column":
        column = next((a for a in rest if is_column_call(a)), keyword_argument(call, "column"))
        if isinstance(column, nodes.Call):
            facts = column_facts(column)
            table.columns[facts.name] = facts
            if facts.index:
                table.indexes[f"ix_{table_name}_{facts.name}"] = (facts.name,)
    elif kind == "drop_column":
        name = literal_text(rest[0]) if rest else literal_text(keyword_argument(call, "column_name"))
        if name:
            table.columns.pop(name, None)
            table.indexes = {k: v for k, v in table.indexes.items() if name not in v}
    elif kind == "alter_column":
        _altered(table, rest, call)
    elif kind == "create_index":
        name = _index_name(args[0] if args else keyword_argument(call, "index_name"))
        columns_node = (rest[0] if batch and rest else args[2] if len(args) > 2 else None) or \
            keyword_argument(call, "columns")
        columns = tuple(literal_text(e) or "?" for e in getattr(columns_node, "elts", ()))
        if name and columns:
            table.indexes[name] = columns
    elif kind == "drop_index":
        table.indexes.pop(_index_name(args[0] if args else keyword_argument(call, "index_name")) or "", None)


def _created(name: str, elements: list[nodes.NodeNG], revision: Revision, call: nodes.Call) -> AlembicTable:
    table = AlembicTable(name=name, path=revision.path, line=call.lineno or 0, column=(call.col_offset or 0) + 1)
    primary: set[str] = set()
    for element in elements:
        if is_column_call(element):
            facts = column_facts(element)
            table.columns[facts.name] = facts
            if facts.index:
                table.indexes[f"ix_{name}_{facts.name}"] = (facts.name,)
        elif isinstance(element, nodes.Call) and (element.func.as_string().rsplit(".", 1)[-1]
                                                  == "PrimaryKeyConstraint"):
            primary |= {text for a in element.args if (text := const_text(a))}
        elif not isinstance(element, nodes.Call):
            table.opaque = True  # `*columns`: built elsewhere
    for column in primary & set(table.columns):
        table.columns[column] = replace(table.columns[column], nullable=False, primary_key=True)
    return table


def _altered(table: AlembicTable, rest: list[nodes.NodeNG], call: nodes.Call) -> None:
    name = literal_text(rest[0]) if rest else literal_text(keyword_argument(call, "column_name"))
    facts = table.columns.get(name or "")
    if facts is None:
        return
    nullable = keyword_argument(call, "nullable")
    if isinstance(nullable, nodes.Const) and isinstance(nullable.value, bool):
        facts = replace(facts, nullable=nullable.value)
    type_node = keyword_argument(call, "type_")
    if type_node is not None:
        family, length = type_of(type_node)
        facts = replace(facts, family=family, length=length)
    new_name = literal_text(keyword_argument(call, "new_column_name"))
    table.columns.pop(facts.name, None)
    if new_name:
        facts = replace(facts, name=new_name)
    table.columns[facts.name] = facts


def _index_name(node: nodes.NodeNG | None) -> str | None:
    """"ix_orders_status" for the literal and for autogenerate's `op.f("ix_orders_status")`."""
    if isinstance(node, nodes.Call) and node.args and (node.func.as_string().endswith(".f")):
        node = node.args[0]
    return literal_text(node)


def _table_of_index(call: nodes.Call, schema: AlembicSchema) -> str | None:
    name = _index_name(call.args[0] if call.args else keyword_argument(call, "index_name"))
    return next((t.name for t in schema.tables.values() if name in t.indexes), None)


def _execute(call: nodes.Call, schema: AlembicSchema) -> None:
    """`op.execute("ALTER TABLE orders ...")`: the tables its SQL creates or alters are opaque."""
    value = string_value(call.args[0]) if call.args else None
    if value is None:
        return
    for statement in parse_script(value.text, "postgres"):
        tree = statement.tree
        if not isinstance(tree, exp.Create | exp.Alter):
            continue
        target = tree.this.find(exp.Table) if tree.this is not None else None
        if target is None or not target.name:
            continue
        name = target.name.lower()
        if isinstance(tree, exp.Create) and (tree.args.get("kind") or "").upper() == "TABLE":
            schema.tables.setdefault(name, AlembicTable(name=name, path="", line=call.lineno or 0))
        if name in schema.tables:
            schema.tables[name].opaque = True
