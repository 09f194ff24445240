"""Pending fetches (B1): the orders ORDER_CHANGE notifications named, waiting for ``getOrder``.

The primary key (connection, Amazon order id) is the queueing lock: a notification for an order already
waiting adds nothing (SQS delivers twice), except that a NEWER change (``hint_at``) moves the row's
``hint_at`` forward, so that a fetch already under way for the older change leaves the row for one more
fetch (:func:`remove_served`). Every web replica writes here; the ``orders_fetch`` job drains it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session

from ..tables import pending_fetches as t
from ._sql import dialect_insert, statement


@dataclass(frozen=True, slots=True)
class PendingFetchRecord:
    connection_id: int
    amazon_order_id: str
    hint_at: datetime
    noted_at: datetime
    buyer_requested: bool
    source: str


def _record(m: Any) -> PendingFetchRecord:
    return PendingFetchRecord(**{name: m[name] for name in PendingFetchRecord.__dataclass_fields__})


def note_fetch(session: Session, *, connection_id: int, amazon_order_id: str, hint_at: datetime, now: datetime,
               buyer_requested: bool = False, source: str = "notification") -> bool:
    """Queue the order, or move its ``hint_at`` to a newer change; True for the one caller whose insert made
    the row (two replicas noting the same order at once: one True, one False; the key decides)."""
    inserted = session.execute(statement(session, "pending_fetches.insert", _insert_stmt), {
        "connection_id": connection_id, "amazon_order_id": amazon_order_id, "hint_at": hint_at, "noted_at": now,
        "buyer_requested": buyer_requested, "source": source}).first() is not None
    if not inserted:
        session.execute(update(t).where(
            t.c.connection_id == connection_id, t.c.amazon_order_id == amazon_order_id,
            (t.c.hint_at < hint_at) | (t.c.buyer_requested.is_(False) & buyer_requested),
        ).values(hint_at=case((t.c.hint_at < hint_at, hint_at), else_=t.c.hint_at),
                 buyer_requested=t.c.buyer_requested | buyer_requested))
    return inserted


def _insert_stmt(dialect: str) -> Any:
    # RETURNING names the row this statement inserted (nothing when the key was taken): a row count is not
    # reliable for ON CONFLICT DO NOTHING across drivers.
    return (dialect_insert(dialect, t).on_conflict_do_nothing(index_elements=["connection_id", "amazon_order_id"])
            .returning(t.c.amazon_order_id))


def oldest(session: Session, connection_id: int, limit: int) -> list[PendingFetchRecord]:
    rows = session.execute(select(t).where(t.c.connection_id == connection_id)
                           .order_by(t.c.noted_at, t.c.amazon_order_id).limit(limit))
    return [_record(row._mapping) for row in rows]


def count_waiting(session: Session, connection_id: int) -> int:
    return int(session.execute(select(func.count()).select_from(t).where(t.c.connection_id == connection_id))
               .scalar_one())


def remove_served(session: Session, *, connection_id: int, amazon_order_id: str, hint_at: datetime) -> bool:
    """Remove the row a fetch served, unless a newer change moved its ``hint_at`` on meanwhile."""
    result = session.execute(delete(t).where(t.c.connection_id == connection_id,
                                             t.c.amazon_order_id == amazon_order_id, t.c.hint_at <= hint_at))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def trim_oldest(session: Session, *, connection_id: int, keep: int) -> list[str]:
    """Keep the ``keep`` newest rows; remove and return the older ones (the bound of the queue)."""
    ids = [r[0] for r in session.execute(
        select(t.c.amazon_order_id).where(t.c.connection_id == connection_id)
        .order_by(t.c.noted_at.desc(), t.c.amazon_order_id.desc()).offset(keep))]
    if ids:
        session.execute(delete(t).where(t.c.connection_id == connection_id, t.c.amazon_order_id.in_(ids)))
    return ids
