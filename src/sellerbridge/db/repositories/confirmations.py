"""Packages on their way to Amazon (``shipment_packages``) and the effects of a confirmation (C2, C3, C4).

Every status change is guarded by the status it leaves (``UPDATE ... WHERE status = :from``): two runs
racing for a package claim it once, and a package confirmed twice applies its effects once (C2). The
effects (``domain.shipments.confirmation.plan_effects``) are written here in the caller's transaction,
with the status change: the lines' shipped quantities, holds consumed or reduced, one stock movement per
package line (UNIQUE (reason, ref): never twice), the order's status and version.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ...domain.orders.model import OrderStatus
from ...domain.ports.confirmations import PackageLine, PackageToConfirm
from ...domain.shipments.confirmation import MOVEMENT_REASON, Effects, LineState
from ..tables import holds, order_lines, orders, shipment_package_items, shipment_packages, shipments, stock_movements
from ._sql import insert_rows
from .orders import set_order_fields
from .stock_marks import mark_items_dirty

p = shipment_packages


def count_in(session: Session, connection_id: int, status: str) -> int:
    return int(session.execute(select(func.count()).select_from(p).where(
        p.c.connection_id == connection_id, p.c.status == status)).scalar_one())


def unverified_orders(session: Session, connection_id: int, limit: int) -> list[int]:
    """Orders with confirmed packages not read back yet, the longest waiting first."""
    stmt = (select(p.c.order_id).where(p.c.connection_id == connection_id, p.c.status == "confirmed",
                                       p.c.verified_at.is_(None))
            .group_by(p.c.order_id).order_by(func.min(p.c.id)).limit(limit))
    return list(session.execute(stmt).scalars())


def packages(session: Session, connection_id: int, *, status: str, limit: int, feed_submission_id: int | None = None,
             unverified: bool = False, ids: Sequence[int] | None = None,
             order_ids: Sequence[int] | None = None) -> list[PackageToConfirm]:
    """Packages of the connection in ``status`` (oldest first) with their order and lines."""
    stmt = (select(p, shipments.c.ship_date, orders.c.amazon_order_id, orders.c.marketplace_id,
                   orders.c.status.label("order_status"))
            .join(shipments, shipments.c.id == p.c.shipment_id).join(orders, orders.c.id == p.c.order_id)
            .where(p.c.connection_id == connection_id, p.c.status == status).order_by(p.c.id).limit(limit))
    if feed_submission_id is not None:
        stmt = stmt.where(p.c.feed_submission_id == feed_submission_id)
    if unverified:
        stmt = stmt.where(p.c.verified_at.is_(None))
    if ids is not None:
        stmt = stmt.where(p.c.id.in_(list(ids)))
    if order_ids is not None:
        stmt = stmt.where(p.c.order_id.in_(list(order_ids)))
    rows = [row._mapping for row in session.execute(stmt)]
    lines = lines_of(session, [m["id"] for m in rows])
    return [_package(m, lines.get(m["id"], ())) for m in rows]


def lines_of(session: Session, package_ids: Sequence[int]) -> dict[int, tuple[PackageLine, ...]]:
    if not package_ids:
        return {}
    found: dict[int, list[PackageLine]] = {}
    stmt = (select(shipment_package_items.c.package_id, shipment_package_items.c.order_line_id,
                   shipment_package_items.c.quantity, order_lines.c.order_item_id)
            .join(order_lines, order_lines.c.id == shipment_package_items.c.order_line_id)
            .where(shipment_package_items.c.package_id.in_(list(package_ids)))
            .order_by(shipment_package_items.c.package_id, shipment_package_items.c.id))
    for row in session.execute(stmt):
        found.setdefault(row.package_id, []).append(PackageLine(row.order_line_id, row.order_item_id, row.quantity))
    return {key: tuple(value) for key, value in found.items()}


def _package(m: Any, lines: tuple[PackageLine, ...]) -> PackageToConfirm:
    return PackageToConfirm(
        package_id=m["id"], order_id=m["order_id"], amazon_order_id=m["amazon_order_id"],
        marketplace_id=m["marketplace_id"], carrier_code=m["carrier_code"], carrier_name=m["carrier_name"],
        ship_method=m["ship_method"], tracking_number=m["tracking_number"], ship_date=m["ship_date"], lines=lines,
        status=m["status"], channel=m["channel"], feed_submission_id=m["feed_submission_id"], attempts=m["attempts"],
        order_status=m["order_status"])


def order_status(session: Session, order_id: int) -> str | None:
    return session.execute(select(orders.c.status).where(orders.c.id == order_id)).scalar_one_or_none()


def move(session: Session, package_ids: Sequence[int], *, from_status: str | Sequence[str], to_status: str,
         now: datetime, **values: Any) -> list[int]:
    """Guarded status change; the ids that changed now."""
    if not package_ids:
        return []
    sources = [from_status] if isinstance(from_status, str) else list(from_status)
    stmt = (update(p).where(p.c.id.in_(list(package_ids)), p.c.status.in_(sources))
            .values(status=to_status, updated_at=now, **values).returning(p.c.id))
    return sorted(session.execute(stmt).scalars())


def claim(session: Session, package_ids: Sequence[int], *, channel: str, now: datetime,
          feed_submission_id: int | None) -> list[int]:
    return move(session, package_ids, from_status="queued", to_status="sending", now=now, channel=channel,
                feed_submission_id=feed_submission_id, sent_at=now, attempts=p.c.attempts + 1,
                amazon_code=None, amazon_message=None)


def set_feed(session: Session, package_ids: Sequence[int], feed_submission_id: int) -> None:
    if package_ids:
        session.execute(update(p).where(p.c.id.in_(list(package_ids)), p.c.status == "sending")
                        .values(feed_submission_id=feed_submission_id))


def line_states(session: Session, order_id: int) -> list[LineState]:
    """The order's lines with their still-held hold, locked for the effects (FOR UPDATE on PostgreSQL)."""
    stmt = (select(order_lines.c.id, order_lines.c.item_id, order_lines.c.quantity, order_lines.c.quantity_shipped,
                   order_lines.c.quantity_cancelled, holds.c.quantity.label("hold_quantity"), holds.c.status)
            .outerjoin(holds, holds.c.order_line_id == order_lines.c.id)
            .where(order_lines.c.order_id == order_id).order_by(order_lines.c.id).with_for_update(of=order_lines))
    return [LineState(r.id, r.item_id, r.quantity, r.quantity_shipped, r.quantity_cancelled,
                      r.hold_quantity if r.status == "held" else None) for r in session.execute(stmt)]


