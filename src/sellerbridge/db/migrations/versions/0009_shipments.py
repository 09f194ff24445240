"""Shipments, packages, stock movements and line cancellations (issue 10: C1-C4, C3, B9).

The tables of ``db/tables/shipments.py`` and ``orders.late_flagged_at`` (an order nearing its
``latestShipDate`` with nothing shipped). New tables and a plain ADD COLUMN: nothing is rebuilt.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "shipments",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("connection_id", ID, nullable=False),
        sa.Column("order_id", ID, nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("ship_date", TIMESTAMP, nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("source IN ('api', 'csv', 'inbox', 'cli')", name=op.f("ck_shipments_source")),
        sa.ForeignKeyConstraint(
            ["connection_id"], ["connections.id"], name=op.f("fk_shipments_connection_id_connections")
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_shipments_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipments")),
        sa.UniqueConstraint(
            "connection_id", "idempotency_key", name=op.f("uq_shipments_connection_id_idempotency_key")
        ),
    )
    op.create_index(op.f("ix_shipments_order_id"), "shipments", ["order_id"], unique=False)
    op.create_table(
        "line_cancellations",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("connection_id", ID, nullable=False),
        sa.Column("order_id", ID, nullable=False),
        sa.Column("order_line_id", ID, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("reason_code", sa.String(length=48), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("feed_submission_id", ID, nullable=True),
        sa.Column("amazon_message", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.String(length=128), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("confirmed_at", TIMESTAMP, nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'sending', 'confirmed', 'failed')", name=op.f("ck_line_cancellations_status")
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_line_cancellations_quantity")),
        sa.ForeignKeyConstraint(
            ["connection_id"], ["connections.id"], name=op.f("fk_line_cancellations_connection_id_connections")
        ),
        sa.ForeignKeyConstraint(
            ["feed_submission_id"],
            ["feed_submissions.id"],
            name=op.f("fk_line_cancellations_feed_submission_id_feed_submissions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_line_cancellations_order_id_orders")),
        sa.ForeignKeyConstraint(
            ["order_line_id"], ["order_lines.id"], name=op.f("fk_line_cancellations_order_line_id_order_lines")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_line_cancellations")),
        sa.UniqueConstraint("order_line_id", name=op.f("uq_line_cancellations_order_line_id")),
    )
    op.create_index(
        op.f("ix_line_cancellations_connection_id_status"),
        "line_cancellations",
        ["connection_id", "status"],
        unique=False,
    )
    op.create_table(
        "shipment_packages",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("shipment_id", ID, nullable=False),
        sa.Column("connection_id", ID, nullable=False),
        sa.Column("order_id", ID, nullable=False),
        sa.Column("carrier", sa.String(length=100), nullable=False),
        sa.Column("carrier_code", sa.String(length=64), nullable=False),
        sa.Column("carrier_name", sa.String(length=100), nullable=True),
        sa.Column("ship_method", sa.String(length=100), nullable=True),
        sa.Column("tracking_number", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("hold_reason", sa.Text(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("feed_submission_id", ID, nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("amazon_code", sa.String(length=64), nullable=True),
        sa.Column("amazon_message", sa.Text(), nullable=True),
        sa.Column("sent_at", TIMESTAMP, nullable=True),
        sa.Column("confirmed_at", TIMESTAMP, nullable=True),
        sa.Column("verified_at", TIMESTAMP, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "status IN ('held', 'queued', 'sending', 'confirmed', 'verified', 'failed', 'cancelled')",
            name=op.f("ck_shipment_packages_status"),
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"], ["connections.id"], name=op.f("fk_shipment_packages_connection_id_connections")
        ),
        sa.ForeignKeyConstraint(
            ["feed_submission_id"],
            ["feed_submissions.id"],
            name=op.f("fk_shipment_packages_feed_submission_id_feed_submissions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_shipment_packages_order_id_orders")),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_shipment_packages_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_packages")),
    )
    op.create_index(
        op.f("ix_shipment_packages_connection_id_status"),
        "shipment_packages",
        ["connection_id", "status"],
        unique=False,
    )
    op.create_index(
        op.f("ix_shipment_packages_feed_submission_id"), "shipment_packages", ["feed_submission_id"], unique=False
    )
    op.create_index(op.f("ix_shipment_packages_order_id"), "shipment_packages", ["order_id"], unique=False)
    op.create_table(
        "stock_movements",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("item_id", ID, nullable=False),
        sa.Column("warehouse_id", ID, nullable=True),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=128), nullable=False),
        sa.Column("order_line_id", ID, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "reason IN ('shipment', 'receipt', 'adjustment', 'cancellation', 'count')",
            name=op.f("ck_stock_movements_reason"),
        ),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_stock_movements_item_id_items")),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_lines.id"],
            name=op.f("fk_stock_movements_order_line_id_order_lines"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name=op.f("fk_stock_movements_warehouse_id_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_movements")),
        sa.UniqueConstraint("reason", "ref", name=op.f("uq_stock_movements_reason_ref")),
    )
    op.create_index(
        op.f("ix_stock_movements_item_id_created_at"), "stock_movements", ["item_id", "created_at"], unique=False
    )
    op.create_table(
        "shipment_package_items",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("package_id", ID, nullable=False),
        sa.Column("order_line_id", ID, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_shipment_package_items_quantity")),
        sa.ForeignKeyConstraint(
            ["order_line_id"], ["order_lines.id"], name=op.f("fk_shipment_package_items_order_line_id_order_lines")
        ),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["shipment_packages.id"],
            name=op.f("fk_shipment_package_items_package_id_shipment_packages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_package_items")),
        sa.UniqueConstraint(
            "package_id", "order_line_id", name=op.f("uq_shipment_package_items_package_id_order_line_id")
        ),
    )
    op.create_index(
        op.f("ix_shipment_package_items_order_line_id"), "shipment_package_items", ["order_line_id"], unique=False
    )
    op.add_column("orders", sa.Column("late_flagged_at", TIMESTAMP, nullable=True))


def downgrade() -> None:
    op.drop_column("orders", "late_flagged_at")  # in place on SQLite too: a batch rebuild would cascade
    for table in ("shipment_package_items", "stock_movements", "shipment_packages", "line_cancellations", "shipments"):
        op.drop_table(table)
