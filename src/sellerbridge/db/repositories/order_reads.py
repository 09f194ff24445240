"""Reading orders (B1, B12, I2): by id, by Amazon id, a page of them, one with lines and address.

Buyer PII comes out decrypted only when the caller passes the key (``box``): the API does so only
for users with the view-PII permission (B13).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, bindparam, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from sellerbridge.domain.orders.model import OrderStatus
from sellerbridge.domain.ports.orders import StoredOrder

from ..crypto import SecretBox
from ..tables import order_addresses, order_lines, orders
from .order_records import AddressRecord, OrderDetail, OrderPage, OrderRecord, address_from, line_from, order_from

MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class OrderFilter:
    connection_id: int | None = None
    statuses: tuple[OrderStatus, ...] = ()
    fulfillment: str | None = None  # MFN | AFN
    amazon_order_id: str | None = None
    purchased_after: datetime | None = None
    purchased_before: datetime | None = None
    buyer_cancel_requested: bool | None = None
    cancelled: bool | None = None


def get_order(session: Session, order_id: int) -> OrderRecord | None:
    row = session.execute(select(orders).where(orders.c.id == order_id)).first()
    return None if row is None else order_from(row._mapping)


def get_by_amazon_id(session: Session, connection_id: int, amazon_order_id: str) -> OrderRecord | None:
    row = session.execute(
        select(orders).where(orders.c.connection_id == connection_id, orders.c.amazon_order_id == amazon_order_id)
    ).first()
    return None if row is None else order_from(row._mapping)


_STORED_COLUMNS = (
    orders.c.id,
    orders.c.amazon_order_id,
    orders.c.status,
    orders.c.amazon_last_updated,
    orders.c.send_to_warehouse,
    orders.c.cancelled_at,
)


def _stored(row: Any) -> StoredOrder:
    return StoredOrder(
        order_id=row.id,
        amazon_order_id=row.amazon_order_id,
        status=row.status,
        amazon_last_updated=row.amazon_last_updated,
        send_to_warehouse=bool(row.send_to_warehouse),
        cancelled=row.cancelled_at is not None or row.status == OrderStatus.CANCELLED.value,
    )


def get_stored(session: Session, connection_id: int, amazon_order_id: str) -> StoredOrder | None:
    """The little the order flow needs to decide insert / update / unchanged (domain.ports.StoredOrder)."""
    row = session.execute(
        select(*_STORED_COLUMNS).where(
            orders.c.connection_id == connection_id, orders.c.amazon_order_id == amazon_order_id
        )
    ).first()
    return None if row is None else _stored(row)


def get_stored_many(session: Session, connection_id: int, amazon_order_ids: Iterable[str]) -> dict[str, StoredOrder]:
    """:func:`get_stored` for a whole page of orders in one query."""
    wanted = list(dict.fromkeys(amazon_order_ids))
    found: dict[str, StoredOrder] = {}
    if not wanted:
        return found
    if session.get_bind().dialect.name == "postgresql":
        # A join with the page's ids, not ``IN``/``= ANY``: while a fast-growing table has no
        # statistics yet (a first import; the plan is then kept, as psycopg prepares repeated
        # statements), the planner takes the connection's orders to be a handful and reads them all
        # through the (connection_id, status) index, comparing each with every id of the page: 30 ms
        # a page at 5,000 orders. Joined, it hashes them once (3 ms), or, knowing the table, probes
        # UNIQUE (connection_id, amazon_order_id) once per id.
        ids = (func.unnest(bindparam("ids", wanted, type_=postgresql.ARRAY(String())))
               .table_valued("amazon_order_id").render_derived(name="wanted"))
        probe = (orders.c.connection_id == connection_id) & (orders.c.amazon_order_id == ids.c.amazon_order_id)
        rows = session.execute(select(*_STORED_COLUMNS).select_from(ids).join(orders, probe))
        return {row.amazon_order_id: _stored(row) for row in rows}
    for start in range(0, len(wanted), MAX_PAGE):  # keep the IN list within every driver's limits
        chunk = wanted[start : start + MAX_PAGE]
        rows = session.execute(
            select(*_STORED_COLUMNS).where(orders.c.connection_id == connection_id, orders.c.amazon_order_id.in_(chunk))
        )
        found.update((row.amazon_order_id, _stored(row)) for row in rows)
    return found


def get_order_detail(session: Session, order_id: int, *, box: SecretBox | None = None) -> OrderDetail | None:
    """The order with its lines and address; buyer PII decrypted only when ``box`` is given (B13)."""
    order = get_order(session, order_id)
    if order is None:
        return None
    lines = session.execute(select(order_lines).where(order_lines.c.order_id == order_id).order_by(order_lines.c.id))
    address = session.execute(select(order_addresses).where(order_addresses.c.order_id == order_id)).first()
    return OrderDetail(
        order=order,
        lines=tuple(line_from(row._mapping, order.currency, box) for row in lines),
        address=None if address is None else address_from(address._mapping, box),
    )


def get_address(session: Session, order_id: int, box: SecretBox) -> AddressRecord | None:
    """The order's ship-to, its personal fields decrypted (the order-change rules compare it, issue 10)."""
    row = session.execute(select(order_addresses).where(order_addresses.c.order_id == order_id)).first()
    return None if row is None else address_from(row._mapping, box)


def list_orders(session: Session, flt: OrderFilter | None = None, *, limit: int = 50, offset: int = 0) -> OrderPage:
    """Orders newest purchase first, filtered and paged (``limit`` at most ``MAX_PAGE``)."""
    flt = flt or OrderFilter()
    limit = max(1, min(limit, MAX_PAGE))
    conditions = []
    if flt.connection_id is not None:
        conditions.append(orders.c.connection_id == flt.connection_id)
    if flt.statuses:
        conditions.append(orders.c.status.in_([OrderStatus(s).value for s in flt.statuses]))
    if flt.fulfillment is not None:
        conditions.append(orders.c.fulfillment == flt.fulfillment)
    if flt.amazon_order_id is not None:
        conditions.append(orders.c.amazon_order_id == flt.amazon_order_id)
    if flt.purchased_after is not None:
        conditions.append(orders.c.purchase_date >= flt.purchased_after)
    if flt.purchased_before is not None:
        conditions.append(orders.c.purchase_date < flt.purchased_before)
    if flt.buyer_cancel_requested is not None:
        conditions.append(orders.c.buyer_cancel_requested == flt.buyer_cancel_requested)
    if flt.cancelled is not None:
        conditions.append(orders.c.cancelled_at.is_not(None) if flt.cancelled else orders.c.cancelled_at.is_(None))
    total = session.execute(select(func.count()).select_from(orders).where(*conditions)).scalar_one()
    rows = session.execute(
        select(orders)
        .where(*conditions)
        .order_by(orders.c.purchase_date.desc(), orders.c.id.desc())
        .limit(limit)
        .offset(max(0, offset))
    )
    return OrderPage([order_from(row._mapping) for row in rows], total, limit, max(0, offset))
