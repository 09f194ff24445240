"""The order flow's store (``domain.ports.OrderStore``) over the repositories (B1, B5-B11, B13, B14).

One :class:`DbOrderTransaction` is one unit of work: a page of orders, its error-log rows and the
watermark commit together or not at all (B1). Inside it each order is written in a SAVEPOINT, so a
document the tables refuse, or a duplicate found by a racing worker, undoes that order alone.

Rules kept here:

- Idempotency comes from unique keys (DESIGN.md 5): (connection, Amazon order id) for orders, the
  order line for holds, (topic, key, version) for outbox events. A duplicate insert becomes
  :class:`AlreadyStored` and the flow updates instead.
- Updates are optimistic on the order's ``version``; losing the race re-reads and tries once more,
  and a stored state that is already as new as ours leaves the order ``"unchanged"``.
- Holds (B10): placed for the mapped lines' ``hold_quantity`` when the order is stored or becomes
  sendable; resized while nothing has shipped (Amazon cancelled some units); released when Amazon
  cancels the order (B9). Shipped quantities are the shipments flow's to consume (C3): left alone.
- Outbox (B14): ``order.created`` when an order is (or becomes) one the warehouse ships,
  ``order.cancelled`` when an order the warehouse had is cancelled, ``order.cancel_requested`` when
  the buyer asks to cancel (a person decides, B9). Payloads carry ids only, never buyer data (B13).
- Customers (B5): matched by the keyed e-mail hash, created with name and e-mail (encrypted) only
  when the connection holds the PII grant (B13); no e-mail to match by leaves the order without a
  customer (the anonymous Amazon buyer).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sellerbridge.domain.common.errors import ConfigError, DomainError
from sellerbridge.domain.orders.filters import OrderImportSettings
from sellerbridge.domain.orders.mapping import (
    HOLDING,
    CustomerAction,
    CustomerInstruction,
    MappedOrder,
    normalize_email,
)
from sellerbridge.domain.orders.model import OrderDraft, OrderStatus
from sellerbridge.domain.ports.orders import AlreadyStored, StoredOrder

from ..errors import DuplicateOrder, StaleOrder
from ..repositories import connections, customers, error_log, holds, orders, outbox, watermarks
from ..repositories.order_records import OrderRecord
from ..store import Store
from . import order_batch as order_page
from .order_batch import ORDER_CREATED, PageRefused, as_int, event_payload, order_mapping, storable
from .order_views import DbCatalog, DbCustomers, DbShipMethods

__all__ = ["ERROR_KIND", "FLOW", "DbCatalog", "DbCustomers", "DbOrderStore", "DbOrderTransaction", "DbShipMethods",
           "load_order_settings"]

FLOW = "orders"  # the watermark's flow name
ERROR_KIND = "order_import"  # the error log's kind for orders that could not be imported (B11)
ORDER_CANCELLED = "order.cancelled"
ORDER_CANCEL_REQUESTED = "order.cancel_requested"
# Statuses in which nothing has shipped yet: a hold follows the open quantity exactly.
_NOTHING_SHIPPED = frozenset({OrderStatus.PENDING, OrderStatus.PENDING_AVAILABILITY, OrderStatus.UNSHIPPED})


def load_order_settings(raw: dict[str, Any], connection_name: str) -> OrderImportSettings:
    """The connection's order-import settings; ConfigError when they cannot be read (stops the sync)."""
    try:
        return OrderImportSettings.from_dict(dict(raw or {}))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"connection {connection_name!r} has invalid order settings: {exc}") from None


