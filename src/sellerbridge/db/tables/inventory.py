"""What stock and price up keep (issue 11: D1-D9, E1-E3): settings, commitments, and the push state per SKU.

- ``stock_settings``: one row per connection (none: the defaults). The connection's buffer (D3), the
  quantity sent for untracked and backorderable items (D4, default 1000), the default handling time (D6),
  the warehouses enabled for it (D2: NULL means every warehouse), the full refresh period (D5), how many
  dirty SKUs still go by ``patchListingsItem`` before a feed is cheaper (G2), and the price guard (E3).
- ``stock_commitments``: quantities committed elsewhere (other channels), sent by the OMS as absolute
  figures per (item, source); they are subtracted from available-to-sell like holds (D2).
- ``quantity_pushes``: the state of one Amazon SKU's quantity, per seller account and region (a unified
  account shares its MFN quantity across the region's marketplaces: pushed once per region, not once per
  marketplace). ``version`` is bumped in the transaction of every stock change of the item
  (``db/repositories/stock_marks.py``); ``sent_version`` is the version Amazon was last told, so
  ``version > sent_version`` is "dirty". ``in_flight`` (``patch`` | ``feed``) says an update is out: at
  most one per SKU, so updates reach Amazon in order. The last quantity, lead time, time, cause and the
  "why" sent are kept (D9), with Amazon's answer per SKU (D8) and the read-back (``verified_*``).

Items, warehouses and listings gain columns in migration 0010: ``items.buffer_kind``/``buffer_value`` (D3,
per item), ``warehouses.buffer_kind``/``buffer_value`` (D3, per distribution centre),
``channel_listings.fulfillment_channel`` (D1: ``AFN`` is never pushed) and ``channel_listings.mapped_by``
(D7: a listing mapped by ASIN only is refused with a reason).
"""

from __future__ import annotations

from sqlalchemy import (
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
    text,
)

from ..meta import metadata, one_of
from ..types import Id, Json, UtcDateTime

BUFFER_KINDS = ("fixed", "percent")
PUSH_CHANNELS = ("patch", "feed")
FULFILLMENT_CHANNELS = ("MFN", "AFN")
MAPPED_BY = ("sku", "asin")
# accepted: Amazon took it (patch ACCEPTED, or a feed message without error); warning: taken with a
# warning, or the SKU is unknown to Amazon (D8: a warning, not a failed run); invalid: refused with
# Amazon's code and text (error log); refused: the hub would not send it (D1 FBA, D7 ASIN only).
AMAZON_STATUSES = ("accepted", "warning", "invalid", "refused")

stock_settings = Table(
    "stock_settings",
    metadata,
    Column("connection_id", Id, ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True),
    Column("buffer_kind", String(8), nullable=True),  # D3 connection default; NULL: no buffer
    Column("buffer_value", Numeric(10, 2), nullable=True),
    Column("untracked_quantity", Integer, nullable=False, server_default=text("1000")),  # D4
    Column("handling_days", Integer, nullable=True),  # D6 default; NULL: not sent (Amazon keeps its own)
    Column("warehouse_ids", Json, nullable=True),  # D2: the enabled warehouses; NULL: every warehouse
    Column("full_refresh_minutes", Integer, nullable=False, server_default=text("60")),  # D5; 0: never
    Column("patch_max", Integer, nullable=False, server_default=text("50")),  # G2: more dirty SKUs: a feed
    Column("price_guard_percent", Numeric(6, 2), nullable=True, server_default=text("20")),  # E3; NULL: off
    Column("updated_at", UtcDateTime, nullable=False),
    one_of("buffer_kind", BUFFER_KINDS),
    CheckConstraint("untracked_quantity >= 0", name="untracked_quantity"),
    CheckConstraint("patch_max >= 0", name="patch_max"),
    CheckConstraint("full_refresh_minutes >= 0", name="full_refresh_minutes"),
)

stock_commitments = Table(
    "stock_commitments",
    metadata,
    Column("item_id", Id, ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("source", String(64), primary_key=True),  # the other channel, as the OMS names it
    Column("quantity", Integer, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("quantity >= 0", name="quantity"),
)

quantity_pushes = Table(
    "quantity_pushes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("seller_id", String(32), nullable=False),
    Column("region", String(8), nullable=False),
    Column("amazon_sku", String(64), nullable=False),
    Column("item_id", Id, ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False, server_default=text("1")),  # bumped by every stock change
    Column("sent_version", Integer, nullable=False, server_default=text("0")),  # the version Amazon was told
    Column("dirty_cause", String(64), nullable=True),  # the latest change's cause ("order", "receipt", ...)
    Column("dirty_at", UtcDateTime, nullable=True),  # the first change not yet sent
    Column("in_flight", String(8), nullable=True),  # patch | feed; NULL: nothing out
    Column("in_flight_version", Integer, nullable=True),
    Column("in_flight_quantity", Integer, nullable=True),
    Column("in_flight_lead_time", Integer, nullable=True),
    Column("in_flight_at", UtcDateTime, nullable=True),
    Column("feed_submission_id", Id, ForeignKey("feed_submissions.id", ondelete="SET NULL"), nullable=True),
    Column("feed_message_id", Integer, nullable=True),
    Column("sent_quantity", Integer, nullable=True),  # D9: what Amazon was last told
    Column("sent_lead_time", Integer, nullable=True),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("sent_cause", String(64), nullable=True),
    Column("sent_channel", String(8), nullable=True),
    Column("sent_why", Json, nullable=True),  # the breakdown of the figure sent (D9)
    Column("amazon_status", String(16), nullable=True),  # D8, one of AMAZON_STATUSES
    Column("amazon_code", String(32), nullable=True),
    Column("amazon_message", Text, nullable=True),
    Column("verified_at", UtcDateTime, nullable=True),  # read back equal
    Column("verified_quantity", Integer, nullable=True),  # what the read-back found
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("seller_id", "region", "amazon_sku"),
    one_of("in_flight", PUSH_CHANNELS),
    one_of("sent_channel", PUSH_CHANNELS),
    one_of("amazon_status", AMAZON_STATUSES),
    Index(None, "item_id"),
    Index(None, "feed_submission_id"),
    Index(None, "seller_id", "region", "in_flight"),
    Index(None, "seller_id", "region", "dirty_at"),  # the dirty ones: dirty_at is cleared when Amazon has it
)
