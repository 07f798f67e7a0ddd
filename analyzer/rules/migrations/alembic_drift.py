"""MIG002: a SQLAlchemy model that its Alembic revisions do not build."""

from __future__ import annotations

from collections.abc import Iterator

from astroid import nodes

from ...config import Config
from ...index import FieldInfo, ModelInfo, ProjectIndex
from ...index.alembic_schema import AlembicTable
from ...lang.python import Positions, callee_name, single_assignment
from ...model import Finding, Severity, Span
from ...workspace import is_test_file
from ..base import Rule, RuleContext

ALEMBIC_AUTOGENERATE = ("Alembic: Auto Generating Migrations — "
                        "https://alembic.sqlalchemy.org/en/latest/autogenerate.html")
COMMAND = "`alembic revision --autogenerate`"
# Class attributes that are no column of the table, so a class made only of these and of
# columns is fully known.
NOT_COLUMNS = frozenset({"relationship", "Relationship", "backref", "association_proxy", "column_property",
                         "synonym", "query_expression", "composite", "dynamic_loader", "hybrid_property",
                         "Field", "declared_attr", "query_property"})


class UnmigratedSqlalchemyModel(Rule):
    """A SQLAlchemy model or column differs from what its Alembic revisions build.

    ## Why is this bad?
    The tables in production are the ones the Alembic revisions build, not the ones the models
    describe. A column added to a model without a revision works where someone ran
    `create_all()` or an `ALTER TABLE` by hand, then fails everywhere else with `column does not
    exist`; a column made required in the model but not in a revision lets NULLs in, and a type
    changed only in the model stores what the database will not accept. prodready replays every
    revision's `upgrade()` (create_table, add_column, alter_column, drop_column, rename_table,
    indexes, `batch_alter_table`) without a database and compares the result with the models:
    missing tables and columns, columns the models dropped, nullability, type (as `alembic
    check` compares it: `Integer` and `BigInteger` differ, `String` and `VARCHAR` do not) and
    `String` length, and
    single-column indexes declared with `index=True`. Tables a revision touches with raw SQL are
    not compared column by column. Projects with more than one Alembic environment are left
    alone.

    ## Example
    ```python
    # migrations/versions/0001_orders.py
    import sqlalchemy as sa
    from alembic import op

    revision = "0001"
    down_revision = None


    def upgrade():
        op.create_table(
            "orders",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("number", sa.String(30), nullable=False),
        )


    def downgrade():
        op.drop_table("orders")

    # app/models.py
    from sqlalchemy import String
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


    class Base(DeclarativeBase):
        pass


    class Order(Base):
        __tablename__ = "orders"

        id: Mapped[int] = mapped_column(primary_key=True)
        number: Mapped[str] = mapped_column(String(30))
        coupon: Mapped[str | None] = mapped_column(String(40))
    ```

    ## Use instead
    ```python
    # migrations/versions/0001_orders.py
    import sqlalchemy as sa
    from alembic import op

    revision = "0001"
    down_revision = None


    def upgrade():
        op.create_table(
            "orders",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("number", sa.String(30), nullable=False),
        )


    def downgrade():
        op.drop_table("orders")

    # migrations/versions/0002_order_coupon.py
    # written by `alembic revision --autogenerate -m "order coupon"`
    import sqlalchemy as sa
    from alembic import op

    revision = "0002"
    down_revision = "0001"


    def upgrade():
        op.add_column("orders", sa.Column("coupon", sa.String(40), nullable=True))


    def downgrade():
        op.drop_column("orders", "coupon")

    # app/models.py
    from sqlalchemy import String
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


    class Base(DeclarativeBase):
        pass


    class Order(Base):
        __tablename__ = "orders"

        id: Mapped[int] = mapped_column(primary_key=True)
        number: Mapped[str] = mapped_column(String(30))
        coupon: Mapped[str | None] = mapped_column(String(40))
    ```
    """

    code = "MIG002"
    name = "unmigrated-sqlalchemy-model"
    severity = Severity.ERROR
    languages = ("python",)
    references = (ALEMBIC_AUTOGENERATE,)
    node_types = (nodes.ClassDef, nodes.Module)

    def applies_to_path(self, relpath: str, language: str, config: Config) -> bool:
        return not is_test_file(relpath)  # a test's models are not the project's schema

    def applies_to(self, ctx: RuleContext) -> bool:
        return len(ctx.index.alembic.folders) == 1 and super().applies_to(ctx)

    def check(self, node: nodes.ClassDef | nodes.Module, ctx: RuleContext) -> Iterator[Finding]:
        if isinstance(node, nodes.Module):
            yield from self._dropped_tables(ctx)
            return
        model = ctx.index.model(f"{node.root().name}.{node.name}")
        if model is None or model.framework != "sqlalchemy" or model.abstract or not model.table:
            return
        positions = ctx.positions or Positions(ctx.text)
        schema = ctx.index.alembic_schema
        table = schema.tables.get(model.table.lower())
        if table is None:
            if not schema.unknown & {"create_table", "rename_table"}:
                yield ctx.finding(self, positions.name_span(node),
                                  f"`{model.name}` (table `{model.table}`) is in no Alembic revision: {COMMAND} "
                                  "would write create_table")
            return
        if table.opaque:
            return
        sharing = [m for m in ctx.index.models.values()
                   if m.framework == "sqlalchemy" and not m.abstract and m.table.lower() == table.name]
        parents = {m.qname for m in sharing} - {model.qname}
        columns = {f.column: f for f in model.fields.values() if f.column_facts is not None}
        for info in columns.values():
            if info.owner in parents:
                continue  # single-table inheritance: the parent model answers for its columns
            span = _field_span(node, info, model, positions)
            yield from self._column(model, info, table, schema.unknown, span, ctx)
        if parents & set(model.inherited_bases) or schema.unknown & {"drop_column", "alter_column"} or \
                not _fully_known(node, model, ctx.index):
            return
        # The table's columns are those of every model mapped to it (single-table inheritance).
        declared = {f.column for m in sharing for f in m.fields.values() if f.column_facts is not None}
        for column in table.columns:
            if column not in declared:
                yield ctx.finding(self, positions.name_span(node),
                                  f"`{model.table}.{column}` is in the Alembic revisions but no longer in "
                                  f"`{model.name}`: {COMMAND} would write drop_column")

    def _dropped_tables(self, ctx: RuleContext) -> Iterator[Finding]:
        """Tables the revisions create and keep that no model or `Table(...)` declares, reported
        at the `create_table` that made them."""
        schema = ctx.index.alembic_schema
        if schema.unknown & {"drop_table", "rename_table"}:
            return
        declared = schema.declared_tables | {m.table.lower() for m in ctx.index.models.values() if m.table}
        for table in schema.tables.values():
            if table.path == ctx.relpath and table.name not in declared and table.name != "alembic_version":
                yield ctx.finding(self, Span(line=table.line, column=table.column, end_line=table.line,
                                                 end_column=table.column),
                                  f"`{table.name}` is created by the Alembic revisions but no model or `Table` "
                                  f"declares it any more: {COMMAND} would write drop_table")

    def _column(self, model: ModelInfo, info: FieldInfo, table: AlembicTable, unknown: set[str], span: Span,
                ctx: RuleContext) -> Iterator[Finding]:
        ours = info.column_facts
        name = f"`{model.name}.{info.name}`"
        theirs = table.columns.get(ours.name)
        if theirs is None:
            if "add_column" not in unknown and "alter_column" not in unknown:
                yield ctx.finding(self, span, f"{name} is not among the columns the Alembic revisions build: "
                                              f"{COMMAND} would write add_column")
            return
        changes = []
        if None not in (ours.nullable, theirs.nullable) and ours.nullable != theirs.nullable \
                and not (ours.primary_key or theirs.primary_key):
            changes.append(f"nullable {ours.nullable} in the model, {theirs.nullable} in the revisions")
        if None not in (ours.family, theirs.family) and ours.family != theirs.family:
            changes.append(f"{ours.family} in the model, {theirs.family} in the revisions")
        elif None not in (ours.length, theirs.length) and ours.length != theirs.length:
            changes.append(f"length {ours.length} in the model, {theirs.length} in the revisions")
        if changes:
            yield ctx.finding(self, span, f"{name} differs from its Alembic revisions ({'; '.join(changes)}): "
                                          f"{COMMAND} would write alter_column")
        if ours.index and not theirs.primary_key and not table.indexed(ours.name) and "create_index" not in unknown:
            yield ctx.finding(self, span, f"{name} has `index=True` but no revision creates its index: {COMMAND} "
                                          "would write create_index")


def _field_span(cls: nodes.ClassDef, info: FieldInfo, model: ModelInfo, positions: Positions) -> Span:
    if info.owner == model.qname:
        for statement in cls.body:
            if statement.lineno == info.line:
                target = statement.targets[0] if isinstance(statement, nodes.Assign) else \
                    getattr(statement, "target", None)
                if target is not None:
                    return positions.span(target)
    return positions.name_span(cls)


def _fully_known(cls: nodes.ClassDef, model: ModelInfo, index: ProjectIndex) -> bool:
    """Whether every column the model declares is known here: no base the scan cannot read, no
    attribute built by a call that may be a column (`deferred(Column(...))`, a project's column
    factory)."""
    for base in model.inherited_bases:
        last = base.rsplit(".", 1)[-1]
        if index.model(base) is None and not index.models_named(last) and last not in (
                "Base", "DeclarativeBase", "Model", "object"):
            return False
    for statement in cls.body:
        target, value = single_assignment(statement)
        if target is None or not isinstance(value, nodes.Call) or target.startswith("__"):
            continue
        callee = (callee_name(value) or "").rsplit(".", 1)[-1]
        if callee not in NOT_COLUMNS and target not in model.fields:
            return False
    return True
