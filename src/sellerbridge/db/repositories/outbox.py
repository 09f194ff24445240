"""Outbox (B14): events written in the same transaction as the change they announce.

UNIQUE (topic, key, version) makes :func:`add_event` idempotent: storing the same change twice (a
re-read, a racing sync) adds one event. Events are handed out in insertion order (``id``).
Payloads carry ids and statuses, never buyer PII: the deliverer reads the order when it sends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..tables import outbox as t
from ..types import utcnow
from ._sql import dialect_insert, insert_rows, statement


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    id: int
    topic: str
    key: str
    version: int
    payload: dict[str, Any]
    created_at: datetime
    delivered_at: datetime | None
    connection_id: int | None = None


def _connection_of(payload: Any) -> int | None:
    """The event's connection, a column too: the delivery flow reads a connection's new events by it."""
    value = payload.get("connection_id") if isinstance(payload, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _event(m: Any) -> OutboxEvent:
    return OutboxEvent(**{name: m[name] for name in OutboxEvent.__dataclass_fields__})


def add_event(
    session: Session,
    *,
    topic: str,
    key: str,
    version: int,
    payload: dict[str, Any],
    now: datetime | None = None,
) -> int | None:
    """Add an event; returns its id, or None when this (topic, key, version) is already there."""
    values = {"topic": topic, "key": key, "version": version, "payload": payload, "created_at": now or utcnow(),
              "connection_id": _connection_of(payload)}
    return session.execute(statement(session, "outbox.add", _add_stmt), values).scalar_one_or_none()


def add_events(
    session: Session, events: Iterable[tuple[str, str, int, dict[str, Any]]], *, now: datetime | None = None
) -> list[int]:
    """:func:`add_event` for many ``(topic, key, version, payload)`` in one statement; returns the new ids."""
    now = now or utcnow()
    rows = [
        {"topic": topic, "key": key, "version": version, "payload": payload, "created_at": now,
         "connection_id": _connection_of(payload)}
        for topic, key, version, payload in events
    ]
    inserted = insert_rows(session, t, rows, returning=("id",), skip_conflicts_on=("topic", "key", "version"))
    return sorted(row.id for row in inserted)


def _add_stmt(dialect: str) -> Any:
    stmt = dialect_insert(dialect, t).on_conflict_do_nothing(index_elements=["topic", "key", "version"])
    return stmt.returning(t.c.id)


def list_undelivered(session: Session, *, limit: int = 100, topics: Iterable[str] | None = None) -> list[OutboxEvent]:
    stmt = select(t).where(t.c.delivered_at.is_(None)).order_by(t.c.id).limit(limit)
    if topics is not None:
        stmt = stmt.where(t.c.topic.in_(list(topics)))
    return [_event(row._mapping) for row in session.execute(stmt)]


def list_events(session: Session, *, key: str | None = None, limit: int = 100) -> list[OutboxEvent]:
    """Events old to new (delivered or not), optionally of one key."""
    stmt = select(t).order_by(t.c.id).limit(limit)
    if key is not None:
        stmt = stmt.where(t.c.key == key)
    return [_event(row._mapping) for row in session.execute(stmt)]


def mark_delivered(session: Session, event_ids: Iterable[int], *, now: datetime | None = None) -> int:
    ids = list(event_ids)
    if not ids:
        return 0
    result = session.execute(
        update(t).where(t.c.id.in_(ids), t.c.delivered_at.is_(None)).values(delivered_at=now or utcnow())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
