"""Shipments from the warehouse, their packages, stock movements, and lines the warehouse cannot ship (C1-C4, B9, C3).

- ``shipments``: one posting by the warehouse (REST, CSV row group, inbox file, CLI). UNIQUE
  (connection_id, idempotency_key): the same shipment posted twice is stored once (C2); ``request_hash``
  tells a replay (same body: the first answer again) from a reuse of the key with another body (refused).
- ``shipment_packages``: what Amazon confirms, one per box: carrier (the warehouse's words and Amazon's
  code), method, tracking number. Its ``id`` is the package's ``packageReferenceId`` at Amazon and the key
  of "confirmed exactly once" (C2). ``status`` is the hub's (``PACKAGE_STATUSES``); Amazon's answer per
  package (``amazon_code``/``amazon_message``, C4) and the read-back (``verified_at``) are kept.
- ``shipment_package_items``: the order lines and quantities in a package.
- ``stock_movements``: the stock ledger (C3 now, D2 in the stock issue). UNIQUE (reason, ref) makes a
  movement idempotent: a package's line consumed twice moves stock once.
- ``line_cancellations``: a line the warehouse cannot ship, cancelled on Amazon with a reason code through
  the order acknowledgement feed; UNIQUE order_line_id: a line is cancelled once.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint, text

from ..meta import metadata, one_of
from ..types import Id, UtcDateTime

SHIPMENT_SOURCES = ("api", "csv", "inbox", "cli")
# held: a person must look (bad tracking number, order cancelled meanwhile); queued: waits for Amazon;
# sending: handed to confirmShipment or a feed; confirmed: Amazon took it; verified: read back on the order;
# failed: Amazon refused it (error log); cancelled: the order was cancelled before it was sent.
PACKAGE_STATUSES = ("held", "queued", "sending", "confirmed", "verified", "failed", "cancelled")
CANCELLATION_STATUSES = ("queued", "sending", "confirmed", "failed")
MOVEMENT_REASONS = ("shipment", "receipt", "adjustment", "cancellation", "count")

shipments = Table(
    "shipments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("connection_id", Id, ForeignKey("connections.id"), nullable=False),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False),
    Column("idempotency_key", String(128), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("source", String(16), nullable=False),
    Column("ship_date", UtcDateTime, nullable=False),
    Column("created_by", String(128), nullable=True),  # the API key's name, the CLI user, the file
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("connection_id", "idempotency_key"),
    one_of("source", SHIPMENT_SOURCES),
    Index(None, "order_id"),
)

shipment_packages = Table(
    "shipment_packages",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),  # Amazon's packageReferenceId
    Column("shipment_id", Id, ForeignKey("shipments.id", ondelete="CASCADE"), nullable=False),
    Column("connection_id", Id, ForeignKey("connections.id"), nullable=False),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False),
    Column("carrier", String(100), nullable=False),  # the warehouse's words
    Column("carrier_code", String(64), nullable=False),  # Amazon's carrier code, or "Other"
    Column("carrier_name", String(100), nullable=True),  # with "Other": the name Amazon shows
    Column("ship_method", String(100), nullable=True),
    Column("tracking_number", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("hold_reason", Text, nullable=True),
    Column("channel", String(16), nullable=True),  # confirm_shipment | feed: how it went to Amazon
    Column("feed_submission_id", Id, ForeignKey("feed_submissions.id", ondelete="SET NULL"), nullable=True),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("amazon_code", String(64), nullable=True),
    Column("amazon_message", Text, nullable=True),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("confirmed_at", UtcDateTime, nullable=True),
    Column("verified_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    one_of("status", PACKAGE_STATUSES),
    Index(None, "connection_id", "status"),
    Index(None, "order_id"),
    Index(None, "feed_submission_id"),
)

shipment_package_items = Table(
    "shipment_package_items",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("package_id", Id, ForeignKey("shipment_packages.id", ondelete="CASCADE"), nullable=False),
    Column("order_line_id", Id, ForeignKey("order_lines.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    UniqueConstraint("package_id", "order_line_id"),
    CheckConstraint("quantity > 0", name="quantity"),
    Index(None, "order_line_id"),
)

stock_movements = Table(
    "stock_movements",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("item_id", Id, ForeignKey("items.id"), nullable=False),
    Column("warehouse_id", Id, ForeignKey("warehouses.id"), nullable=True),  # NULL: not known per warehouse
    Column("delta", Integer, nullable=False),  # negative: stock leaves
    Column("reason", String(16), nullable=False),
    Column("ref", String(128), nullable=False),  # e.g. "package:12:line:34"
    Column("order_line_id", Id, ForeignKey("order_lines.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("reason", "ref"),
    one_of("reason", MOVEMENT_REASONS),
    Index(None, "item_id", "created_at"),
)

line_cancellations = Table(
    "line_cancellations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("connection_id", Id, ForeignKey("connections.id"), nullable=False),
    Column("order_id", Id, ForeignKey("orders.id"), nullable=False),
    Column("order_line_id", Id, ForeignKey("order_lines.id"), nullable=False, unique=True),
    Column("quantity", Integer, nullable=False),
    Column("reason_code", String(48), nullable=False),  # Amazon's CancelReason
    Column("status", String(16), nullable=False),
    Column("feed_submission_id", Id, ForeignKey("feed_submissions.id", ondelete="SET NULL"), nullable=True),
    Column("amazon_message", Text, nullable=True),
    Column("requested_by", String(128), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("confirmed_at", UtcDateTime, nullable=True),
    one_of("status", CANCELLATION_STATUSES),
    CheckConstraint("quantity > 0", name="quantity"),
    Index(None, "connection_id", "status"),
)
