"""Deliveries and their attempts (B14, H1): fan-out of the outbox, due work, attempts, acks, redelivery.

UNIQUE (receiver_id, event_id) makes the fan-out idempotent: two runs (or two workers) reading the same
events add each delivery once. ``message_id`` is ``sb-<receiver>-<event>``: stable across attempts and
redeliveries, the receiver's idempotency key. Every attempt is a ``delivery_attempts`` row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, literal, select, update
from sqlalchemy.orm import Session

from ...domain.ports.deliveries import AttemptOutcome, DueDelivery
from ..tables import deliveries as t
from ..tables import delivery_attempts as a
from ..tables import outbox, receivers
from ..types import UtcDateTime
from ._sql import insert_rows

OPEN = ("pending", "sent")
FAN_OUT_PAGE = 500  # events per statement
# No write transaction stays open this long after its INSERT (short units of work; as the metrics assume).
PG_SETTLE = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    id: int
    at: datetime
    ok: bool
    status: int | None
    duration_ms: int
    excerpt: str | None
    batch_name: str | None


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    id: int
    receiver_id: int
    connection_id: int
    event_id: int | None
    topic: str
    order_id: int | None
    message_id: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    first_attempt_at: datetime | None
    last_attempt_at: datetime | None
    acknowledged_at: datetime | None
    batch_name: str | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    attempt_log: tuple[AttemptRecord, ...] = field(default=())


def message_id(receiver_id: int, event_id: int) -> str:
    return f"sb-{receiver_id}-{event_id}"


def fan_out(session: Session, connection_id: int, *, topics: Iterable[str], now: datetime, limit: int,
            page: int = FAN_OUT_PAGE) -> int:
    """Deliveries for the connection's events after each receiver's cursor (paused ones too: they get
    what happened meanwhile when resumed); returns how many events were read (``limit``: maybe more).

    The cursors advance only over settled events (:data:`PG_SETTLE`): on PostgreSQL an event's id is
    taken at INSERT and a transaction holding a lower one may commit later, so events newer than that
    are read again by the next run (UNIQUE (receiver, event) makes that free of duplicates) and none
    is stepped over. On SQLite writers are serialised: every event read is settled."""
    cursors = {row.id: row.event_cursor for row in session.execute(
        select(receivers.c.id, receivers.c.event_cursor).where(receivers.c.connection_id == connection_id))}
    if not cursors:
        return 0
    wanted = set(topics)
    settled_before = now - PG_SETTLE if session.get_bind().dialect.name == "postgresql" else None
    position = settled = min(cursors.values())
    read = 0
    while read < limit:
        events = session.execute(
            select(outbox.c.id, outbox.c.topic, outbox.c.payload, outbox.c.created_at)
            .where(outbox.c.connection_id == connection_id, outbox.c.id > position)
            .order_by(outbox.c.id).limit(min(page, limit - read))).all()
        if not events:
            break
        rows = []
        for receiver_id, cursor in cursors.items():
            for event in events:
                if event.id <= cursor or event.topic not in wanted:
                    continue
                payload = event.payload if isinstance(event.payload, dict) else {}
                order_id = payload.get("order_id")
                rows.append({"receiver_id": receiver_id, "connection_id": connection_id, "event_id": event.id,
                             "topic": event.topic, "order_id": order_id if isinstance(order_id, int) else None,
                             "message_id": message_id(receiver_id, event.id), "status": "pending", "attempts": 0,
                             "next_attempt_at": now, "created_at": now, "updated_at": now})
        insert_rows(session, t, rows, skip_conflicts_on=("receiver_id", "event_id"))
        read += len(events)
        position = events[-1].id
        settled = max([settled, *(e.id for e in events if settled_before is None or e.created_at <= settled_before)])
    session.execute(update(receivers).where(receivers.c.connection_id == connection_id,
                                            receivers.c.event_cursor < settled).values(event_cursor=settled))
    return read


def add_ping(session: Session, *, receiver_id: int, connection_id: int, message_id: str, now: datetime) -> int:
    """A delivery for ``receivers test`` (no event): its attempt is recorded like any other."""
    return session.execute(t.insert().values(
        receiver_id=receiver_id, connection_id=connection_id, event_id=None, topic="ping", order_id=None,
        message_id=message_id, status="pending", attempts=0, created_at=now, updated_at=now).returning(t.c.id)
    ).scalar_one()


def due(session: Session, receiver_id: int, *, now: datetime, limit: int) -> list[DueDelivery]:
    rows = session.execute(
        select(t.c.id, t.c.receiver_id, t.c.message_id, t.c.topic, t.c.order_id, t.c.attempts,
               t.c.first_attempt_at, func.coalesce(outbox.c.created_at, t.c.created_at).label("occurred_at"))
        .select_from(t.outerjoin(outbox, outbox.c.id == t.c.event_id))
        .where(t.c.receiver_id == receiver_id, t.c.status == "pending", t.c.event_id.is_not(None),
               t.c.next_attempt_at <= now)
        .order_by(t.c.next_attempt_at, t.c.id).limit(limit))
    return [DueDelivery(r.id, r.receiver_id, r.message_id, r.topic, r.order_id, r.occurred_at, r.attempts,
                        r.first_attempt_at) for r in rows]


def record(session: Session, outcomes: Sequence[AttemptOutcome], *, now: datetime) -> None:
    """Every attempt kept, each delivery moved to its new state."""
    if not outcomes:
        return
    insert_rows(session, a, [{"delivery_id": o.delivery_id, "at": now, "ok": o.attempt.ok, "status": o.attempt.status,
                              "duration_ms": max(0, int(o.attempt.duration_ms)),
                              "excerpt": (o.attempt.excerpt or "")[:500] or None,
                              "batch_name": o.attempt.batch_name} for o in outcomes])
    for o in outcomes:
        values: dict[str, Any] = {
            "status": o.status, "attempts": t.c.attempts + 1, "last_attempt_at": now, "updated_at": now,
            "first_attempt_at": func.coalesce(t.c.first_attempt_at, literal(now, UtcDateTime())),
            "next_attempt_at": o.next_attempt_at if o.status == "pending" else None,
            "last_error": None if o.attempt.ok else (o.error or o.attempt.excerpt or "")[:1000]}
        if o.attempt.batch_name:
            values["batch_name"] = o.attempt.batch_name
        if o.status == "acknowledged":
            values["acknowledged_at"] = now
        session.execute(update(t).where(t.c.id == o.delivery_id).values(**values))


def skip(session: Session, delivery_ids: Sequence[int], reason: str, *, now: datetime) -> None:
    if delivery_ids:
        session.execute(update(t).where(t.c.id.in_(list(delivery_ids))).values(
            status="skipped", next_attempt_at=None, last_error=reason[:1000], updated_at=now))


def unacknowledged_batches(session: Session, receiver_id: int, *, limit: int = 200) -> list[str]:
    rows = session.execute(select(t.c.batch_name).where(
        t.c.receiver_id == receiver_id, t.c.status == "sent", t.c.batch_name.is_not(None))
        .group_by(t.c.batch_name).order_by(t.c.batch_name).limit(limit))
    return [r.batch_name for r in rows]


def acknowledge_batches(session: Session, batch_names: Sequence[str], *, now: datetime,
                        receiver_id: int | None = None, connection_id: int | None = None) -> int:
    if not batch_names:
        return 0
    stmt = update(t).where(t.c.batch_name.in_(list(batch_names)), t.c.status == "sent")
    if receiver_id is not None:
        stmt = stmt.where(t.c.receiver_id == receiver_id)
    if connection_id is not None:
        stmt = stmt.where(t.c.connection_id == connection_id)
    result = session.execute(stmt.values(status="acknowledged", acknowledged_at=now, updated_at=now))
    return int(result.rowcount)  # type: ignore[attr-defined]


def acknowledge_ids(session: Session, delivery_ids: Sequence[int], *, now: datetime) -> int:
    """A file receiver's acknowledgement by API, by delivery id (only deliveries waiting for one)."""
    if not delivery_ids:
        return 0
    result = session.execute(update(t).where(t.c.id.in_(list(delivery_ids)), t.c.status == "sent")
                             .values(status="acknowledged", acknowledged_at=now, updated_at=now))
    return int(result.rowcount)  # type: ignore[attr-defined]


