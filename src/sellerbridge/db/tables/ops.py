"""Operations: watermarks, sync runs, SP-API call log, error log, outbox (B1, B11, B14, H1, H2).

- ``watermarks``: one row per (connection, flow); written only in the transaction that stores what
  was read (B1, DESIGN.md section 5).
- ``connection_marks``: moments a flow notes for another's rules (e.g. the push path's "an order was
  deferred at" for the report backstop); not watermarks: nothing is read up to them.
- ``sync_runs``: one row per run of a flow (H2): its counts, the items worth showing, and for a
  stepping flow its ``state`` and when it continues (``resume_at``).
- ``pending_fetches``: orders an ORDER_CHANGE named, waiting for ``getOrder`` (B1). The primary key
  (connection, order) is the queueing lock and the table the bounded queue, shared by every web
  replica; ``hint_at`` (the change's time) lets a fetch delete exactly what it served.
- ``error_log``: UNIQUE (connection_id, kind, key): the same failing document seen again bumps
  ``count`` and ``last_seen`` instead of adding a row (H1). The payload is Amazon's document, which
  can carry buyer PII, so it is stored encrypted (``payload_enc``, B13).
- ``outbox``: UNIQUE (topic, key, version): one event per change of a thing. For orders the key is
  the hub order id and the version the order's ``version``, so re-storing the same change emits
  nothing and every real change emits exactly one event. Payloads hold no PII: the deliverer reads
  the order when it sends. ``connection_id`` is the payload's, as a column (the delivery flow's index).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from ..meta import metadata, one_of
from ..types import Id, Json, UtcDateTime

RUN_STATUSES = ("queued", "running", "done", "partial", "failed")  # H2
ERROR_STATUSES = ("open", "resolved", "dismissed")  # H1

watermarks = Table(
    "watermarks",
    metadata,
    Column("connection_id", Id, ForeignKey("connections.id"), nullable=False),
    Column("flow", String(32), nullable=False),
    Column("value", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("connection_id", "flow"),
)

connection_marks = Table(
    "connection_marks",
    metadata,
    Column("connection_id", Id, ForeignKey("connections.id"), nullable=False),
    Column("name", String(32), nullable=False),
    Column("value", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("connection_id", "name"),
)

pending_fetches = Table(
    "pending_fetches",
    metadata,
    Column("connection_id", Id, ForeignKey("connections.id"), nullable=False),
    Column("amazon_order_id", String(64), nullable=False),
    Column("hint_at", UtcDateTime, nullable=False),  # the newest change it stands for
    Column("noted_at", UtcDateTime, nullable=False),  # first noted: oldest first, and the latency
    Column("buyer_requested", Boolean, nullable=False),
    Column("source", String(16), nullable=False),  # notification | reprocess
    PrimaryKeyConstraint("connection_id", "amazon_order_id"),
    Index(None, "connection_id", "noted_at"),
)

sync_runs = Table(
    "sync_runs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("connection_id", Id, ForeignKey("connections.id"), nullable=True),  # NULL: hub-wide jobs
    Column("flow", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("started_at", UtcDateTime, nullable=True),
    Column("finished_at", UtcDateTime, nullable=True),
    Column("counts", Json, nullable=True),
    Column("error", Text, nullable=True),
    Column("state", Json, nullable=True),  # a stepping flow's state (resumed by the next step)
    Column("items", Json, nullable=True),  # per-item results worth showing (errors, warnings)
    Column("resume_at", UtcDateTime, nullable=True),  # a waiting run continues then
    one_of("status", RUN_STATUSES),
    Index(None, "connection_id", "flow", "created_at"),
    Index(None, "finished_at"),  # retention (sync/retention.py)
)

sp_api_calls = Table(
    "sp_api_calls",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("connection_id", Id, ForeignKey("connections.id"), nullable=True),  # NULL: grantless calls
    Column("run_id", Id, ForeignKey("sync_runs.id", ondelete="SET NULL"), nullable=True),
    Column("operation", String(64), nullable=False),
    Column("method", String(8), nullable=True),
    Column("path", String(500), nullable=True),  # without its query (redacted by the gateway)
    Column("attempt", Integer, nullable=False, server_default=text("1")),  # 2 = the first retry
    Column("status", Integer, nullable=True),  # NULL: no answer (timeout, connection error)
    Column("rate_limit", Float, nullable=True),  # x-amzn-RateLimit-Limit, requests per second
    Column("duration_ms", Integer, nullable=False),
    Column("request_summary", Text, nullable=True),  # redacted by the gateway
    Column("response_excerpt", Text, nullable=True),  # redacted by the gateway
    Column("at", UtcDateTime, nullable=False),
    Index(None, "connection_id", "at"),
    Index(None, "run_id"),
    Index(None, "at"),  # retention (sync/retention.py)
)

error_log = Table(
    "error_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("connection_id", Id, ForeignKey("connections.id"), nullable=False),
    Column("kind", String(32), nullable=False),  # order_import, shipment_confirm, feed...
    Column("key", String(128), nullable=False),  # e.g. the Amazon order id
    Column("code", String(64), nullable=False),
    Column("message", Text, nullable=False),
    Column("where", String(255), nullable=True),
    Column("payload_enc", Text, nullable=True),
    Column("first_seen", UtcDateTime, nullable=False),
    Column("last_seen", UtcDateTime, nullable=False),
    Column("count", Integer, nullable=False, server_default=text("1")),
    Column("status", String(16), nullable=False, server_default="open"),
    Column("resolved_at", UtcDateTime, nullable=True),
    UniqueConstraint("connection_id", "kind", "key"),
    one_of("status", ERROR_STATUSES),
    Index(None, "status", "last_seen"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("topic", String(64), nullable=False),  # order.created, order.updated, order.cancelled...
    Column("key", String(128), nullable=False),
    Column("version", Integer, nullable=False),
    Column("payload", Json, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime, nullable=True),
    # the payload's connection, as a column: the delivery flow reads one connection's new events (issue 10)
    Column("connection_id", Id, nullable=True),
    UniqueConstraint("topic", "key", "version"),
    Index(None, "delivered_at", "id"),
    Index(None, "connection_id", "id"),
)
