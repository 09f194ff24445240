"""Items, channel listings, warehouses, stock, holds and ship methods (B6, B7, B10, D2).

- ``channel_listings`` maps a connection's Amazon SKU (and its ASIN) to an internal item (B6).
- ``holds`` are committed quantities, one per order line (B10): idempotent by ``order_line_id``.
- ``ship_method_rules`` map an Amazon service level to carrier methods with a priority (lowest
  first); a rule with ``connection_id`` NULL applies to every connection (B7). ``ship_rates`` give a
  method's price per destination country ('*' = any other), for "cheapest" when no priority is set.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)

from ..meta import metadata, one_of
from ..types import Id, Json, UtcDateTime, money

HOLD_STATUSES = ("held", "released", "consumed")

items = Table(
    "items",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("sku", String(64), nullable=False, unique=True),
    Column("description", Text, nullable=True),
    money("list_price"),
    Column("currency", String(3), nullable=True),
    Column("weight_kg", Numeric(10, 3), nullable=True),
    Column("track_stock", Boolean, nullable=False, server_default=true()),  # D4
    Column("backorderable", Boolean, nullable=False, server_default=false()),  # D4
    Column("handling_days", Integer, nullable=True),  # D6; NULL: the connection default
    Column("buffer_kind", String(8), nullable=True),  # D3 per item: fixed | percent; NULL: the connection's
    Column("buffer_value", Numeric(10, 2), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

channel_listings = Table(
    "channel_listings",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("connection_id", Id, ForeignKey("connections.id"), nullable=False),
    Column("amazon_sku", String(64), nullable=False),
    Column("asin", String(16), nullable=True),
    Column("item_id", Id, ForeignKey("items.id"), nullable=True),  # NULL: known on Amazon, not mapped yet
    Column("fulfillment_channel", String(8), nullable=False, server_default="MFN"),  # D1: AFN is never pushed
    Column("mapped_by", String(8), nullable=False, server_default="sku"),  # D7: "asin" is refused for stock
    money("price"),  # E1: the item's Amazon price in this marketplace (migration 0011); NULL: its list price
    Column("currency", String(3), nullable=True),
    money("minimum_price"),  # E3: the seller's allowed range, sent with the offer when set
    money("maximum_price"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("connection_id", "amazon_sku"),
    Index(None, "connection_id", "asin"),
    Index(None, "item_id"),
)

warehouses = Table(
    "warehouses",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(255), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("buffer_kind", String(8), nullable=True),  # D3 per warehouse (distribution centre)
    Column("buffer_value", Numeric(10, 2), nullable=True),
)

stock = Table(
    "stock",
    metadata,
    Column("item_id", Id, ForeignKey("items.id"), primary_key=True),
    Column("warehouse_id", Id, ForeignKey("warehouses.id"), primary_key=True),
    Column("on_hand", Integer, nullable=False, server_default=text("0")),
    Column("updated_at", UtcDateTime, nullable=False),
)

holds = Table(
    "holds",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_line_id", Id, ForeignKey("order_lines.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("item_id", Id, ForeignKey("items.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("status", String(16), nullable=False, server_default="held"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("released_at", UtcDateTime, nullable=True),
    one_of("status", HOLD_STATUSES),
    CheckConstraint("quantity >= 0", name="quantity"),
    Index(None, "item_id", "status"),
)

ship_methods = Table(
    "ship_methods",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("carrier", String(64), nullable=False),
    Column("name", String(255), nullable=False),
)

ship_method_rules = Table(
    "ship_method_rules",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("connection_id", Id, ForeignKey("connections.id"), nullable=True),  # NULL: every connection
    Column("service_level", String(32), nullable=False),
    Column("ship_method_id", Id, ForeignKey("ship_methods.id"), nullable=False),
    Column("priority", Integer, nullable=True),  # lowest first; NULL: choose the cheapest rate
    Column("countries", Json, nullable=True),  # ISO codes the method serves; NULL: everywhere
    Index(None, "service_level", "connection_id"),
)

ship_rates = Table(
    "ship_rates",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("ship_method_id", Id, ForeignKey("ship_methods.id"), nullable=False),
    Column("country", String(2), nullable=False),  # ISO 3166 alpha-2, or '*' for any other
    money("price", nullable=False),
    Column("currency", String(3), nullable=False),
    UniqueConstraint("ship_method_id", "country"),
)
