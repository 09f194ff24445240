"""A page of new orders stored at once: the batched path of the order flow (B1, B5, B10, B14; issue 3).

It writes exactly what ``DbOrderTransaction.insert_order`` writes order by order (customers, orders,
lines, addresses, holds, one ``order.created`` outbox event per order the warehouse ships), in one
statement per table instead of a dozen statements per order: what lets the hub store over a thousand
orders a second. All or nothing: :class:`PageRefused` when any order of the page is stored already (a
racing worker) or refused by the tables; the caller's savepoint then undoes the page and the flow
stores it order by order, where each order gets its own outcome.

Also here, shared with the per-order path: the :class:`OrderMapping` of a mapped order, the draft as
it may be stored (B13), and the outbox payload of an order event (ids only, B13).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sellerbridge.domain.orders.mapping import CustomerAction, CustomerInstruction, MappedOrder
from sellerbridge.domain.orders.model import Buyer, OrderDraft

from ..crypto import SecretBox
from ..repositories import customers, holds, orders, outbox
from ..repositories.order_records import LineMapping, OrderMapping
from .order_views import DbShipMethods

ORDER_CREATED = "order.created"


class PageRefused(Exception):
    """A page that cannot be stored in one go (see :func:`insert_page`)."""


def insert_page(session: Session, box: SecretBox, *, connection_id: int, ship_methods: DbShipMethods,
                batch: list[tuple[OrderDraft, MappedOrder]], now: datetime) -> None:
    """Store a page of new, mapped orders (B1, B5, B10, B14); raises :class:`PageRefused` (or the
    ``DomainError`` of an unknown ship method) with the page half written: call it in a savepoint."""
    customer_ids = _customer_ids(session, box, [mapped.customer for _, mapped in batch], now)
    rows = [(storable(draft, mapped), order_mapping(mapped, customer_id, ship_methods.method_id(mapped.ship_method)))
            for (draft, mapped), customer_id in zip(batch, customer_ids, strict=True)]
    result = orders.insert_orders(session, box, connection_id=connection_id, batch=rows, now=now, records=False)
    if result.duplicates or result.rejected or len(result.ids) != len(batch):
        raise PageRefused
    held: list[tuple[int, int, int]] = []
    events: list[tuple[str, str, int, dict[str, Any]]] = []
    for draft, mapped in batch:
        amazon_id = draft.amazon_order_id
        order_id, line_ids = result.ids[amazon_id]
        held += [(line_ids[line.order_item_id], as_int(line.item_id), line.hold_quantity)
                 for line in mapped.lines if line.hold_quantity > 0]
        if mapped.send_to_warehouse:
            events.append((ORDER_CREATED, amazon_id, orders.NEW_ORDER_VERSION,
                           event_payload(order_id, connection_id, amazon_id)))
    holds.place_holds(session, held, now=now)
    outbox.add_events(session, events, now=now)


def _customer_ids(session: Session, box: SecretBox, wanted: list[CustomerInstruction],
                  now: datetime) -> list[int | None]:
    """Each order's customer, as ``DbOrderTransaction`` finds or creates it one by one (B5, B13); the
    page's new buyers are created in one statement (one customer per e-mail, the first order's name)."""
    new = [c for c in wanted if c.action is CustomerAction.CREATE and c.email is not None]
    created = iter(customers.get_or_create_customers(
        session, box, [Buyer(email=c.email, name=c.name, company=c.company) for c in new], now=now) if new else ())
    ids: list[int | None] = []
    for customer in wanted:
        if customer.action is CustomerAction.MATCH:
            ids.append(as_int(customer.customer_id))
        elif customer.action is CustomerAction.ANONYMOUS or customer.email is None:
            ids.append(None)  # no PII grant: nothing may be stored of the buyer, not even to match by (B13)
        else:
            ids.append(next(created))
    return ids


def order_mapping(mapped: MappedOrder, customer_id: int | None, ship_method_id: int | None, *,
                  send_to_warehouse: bool | None = None) -> OrderMapping:
    """The hub's decisions for a mapped order, as the order tables keep them (B5-B8, B13)."""
    return OrderMapping(
        customer_id=customer_id,
        ship_method_id=ship_method_id,
        import_mode=mapped.import_mode.value,
        send_to_warehouse=mapped.send_to_warehouse if send_to_warehouse is None else send_to_warehouse,
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