def next_due(session: Session, receiver_id: int) -> datetime | None:
    """The earliest pending attempt of the receiver (served by its (receiver, status, next attempt) index)."""
    return session.execute(
        select(func.min(t.c.next_attempt_at))
        .where(t.c.receiver_id == receiver_id, t.c.status == "pending", t.c.event_id.is_not(None))
    ).scalar_one_or_none()


def redeliver(session: Session, *, now: datetime, delivery_ids: Sequence[int] = (),
              receiver_id: int | None = None) -> list[DeliveryRecord]:
    """Deliveries made due again at once, with a fresh retry period: the ids given (any state but a
    ping), or every failed one of ``receiver_id``; their receivers' open breakers probe at once.
    Returns the ones changed."""
    stmt = select(t.c.id).where(t.c.event_id.is_not(None))
    if delivery_ids:
        stmt = stmt.where(t.c.id.in_(list(delivery_ids)))
    elif receiver_id is not None:
        stmt = stmt.where(t.c.receiver_id == receiver_id, t.c.status == "failed")
    else:
        return []
    ids = [r.id for r in session.execute(stmt)]
    if ids:
        session.execute(update(t).where(t.c.id.in_(ids)).values(
            status="pending", next_attempt_at=now, first_attempt_at=None, acknowledged_at=None, updated_at=now))
        # A person asked: an open breaker of these receivers lets a probe go at once (not after its cool-down).
        owners = select(t.c.receiver_id).where(t.c.id.in_(ids)).scalar_subquery()
        session.execute(update(receivers).where(receivers.c.id.in_(owners), receivers.c.breaker_state == "open")
                        .values(breaker_retry_at=now, updated_at=now))
    return [r for i in ids if (r := get(session, i)) is not None]


