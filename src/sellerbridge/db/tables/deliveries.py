"""Receivers, deliveries and their attempts (issue 10: B14, B13, B9, H1, H2; saleor's payload -> delivery -> attempts).

- ``receivers``: a place a connection's messages go (a webhook URL, a local directory, an SFTP directory).
  UNIQUE (connection_id, name). ``secrets_enc`` is Fernet ciphertext of a JSON object (the webhook's
  signing secrets, newest first; an SFTP password or key), as connections keep theirs (A3); during a
  rotation two secrets are valid until ``rotation_ends_at``. ``pii_allowed`` is the admin's decision
  that this receiver may get the ship-to address and the buyer's name (B13), with who and when
  (``pii_changed_by``/``pii_changed_at``; every change also in ``receiver_audit``). ``breaker_*`` is the
  receiver's circuit breaker (``domain/deliveries/breaker.py``). ``event_cursor`` is the newest outbox id
  already fanned out into deliveries for it.
- ``deliveries``: one per (receiver, outbox event): UNIQUE, so a fan-out run twice delivers once.
  ``message_id`` is stable across attempts (the receiver's idempotency key). ``event_id`` is NULL for a
  ``ping`` (``receivers test``). ``batch_name`` names the file a file receiver got it in (its ack names it).
- ``delivery_attempts``: every attempt (at, ok, HTTP status, duration, a short redacted excerpt).
- ``receiver_audit``: who changed what of a receiver and when (PII permission, secret rotation, pause).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint, false, text

from ..meta import metadata, one_of
from ..types import Id, Json, UtcDateTime

RECEIVER_KINDS = ("webhook", "local_dir", "sftp")  # domain.ports.deliveries.ReceiverKind
FILE_FORMATS = ("json", "csv")
BREAKER_STATES = ("closed", "open", "half_open")  # domain.deliveries.breaker.State
# pending: waits for its next attempt; sent: a file is in place, its ack not yet seen; acknowledged: the
# receiver has it (a webhook's 2xx, a file's ack); failed: retried for a day and more, in the error log;
# skipped: nothing to send (the order never goes to the warehouse, or is gone).
DELIVERY_STATUSES = ("pending", "sent", "acknowledged", "failed", "skipped")
AUDIT_ACTIONS = ("added", "pii_allowed", "pii_denied", "secret_rotated", "rotation_finished", "paused", "resumed")

receivers = Table(
    "receivers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("connection_id", Id, ForeignKey("connections.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("name", String(100), nullable=False),
    Column("config", Json, nullable=False),
    Column("secrets_enc", Text, nullable=True),
    Column("rotation_ends_at", UtcDateTime, nullable=True),  # the older secret stops being valid then
    Column("file_format", String(8), nullable=False, server_default="json"),
    Column("paused", Boolean, nullable=False, server_default=false()),
    Column("pii_allowed", Boolean, nullable=False, server_default=false()),
    Column("pii_changed_by", String(160), nullable=True),
    Column("pii_changed_at", UtcDateTime, nullable=True),
    Column("breaker_state", String(16), nullable=False, server_default="closed"),
    Column("breaker_failures", Integer, nullable=False, server_default=text("0")),
    Column("breaker_trips", Integer, nullable=False, server_default=text("0")),
    Column("breaker_retry_at", UtcDateTime, nullable=True),
    Column("event_cursor", Id, nullable=False, server_default=text("0")),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("connection_id", "name"),
    one_of("kind", RECEIVER_KINDS),
    one_of("file_format", FILE_FORMATS),
    one_of("breaker_state", BREAKER_STATES),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("receiver_id", Id, ForeignKey("receivers.id", ondelete="CASCADE"), nullable=False),
    Column("connection_id", Id, ForeignKey("connections.id"), nullable=False),
    Column("event_id", Id, ForeignKey("outbox.id", ondelete="CASCADE"), nullable=True),  # NULL: a ping
    Column("topic", String(64), nullable=False),
    Column("order_id", Id, nullable=True),  # the order the event is about (filters; no FK: orders are purged)
    Column("message_id", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", UtcDateTime, nullable=True),
    Column("first_attempt_at", UtcDateTime, nullable=True),
    Column("last_attempt_at", UtcDateTime, nullable=True),
    Column("acknowledged_at", UtcDateTime, nullable=True),
    Column("batch_name", String(255), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("receiver_id", "event_id"),
    one_of("status", DELIVERY_STATUSES),
    Index(None, "receiver_id", "status", "next_attempt_at"),
    Index(None, "order_id"),
    Index(None, "status"),
)

delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("delivery_id", Id, ForeignKey("deliveries.id", ondelete="CASCADE"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("status", Integer, nullable=True),  # HTTP status; NULL for files or no answer
    Column("duration_ms", Integer, nullable=False),
    Column("excerpt", String(500), nullable=True),  # redacted, short
    Column("batch_name", String(255), nullable=True),
    Index(None, "delivery_id", "at"),
)

receiver_audit = Table(
    "receiver_audit",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("receiver_id", Id, ForeignKey("receivers.id", ondelete="CASCADE"), nullable=False),
    Column("connection_id", Id, ForeignKey("connections.id"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(160), nullable=False),  # api-key:<id>:<name> | cli:<user>
    Column("action", String(32), nullable=False),
    Column("detail", Text, nullable=True),  # never a secret
    one_of("action", AUDIT_ACTIONS),
    Index(None, "receiver_id", "at"),
)
