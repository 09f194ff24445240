"""The intake's checks in the store (issue 9): recorded ORDER_CHANGE subscriptions, the per-connection
rate window, and the totals of refused notifications (``db/tables/security.py``).

The rate window is one row per connection, changed by conditional UPDATEs only, so replicas admitting
hints at the same moment never exceed the limit together.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..tables import intake_tallies as tallies
from ..tables import order_change_subscriptions as subscriptions
from ._sql import upsert

REFUSALS = ("rate_limited", "foreign_subscription", "foreign_application")


def record_subscription(session: Session, *, seller_id: str, subscription_id: str, destination_id: str | None,
                        now: datetime) -> None:
    values = {"subscription_id": subscription_id, "destination_id": destination_id, "created_at": now}
    stmt = upsert(session, subscriptions).values(seller_id=seller_id, **values)
    session.execute(stmt.on_conflict_do_update(index_elements=["seller_id"], set_=values))


def forget_subscription(session: Session, seller_id: str) -> None:
    session.execute(subscriptions.delete().where(subscriptions.c.seller_id == seller_id))


def subscription_of(session: Session, seller_id: str) -> str | None:
    """The subscription id the hub recorded for the seller, or None."""
    return session.execute(select(subscriptions.c.subscription_id)
                           .where(subscriptions.c.seller_id == seller_id)).scalar_one_or_none()


def _ensure_row(session: Session, connection_id: int, now: datetime) -> None:
    session.execute(upsert(session, tallies).values(
        connection_id=connection_id, window_start=now, window_queued=0, rate_limited=0, foreign_subscription=0,
        foreign_application=0).on_conflict_do_nothing(index_elements=["connection_id"]))


def admit(session: Session, *, connection_id: int, now: datetime, limit: int, window: timedelta) -> bool:
    """Count one hint queued for ``getOrder`` in the connection's current window; False past ``limit``."""
    _ensure_row(session, connection_id, now)
    row = tallies.c
    fresh = session.execute(update(tallies).where(row.connection_id == connection_id,
                                                  row.window_start <= now - window)
                            .values(window_start=now, window_queued=1)).rowcount
    if fresh:
        return True
    return bool(session.execute(update(tallies).where(row.connection_id == connection_id, row.window_queued < limit)
                                .values(window_queued=row.window_queued + 1)).rowcount)


def count_refusal(session: Session, *, connection_id: int, reason: str, now: datetime) -> None:
    if reason not in REFUSALS:
        raise ValueError(f"unknown refusal {reason!r}")
    _ensure_row(session, connection_id, now)
    column = tallies.c[reason]
    session.execute(update(tallies).where(tallies.c.connection_id == connection_id).values({column: column + 1}))


def refusal_totals(session: Session) -> dict[str, int]:
    """Refused notifications over all connections, by reason."""
    row = session.execute(select(*(func.coalesce(func.sum(tallies.c[r]), 0) for r in REFUSALS))).one()
    return {reason: int(value) for reason, value in zip(REFUSALS, row, strict=True)}
