"""What price up keeps (issue 11: E1-E3): a listing's Amazon price and range, and the push state per SKU.

- ``channel_listings`` gains ``price``/``currency`` (the item's Amazon price for this connection's
  marketplace, set by people through REST or the CLI; NULL: the item's list price, E1) and
  ``minimum_price``/``maximum_price`` (the seller's allowed range, sent with the offer when set, E3).
- ``price_pushes``: the state of one Amazon SKU's price per connection (a price is per marketplace, so per
  connection, unlike a unified account's MFN quantity). ``version`` is bumped by every change that can
  change the price (``db/repositories/price_marks.py``); ``version > sent_version`` is "dirty".
  ``in_flight`` (``patch`` | ``feed``) says an update is out, with the price it carries. ``sent_*`` is
  what Amazon was last told (and why), with Amazon's answer. The guard (E3): a change larger than the
  connection's ``price_guard_percent`` is ``held_*`` (the price and the one it would replace) until a
  person decides: ``approved`` (sent at the next run) or ``rejected`` (not sent), with who and when.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint, text

from ..meta import metadata, one_of
from ..types import Id, UtcDateTime, money
from .inventory import AMAZON_STATUSES, PUSH_CHANNELS

DECISIONS = ("approved", "rejected")

price_pushes = Table(
    "price_pushes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("connection_id", Id, ForeignKey("connections.id", ondelete="CASCADE"), nullable=False),
    Column("amazon_sku", String(64), nullable=False),
    Column("item_id", Id, ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False, server_default=text("1")),  # bumped by every price change
    Column("sent_version", Integer, nullable=False, server_default=text("0")),  # the version Amazon was told
    Column("dirty_cause", String(64), nullable=True),
    Column("dirty_at", UtcDateTime, nullable=True),  # the first change not yet sent
    Column("in_flight", String(8), nullable=True),  # patch | feed; NULL: nothing out
    Column("in_flight_version", Integer, nullable=True),
    money("in_flight_price"),
    Column("in_flight_currency", String(3), nullable=True),
    money("in_flight_minimum"),
    money("in_flight_maximum"),
    Column("in_flight_at", UtcDateTime, nullable=True),
    Column("feed_submission_id", Id, ForeignKey("feed_submissions.id", ondelete="SET NULL"), nullable=True),
    Column("feed_message_id", Integer, nullable=True),
    money("sent_price"),  # what Amazon was last told (E1)
    Column("sent_currency", String(3), nullable=True),
    money("sent_minimum"),
    money("sent_maximum"),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("sent_cause", String(64), nullable=True),
    Column("sent_channel", String(8), nullable=True),
    Column("amazon_status", String(16), nullable=True),  # one of AMAZON_STATUSES
    Column("amazon_code", String(32), nullable=True),
    Column("amazon_message", Text, nullable=True),
    money("held_price"),  # E3: the price waiting for a person
    Column("held_currency", String(3), nullable=True),
    money("held_from"),  # the price it would replace (last sent, else Amazon's current one)
    Column("held_version", Integer, nullable=True),
    Column("held_at", UtcDateTime, nullable=True),
    Column("held_reason", Text, nullable=True),
    Column("decision", String(8), nullable=True),  # approved | rejected; NULL: waiting (when held)
    Column("decided_by", String(128), nullable=True),
    Column("decided_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("connection_id", "amazon_sku"),
    one_of("in_flight", PUSH_CHANNELS),
    one_of("sent_channel", PUSH_CHANNELS),
    one_of("amazon_status", AMAZON_STATUSES),
    one_of("decision", DECISIONS),
    Index(None, "item_id"),
    Index(None, "feed_submission_id"),
    Index(None, "connection_id", "dirty_at"),
    Index(None, "connection_id", "held_at"),
)
