"""Lines the warehouse cannot ship (``line_cancellations``), cancelled on Amazon by the acknowledgement feed (B9).

UNIQUE order_line_id: a line is asked to be cancelled once. A row goes ``queued`` -> ``sending`` (with its
feed) -> ``confirmed`` (Amazon cancelled it) or ``failed`` (Amazon refused, its text kept); a failed row
may be asked again (:func:`add` puts it back to ``queued``). Status changes are guarded by the status
they leave, so a result recorded twice applies once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ...domain.ports.confirmations import CancelLine
from ..tables import line_cancellations as t
from ..tables import order_lines, orders


@dataclass(frozen=True, slots=True)
class CancellationRecord:
    id: int
    connection_id: int
    order_id: int
    order_line_id: int
    quantity: int
    reason_code: str
    status: str
    amazon_message: str | None
    requested_by: str | None
    created_at: datetime
    confirmed_at: datetime | None
    amazon_order_id: str
    order_item_id: str


def _select() -> Any:
    return (select(t, orders.c.amazon_order_id, order_lines.c.order_item_id)
            .join(orders, orders.c.id == t.c.order_id).join(order_lines, order_lines.c.id == t.c.order_line_id))


def _record(m: Any) -> CancellationRecord:
    return CancellationRecord(**{name: m[name] for name in CancellationRecord.__dataclass_fields__})


def add(session: Session, *, connection_id: int, order_id: int, order_line_id: int, quantity: int, reason_code: str,
        requested_by: str | None, now: datetime) -> CancellationRecord | None:
    """Queue a line; a line queued or sent already is left alone (None), a failed one is asked again."""
    existing = session.execute(select(t).where(t.c.order_line_id == order_line_id)).first()
    if existing is not None:
        if existing.status != "failed":
            return None
        session.execute(update(t).where(t.c.id == existing.id, t.c.status == "failed").values(
            status="queued", quantity=quantity, reason_code=reason_code, requested_by=requested_by,
            feed_submission_id=None, amazon_message=None, updated_at=now))
        return get(session, existing.id)
    new_id = session.execute(t.insert().values(
        connection_id=connection_id, order_id=order_id, order_line_id=order_line_id, quantity=quantity,
        reason_code=reason_code, status="queued", requested_by=requested_by, created_at=now,
        updated_at=now).returning(t.c.id)).scalar_one()
    return get(session, new_id)


def get(session: Session, cancellation_id: int) -> CancellationRecord | None:
    row = session.execute(_select().where(t.c.id == cancellation_id)).first()
    return None if row is None else _record(row._mapping)


def by_line(session: Session, order_line_id: int) -> CancellationRecord | None:
    row = session.execute(_select().where(t.c.order_line_id == order_line_id)).first()
    return None if row is None else _record(row._mapping)


def list_cancellations(session: Session, *, connection_id: int | None = None, status: str | None = None,
                       order_id: int | None = None, limit: int = 100, offset: int = 0) -> list[CancellationRecord]:
    stmt = _select().order_by(t.c.id.desc()).limit(max(1, min(limit, 500))).offset(max(0, offset))
    if connection_id is not None:
        stmt = stmt.where(t.c.connection_id == connection_id)
    if status is not None:
        stmt = stmt.where(t.c.status == status)
    if order_id is not None:
        stmt = stmt.where(t.c.order_id == order_id)
    return [_record(row._mapping) for row in session.execute(stmt)]


def lines(session: Session, connection_id: int, *, status: str, limit: int,
          feed_submission_id: int | None = None) -> list[CancelLine]:
    stmt = _select().where(t.c.connection_id == connection_id, t.c.status == status).order_by(t.c.id).limit(limit)
    if feed_submission_id is not None:
        stmt = stmt.where(t.c.feed_submission_id == feed_submission_id)
    return [CancelLine(m.id, m.order_id, m.amazon_order_id, m.order_line_id, m.order_item_id, m.quantity,
                       m.reason_code) for m in session.execute(stmt)]


def move(session: Session, ids: Sequence[int], *, from_status: str, to_status: str, now: datetime,
         **values: Any) -> list[int]:
    if not ids:
        return []
    stmt = (update(t).where(t.c.id.in_(list(ids)), t.c.status == from_status)
            .values(status=to_status, updated_at=now, **values).returning(t.c.id))
    return sorted(session.execute(stmt).scalars())


def open_units(session: Session, order_id: int, *, besides: Sequence[int]) -> int:
    """Units of the order still to ship or cancel, the lines ``besides`` left out."""
    stmt = select(func.coalesce(func.sum(order_lines.c.quantity - order_lines.c.quantity_shipped
                                         - order_lines.c.quantity_cancelled), 0)).where(
        order_lines.c.order_id == order_id)
    if besides:
        stmt = stmt.where(order_lines.c.id.not_in(list(besides)))
    return int(session.execute(stmt).scalar_one())


def retry(session: Session, connection_id: int, order_line_id: int, *, now: datetime) -> bool:
    """A person asks again (H1): a ``failed`` cancellation of the line is ``queued`` anew."""
    result = session.execute(update(t).where(t.c.order_line_id == order_line_id, t.c.connection_id == connection_id,
                                             t.c.status == "failed")
                             .values(status="queued", feed_submission_id=None, amazon_message=None, updated_at=now))
    return bool(result.rowcount)  # type: ignore[attr-defined]
