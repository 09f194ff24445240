"""The delivery flow's ports over the store (B14, B13, H1): ``Receivers`` and ``DeliveryStore`` of one connection.

Each call is its own short transaction; nothing is held open while a transport talks to a receiver.
:meth:`DbDeliveryStore.snapshot` reads the order as it is now; its buyer data is decrypted only when
asked for (a receiver allowed to receive it, B13). A delivery given up goes to the error log (kind
``delivery``, key its message id), where ``deliveries redeliver`` takes it up again (H1).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import select

from ...domain.deliveries.breaker import Breaker
from ...domain.deliveries.message import WAREHOUSE_TOPICS, ConnectionRef, LineSnapshot, OrderSnapshot
from ...domain.ports.deliveries import AttemptOutcome, DueDelivery, ReceiverSpec
from ..repositories import connections, customers, error_log, order_reads, receivers
from ..repositories import deliveries as repo
from ..store import Store
from ..tables import ship_methods

ERROR_KIND = "delivery"


class DbReceivers:
    """``domain.ports.deliveries.Receivers`` of one connection."""

    def __init__(self, store: Store, connection_id: int, now: Callable[[], datetime]) -> None:
        self._store = store
        self.connection_id = connection_id
        self._now = now

    def active(self) -> list[ReceiverSpec]:
        with self._store.uow(read_only=True) as session:
            return receivers.specs(session, self._store.box, self.connection_id, now=self._now())

    def inboxes(self) -> list[ReceiverSpec]:
        return [r for r in self.active() if r.kind != "webhook" and r.config.get("inbox")]


class DbDeliveryStore:
    """``domain.ports.deliveries.DeliveryStore`` of one connection."""

    def __init__(self, store: Store, connection_id: int, now: Callable[[], datetime]) -> None:
        self._store = store
        self.connection_id = connection_id
        self._now = now

    def connection_ref(self) -> ConnectionRef:
        with self._store.uow(read_only=True) as session:
            record = connections.require_connection(session, self.connection_id)
        return ConnectionRef(record.id, record.name, record.marketplace_id)

    def fan_out(self, limit: int) -> int:
        with self._store.uow() as session:
            return repo.fan_out(session, self.connection_id, topics=WAREHOUSE_TOPICS, now=self._now(), limit=limit)

    def due(self, receiver_id: int, limit: int) -> list[DueDelivery]:
        with self._store.uow(read_only=True) as session:
            return repo.due(session, receiver_id, now=self._now(), limit=limit)

    def snapshot(self, order_id: int, *, pii: bool) -> OrderSnapshot | None:
        box = self._store.box if pii else None
        with self._store.uow(read_only=True) as session:
            detail = order_reads.get_order_detail(session, order_id, box=box)
            if detail is None or detail.order.connection_id != self.connection_id:
                return None
            order = detail.order
            method = None
            if order.ship_method_id is not None:
                method = session.execute(select(ship_methods.c.code)
                                         .where(ship_methods.c.id == order.ship_method_id)).scalar_one_or_none()
            buyer_name = None
            if box is not None and order.customer_id is not None:
                customer = customers.get_customer(session, order.customer_id, box=box)
                buyer_name = customer.name if customer is not None else None
        address = detail.address
        ship_to = None
        if box is not None and address is not None and address.has_pii:
            ship_to = {"name": address.name, "line1": address.line1, "line2": address.line2, "line3": address.line3,
                       "city": address.city, "state_or_region": address.state_or_region,
                       "postal_code": address.postal_code, "country_code": address.country_code,
                       "phone": address.phone, "company": address.company, "address_type": address.address_type}
        return OrderSnapshot(
            id=order.id, amazon_order_id=order.amazon_order_id, version=order.version, status=order.status.value,
            fulfillment=order.fulfillment.value, import_mode=order.import_mode,
            send_to_warehouse=order.send_to_warehouse, purchase_date=order.purchase_date,
            latest_ship_date=order.latest_ship_date, latest_delivery_date=order.latest_delivery_date,
            service_level=order.service_level.value if order.service_level else None, ship_method=method,
            handling=order.handling, ship_not_before=order.ship_not_before, is_prime=order.is_prime,
            is_business=order.is_business, is_premium=order.is_premium,
            purchase_order_number=order.purchase_order_number, currency=order.currency,
            order_total=order.order_total.amount if order.order_total else None, cancel_reason=order.cancel_reason,
            lines=tuple(LineSnapshot(line.order_item_id, line.sku, line.asin, line.title, line.quantity,
                                     line.quantity_shipped, line.quantity_cancelled,
                                     line.unit_price.amount if line.unit_price else None) for line in detail.lines),
            ship_to=ship_to, buyer_name=buyer_name)

    def record(self, outcomes: Sequence[AttemptOutcome], *, receiver_name: str) -> None:
        now = self._now()
        with self._store.uow() as session:
            repo.record(session, outcomes, now=now)
            for outcome in outcomes:
                if outcome.status != "failed":
                    continue
                delivery = repo.get(session, outcome.delivery_id)
                assert delivery is not None
                error_log.record_error(
                    session, self._store.box, connection_id=self.connection_id, kind=ERROR_KIND,
                    key=delivery.message_id, code="undelivered",
                    message=f"{outcome.error or 'not delivered'}; last answer: {outcome.attempt.excerpt}"[:1000],
                    where=f"receiver {receiver_name}, delivery {delivery.id} ({delivery.topic})", now=now)

    def skip(self, delivery_ids: Sequence[int], reason: str) -> None:
        with self._store.uow() as session:
            repo.skip(session, delivery_ids, reason, now=self._now())

    def breaker(self, receiver_id: int) -> Breaker:
        with self._store.uow(read_only=True) as session:
            return receivers.breaker(session, receiver_id)

    def set_breaker(self, receiver_id: int, breaker: Breaker) -> None:
        with self._store.uow() as session:
            receivers.set_breaker(session, receiver_id, breaker, now=self._now())

    def unacknowledged_batches(self, receiver_id: int) -> list[str]:
        with self._store.uow(read_only=True) as session:
            return repo.unacknowledged_batches(session, receiver_id)

    def acknowledge_batches(self, receiver_id: int, batch_names: Sequence[str]) -> int:
        with self._store.uow() as session:
            return repo.acknowledge_batches(session, batch_names, now=self._now(), receiver_id=receiver_id)

    def next_due(self, receiver_id: int) -> datetime | None:
        with self._store.uow(read_only=True) as session:
            return repo.next_due(session, receiver_id)