def _delivery(m: Any, attempts: tuple[AttemptRecord, ...] = ()) -> DeliveryRecord:
    return DeliveryRecord(**{c.name: m[c.name] for c in t.c}, attempt_log=attempts)


def get(session: Session, delivery_id: int, *, with_attempts: bool = False) -> DeliveryRecord | None:
    row = session.execute(select(t).where(t.c.id == delivery_id)).first()
    if row is None:
        return None
    attempts: tuple[AttemptRecord, ...] = ()
    if with_attempts:
        attempts = tuple(AttemptRecord(r.id, r.at, bool(r.ok), r.status, r.duration_ms, r.excerpt, r.batch_name)
                         for r in session.execute(select(a).where(a.c.delivery_id == delivery_id).order_by(a.c.id)))
    return _delivery(row._mapping, attempts)


def by_message_id(session: Session, message_ids: Sequence[str]) -> list[DeliveryRecord]:
    return [_delivery(r._mapping) for r in session.execute(select(t).where(t.c.message_id.in_(list(message_ids))))]


def list_deliveries(session: Session, *, connection_id: int | None = None, receiver_id: int | None = None,
                    status: str | None = None, order_id: int | None = None, limit: int = 100,
                    offset: int = 0) -> tuple[list[DeliveryRecord], int]:
    conditions = []
    if connection_id is not None:
        conditions.append(t.c.connection_id == connection_id)
    if receiver_id is not None:
        conditions.append(t.c.receiver_id == receiver_id)
    if status is not None:
        conditions.append(t.c.status == status)
    if order_id is not None:
        conditions.append(t.c.order_id == order_id)
    total = session.execute(select(func.count()).select_from(t).where(*conditions)).scalar_one()
    rows = session.execute(select(t).where(*conditions).order_by(t.c.id.desc())
                           .limit(max(1, min(limit, 500))).offset(max(0, offset)))
    return [_delivery(r._mapping) for r in rows], int(total)
