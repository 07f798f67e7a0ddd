"""MIG rules on plain SQL migrations, where fixtures would need a whole migration tool."""

from __future__ import annotations

import analyzer

UP = """-- 0007_order_notes.up.sql
CREATE TABLE order_notes (id bigserial PRIMARY KEY, body text NOT NULL);
ALTER TABLE order_notes ADD COLUMN author_id bigint NOT NULL;
ALTER TABLE orders ADD COLUMN channel text NOT NULL;
ALTER TABLE orders ADD COLUMN source text NOT NULL DEFAULT 'web';
ALTER TABLE orders ADD COLUMN coupon text;
"""


def test_required_columns_in_sql_migrations() -> None:
    findings = [f for f in analyzer.analyze_source(UP, "db/migrations/0007_order_notes.up.sql") if f.rule == "MIG101"]
    # order_notes is created in this migration (empty); source has a default; coupon is nullable.
    assert [(f.line, f.message.split("`")[1]) for f in findings] == [(4, "orders.channel")]


def test_sql_outside_migration_folders_is_not_a_migration() -> None:
    assert not [f for f in analyzer.analyze_source(UP, "sql/reports/notes.sql") if f.rule == "MIG101"]


INDEXES = """CREATE TABLE order_notes (id bigserial PRIMARY KEY, order_id bigint NOT NULL);
CREATE INDEX order_notes_order ON order_notes (order_id);
CREATE INDEX orders_status ON orders (status);
CREATE INDEX CONCURRENTLY orders_created ON orders (created_at);
"""


def test_blocking_index_creation_in_sql_migrations() -> None:
    findings = [f for f in analyzer.analyze_source(INDEXES, "db/migrations/0008_indexes.up.sql") if f.rule == "MIG102"]
    # order_notes is new (empty); orders_created is built CONCURRENTLY.
    assert [(f.line, f.message.split("`")[1]) for f in findings] == [(3, "orders")]


ALEMBIC_RENAMES = '''"""rename order totals"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"


def upgrade():
    op.alter_column("orders", "total", new_column_name="amount")
    op.alter_column("orders", "status", server_default="open")
    op.rename_table("refunds", "credit_notes")


def downgrade():
    op.rename_table("credit_notes", "refunds")
    op.alter_column("orders", "amount", new_column_name="total")
'''


def test_renames_in_alembic_and_sql_migrations() -> None:
    alembic = [f.line for f in analyzer.analyze_source(ALEMBIC_RENAMES, "migrations/versions/0010_rename.py")
               if f.rule == "MIG105"]
    assert alembic == [10, 12]  # the server_default change renames nothing; downgrades are not deploys
    sql = "ALTER TABLE orders RENAME COLUMN total TO amount;\nALTER TABLE orders ADD COLUMN note text;\n" \
          "ALTER TABLE refunds RENAME TO credit_notes;\n"
    found = [f.line for f in analyzer.analyze_source(sql, "db/migrations/0010_rename.up.sql") if f.rule == "MIG105"]
    assert found == [1, 3]


def test_schema_statements_are_told_from_words_that_start_alike() -> None:
    from analyzer.lang.sql import is_schema_statement

    ddl = ["CREATE TABLE notes (id int)", "-- cache\nCREATE INDEX notes_title ON notes (title)",
           "CREATE EXTENSION IF NOT EXISTS pg_trgm", "ALTER TYPE status ADD VALUE 'paused'", "TRUNCATE notes",
           "RENAME TABLE notes TO memos", "drop view if exists report_totals"]
    words = ["Create Transaction", "Create a new payout attempt", "Drop it", "select 1", "alter ego"]
    assert [text for text in ddl if not is_schema_statement(text, "postgres")] == []
    assert [text for text in words if is_schema_statement(text, "postgres")] == []


def test_golang_migrate_up_files_need_their_down_files(tmp_path) -> None:
    folder = tmp_path / "db" / "migrations"
    folder.mkdir(parents=True)
    (folder / "000001_orders.up.sql").write_text("CREATE TABLE orders (id bigserial PRIMARY KEY);\n")
    (folder / "000001_orders.down.sql").write_text("DROP TABLE orders;\n")
    (folder / "000002_order_notes.up.sql").write_text("-- notes on orders\nALTER TABLE orders ADD COLUMN notes text;\n")
    report = analyzer.analyze([tmp_path], analyzer.Config(root=tmp_path.resolve(), select=("MIG004",)))
    assert [(f.path, f.line) for f in report.findings] == [("db/migrations/000002_order_notes.up.sql", 2)]


SHOP_MODELS = """from django.db import models


class Order(models.Model):
    number = models.CharField(max_length=20)
    notes = models.TextField(blank=True)


class Coupon(models.Model):
    code = models.CharField(max_length=20)
"""
SHOP_0002 = """from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.RemoveField(model_name="order", name="notes"),
        migrations.RemoveField(model_name="order", name="gift_message"),
        migrations.DeleteModel(name="Coupon"),
        migrations.CreateModel(name="Coupon", fields=[
            ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
            ("code", models.CharField(max_length=20)),
        ]),
    ]
"""


def test_django_drops_of_what_the_models_still_declare(tmp_path) -> None:
    """`notes` is still on Order; `gift_message` is not; Coupon is rebuilt in the same migration."""
    (tmp_path / "shop" / "migrations").mkdir(parents=True)
    (tmp_path / "shop" / "models.py").write_text(SHOP_MODELS)
    (tmp_path / "shop" / "migrations" / "0001_initial.py").write_text(
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    initial = True\n"
        "    operations = []\n")
    (tmp_path / "shop" / "migrations" / "0002_cleanup.py").write_text(SHOP_0002)
    report = analyzer.analyze([tmp_path], analyzer.Config(root=tmp_path.resolve(), select=("MIG106",)))
    assert [(f.line, f.message.split(" ", 2)[2][:13]) for f in report.findings] == [(7, "`Order.notes`")]


def test_flyway_folders_are_migration_folders() -> None:
    path = "src/main/resources/db/migration/V7__order_channel.sql"
    findings = [f for f in analyzer.analyze_source("ALTER TABLE orders ADD COLUMN channel text NOT NULL;\n", path)
                if f.rule == "MIG101"]
    assert [f.line for f in findings] == [1]
