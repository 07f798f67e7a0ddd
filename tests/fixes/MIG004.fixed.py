"""refunds and order tags

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"


def upgrade():
    op.create_table(
        "refunds",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
    )
    op.add_column("orders", sa.Column("tags", sa.Text(), nullable=True))
    op.create_index(op.f("ix_refunds_amount"), "refunds", ["amount"])


def downgrade():
    op.drop_index(op.f("ix_refunds_amount"), table_name="refunds")
    op.drop_column("orders", "tags")
    op.drop_table("refunds")
