"""Stock and price up (issue 11: D1-D9, E3): stock settings, commitments elsewhere, the push state per SKU.

The tables of ``db/tables/inventory.py``; buffers per item and per warehouse (D3), a listing's fulfillment
channel (D1) and how it was mapped (D7). New tables and a plain ADD COLUMN: nothing is rebuilt (a batch
rebuild on SQLite would cascade-delete rows that refer to the table).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "stock_commitments",
        sa.Column("item_id", ID, nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_stock_commitments_quantity")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_stock_commitments_item_id_items"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("item_id", "source", name=op.f("pk_stock_commitments")),
    )
    op.create_table(
        "stock_settings",
        sa.Column("connection_id", ID, nullable=False),
        sa.Column("buffer_kind", sa.String(length=8), nullable=True),
        sa.Column("buffer_value", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("untracked_quantity", sa.Integer(), server_default=sa.text("1000"), nullable=False),
        sa.Column("handling_days", sa.Integer(), nullable=True),
        sa.Column("warehouse_ids", JSON, nullable=True),
        sa.Column("full_refresh_minutes", sa.Integer(), server_default=sa.text("60"), nullable=False),
        sa.Column("patch_max", sa.Integer(), server_default=sa.text("50"), nullable=False),
        sa.Column("price_guard_percent", sa.Numeric(precision=6, scale=2), server_default=sa.text("20"), nullable=True),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("buffer_kind IN ('fixed', 'percent')", name=op.f("ck_stock_settings_buffer_kind")),
        sa.CheckConstraint("full_refresh_minutes >= 0", name=op.f("ck_stock_settings_full_refresh_minutes")),
        sa.CheckConstraint("patch_max >= 0", name=op.f("ck_stock_settings_patch_max")),
        sa.CheckConstraint("untracked_quantity >= 0", name=op.f("ck_stock_settings_untracked_quantity")),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_stock_settings_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("connection_id", name=op.f("pk_stock_settings")),
    )
    op.create_table(
        "quantity_pushes",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("seller_id", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=8), nullable=False),
        sa.Column("amazon_sku", sa.String(length=64), nullable=False),
        sa.Column("item_id", ID, nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("sent_version", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("dirty_cause", sa.String(length=64), nullable=True),
        sa.Column("dirty_at", TIMESTAMP, nullable=True),
        sa.Column("in_flight", sa.String(length=8), nullable=True),
        sa.Column("in_flight_version", sa.Integer(), nullable=True),
        sa.Column("in_flight_quantity", sa.Integer(), nullable=True),
        sa.Column("in_flight_lead_time", sa.Integer(), nullable=True),
        sa.Column("in_flight_at", TIMESTAMP, nullable=True),
        sa.Column("feed_submission_id", ID, nullable=True),
        sa.Column("feed_message_id", sa.Integer(), nullable=True),
        sa.Column("sent_quantity", sa.Integer(), nullable=True),
        sa.Column("sent_lead_time", sa.Integer(), nullable=True),
        sa.Column("sent_at", TIMESTAMP, nullable=True),
        sa.Column("sent_cause", sa.String(length=64), nullable=True),
        sa.Column("sent_channel", sa.String(length=8), nullable=True),
        sa.Column("sent_why", JSON, nullable=True),
        sa.Column("amazon_status", sa.String(length=16), nullable=True),
        sa.Column("amazon_code", sa.String(length=32), nullable=True),
        sa.Column("amazon_message", sa.Text(), nullable=True),
        sa.Column("verified_at", TIMESTAMP, nullable=True),
        sa.Column("verified_quantity", sa.Integer(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "amazon_status IN ('accepted', 'warning', 'invalid', 'refused')",
            name=op.f("ck_quantity_pushes_amazon_status"),
        ),
        sa.CheckConstraint("in_flight IN ('patch', 'feed')", name=op.f("ck_quantity_pushes_in_flight")),
        sa.CheckConstraint("sent_channel IN ('patch', 'feed')", name=op.f("ck_quantity_pushes_sent_channel")),
        sa.ForeignKeyConstraint(
            ["feed_submission_id"],
            ["feed_submissions.id"],
            name=op.f("fk_quantity_pushes_feed_submission_id_feed_submissions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_quantity_pushes_item_id_items"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quantity_pushes")),
        sa.UniqueConstraint(
            "seller_id", "region", "amazon_sku", name=op.f("uq_quantity_pushes_seller_id_region_amazon_sku")
        ),
    )
    op.create_index(
        op.f("ix_quantity_pushes_feed_submission_id"), "quantity_pushes", ["feed_submission_id"], unique=False
    )
    op.create_index(op.f("ix_quantity_pushes_item_id"), "quantity_pushes", ["item_id"], unique=False)
    op.create_index(
        op.f("ix_quantity_pushes_seller_id_region_dirty_at"),
        "quantity_pushes",
        ["seller_id", "region", "dirty_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_quantity_pushes_seller_id_region_in_flight"),
        "quantity_pushes",
        ["seller_id", "region", "in_flight"],
        unique=False,
    )
    op.add_column(
        "channel_listings", sa.Column("fulfillment_channel", sa.String(length=8), server_default="MFN", nullable=False)
    )
    op.add_column("channel_listings", sa.Column("mapped_by", sa.String(length=8), server_default="sku", nullable=False))
    op.add_column("items", sa.Column("buffer_kind", sa.String(length=8), nullable=True))
    op.add_column("items", sa.Column("buffer_value", sa.Numeric(precision=10, scale=2), nullable=True))
    op.add_column("warehouses", sa.Column("buffer_kind", sa.String(length=8), nullable=True))
    op.add_column("warehouses", sa.Column("buffer_value", sa.Numeric(precision=10, scale=2), nullable=True))


def downgrade() -> None:
    for table, column in (
        ("warehouses", "buffer_value"),
        ("warehouses", "buffer_kind"),
        ("items", "buffer_value"),
        ("items", "buffer_kind"),
        ("channel_listings", "mapped_by"),
        ("channel_listings", "fulfillment_channel"),
    ):
        op.drop_column(table, column)  # in place on SQLite too: a batch rebuild would cascade
    for table in ("quantity_pushes", "stock_settings", "stock_commitments"):
        op.drop_table(table)
