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
