"""Price up (issue 11: E1-E3): a listing's Amazon price and allowed range, and the price push state per SKU.

The tables of ``db/tables/prices.py``; ``channel_listings.price``/``currency``/``minimum_price``/
``maximum_price``. A new table and a plain ADD COLUMN: nothing is rebuilt (a batch rebuild on SQLite
would cascade-delete rows that refer to the table).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)
MONEY = sa.Numeric(precision=14, scale=2)
LISTING_COLUMNS = ("price", "currency", "minimum_price", "maximum_price")


def upgrade() -> None:
    op.create_table(
        "price_pushes",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("connection_id", ID, nullable=False),
        sa.Column("amazon_sku", sa.String(length=64), nullable=False),
        sa.Column("item_id", ID, nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("sent_version", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("dirty_cause", sa.String(length=64), nullable=True),
        sa.Column("dirty_at", TIMESTAMP, nullable=True),
        sa.Column("in_flight", sa.String(length=8), nullable=True),
        sa.Column("in_flight_version", sa.Integer(), nullable=True),
        sa.Column("in_flight_price", MONEY, nullable=True),
        sa.Column("in_flight_currency", sa.String(length=3), nullable=True),
        sa.Column("in_flight_minimum", MONEY, nullable=True),
        sa.Column("in_flight_maximum", MONEY, nullable=True),
        sa.Column("in_flight_at", TIMESTAMP, nullable=True),
        sa.Column("feed_submission_id", ID, nullable=True),
        sa.Column("feed_message_id", sa.Integer(), nullable=True),
        sa.Column("sent_price", MONEY, nullable=True),
        sa.Column("sent_currency", sa.String(length=3), nullable=True),
        sa.Column("sent_minimum", MONEY, nullable=True),
        sa.Column("sent_maximum", MONEY, nullable=True),
        sa.Column("sent_at", TIMESTAMP, nullable=True),
        sa.Column("sent_cause", sa.String(length=64), nullable=True),
        sa.Column("sent_channel", sa.String(length=8), nullable=True),
        sa.Column("amazon_status", sa.String(length=16), nullable=True),
        sa.Column("amazon_code", sa.String(length=32), nullable=True),
        sa.Column("amazon_message", sa.Text(), nullable=True),
        sa.Column("held_price", MONEY, nullable=True),
        sa.Column("held_currency", sa.String(length=3), nullable=True),
        sa.Column("held_from", MONEY, nullable=True),
        sa.Column("held_version", sa.Integer(), nullable=True),
        sa.Column("held_at", TIMESTAMP, nullable=True),
        sa.Column("held_reason", sa.Text(), nullable=True),
        sa.Column("decision", sa.String(length=8), nullable=True),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.Column("decided_at", TIMESTAMP, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "amazon_status IN ('accepted', 'warning', 'invalid', 'refused')", name=op.f("ck_price_pushes_amazon_status")
        ),
        sa.CheckConstraint("decision IN ('approved', 'rejected')", name=op.f("ck_price_pushes_decision")),
        sa.CheckConstraint("in_flight IN ('patch', 'feed')", name=op.f("ck_price_pushes_in_flight")),
        sa.CheckConstraint("sent_channel IN ('patch', 'feed')", name=op.f("ck_price_pushes_sent_channel")),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_price_pushes_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["feed_submission_id"],
            ["feed_submissions.id"],
            name=op.f("fk_price_pushes_feed_submission_id_feed_submissions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_price_pushes_item_id_items"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_pushes")),
        sa.UniqueConstraint("connection_id", "amazon_sku", name=op.f("uq_price_pushes_connection_id_amazon_sku")),
    )
    for name, columns in (
        ("connection_id_dirty_at", ["connection_id", "dirty_at"]),
        ("connection_id_held_at", ["connection_id", "held_at"]),
        ("feed_submission_id", ["feed_submission_id"]),
        ("item_id", ["item_id"]),
    ):
        op.create_index(op.f(f"ix_price_pushes_{name}"), "price_pushes", columns, unique=False)
    for column in LISTING_COLUMNS:
        kind = sa.String(length=3) if column == "currency" else MONEY
        op.add_column("channel_listings", sa.Column(column, kind, nullable=True))


def downgrade() -> None:
    for column in reversed(LISTING_COLUMNS):
        op.drop_column("channel_listings", column)  # in place on SQLite too: a batch rebuild would cascade
    op.drop_table("price_pushes")
