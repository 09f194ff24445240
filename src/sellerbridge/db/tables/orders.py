"""Customers, orders, order lines and ship-to addresses (B1-B13).

- ``orders`` UNIQUE (connection_id, amazon_order_id) is the idempotency key of B1: two syncs racing
  can never store an order twice. ``version`` grows on every change (optimistic updates, and the
  outbox's de-duplication key).
- Buyer data is PII (B13): names, address lines, phones, e-mails and gift messages are Fernet
  ciphertext (``*_enc``); customers are matched by ``email_hash``, a keyed HMAC of the normalised
  e-mail, so matching works without the clear address. City, region and country codes stay clear:
  they route shipments and identify nobody. The postal code is personal (``domain/common/pii.py``):
  written only with the PII grant and erased by the purge, though not yet encrypted (a column of its
  own would need a migration; noted in the issue's closing note). Brazil's street parts, the
  district/county and the municipality are personal too (issue 9), so they are ciphertext from the start.
- Customers belong to one connection (issue 9): Amazon's relay e-mail is per seller, and a connection
  matches only the buyers it may know (B5, B13), so ``email_hash`` is the keyed hash of the connection
  id with the e-mail (``repositories/customers.match_key``); customers stored before keep the hub-wide
  hash and are matched no more.
- Amounts keep their currency's ISO 4217 exponent (``domain/common/money.py``): the order tables'
  money columns have three decimals, the most any currency has, and are read back at the currency's
  exponent, so JPY stays whole and BHD/KWD keep their third digit.
- ``programs`` are Amazon's (lower case); ``handling`` is what they mean for the warehouse
  (``domain/orders/programs.py``); ``ship_not_before`` a pre-order's release.
- ``shipped_at``/``delivered_at`` are Amazon's times (``domain/orders/purge_clock.py``), the purge's
  clock (B13), never the hub's import time.
"""

from __future__ import annotations

from typing import Any

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
from ..types import Id, Json, UtcDateTime

ORDER_MONEY = Numeric(15, 3)  # 12 integer digits, and the 3 decimals of BHD, KWD, OMR... (ISO 4217)
HANDLINGS = ("parcel", "amazon_carrier", "amazon_delivers", "pickup")  # domain.orders.programs.Handling


def money(name: str) -> Column[Any]:
    """An order amount; its currency is the order's ``currency`` column."""
    return Column(name, ORDER_MONEY, nullable=True)


FULFILLMENTS = ("MFN", "AFN")
IMPORT_MODES = ("normal", "purchase_order", "completed")  # B8

customers = Table(
    "customers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    # the connection's match key (repositories/customers.match_key); NULL: no e-mail (no PII grant)
    Column("email_hash", String(64), nullable=True, unique=True),
    Column("email_enc", Text, nullable=True),
    Column("name_enc", Text, nullable=True),
    Column("company", String(255), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

orders = Table(
    "orders",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("connection_id", Id, ForeignKey("connections.id"), nullable=False),
    Column("amazon_order_id", String(32), nullable=False),
    Column("marketplace_id", String(32), nullable=False),
    Column("seller_order_id", String(64), nullable=True),
    Column("status", String(32), nullable=False),  # domain.orders.OrderStatus
    Column("fulfillment", String(3), nullable=False),
    Column("purchase_date", UtcDateTime, nullable=False),
    Column("amazon_last_updated", UtcDateTime, nullable=False),
    Column("service_level", String(32), nullable=True),  # domain.orders.ServiceLevel
    Column("ship_service_level", String(100), nullable=True),  # Amazon's free text
    Column("ship_method_id", Id, ForeignKey("ship_methods.id"), nullable=True),
    Column("customer_id", Id, ForeignKey("customers.id"), nullable=True),
    Column("import_mode", String(16), nullable=False, server_default="normal"),
    Column("send_to_warehouse", Boolean, nullable=False, server_default=true()),
    Column("is_prime", Boolean, nullable=False, server_default=false()),
    Column("is_business", Boolean, nullable=False, server_default=false()),
    Column("is_premium", Boolean, nullable=False, server_default=false()),
    Column("payment_terms", String(32), nullable=True),
    Column("purchase_order_number", String(64), nullable=True),
    Column("currency", String(3), nullable=True),
    money("order_total"),
    Column("latest_ship_date", UtcDateTime, nullable=True),
    Column("latest_delivery_date", UtcDateTime, nullable=True),
    Column("buyer_cancel_requested", Boolean, nullable=False, server_default=false()),
    Column("cancelled_at", UtcDateTime, nullable=True),
    Column("cancel_reason", String(255), nullable=True),
    Column("cancelled_by", String(32), nullable=True),
    Column("shipped_at", UtcDateTime, nullable=True),  # Amazon's ship time (purge_clock.py)
    Column("delivered_at", UtcDateTime, nullable=True),  # Amazon's delivery (purge_clock.py)
    Column("programs", Json, nullable=True),  # Amazon's programs, lower case
    Column("handling", String(16), nullable=False, server_default="parcel"),
    Column("ship_not_before", UtcDateTime, nullable=True),
    Column("late_flagged_at", UtcDateTime, nullable=True),  # nearing latestShipDate, nothing shipped (issue 10)
    Column("pii_purged_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False, server_default=text("1")),
    UniqueConstraint("connection_id", "amazon_order_id"),
    one_of("fulfillment", FULFILLMENTS),
    one_of("import_mode", IMPORT_MODES),
    one_of("handling", HANDLINGS),
    Index(None, "connection_id", "status"),
    Index(None, "purchase_date"),
    Index(None, "shipped_at"),
    Index(None, "delivered_at"),
    Index(None, "customer_id"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("order_id", Id, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("order_item_id", String(32), nullable=False),
    Column("sku", String(64), nullable=True),
    Column("asin", String(16), nullable=True),
    Column("item_id", Id, ForeignKey("items.id"), nullable=True),
    Column("title", Text, nullable=True),
    Column("quantity", Integer, nullable=False),
    Column("quantity_shipped", Integer, nullable=False, server_default=text("0")),
    Column("quantity_cancelled", Integer, nullable=False, server_default=text("0")),
    money("unit_price"),
    money("item_tax"),
    money("shipping_price"),
    money("shipping_tax"),
    money("promotion_discount"),  # positive: the amount taken off the line
    Column("gift_message_enc", Text, nullable=True),
    Column("gift_wrap_level", String(32), nullable=True),
    UniqueConstraint("order_id", "order_item_id"),
    CheckConstraint("quantity >= 0 AND quantity_shipped >= 0 AND quantity_cancelled >= 0", name="quantities"),
    Index(None, "item_id"),
)

order_addresses = Table(
    "order_addresses",
    metadata,
    Column("order_id", Id, ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True),
    Column("name_enc", Text, nullable=True),
    Column("line1_enc", Text, nullable=True),
    Column("line2_enc", Text, nullable=True),
    Column("line3_enc", Text, nullable=True),
    Column("city", String(100), nullable=True),
    Column("state_or_region", String(100), nullable=True),
    Column("postal_code", String(32), nullable=True),
    Column("country_code", String(2), nullable=True),
    Column("phone_enc", Text, nullable=True),
    Column("company", String(255), nullable=True),
    Column("address_type", String(32), nullable=True),
    Column("district_or_county_enc", Text, nullable=True),
    Column("municipality_enc", Text, nullable=True),
    Column("street_name_enc", Text, nullable=True),
    Column("street_number_enc", Text, nullable=True),
    Column("complement_enc", Text, nullable=True),
    Column("neighborhood_enc", Text, nullable=True),
)
