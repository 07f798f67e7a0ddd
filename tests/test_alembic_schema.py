"""Alembic revisions replayed into the tables at the heads, and MIG002 on what real projects write."""

from __future__ import annotations

from pathlib import Path

import analyzer
from analyzer.config import Config
from analyzer.engine import build_project_index

HEADER = "import sqlalchemy as sa\nfrom alembic import op\n\n"


def revision(name: str, parent: str | None, upgrade: str, prelude: str = "") -> str:
    return (HEADER + prelude + f"revision = {name!r}\ndown_revision = {parent!r}\n\n\ndef upgrade():\n"
            + "".join(f"    {line}\n" for line in upgrade.strip().splitlines()) + "\n\ndef downgrade():\n    pass\n")


def write(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def schema_of(tmp_path: Path, files: dict[str, str]):
    root = write(tmp_path, files)
    index, _ = build_project_index([root], Config(root=root.resolve()))
    return index.alembic_schema


def test_batch_renames_named_constants_and_raw_sql(tmp_path: Path) -> None:
    schema = schema_of(tmp_path, {
        "migrations/versions/a1.py": revision("a1", None, '''
op.create_table("orders", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("ref", sa.String(20)))
op.create_table("notes", sa.Column("id", sa.Integer(), primary_key=True))
'''),
        "migrations/versions/b2.py": revision("b2", "a1", '''
with op.batch_alter_table(TABLE) as batch_op:
    batch_op.alter_column("ref", new_column_name="reference", nullable=False)
    batch_op.add_column(sa.Column("total", sa.Numeric(12, 2), nullable=True))
op.create_index(INDEX, TABLE, ["reference"])
op.rename_table("notes", "order_notes")
op.execute("ALTER TABLE order_notes ADD COLUMN body text")
''', prelude='TABLE = "orders"\nINDEX = "ix_orders_reference"\n\n'),
    })
    orders = schema.tables["orders"]
    assert list(orders.columns) == ["id", "reference", "total"]
    assert orders.columns["reference"].nullable is False and orders.columns["reference"].length == 20
    assert orders.indexed("reference")
    assert set(schema.tables) == {"orders", "order_notes"} and schema.tables["order_notes"].opaque
    assert not schema.unknown


def test_an_operation_on_a_computed_table_silences_its_kind(tmp_path: Path) -> None:
    schema = schema_of(tmp_path, {"migrations/versions/a1.py": revision("a1", None, '''
op.create_table("orders", sa.Column("id", sa.Integer(), primary_key=True))
for table in ("orders", "refunds"):
    op.add_column(table, sa.Column("archived_at", sa.DateTime(), nullable=True))
''')})
    assert schema.unknown == {"add_column"}


MODELS = '''from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Case(Base):
    __tablename__ = "cases"
    __mapper_args__ = {"polymorphic_on": "kind"}

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    _fee: Mapped[int | None] = mapped_column(Integer, name="fee")


class DisputeCase(Case):
    __mapper_args__ = {"polymorphic_identity": "dispute"}

    dispute_ref: Mapped[str | None] = mapped_column(String(40))


class AppealCase(Case):
    __mapper_args__ = {"polymorphic_identity": "appeal"}

    appeal_reason: Mapped[str | None] = mapped_column(String(200))
'''


def test_single_table_inheritance_and_renamed_attributes(tmp_path: Path) -> None:
    """Each subclass of a single-table hierarchy adds its columns to the one table: none of them
    is a column the others dropped, and `_fee` is the column `fee`."""
    root = write(tmp_path, {"app/models.py": MODELS, "migrations/versions/a1.py": revision("a1", None, '''
op.create_table(
    "cases",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("fee", sa.Integer(), nullable=True),
    sa.Column("dispute_ref", sa.String(40), nullable=True),
    sa.Column("appeal_reason", sa.String(100), nullable=True),
)
''')})
    report = analyzer.analyze([root], Config(root=root.resolve(), select=("MIG002",)))
    assert [f.message.split(" ", 1)[0] for f in report.findings] == ["`AppealCase.appeal_reason`"]