def apply_effects(session: Session, order_id: int, effects: Effects, *, now: datetime) -> int:
    """Write ``effects`` (see the module); returns the stock movements added now."""
    movements: list[dict[str, Any]] = []
    moved: list[int] = []  # the items whose holds changed: marked dirty once, at the end (D5)
    for line in effects.lines:
        session.execute(update(order_lines).where(order_lines.c.id == line.order_line_id)
                        .values(quantity_shipped=line.quantity_shipped))
        if line.consume_hold:
            moved += session.execute(update(holds).where(holds.c.order_line_id == line.order_line_id,
                                                         holds.c.status == "held")
                                     .values(status="consumed", released_at=now).returning(holds.c.item_id)).scalars()
        elif line.hold_quantity is not None:
            moved += session.execute(update(holds).where(holds.c.order_line_id == line.order_line_id,
                                                         holds.c.status == "held")
                                     .values(quantity=line.hold_quantity).returning(holds.c.item_id)).scalars()
        if line.movement is not None:
            item_id, delta, ref = line.movement
            movements.append({"item_id": item_id, "warehouse_id": None, "delta": delta, "reason": MOVEMENT_REASON,
                              "ref": ref, "order_line_id": line.order_line_id, "created_at": now})
    added = insert_rows(session, stock_movements, movements, returning=("id", "item_id"),
                        skip_conflicts_on=("reason", "ref"))
    moved += [row.item_id for row in added]
    if moved:
        mark_items_dirty(session, moved, cause=MOVEMENT_REASON, now=now)
    current = order_status(session, order_id)
    if current in (OrderStatus.UNSHIPPED.value, OrderStatus.PARTIALLY_SHIPPED.value, OrderStatus.PENDING.value) \
            and current != effects.order_status.value:
        # Amazon's next answer about the order stays the authority; this is what it will say
        set_order_fields(session, order_id, now=now, status=effects.order_status)
    return len(added)


def shipped_by_package(session: Session, package_id: int) -> dict[int, int]:
    stmt = select(shipment_package_items.c.order_line_id, shipment_package_items.c.quantity).where(
        shipment_package_items.c.package_id == package_id)
    return {row.order_line_id: row.quantity for row in session.execute(stmt)}


def movements_of(session: Session, package_id: int) -> list[Any]:
    stmt = select(stock_movements).where(stock_movements.c.ref.like(f"package:{package_id}:line:%"))
    return [row._mapping for row in session.execute(stmt)]


def retry(session: Session, connection_id: int, package_ids: Sequence[int], *, now: datetime) -> list[int]:
    """A person asks again (H1): ``failed`` or ``held`` -> ``queued``, as new (sent at most twice again)."""
    if not package_ids:
        return []
    stmt = (update(p).where(p.c.id.in_(list(package_ids)), p.c.connection_id == connection_id,
                            p.c.status.in_(("failed", "held")))
            .values(status="queued", attempts=0, amazon_code=None, amazon_message=None, hold_reason=None,
                    feed_submission_id=None, channel=None, confirmed_at=None, updated_at=now).returning(p.c.id))
    return sorted(session.execute(stmt).scalars())
