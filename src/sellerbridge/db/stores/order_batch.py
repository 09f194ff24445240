"""Executing order-change plans (``domain/orders/changes.py``) for one order or a page (B1, B5, B10, B14).

:func:`execute` is the one path by which the order flow's store writes what the rules planned: it
finds or creates the customers (B5), has the order rows written (a page insert, or one update), then
places, resizes and releases holds (B10, B9) and adds the outbox events (B14), one statement per
table whatever the number of orders: what lets the hub store over a thousand orders a second.

Also here: the :class:`OrderMapping` of a mapped order, the draft as it may be stored (B13), and the
outbox payload of an order event (ids only, B13).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sellerbridge.domain.orders.changes import ORDER_CREATED, OrderWrite
from sellerbridge.domain.orders.mapping import CustomerAction, CustomerInstruction, MappedOrder
from sellerbridge.domain.orders.model import Buyer, OrderDraft

from ..crypto import SecretBox
from ..repositories import customers, holds, outbox
from ..repositories.order_records import LineMapping, OrderMapping
from .order_views import DbShipMethods

__all__ = ["ORDER_CREATED", "Planned", "Written", "as_int", "event_payload", "execute", "order_mapping", "storable"]


@dataclass(frozen=True, slots=True)
class Planned:
    """One order to write: Amazon's draft, the mapped order, and what the rules planned for it."""

    draft: OrderDraft
    mapped: MappedOrder
    plan: OrderWrite


@dataclass(frozen=True, slots=True)
class Written:
    """An order row as written: the ids and the version its events carry."""

    order_id: int
    amazon_order_id: str
    version: int
    line_ids: Mapping[str, int]  # Amazon order item id -> order line id


# Writes the order rows of the planned orders, given each one's OrderMapping (same order); returns
# them by Amazon order id, or raises to undo the caller's savepoint.
WriteRows = Callable[[Sequence[Planned], Sequence[OrderMapping]], Mapping[str, Written]]


def execute(session: Session, box: SecretBox, *, connection_id: int, ship_methods: DbShipMethods,
            planned: Sequence[Planned], write_rows: WriteRows, now: datetime) -> None:
    """Write the planned orders (B1, B5, B9, B10, B14): customers, order rows (``write_rows``), holds,
    events. Half done when anything raises: call it in a savepoint."""
    wanted = [p.mapped.customer if p.plan.resolve_customer else None for p in planned]
    customer_ids = _customer_ids(session, box, wanted, now, connection_id)
    mappings = [order_mapping(p.mapped, customer_id, ship_methods.method_id(p.mapped.ship_method),
                              send_to_warehouse=p.plan.send_to_warehouse)
                for p, customer_id in zip(planned, customer_ids, strict=True)]
    written = write_rows(planned, mappings)
    placed: list[tuple[int, int, int]] = []
    resized: list[tuple[int, int]] = []
    released: list[int] = []
    events: list[tuple[str, str, int, dict[str, Any]]] = []
    for p in planned:
        order, plan = written[p.draft.amazon_order_id], p.plan
        placed += [(order.line_ids[h.order_item_id], as_int(h.item_id), h.quantity) for h in plan.place_holds]
        resized += [(order.line_ids[h.order_item_id], h.quantity) for h in plan.resize_holds]
        if plan.release_holds:
            released.append(order.order_id)
        payload = event_payload(order.order_id, connection_id, order.amazon_order_id)
        events += [(topic, order.amazon_order_id, order.version, payload) for topic in plan.events]
    if placed:
        holds.place_holds(session, placed, now=now)
    if resized:
        holds.set_hold_quantities(session, resized, now=now)
    if released:
        holds.release_holds_for_orders(session, released, now=now)
    if events:
        outbox.add_events(session, events, now=now)


def _customer_ids(session: Session, box: SecretBox, wanted: Sequence[CustomerInstruction | None],
                  now: datetime, connection_id: int) -> list[int | None]:
    """Each order's customer (B5, B13); None where none is to be resolved (the stored one stays). The
    new buyers are created in one statement (one customer per e-mail and connection, the first
    order's name)."""
    new = [c for c in wanted if c is not None and c.action is CustomerAction.CREATE and c.email is not None]
    buyers = [Buyer(email=c.email, name=c.name, company=c.company) for c in new]
    created = iter(customers.get_or_create_customers(session, box, buyers, now=now, connection_id=connection_id)
                   if new else ())
    ids: list[int | None] = []
    for customer in wanted:
        if customer is None:
            ids.append(None)
        elif customer.action is CustomerAction.MATCH:
            ids.append(as_int(customer.customer_id))
        elif customer.action is CustomerAction.ANONYMOUS or customer.email is None:
            ids.append(None)  # no PII grant: nothing may be stored of the buyer, not even to match by (B13)
        else:
            ids.append(next(created))
    return ids


def order_mapping(mapped: MappedOrder, customer_id: int | None, ship_method_id: int | None, *,
                  send_to_warehouse: bool) -> OrderMapping:
    """The hub's decisions for a mapped order, as the order tables keep them (B5-B8, B13)."""
    return OrderMapping(
        customer_id=customer_id,
        ship_method_id=ship_method_id,
        import_mode=mapped.import_mode.value,
        send_to_warehouse=send_to_warehouse,
        handling=mapped.handling.value,
        ship_not_before=mapped.ship_not_before,
        store_pii=mapped.pii,
        lines={line.order_item_id: LineMapping(item_id=as_int(line.item_id), title=line.title)
               for line in mapped.lines},
    )


def storable(draft: OrderDraft, mapped: MappedOrder) -> OrderDraft:
    """Without the PII grant nothing personal reaches the tables, not even the postal code (B13)."""
    if mapped.pii or draft.ship_to is None:
        return draft
    return replace(draft, ship_to=mapped.ship_to)


def event_payload(order_id: int, connection_id: int, amazon_order_id: str) -> dict[str, Any]:
    """An order event's payload: ids only, never buyer data (B13); the deliverer reads the order when it sends."""
    return {"order_id": order_id, "connection_id": connection_id, "amazon_order_id": amazon_order_id}


def as_int(value: int | str | None) -> int:
    assert value is not None
    return int(value)
