"""Stock holds (B10): the quantity committed to open order lines, one hold per line.

``place_hold`` is idempotent on ``order_line_id`` (re-storing an order never holds twice); a hold is
``held`` until the line ships (``consumed``) or the order is cancelled (``released``, B9).

Every write here changes the item's available-to-sell (D2): it marks the items dirty in the same
transaction (``stock_marks.mark_items_dirty``, D5), once per call, not once per row (the order batch store
places the holds of hundreds of orders in one call).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from ..tables import holds, order_lines
from ..types import utcnow
from ._sql import insert_rows
from .stock_marks import mark_items_dirty


@dataclass(frozen=True, slots=True)
class HoldRecord:
    id: int
    order_line_id: int
    item_id: int
    quantity: int
    status: str
    created_at: datetime
    released_at: datetime | None


def _record(m: Any) -> HoldRecord:
    return HoldRecord(**{name: m[name] for name in HoldRecord.__dataclass_fields__})


def place_hold(
    session: Session, *, order_line_id: int, item_id: int, quantity: int, now: datetime | None = None
) -> HoldRecord:
    """Hold ``quantity`` of the item for the line; an existing hold of the line is returned unchanged."""
    place_holds(session, [(order_line_id, item_id, quantity)], now=now)
    row = session.execute(select(holds).where(holds.c.order_line_id == order_line_id)).first()
    assert row is not None
    return _record(row._mapping)


def place_holds(
    session: Session, lines: Iterable[tuple[int, int, int]], *, now: datetime | None = None
) -> None:
    """:func:`place_hold` for many ``(order_line_id, item_id, quantity)`` at once (one statement)."""
    now = now or utcnow()
    rows = [
        {"order_line_id": line_id, "item_id": item_id, "quantity": quantity, "status": "held", "created_at": now}
        for line_id, item_id, quantity in lines
    ]
    new = insert_rows(session, holds, rows, returning=("item_id",), skip_conflicts_on=("order_line_id",))
    if new:  # a re-stored order's existing holds change nothing
        mark_items_dirty(session, (row.item_id for row in new), cause="order", now=now)


def set_hold_quantity(session: Session, order_line_id: int, quantity: int, *, now: datetime | None = None) -> bool:
    """Change a line's held quantity (Amazon cancelled or shipped some units); False when not held."""
    result = session.execute(
        update(holds).where(holds.c.order_line_id == order_line_id, holds.c.status == "held").values(quantity=quantity)
        .returning(holds.c.item_id)
    )
    item_ids = list(result.scalars())
    if item_ids:
        mark_items_dirty(session, item_ids, cause="order", now=now or utcnow())
    return bool(item_ids)


def set_hold_quantities(session: Session, lines: Iterable[tuple[int, int]], *, now: datetime | None = None) -> None:
    """:func:`set_hold_quantity` for many ``(order_line_id, quantity)`` (one statement, executed per row)."""
    rows = [{"line_id": line_id, "new_quantity": quantity} for line_id, quantity in lines]
    if rows:
        stmt = (update(holds).where(holds.c.order_line_id == bindparam("line_id"), holds.c.status == "held")
                .values(quantity=bindparam("new_quantity")))
        session.connection().execute(stmt, rows)  # Core executemany: the ORM's bulk UPDATE wants a primary key
        line_ids = [row["line_id"] for row in rows]
        item_ids = [item_id for start in range(0, len(line_ids), 500) for item_id in session.execute(
            select(holds.c.item_id).where(holds.c.order_line_id.in_(line_ids[start:start + 500]))).scalars()]
        mark_items_dirty(session, item_ids, cause="order", now=now or utcnow())


def release_holds_for_order(session: Session, order_id: int, *, now: datetime | None = None) -> int:
    """Release every still-held hold of the order (B9); returns how many were released."""
    return release_holds_for_orders(session, [order_id], now=now)


def release_holds_for_orders(session: Session, order_ids: Iterable[int], *, now: datetime | None = None) -> int:
    """:func:`release_holds_for_order` for many orders in one statement."""
    ids = list(order_ids)
    if not ids:
        return 0
    lines = select(order_lines.c.id).where(order_lines.c.order_id.in_(ids)).scalar_subquery()
    now = now or utcnow()
    result = session.execute(
        update(holds)
        .where(holds.c.order_line_id.in_(lines), holds.c.status == "held")
        .values(status="released", released_at=now)
        .returning(holds.c.item_id)
    )
    item_ids = list(result.scalars())
    if item_ids:
        mark_items_dirty(session, item_ids, cause="cancellation", now=now)
    return len(item_ids)


def holds_by_order_item(session: Session, order_id: int) -> dict[str, HoldRecord]:
    """The order's holds, held or not, by Amazon order item id (what the order-change rules read, B10)."""
    rows = session.execute(
        select(holds, order_lines.c.order_item_id)
        .join(order_lines, order_lines.c.id == holds.c.order_line_id)
        .where(order_lines.c.order_id == order_id)
    )
    return {row.order_item_id: _record(row._mapping) for row in rows}


def consume_hold(session: Session, order_line_id: int, *, now: datetime | None = None) -> bool:
    """The line shipped: its hold becomes a stock decrement (C3); False when there was none held."""
    now = now or utcnow()
    result = session.execute(
        update(holds)
        .where(holds.c.order_line_id == order_line_id, holds.c.status == "held")
        .values(status="consumed", released_at=now)
        .returning(holds.c.item_id)
    )
    item_ids = list(result.scalars())
    if item_ids:
        mark_items_dirty(session, item_ids, cause="shipment", now=now)
    return bool(item_ids)


def list_holds(
    session: Session, *, order_id: int | None = None, item_id: int | None = None, status: str | None = None
) -> list[HoldRecord]:
    stmt = select(holds).order_by(holds.c.id)
    if order_id is not None:
        stmt = stmt.where(holds.c.order_line_id.in_(select(order_lines.c.id).where(order_lines.c.order_id == order_id)))
    if item_id is not None:
        stmt = stmt.where(holds.c.item_id == item_id)
    if status is not None:
        stmt = stmt.where(holds.c.status == status)
    return [_record(row._mapping) for row in session.execute(stmt)]


def held_quantity(session: Session, item_id: int) -> int:
    """Units of the item committed to open lines (D2: available = on hand - held - buffer)."""
    total = session.execute(
        select(func.coalesce(func.sum(holds.c.quantity), 0)).where(holds.c.item_id == item_id, holds.c.status == "held")
    ).scalar_one()
    return int(total)