class DbOrderTransaction:
    """One unit of work of the order flow for one connection (``domain.ports.OrderTransaction``)."""

    def __init__(self, store: Store, session: Session, connection_id: int, settings: OrderImportSettings,
                 now: Callable[[], datetime], ship_rules: dict[str, dict] | None = None) -> None:
        self._store = store
        self.session = session
        self.connection_id = connection_id
        self.settings = settings
        self._now = now
        self.catalog = DbCatalog(session, connection_id)
        self.customers = DbCustomers(session)
        self.ship_methods = DbShipMethods(session, connection_id, ship_rules)

    # --- reads -------------------------------------------------------------------------------------

    def email_hash(self, email: str) -> str:
        digest = self._store.box.hash_email(email)
        if digest is None:  # map_order never passes a blank e-mail; a hash must not be None
            raise DomainError("bad_payload", "a blank buyer e-mail", where="buyer e-mail")
        return digest

    def get_order(self, amazon_order_id: str) -> StoredOrder | None:
        return orders.get_stored(self.session, self.connection_id, amazon_order_id)

    # --- writes ------------------------------------------------------------------------------------

    def insert_order(self, draft: OrderDraft, mapped: MappedOrder) -> str:
        """Order, lines, address, customer, holds and the outbox row, in a savepoint (B1, B5, B10, B14)."""
        now = self._now()
        try:
            with self.session.begin_nested():
                mapping = order_mapping(mapped, self._customer_id(mapped.customer, now),
                                        self.ship_methods.method_id(mapped.ship_method))
                detail = orders.insert_order(self.session, self._store.box, connection_id=self.connection_id,
                                             draft=storable(draft, mapped), mapping=mapping, now=now)
                line_ids = {line.order_item_id: line.id for line in detail.lines}
                holds.place_holds(self.session, [
                    (line_ids[line.order_item_id], as_int(line.item_id), line.hold_quantity)
                    for line in mapped.lines if line.hold_quantity > 0], now=now)
                if mapped.send_to_warehouse:
                    self._event(ORDER_CREATED, detail.order, now)
        except DuplicateOrder:
            raise AlreadyStored(draft.amazon_order_id) from None
        return "created"

    def prefetch(self, drafts: list[OrderDraft]) -> None:
        """Read what mapping a page needs (listings, customers) in two queries instead of one per line."""
        self.catalog.prefetch_channel_skus({line.sku for draft in drafts for line in draft.lines if line.sku})
        emails = {draft.buyer.email for draft in drafts if draft.buyer is not None and draft.buyer.email}
        hashes = {self._store.box.hash_email(normalize_email(email)) for email in emails}
        self.customers.prefetch({h for h in hashes if h is not None})

    def stored_ids(self, amazon_order_ids: list[str]) -> set[str]:
        """Which of these orders the connection has already (one query for a page)."""
        return set(orders.get_stored_many(self.session, self.connection_id, amazon_order_ids))

    def insert_orders(self, batch: list[tuple[OrderDraft, MappedOrder]]) -> bool:
        """A page of new orders as :meth:`insert_order` stores one, in one savepoint and a handful of
        statements (``order_page``; B1, B5, B10, B14); also resolves their open error-log rows (B11).

        All or nothing: False, with nothing written, when any order is stored already (a racing
        worker) or refused by the tables; the caller then stores the page order by order.
        """
        now = self._now()
        try:
            with self.session.begin_nested():
                order_page.insert_page(self.session, self._store.box, connection_id=self.connection_id,
                                       ship_methods=self.ship_methods, batch=batch, now=now)
                error_log.resolve_keys(self.session, self.connection_id, ERROR_KIND,
                                       [draft.amazon_order_id for draft, _ in batch], now=now)
        except (PageRefused, DomainError):
            return False
        return True

    def update_order(self, existing: StoredOrder, draft: OrderDraft, mapped: MappedOrder) -> str:
        """Apply a newer Amazon state (B9, B10): "updated", "cancelled", or "unchanged" when a racing
        worker already stored this state or a newer one."""
        for attempt in (1, 2):
            current = orders.get_order(self.session, existing.order_id)
            if current is None or current.amazon_last_updated >= draft.last_updated:
                return "unchanged"
            try:
                with self.session.begin_nested():
                    return self._apply(current, draft, mapped)
            except StaleOrder:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _apply(self, current: OrderRecord, draft: OrderDraft, mapped: MappedOrder) -> str:
        now = self._now()
        customer_id = None
        if current.customer_id is None:  # e.g. imported Pending, without buyer data yet
            customer_id = self._customer_id(mapped.customer, now)
        # Once the warehouse has the order it keeps it: its cancellation must reach the warehouse too.
        sent_before = current.send_to_warehouse
        mapping = order_mapping(mapped, customer_id, self.ship_methods.method_id(mapped.ship_method),
                                send_to_warehouse=mapped.send_to_warehouse or sent_before)
        detail = orders.update_order(self.session, self._store.box, current.id, storable(draft, mapped), mapping,
                                     expected_version=current.version, now=now)
        order = detail.order
        if mapped.cancelled:
            if not current.cancelled:
                holds.release_holds_for_order(self.session, current.id, now=now)
                if sent_before:
                    self._event(ORDER_CANCELLED, order, now)
                return "cancelled"
            return "updated"
        if mapped.status in HOLDING:
            line_ids = {line.order_item_id: line.id for line in detail.lines}
            held = [(line_ids[line.order_item_id], as_int(line.item_id), line.hold_quantity)
                    for line in mapped.lines if line.hold_quantity > 0 and line.order_item_id in line_ids]
            holds.place_holds(self.session, held, now=now)  # new lines; existing holds stay as they are
            if mapped.status in _NOTHING_SHIPPED:
                for line in mapped.lines:
                    if line.order_item_id in line_ids:  # Amazon cancelled some units: hold what is open
                        holds.set_hold_quantity(self.session, line_ids[line.order_item_id], line.hold_quantity)
        if mapped.send_to_warehouse and not sent_before:
            self._event(ORDER_CREATED, order, now)  # Pending -> Unshipped: now the warehouse may ship it
        if mapped.buyer_cancel_requested and not current.buyer_cancel_requested:
            self._event(ORDER_CANCEL_REQUESTED, order, now)  # a person decides (B9)
        return "updated"

    def _customer_id(self, customer: CustomerInstruction, now: datetime) -> int | None:
        if customer.action is CustomerAction.MATCH:
            return as_int(customer.customer_id)
        if customer.action is CustomerAction.ANONYMOUS:
            return None
        if customer.email is None:
            # No PII grant: nothing may be stored of the buyer, not even to match by (B13).
            return None
        record, _ = customers.insert_customer(self.session, self._store.box, email=customer.email,
                                              name=customer.name, company=customer.company, now=now)
        return record.id

    def _event(self, topic: str, order: OrderRecord, now: datetime) -> None:
        # Ids only (B13): the deliverer reads the order when it sends.
        outbox.add_event(self.session, topic=topic, key=order.amazon_order_id, version=order.version,
                         payload=event_payload(order.id, order.connection_id, order.amazon_order_id), now=now)

    # --- error log and watermark -------------------------------------------------------------------

    def record_error(self, key: str, error: DomainError, payload: Any) -> None:
        error_log.record_error(self.session, self._store.box, connection_id=self.connection_id, kind=ERROR_KIND,
                               key=key, code=error.code, message=error.message, where=error.where,
                               payload=payload, now=self._now())

    def clear_error(self, key: str) -> None:
        error_log.resolve_key(self.session, self.connection_id, ERROR_KIND, key, now=self._now())

    def get_watermark(self) -> datetime | None:
        return watermarks.get_watermark(self.session, self.connection_id, FLOW)

    def set_watermark(self, value: datetime) -> None:
        watermarks.set_watermark(self.session, self.connection_id, FLOW, value, now=self._now())


class DbOrderStore:
    """``domain.ports.OrderStore`` for one connection."""

    def __init__(self, store: Store, connection_id: int, *, now: Callable[[], datetime]) -> None:
        self.store = store
        self.connection_id = connection_id
        self._now = now
        self._ship_rules: dict[str, dict] = {}  # read once per run (one store = one run)

    @contextmanager
    def transaction(self, *, read_only: bool = False) -> Iterator[DbOrderTransaction]:
        """A unit of work; ``read_only`` never writes and always rolls back (order preview, B12)."""
        with self.store.uow(read_only=read_only) as session:
            record = connections.require_connection(session, self.connection_id)
            settings = load_order_settings(record.settings, record.name)
            yield DbOrderTransaction(self.store, session, self.connection_id, settings, self._now, self._ship_rules)
