"""Shipments from the warehouse in the store (C1, C2): idempotent inserts, reads, the open quantities, retry.

- :func:`insert_shipment` stores a shipment, its packages and their items once per (connection,
  idempotency key): ``ON CONFLICT DO NOTHING`` on the key, so two replicas racing with the same posting
  store it once; the loser reads the winner's (:func:`find_by_key`) and compares ``request_hash``.
- :func:`order_snapshot` reads the order as the check needs it (``domain.shipments.model``), locking its
  row on PostgreSQL (``FOR UPDATE``; SQLite's write units of work are serialised by ``BEGIN IMMEDIATE``), so
  two shipments for the same line cannot both take what is left to ship.
- Open quantity of a line = the items of its packages that are neither failed nor cancelled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ...domain.shipments.model import LineSnapshot, OrderSnapshot, ShipmentPlan
from ..tables import order_lines, orders, shipment_package_items, shipment_packages, shipments
from ._sql import upsert

CLOSED = ("failed", "cancelled")  # packages whose items no longer count against what is left to ship
RETRYABLE = ("held", "failed")


@dataclass(frozen=True, slots=True)
class PackageItemRecord:
    order_line_id: int
    order_item_id: str
    sku: str | None
    quantity: int


@dataclass(frozen=True, slots=True)
class PackageRecord:
    id: int
    shipment_id: int
    connection_id: int
    order_id: int
    carrier: str
    carrier_code: str
    carrier_name: str | None
    ship_method: str | None
    tracking_number: str
    status: str
    hold_reason: str | None
    attempts: int
    amazon_code: str | None
    amazon_message: str | None
    confirmed_at: datetime | None
    verified_at: datetime | None
    updated_at: datetime
    items: tuple[PackageItemRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class ShipmentRecord:
    id: int
    connection_id: int
    order_id: int
    amazon_order_id: str
    idempotency_key: str
    request_hash: str
    source: str
    ship_date: datetime
    created_by: str | None
    created_at: datetime
    packages: tuple[PackageRecord, ...] = field(default_factory=tuple)


def order_snapshot(session: Session, connection_id: int, amazon_order_id: str) -> OrderSnapshot | None:
    """The order as the shipment check reads it, its row locked for the unit of work (PostgreSQL)."""
    return _snapshot(session, (orders.c.connection_id == connection_id, orders.c.amazon_order_id == amazon_order_id))


def order_snapshot_by_id(session: Session, order_id: int) -> OrderSnapshot | None:
    return _snapshot(session, (orders.c.id == order_id,))


def _snapshot(session: Session, where: tuple[Any, ...]) -> OrderSnapshot | None:
    row = session.execute(
        select(orders.c.id, orders.c.amazon_order_id, orders.c.status, orders.c.fulfillment,
               orders.c.send_to_warehouse, orders.c.purchase_date).where(*where).with_for_update()
    ).first()
    if row is None:
        return None
    open_items = (
        select(shipment_package_items.c.order_line_id, func.sum(shipment_package_items.c.quantity).label("n"))
        .join(shipment_packages, shipment_packages.c.id == shipment_package_items.c.package_id)
        .where(shipment_packages.c.order_id == row.id, shipment_packages.c.status.not_in(CLOSED))
        .group_by(shipment_package_items.c.order_line_id)
    )
    in_packages = {line_id: int(n) for line_id, n in session.execute(open_items)}
    lines = tuple(
        LineSnapshot(line.id, line.order_item_id, line.sku, line.quantity, line.quantity_shipped,
                     line.quantity_cancelled, in_packages.get(line.id, 0))
        for line in session.execute(
            select(order_lines.c.id, order_lines.c.order_item_id, order_lines.c.sku, order_lines.c.quantity,
                   order_lines.c.quantity_shipped, order_lines.c.quantity_cancelled)
            .where(order_lines.c.order_id == row.id).order_by(order_lines.c.id))
    )
    return OrderSnapshot(row.id, row.amazon_order_id, str(row.status), str(row.fulfillment),
                         bool(row.send_to_warehouse), row.purchase_date, lines)


def find_by_key(session: Session, connection_id: int, key: str) -> tuple[int, str] | None:
    """(shipment id, request hash) of the shipment stored under the key, if any."""
    row = session.execute(select(shipments.c.id, shipments.c.request_hash).where(
        shipments.c.connection_id == connection_id, shipments.c.idempotency_key == key)).first()
    return None if row is None else (int(row.id), str(row.request_hash))


def insert_shipment(session: Session, *, connection_id: int, key: str, request_hash: str, source: str,
                    created_by: str | None, plan: ShipmentPlan, now: datetime) -> int | None:
    """The shipment with its packages and items; None when the key is taken (nothing written)."""
    stmt = upsert(session, shipments).values(
        connection_id=connection_id, order_id=plan.order_id, idempotency_key=key, request_hash=request_hash,
        source=source, ship_date=plan.ship_date, created_by=created_by, created_at=now, updated_at=now,
    ).on_conflict_do_nothing(index_elements=["connection_id", "idempotency_key"])
    shipment_id = session.execute(stmt.returning(shipments.c.id)).scalar_one_or_none()
    if shipment_id is None:
        return None
    for package in plan.packages:
        package_id = session.execute(shipment_packages.insert().values(
            shipment_id=shipment_id, connection_id=connection_id, order_id=plan.order_id, carrier=package.carrier,
            carrier_code=package.carrier_code, carrier_name=package.carrier_name, ship_method=package.ship_method,
            tracking_number=package.tracking_number, status=package.status, hold_reason=package.hold_reason,
            created_at=now, updated_at=now,
        ).returning(shipment_packages.c.id)).scalar_one()
        session.execute(shipment_package_items.insert(), [
            {"package_id": package_id, "order_line_id": line_id, "quantity": quantity}
            for line_id, quantity in package.items])
    return int(shipment_id)


_PACKAGE_COLUMNS = [c for c in shipment_packages.c if c.name in PackageRecord.__dataclass_fields__]


def _packages(session: Session, where: Any) -> list[PackageRecord]:
    rows = session.execute(select(*_PACKAGE_COLUMNS).where(where).order_by(shipment_packages.c.id)).all()
    if not rows:
        return []
    ids = [row.id for row in rows]
    items: dict[int, list[PackageItemRecord]] = {}
    for item in session.execute(
        select(shipment_package_items.c.package_id, shipment_package_items.c.order_line_id,
               order_lines.c.order_item_id, order_lines.c.sku, shipment_package_items.c.quantity)
        .join(order_lines, order_lines.c.id == shipment_package_items.c.order_line_id)
        .where(shipment_package_items.c.package_id.in_(ids)).order_by(shipment_package_items.c.id)
    ):
        items.setdefault(item.package_id, []).append(
            PackageItemRecord(item.order_line_id, item.order_item_id, item.sku, item.quantity))
    return [PackageRecord(**{c.name: row._mapping[c.name] for c in _PACKAGE_COLUMNS},
                          items=tuple(items.get(row.id, ()))) for row in rows]


_SHIPMENT_SELECT = select(shipments, orders.c.amazon_order_id).join(orders, orders.c.id == shipments.c.order_id)


def _shipments(session: Session, rows: Sequence[Any]) -> list[ShipmentRecord]:
    if not rows:
        return []
    by_shipment: dict[int, list[PackageRecord]] = {}
    for package in _packages(session, shipment_packages.c.shipment_id.in_([row.id for row in rows])):
        by_shipment.setdefault(package.shipment_id, []).append(package)
    return [ShipmentRecord(
        id=row.id, connection_id=row.connection_id, order_id=row.order_id, amazon_order_id=row.amazon_order_id,
        idempotency_key=row.idempotency_key, request_hash=row.request_hash, source=row.source,
        ship_date=row.ship_date, created_by=row.created_by, created_at=row.created_at,
        packages=tuple(by_shipment.get(row.id, ()))) for row in rows]


def get_shipment(session: Session, shipment_id: int) -> ShipmentRecord | None:
    found = _shipments(session, session.execute(_SHIPMENT_SELECT.where(shipments.c.id == shipment_id)).all())
    return found[0] if found else None


def list_shipments(session: Session, *, connection_id: int | None = None, amazon_order_id: str | None = None,
                   status: str | None = None, limit: int = 50, offset: int = 0) -> tuple[list[ShipmentRecord], int]:
    """Shipments newest first, with their packages; ``status``: those with a package in it. (page, total)."""
    conditions = []
    if connection_id is not None:
        conditions.append(shipments.c.connection_id == connection_id)
    if amazon_order_id is not None:
        conditions.append(orders.c.amazon_order_id == amazon_order_id)
    if status is not None:
        conditions.append(shipments.c.id.in_(select(shipment_packages.c.shipment_id)
                                             .where(shipment_packages.c.status == status)))
    joined = shipments.join(orders, orders.c.id == shipments.c.order_id)
    total = session.execute(select(func.count()).select_from(joined).where(*conditions)).scalar_one()
    rows = session.execute(_SHIPMENT_SELECT.where(*conditions).order_by(shipments.c.id.desc())
                           .limit(max(1, min(limit, 500))).offset(max(0, offset))).all()
    return _shipments(session, rows), int(total)


def get_package(session: Session, package_id: int) -> PackageRecord | None:
    found = _packages(session, shipment_packages.c.id == package_id)
    return found[0] if found else None


def requeue_package(session: Session, package_id: int, *, status: str, tracking_number: str, carrier: str,
                    carrier_code: str, carrier_name: str | None, hold_reason: str | None, now: datetime) -> bool:
    """A held or failed package after a person's correction: queued again (or held again, with the new
    reason); False when it is no longer held or failed (another retry won)."""
    result = session.execute(update(shipment_packages).where(
        shipment_packages.c.id == package_id, shipment_packages.c.status.in_(RETRYABLE),
    ).values(status=status, tracking_number=tracking_number, carrier=carrier, carrier_code=carrier_code,
             carrier_name=carrier_name, hold_reason=hold_reason, amazon_code=None, amazon_message=None,
             updated_at=now))
    return bool(result.rowcount)  # type: ignore[attr-defined]
