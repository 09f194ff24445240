"""Initial schema of issue 3: connections, catalog and stock, orders, operations (A1-A5, B1-B13, H1, H2).

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The column types of sellerbridge.db.types, frozen here as the plain types they store.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)
MONEY = sa.Numeric(precision=14, scale=2)


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key_prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("roles", JSON, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("last_used_at", TIMESTAMP, nullable=True),
        sa.Column("revoked_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
        sa.UniqueConstraint("name", name=op.f("uq_api_keys_name")),
    )
    op.create_table(
        "connections",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("seller_id", sa.String(length=32), nullable=False),
        sa.Column("marketplace_id", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=8), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("client_secret_enc", sa.Text(), nullable=True),
        sa.Column("refresh_token_enc", sa.Text(), nullable=True),
        sa.Column("api_base_url", sa.String(length=500), nullable=True),
        sa.Column("lwa_token_url", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
        sa.Column("authorized_at", TIMESTAMP, nullable=True),
        sa.Column("authorization_expires_at", TIMESTAMP, nullable=True),
        sa.Column("expiry_warned_days", sa.Integer(), nullable=True),
        sa.Column("settings", JSON, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("region IN ('na', 'eu', 'fe')", name=op.f("ck_connections_region")),
        sa.CheckConstraint("status IN ('active', 'disabled', 'expired')", name=op.f("ck_connections_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connections")),
        sa.UniqueConstraint("name", name=op.f("uq_connections_name")),
        sa.UniqueConstraint("seller_id", "marketplace_id", name=op.f("uq_connections_seller_id_marketplace_id")),
    )
    op.create_table(
        "customers",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("email_hash", sa.String(length=64), nullable=True),
        sa.Column("email_enc", sa.Text(), nullable=True),
        sa.Column("name_enc", sa.Text(), nullable=True),
        sa.Column("company", sa.String(length=255), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("email_hash", name=op.f("uq_customers_email_hash")),
    )
    op.create_table(
        "items",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("list_price", MONEY, nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("weight_kg", sa.Numeric(precision=10, scale=3), nullable=True),
        sa.Column("track_stock", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("backorderable", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("handling_days", sa.Integer(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_items")),
        sa.UniqueConstraint("sku", name=op.f("uq_items_sku")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("delivered_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("topic", "key", "version", name=op.f("uq_outbox_topic_key_version")),
    )
    op.create_index(op.f("ix_outbox_delivered_at_id"), "outbox", ["delivered_at", "id"])
    op.create_table(
        "ship_methods",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ship_methods")),
        sa.UniqueConstraint("code", name=op.f("uq_ship_methods_code")),
    )
    op.create_table(
        "warehouses",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warehouses")),
        sa.UniqueConstraint("code", name=op.f("uq_warehouses_code")),
    )
    op.create_table(
        "channel_listings",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("connection_id", ID, nullable=False),
        sa.Column("amazon_sku", sa.String(length=64), nullable=False),
        sa.Column("asin", sa.String(length=16), nullable=True),
        sa.Column("item_id", ID, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"], ["connections.id"], name=op.f("fk_channel_listings_connection_id_connections")
        ),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_channel_listings_item_id_items")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_listings")),
        sa.UniqueConstraint("connection_id", "amazon_sku", name=op.f("uq_channel_listings_connection_id_amazon_sku")),
    )
    op.create_index(op.f("ix_channel_listings_connection_id_asin"), "channel_listings", ["connection_id", "asin"])
    op.create_index(op.f("ix_channel_listings_item_id"), "channel_listings", ["item_id"])
    op.create_table(
        "error_log",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("connection_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("where", sa.String(length=255), nullable=True),
        sa.Column("payload_enc", sa.Text(), nullable=True),
        sa.Column("first_seen", TIMESTAMP, nullable=False),
        sa.Column("last_seen", TIMESTAMP, nullable=False),
        sa.Column("count", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("resolved_at", TIMESTAMP, nullable=True),
        sa.CheckConstraint("status IN ('open', 'resolved', 'dismissed')", name=op.f("ck_error_log_status")),
        sa.ForeignKeyConstraint(
            ["connection_id"], ["connections.id"], name=op.f("fk_error_log_connection_id_connections")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_error_log")),
        sa.UniqueConstraint("connection_id", "kind", "key", name=op.f("uq_error_log_connection_id_kind_key")),
    )
    op.create_index(op.f("ix_error_log_status_last_seen"), "error_log", ["status", "last_seen"])
    op.create_table(
        "orders",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("connection_id", ID, nullable=False),
        sa.Column("amazon_order_id", sa.String(length=32), nullable=False),
        sa.Column("marketplace_id", sa.String(length=32), nullable=False),
        sa.Column("seller_order_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("fulfillment", sa.String(length=3), nullable=False),
        sa.Column("purchase_date", TIMESTAMP, nullable=False),
        sa.Column("amazon_last_updated", TIMESTAMP, nullable=False),
        sa.Column("service_level", sa.String(length=32), nullable=True),
        sa.Column("ship_service_level", sa.String(length=100), nullable=True),
        sa.Column("ship_method_id", ID, nullable=True),
        sa.Column("customer_id", ID, nullable=True),
        sa.Column("import_mode", sa.String(length=16), server_default="normal", nullable=False),
        sa.Column("send_to_warehouse", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("is_prime", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_business", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_premium", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("payment_terms", sa.String(length=32), nullable=True),
        sa.Column("purchase_order_number", sa.String(length=64), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("order_total", MONEY, nullable=True),
        sa.Column("latest_ship_date", TIMESTAMP, nullable=True),
        sa.Column("latest_delivery_date", TIMESTAMP, nullable=True),
        sa.Column("buyer_cancel_requested", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("cancelled_at", TIMESTAMP, nullable=True),
        sa.Column("cancel_reason", sa.String(length=255), nullable=True),
        sa.Column("cancelled_by", sa.String(length=32), nullable=True),
        sa.Column("shipped_at", TIMESTAMP, nullable=True),
        sa.Column("pii_purged_at", TIMESTAMP, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.CheckConstraint("fulfillment IN ('MFN', 'AFN')", name=op.f("ck_orders_fulfillment")),
        sa.CheckConstraint(
            "import_mode IN ('normal', 'purchase_order', 'completed')", name=op.f("ck_orders_import_mode")
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"], ["connections.id"], name=op.f("fk_orders_connection_id_connections")
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_orders_customer_id_customers")),
        sa.ForeignKeyConstraint(
            ["ship_method_id"], ["ship_methods.id"], name=op.f("fk_orders_ship_method_id_ship_methods")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("connection_id", "amazon_order_id", name=op.f("uq_orders_connection_id_amazon_order_id")),
    )
    op.create_index(op.f("ix_orders_connection_id_status"), "orders", ["connection_id", "status"])
    op.create_index(op.f("ix_orders_customer_id"), "orders", ["customer_id"])
    op.create_index(op.f("ix_orders_purchase_date"), "orders", ["purchase_date"])
    op.create_index(op.f("ix_orders_shipped_at"), "orders", ["shipped_at"])
    op.create_table(
        "ship_method_rules",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("connection_id", ID, nullable=True),
        sa.Column("service_level", sa.String(length=32), nullable=False),
        sa.Column("ship_method_id", ID, nullable=False),
        sa.Column("priority", sa.Integer(), nullable=True),
        sa.Column("countries", JSON, nullable=True),
        sa.ForeignKeyConstraint(
            ["connection_id"], ["connections.id"], name=op.f("fk_ship_method_rules_connection_id_connections")
        ),
        sa.ForeignKeyConstraint(
            ["ship_method_id"], ["ship_methods.id"], name=op.f("fk_ship_method_rules_ship_method_id_ship_methods")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ship_method_rules")),
    )
    op.create_index(
        op.f("ix_ship_method_rules_service_level_connection_id"),
        "ship_method_rules",
        ["service_level", "connection_id"],
    )
    op.create_table(
        "ship_rates",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("ship_method_id", ID, nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("price", MONEY, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.ForeignKeyConstraint(
            ["ship_method_id"], ["ship_methods.id"], name=op.f("fk_ship_rates_ship_method_id_ship_methods")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ship_rates")),
        sa.UniqueConstraint("ship_method_id", "country", name=op.f("uq_ship_rates_ship_method_id_country")),
    )
    op.create_table(
        "stock",
        sa.Column("item_id", ID, nullable=False),
        sa.Column("warehouse_id", ID, nullable=False),
        sa.Column("on_hand", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_stock_item_id_items")),
        sa.ForeignKeyConstraint(["warehouse_id"], ["warehouses.id"], name=op.f("fk_stock_warehouse_id_warehouses")),
        sa.PrimaryKeyConstraint("item_id", "warehouse_id", name=op.f("pk_stock")),
    )
    op.create_table(
        "sync_runs",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("connection_id", ID, nullable=True),
        sa.Column("flow", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=True),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("counts", JSON, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'partial', 'failed')", name=op.f("ck_sync_runs_status")
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"], ["connections.id"], name=op.f("fk_sync_runs_connection_id_connections")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_runs")),
    )
    op.create_index(
        op.f("ix_sync_runs_connection_id_flow_created_at"), "sync_runs", ["connection_id", "flow", "created_at"]
    )
    op.create_table(
        "watermarks",
        sa.Column("connection_id", ID, nullable=False),
        sa.Column("flow", sa.String(length=32), nullable=False),
        sa.Column("value", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"], ["connections.id"], name=op.f("fk_watermarks_connection_id_connections")
        ),
        sa.PrimaryKeyConstraint("connection_id", "flow", name=op.f("pk_watermarks")),
    )
    op.create_table(
        "order_addresses",
        sa.Column("order_id", ID, nullable=False),
        sa.Column("name_enc", sa.Text(), nullable=True),
        sa.Column("line1_enc", sa.Text(), nullable=True),
        sa.Column("line2_enc", sa.Text(), nullable=True),
        sa.Column("line3_enc", sa.Text(), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("state_or_region", sa.String(length=100), nullable=True),
        sa.Column("postal_code", sa.String(length=32), nullable=True),
        sa.Column("country_code", sa.String(length=2), nullable=True),
        sa.Column("phone_enc", sa.Text(), nullable=True),
        sa.Column("company", sa.String(length=255), nullable=True),
        sa.Column("address_type", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_addresses_order_id_orders"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_order_addresses")),
    )
    op.create_table(
        "order_lines",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("order_id", ID, nullable=False),
        sa.Column("order_item_id", sa.String(length=32), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=True),
        sa.Column("asin", sa.String(length=16), nullable=True),
        sa.Column("item_id", ID, nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("quantity_shipped", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("quantity_cancelled", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("unit_price", MONEY, nullable=True),
        sa.Column("item_tax", MONEY, nullable=True),
        sa.Column("shipping_price", MONEY, nullable=True),
        sa.Column("shipping_tax", MONEY, nullable=True),
        sa.Column("promotion_discount", MONEY, nullable=True),
        sa.Column("gift_message_enc", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "quantity >= 0 AND quantity_shipped >= 0 AND quantity_cancelled >= 0",
            name=op.f("ck_order_lines_quantities"),
        ),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_order_lines_item_id_items")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_lines_order_id_orders"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_lines")),
        sa.UniqueConstraint("order_id", "order_item_id", name=op.f("uq_order_lines_order_id_order_item_id")),
    )
    op.create_index(op.f("ix_order_lines_item_id"), "order_lines", ["item_id"])
    op.create_table(
        "sp_api_calls",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("connection_id", ID, nullable=True),
        sa.Column("run_id", ID, nullable=True),
        sa.Column("operation", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=True),
        sa.Column("path", sa.String(length=500), nullable=True),
        sa.Column("attempt", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("rate_limit", sa.Float(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("request_summary", sa.Text(), nullable=True),
        sa.Column("response_excerpt", sa.Text(), nullable=True),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"], ["connections.id"], name=op.f("fk_sp_api_calls_connection_id_connections")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["sync_runs.id"], name=op.f("fk_sp_api_calls_run_id_sync_runs"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sp_api_calls")),
    )
    op.create_index(op.f("ix_sp_api_calls_connection_id_at"), "sp_api_calls", ["connection_id", "at"])
    op.create_index(op.f("ix_sp_api_calls_run_id"), "sp_api_calls", ["run_id"])
    op.create_table(
        "holds",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("order_line_id", ID, nullable=False),
        sa.Column("item_id", ID, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="held", nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("released_at", TIMESTAMP, nullable=True),
        sa.CheckConstraint("status IN ('held', 'released', 'consumed')", name=op.f("ck_holds_status")),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_holds_quantity")),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_holds_item_id_items")),
        sa.ForeignKeyConstraint(
            ["order_line_id"], ["order_lines.id"], name=op.f("fk_holds_order_line_id_order_lines"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holds")),
        sa.UniqueConstraint("order_line_id", name=op.f("uq_holds_order_line_id")),
    )
    op.create_index(op.f("ix_holds_item_id_status"), "holds", ["item_id", "status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_holds_item_id_status"), table_name="holds")
    op.drop_table("holds")
    op.drop_index(op.f("ix_sp_api_calls_run_id"), table_name="sp_api_calls")
    op.drop_index(op.f("ix_sp_api_calls_connection_id_at"), table_name="sp_api_calls")
    op.drop_table("sp_api_calls")
    op.drop_index(op.f("ix_order_lines_item_id"), table_name="order_lines")
    op.drop_table("order_lines")
    op.drop_table("order_addresses")
    op.drop_table("watermarks")
    op.drop_index(op.f("ix_sync_runs_connection_id_flow_created_at"), table_name="sync_runs")
    op.drop_table("sync_runs")
    op.drop_table("stock")
    op.drop_table("ship_rates")
    op.drop_index(op.f("ix_ship_method_rules_service_level_connection_id"), table_name="ship_method_rules")
    op.drop_table("ship_method_rules")
    op.drop_index(op.f("ix_orders_shipped_at"), table_name="orders")
    op.drop_index(op.f("ix_orders_purchase_date"), table_name="orders")
    op.drop_index(op.f("ix_orders_customer_id"), table_name="orders")
    op.drop_index(op.f("ix_orders_connection_id_status"), table_name="orders")
    op.drop_table("orders")
    op.drop_index(op.f("ix_error_log_status_last_seen"), table_name="error_log")
    op.drop_table("error_log")
    op.drop_index(op.f("ix_channel_listings_item_id"), table_name="channel_listings")
    op.drop_index(op.f("ix_channel_listings_connection_id_asin"), table_name="channel_listings")
    op.drop_table("channel_listings")
    op.drop_table("warehouses")
    op.drop_table("ship_methods")
    op.drop_index(op.f("ix_outbox_delivered_at_id"), table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("items")
    op.drop_table("customers")
    op.drop_table("connections")
    op.drop_table("api_keys")
