"""Queries of the PII purge job (B13) that the order and customer repositories do not offer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from ..tables import customers, orders
from .orders import pii_purge_due

__all__ = ["amazon_ids_by_connection", "count_orders_due_for_pii_purge", "customer_ids_of_orders",
           "customers_without_pii_orders"]


def count_orders_due_for_pii_purge(session: Session, *, cutoff: datetime, transit_allowance: timedelta) -> int:
    """How many orders ``orders.order_ids_due_for_pii_purge`` would return without a limit."""
    stmt = select(func.count()).select_from(orders).where(pii_purge_due(cutoff, transit_allowance))
    return int(session.execute(stmt).scalar_one())


def customer_ids_of_orders(session: Session, order_ids: Sequence[int]) -> list[int]:
    """The distinct customers of these orders (orders without a customer are left out)."""
    if not order_ids:
        return []
    stmt = (select(orders.c.customer_id).distinct()
            .where(orders.c.id.in_(list(order_ids)), orders.c.customer_id.is_not(None)))
    return sorted(session.execute(stmt).scalars())


def customers_without_pii_orders(session: Session, customer_ids: Sequence[int]) -> list[int]:
    """Of ``customer_ids``, those still holding a name or e-mail and with no order whose PII is kept (B13).

    An order keeps its PII until it is purged, shipped or not: a buyer with an open order keeps theirs.
    """
    if not customer_ids:
        return []
    still_held = exists().where(and_(orders.c.customer_id == customers.c.id, orders.c.pii_purged_at.is_(None)))
    stmt = (select(customers.c.id)
            .where(customers.c.id.in_(list(customer_ids)),
                   or_(customers.c.email_enc.is_not(None), customers.c.name_enc.is_not(None)),
                   ~still_held)
            .order_by(customers.c.id))
    return list(session.execute(stmt).scalars())


def amazon_ids_by_connection(session: Session, order_ids: Sequence[int]) -> dict[int, list[str]]:
    """The Amazon order ids of these orders, per connection: the keys their traces are kept under."""
    if not order_ids:
        return {}
    out: dict[int, list[str]] = {}
    stmt = select(orders.c.connection_id, orders.c.amazon_order_id).where(orders.c.id.in_(list(order_ids)))
    for connection_id, amazon_order_id in session.execute(stmt):
        out.setdefault(connection_id, []).append(amazon_order_id)
    return out
