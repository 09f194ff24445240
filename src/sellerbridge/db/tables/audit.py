"""The PII access log: who saw which buyer data, when, from where (B13, I1, I2).

One row per view of PII, written in the transaction that reads the data (``services/pii.py``), so
a view is never served without its row. ``actor`` is ``api-key:<id>:<name>`` or ``cli:<user>``;
``channel`` the front end (``rest``, ``cli``, ``preview``); ``fields`` the personal fields the view
disclosed (names of ``domain/common/pii.py``, never their values); ``route`` the request or command.
Nothing in a row is buyer data: it stays readable by operators and is kept for its own retention.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table

from ..meta import metadata, one_of
from ..types import Id, Json, UtcDateTime

CHANNELS = ("rest", "cli", "preview")

pii_access_log = Table(
    "pii_access_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(160), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("connection_id", Id, ForeignKey("connections.id"), nullable=True),
    Column("amazon_order_id", String(64), nullable=True),  # NULL: an error's document not about one order
    Column("fields", Json, nullable=False),  # the field names disclosed, e.g. ["address.name", "line.gift_message"]
    Column("route", String(255), nullable=False),  # "GET /api/orders/{ref}", "orders show --pii", ...
    one_of("channel", CHANNELS),
    Index(None, "at"),
    Index(None, "connection_id", "amazon_order_id"),
)
