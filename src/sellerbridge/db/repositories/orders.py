"""Orders, lines and ship-to addresses (B1-B13): every order query of the hub, from this one module.

Reads live in ``order_reads``, inserts in ``order_insert``; this module re-exports them and holds the
updates.

- :func:`insert_order` / :func:`insert_orders` rely on UNIQUE (connection_id, amazon_order_id) with ``ON CONFLICT DO
  NOTHING``: when another sync stored the order first it raises :class:`DuplicateOrder` and the
  caller's transaction stays usable, so the flow re-reads the order and updates it instead (B1).
- :func:`update_order` applies a newer Amazon state under optimistic locking on ``version``: it
  raises :class:`StaleOrder` when the order changed since it was read. Whether the draft is newer
  (``last_updated``) is the flow's decision (Amazon's notifications arrive out of order).
- PII (B13, the one list of ``domain/common/pii.py``) is written only when ``mapping.store_pii``,
  encrypted where the table has an encrypted column; after :func:`purge_pii` an order never stores
  PII again.
- The store records *when the hub learned* of a cancellation (``cancelled_at``) the first time Amazon's
  status says so, and Amazon's own ship and delivery times (``shipped_at``, ``delivered_at``: the
  purge clock, ``domain/orders/purge_clock.py``); releasing holds and telling the warehouse are the
  flow's (B9, B10).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, insert, or_, select, update
from sqlalchemy.orm import Session

from sellerbridge.domain.orders.model import OrderDraft, OrderStatus

from ..crypto import SecretBox
from ..errors import NotFound, StaleOrder
from ..tables import order_addresses, order_lines, orders
from ..types import utcnow
from .order_insert import NEW_ORDER_VERSION, InsertResult, insert_order, insert_orders
from .order_reads import (
    MAX_PAGE,
    OrderFilter,
    get_by_amazon_id,
    get_order,
    get_order_detail,
    get_stored,
    get_stored_many,
    list_orders,
)
from .order_records import (
    NO_PII,
    LineMapping,
    OrderDetail,
    OrderMapping,
    OrderPage,
    OrderRecord,
    order_from,
)
from .order_values import address_values, check_draft, line_values, milestones, order_values

__all__ = [
    "MAX_PAGE",
    "NEW_ORDER_VERSION",
    "SETTABLE_FIELDS",
    "InsertResult",
    "LineMapping",
    "OrderDetail",
    "OrderFilter",
    "OrderMapping",
    "OrderPage",
    "OrderRecord",
    "get_by_amazon_id",
    "get_order",
    "get_order_detail",
    "get_stored",
    "get_stored_many",
    "insert_order",
    "insert_orders",
    "list_orders",
    "order_ids_due_for_pii_purge",
    "pii_purge_due",
    "purge_pii",
    "set_order_fields",
    "update_order",
]

# Hub-side fields a service or flow may set directly (set_order_fields).
SETTABLE_FIELDS = frozenset({
    "status", "ship_method_id", "customer_id", "import_mode", "send_to_warehouse", "buyer_cancel_requested",
    "cancelled_at", "cancel_reason", "cancelled_by", "shipped_at", "delivered_at",
})


def update_order(
    session: Session,
    box: SecretBox,
    order_id: int,
    draft: OrderDraft,
    mapping: OrderMapping,
    *,
    expected_version: int,
    now: datetime | None = None,
) -> OrderDetail:
    """Apply a newer Amazon state to a stored order; raises :class:`StaleOrder` if it moved on meanwhile.

    Kept from the stored order when the mapping has nothing: customer, ship method, a line's item
    and title; and every value Amazon leaves out this time (see :func:`_said`). Lines Amazon no
    longer lists are kept (Amazon never removes a line; it cancels units).
    """
    now = now or utcnow()
    current = _locked(session, order_id)
    if current.version != expected_version:
        raise StaleOrder(order_id, expected_version)
    currency = check_draft(draft)
    values = {
        **_said(order_values(draft, currency)),
        "ship_method_id": mapping.ship_method_id if mapping.ship_method_id is not None else current.ship_method_id,
        "customer_id": mapping.customer_id if mapping.customer_id is not None else current.customer_id,
        "import_mode": mapping.import_mode,
        "send_to_warehouse": mapping.send_to_warehouse,
        "handling": mapping.handling,
        "ship_not_before": mapping.ship_not_before,
        **milestones(draft, now, current),
        "updated_at": now,
        "version": expected_version + 1,
    }
    result = session.execute(
        update(orders).where(orders.c.id == order_id, orders.c.version == expected_version).values(**values)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise StaleOrder(order_id, expected_version)

    store_pii = mapping.store_pii and current.pii_purged_at is None
    stored = {
        row.order_item_id: row
        for row in session.execute(
            select(order_lines.c.id, order_lines.c.order_item_id, order_lines.c.item_id, order_lines.c.title).where(
                order_lines.c.order_id == order_id
            )
        )
    }
    for line in draft.lines:
        mapped = mapping.lines.get(line.order_item_id)
        row = line_values(line, mapped)
        if line.order_item_id in stored:
            row = _said(row)
        if store_pii and line.gift_message is not None:
            row["gift_message_enc"] = box.encrypt(line.gift_message)
        old = stored.get(line.order_item_id)
        if old is None:
            row.setdefault("gift_message_enc", None)
            session.execute(insert(order_lines).values(order_id=order_id, **row))
            continue
        if mapped is None or mapped.item_id is None:
            row["item_id"] = old.item_id
        if mapped is None or mapped.title is None:
            row["title"] = old.title if old.title is not None else line.title
        session.execute(update(order_lines).where(order_lines.c.id == old.id).values(**row))

    address = address_values(draft, box, store_pii)
    if address is not None:
        exists = session.execute(
            select(order_addresses.c.order_id).where(order_addresses.c.order_id == order_id)
        ).first()
        if exists is None:
            session.execute(insert(order_addresses).values(order_id=order_id, **address))
        elif said := _said(address):
            # Field by field: what Amazon withheld this time (role, status, the v0 reduced address keeps
            # the postal code only) keeps what is stored; without the grant no personal field is written.
            session.execute(update(order_addresses).where(order_addresses.c.order_id == order_id).values(**said))
    detail = get_order_detail(session, order_id)
    assert detail is not None
    return detail


def _said(values: dict[str, Any]) -> dict[str, Any]:
    """What Amazon's update says; a missing value (None) keeps the stored one.

    Amazon leaves data out rather than clearing it: cancelled orders come without totals or item
    prices, Pending ones without money, and a field outside the requested datasets is simply absent
    (docs/amazon-quirks.md). Overwriting with None would lose what the hub already knows.
    """
    return {key: value for key, value in values.items() if value is not None}


def _locked(session: Session, order_id: int) -> OrderRecord:
    # FOR UPDATE: a concurrent updater waits here on PostgreSQL, then fails the version check.
    row = session.execute(select(orders).where(orders.c.id == order_id).with_for_update()).first()
    if row is None:
        raise NotFound("order", order_id)
    return order_from(row._mapping)


def set_order_fields(
    session: Session,
    order_id: int,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
    **changes: Any,
) -> int:
    """Set hub-side fields (``SETTABLE_FIELDS``) and bump the version; returns the new version.

    With ``expected_version`` the change is optimistic (raises :class:`StaleOrder`).
    """
    unknown = set(changes) - SETTABLE_FIELDS
    if unknown:
        raise ValueError(f"not settable on an order: {', '.join(sorted(unknown))}")
    if "status" in changes and isinstance(changes["status"], OrderStatus):
        changes["status"] = changes["status"].value
    stmt = update(orders).where(orders.c.id == order_id)
    if expected_version is not None:
        stmt = stmt.where(orders.c.version == expected_version)
    stmt = stmt.values(**changes, updated_at=now or utcnow(), version=orders.c.version + 1).returning(orders.c.version)
    version = session.execute(stmt).scalar_one_or_none()
    if version is None:
        if expected_version is not None and get_order(session, order_id) is not None:
            raise StaleOrder(order_id, expected_version)
        raise NotFound("order", order_id)
    return version


def pii_purge_due(cutoff: datetime, transit_allowance: timedelta) -> ColumnElement[bool]:
    """SQL of ``domain.orders.purge_clock.purge_due_at(...) <= now`` for ``cutoff = now - retention`` (B13):
    delivered before the cut-off, or, never seen delivered, shipped before it less the transit
    allowance; not shipped: never by this rule. Orders purged already are not due."""
    return and_(
        orders.c.pii_purged_at.is_(None),
        or_(
            orders.c.delivered_at < cutoff,
            and_(orders.c.delivered_at.is_(None), orders.c.shipped_at < cutoff - transit_allowance),
        ),
    )


def order_ids_due_for_pii_purge(session: Session, *, cutoff: datetime, transit_allowance: timedelta,
                                limit: int = MAX_PAGE) -> list[int]:
    """Orders whose buyer data is due for the purge (``pii_purge_due``), oldest hub id first."""
    rows = session.execute(
        select(orders.c.id).where(pii_purge_due(cutoff, transit_allowance)).order_by(orders.c.id).limit(limit)
    )
    return list(rows.scalars())


def purge_pii(session: Session, order_id: int, *, now: datetime | None = None) -> None:
    """Erase the order's buyer PII for good (B13): the personal address fields of the one list
    (``domain/common/pii.py``: name, lines, postal code, phone) and gift messages."""
    now = now or utcnow()
    session.execute(update(order_addresses).where(order_addresses.c.order_id == order_id).values(**NO_PII))
    session.execute(update(order_lines).where(order_lines.c.order_id == order_id).values(gift_message_enc=None))
    result = session.execute(
        update(orders)
        .where(orders.c.id == order_id)
        .values(pii_purged_at=now, updated_at=now, version=orders.c.version + 1)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound("order", order_id)
