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
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sellerbridge.domain.errors import ConfigError, DomainError
from sellerbridge.domain.order_filters import OrderImportSettings
from sellerbridge.domain.order_mapping import (
    HOLDING,
    CatalogItem,
    CustomerAction,
    CustomerInstruction,
    MappedOrder,
    normalize_email,
)
from sellerbridge.domain.orders import OrderDraft, OrderStatus, ServiceLevel
from sellerbridge.domain.ports import AlreadyStored, StoredOrder
from sellerbridge.domain.ship_methods import Rate, ShipMethodChooser, ShipMethodOption

from .errors import DuplicateOrder, StaleOrder
from .repositories import catalog, connections, customers, error_log, holds, orders, outbox, shipping, watermarks
from .repositories.order_records import LineMapping, OrderMapping, OrderRecord
from .store import Store
from .tables import channel_listings
from .tables import customers as customers_table
from .tables import items as items_table

FLOW = "orders"  # the watermark's flow name
ERROR_KIND = "order_import"  # the error log's kind for orders that could not be imported (B11)
ORDER_CREATED = "order.created"
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


class DbCatalog:
    """``CatalogView`` over the connection's channel listings and the items (B6); cached per transaction."""

    def __init__(self, session: Session, connection_id: int) -> None:
        self._session = session
        self._connection_id = connection_id
        self._cache: dict[tuple[str, str], CatalogItem | None] = {}

    def _cached(self, kind: str, key: str, load: Callable[[], CatalogItem | None]) -> CatalogItem | None:
        if (kind, key) not in self._cache:
            self._cache[(kind, key)] = load()
        return self._cache[(kind, key)]

    def _item(self, item_id: int | None) -> CatalogItem | None:
        item = catalog.get_item(self._session, item_id) if item_id is not None else None
        return None if item is None else CatalogItem(item.id, item.sku, item.description)

    def prefetch_channel_skus(self, amazon_skus: set[str]) -> None:
        """Load the listings of a whole page in one query (the batched path, B1/B6)."""
        missing = [sku for sku in amazon_skus if ("channel", sku) not in self._cache]
        if not missing:
            return
        rows = self._session.execute(
            select(channel_listings.c.amazon_sku, items_table.c.id, items_table.c.sku, items_table.c.description)
            .select_from(channel_listings.outerjoin(items_table, items_table.c.id == channel_listings.c.item_id))
            .where(channel_listings.c.connection_id == self._connection_id, channel_listings.c.amazon_sku.in_(missing)))
        for row in rows:
            self._cache[("channel", row.amazon_sku)] = (
                None if row.id is None else CatalogItem(row.id, row.sku, row.description))
        for sku in missing:
            self._cache.setdefault(("channel", sku), None)

    def by_channel_sku(self, amazon_sku: str) -> CatalogItem | None:
        def load() -> CatalogItem | None:
            listing = catalog.find_listing(self._session, self._connection_id, amazon_sku)
            return self._item(listing.item_id) if listing is not None else None
        return self._cached("channel", amazon_sku, load)

    def by_sku(self, sku: str) -> CatalogItem | None:
        def load() -> CatalogItem | None:
            item = catalog.get_item_by_sku(self._session, sku)
            return None if item is None else CatalogItem(item.id, item.sku, item.description)
        return self._cached("sku", sku, load)

    def by_asin(self, asin: str) -> CatalogItem | None:
        def load() -> CatalogItem | None:
            item = catalog.find_item_for_line(self._session, self._connection_id, sku=None, asin=asin,
                                              product_code="asin")
            return None if item is None else CatalogItem(item.id, item.sku, item.description)
        return self._cached("asin", asin, load)


class DbCustomers:
    """``CustomerView``: a customer by the keyed hash of the buyer's e-mail (B5)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._known: dict[str, int | None] = {}

    def by_email_hash(self, email_hash: str) -> int | None:
        if email_hash in self._known:  # prefetched for a page; a customer created since is found
            return self._known[email_hash]  # again by insert_customer (idempotent on the hash)
        found = customers.find_by_email_hash(self._session, email_hash)
        return None if found is None else found.id

    def prefetch(self, email_hashes: set[str]) -> None:
        """Look a whole page's buyers up in one query (the batched path, B5)."""
        self._known = dict.fromkeys(email_hashes)
        rows = self._session.execute(select(customers_table.c.email_hash, customers_table.c.id)
                                     .where(customers_table.c.email_hash.in_(list(email_hashes))))
        self._known.update({row.email_hash: row.id for row in rows})


class DbShipMethods:
    """``ShipMethods`` from the connection's rules and rate table, loaded per service level on first use (B7)."""

    def __init__(self, session: Session, connection_id: int, shared: dict[str, dict] | None = None) -> None:
        self._session = session
        self._connection_id = connection_id
        # ``shared``: the rules as read by an earlier transaction of the same run (one sync run reads
        # them once, not once per page: 14 queries a page on PostgreSQL otherwise)
        shared = {} if shared is None else shared
        self._options: dict[ServiceLevel, tuple[ShipMethodOption, ...]] = shared.setdefault("options", {})
        self._ids: dict[str, int] = shared.setdefault("ids", {})  # method code -> ship_methods.id
        self._choosers: dict[tuple[ServiceLevel, str | None], ShipMethodChooser] = shared.setdefault("choosers", {})

    def choose(self, level: ServiceLevel | None, country: str | None) -> str:
        if level is None:  # the chooser says why (an Amazon level the hub does not know)
            return ShipMethodChooser({}).choose(None, country)
        key = (level, country.upper() if country else None)
        chooser = self._choosers.get(key)
        if chooser is None:
            options = self._level(level)
            ids = [self._ids[option.method] for option in options]
            prices = shipping.rates_for(self._session, ids, country)
            codes = {method_id: code for code, method_id in self._ids.items()}
            # rates_for already resolved country-or-'*': one '*' rate per method is the price here
            rates = [Rate(codes[method_id], "*", Decimal(price.amount)) for method_id, price in prices.items()]
            chooser = self._choosers[key] = ShipMethodChooser({level: options}, rates)
        return chooser.choose(level, country)

    def _level(self, level: ServiceLevel) -> tuple[ShipMethodOption, ...]:
        if level not in self._options:
            rules = shipping.rules_for(self._session, self._connection_id, level.value)
            for rule in rules:
                self._ids[rule.ship_method.code] = rule.ship_method.id
            self._options[level] = tuple(
                ShipMethodOption(rule.ship_method.code, rule.priority,
                                 frozenset(rule.countries) if rule.countries is not None else None)
                for rule in rules)
        return self._options[level]

    def method_id(self, code: str | None) -> int | None:
        if code is None:
            return None
        if code not in self._ids:
            found = shipping.get_ship_method_by_code(self._session, code)
            if found is None:
                raise DomainError("unknown_ship_method", f"ship method {code!r} does not exist", where=code)
            self._ids[code] = found.id
        return self._ids[code]


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
                mapping = OrderMapping(
                    customer_id=self._customer_id(mapped.customer, now),
                    ship_method_id=self.ship_methods.method_id(mapped.ship_method),
                    import_mode=mapped.import_mode.value,
                    send_to_warehouse=mapped.send_to_warehouse,
                    store_pii=mapped.pii,
                    lines={line.order_item_id: LineMapping(item_id=_int(line.item_id), title=line.title)
                           for line in mapped.lines},
                )
                detail = orders.insert_order(self.session, self._store.box, connection_id=self.connection_id,
                                             draft=_storable(draft, mapped), mapping=mapping, now=now)
                line_ids = {line.order_item_id: line.id for line in detail.lines}
                holds.place_holds(self.session, [
                    (line_ids[line.order_item_id], _int(line.item_id), line.hold_quantity)
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
        statements (B1, B5, B10, B14); also resolves their open error-log rows (B11).

        All or nothing: False, with nothing written, when any order is stored already (a racing
        worker) or refused by the tables; the caller then stores the page order by order.
        """
        now = self._now()
        try:
            with self.session.begin_nested():
                rows = []
                for draft, mapped in batch:
                    rows.append((_storable(draft, mapped), OrderMapping(
                        customer_id=self._customer_id(mapped.customer, now),
                        ship_method_id=self.ship_methods.method_id(mapped.ship_method),
                        import_mode=mapped.import_mode.value, send_to_warehouse=mapped.send_to_warehouse,
                        store_pii=mapped.pii,
                        lines={line.order_item_id: LineMapping(item_id=_int(line.item_id), title=line.title)
                               for line in mapped.lines})))
                result = orders.insert_orders(self.session, self._store.box, connection_id=self.connection_id,
                                              batch=rows, now=now)
                if result.duplicates or result.rejected or len(result.created) != len(batch):
                    raise _PageRefused
                held, events = [], []
                for draft, mapped in batch:
                    detail = result.created[draft.amazon_order_id]
                    line_ids = {line.order_item_id: line.id for line in detail.lines}
                    held += [(line_ids[line.order_item_id], _int(line.item_id), line.hold_quantity)
                             for line in mapped.lines if line.hold_quantity > 0]
                    if mapped.send_to_warehouse:
                        order = detail.order
                        events.append((ORDER_CREATED, order.amazon_order_id, order.version,
                                       {"order_id": order.id, "connection_id": order.connection_id,
                                        "amazon_order_id": order.amazon_order_id}))
                holds.place_holds(self.session, held, now=now)
                outbox.add_events(self.session, events, now=now)
                error_log.resolve_keys(self.session, self.connection_id, ERROR_KIND,
                                       [draft.amazon_order_id for draft, _ in batch], now=now)
        except (_PageRefused, DomainError):
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
        mapping = OrderMapping(
            customer_id=customer_id,
            ship_method_id=self.ship_methods.method_id(mapped.ship_method),
            import_mode=mapped.import_mode.value,
            send_to_warehouse=mapped.send_to_warehouse or sent_before,
            store_pii=mapped.pii,
            lines={line.order_item_id: LineMapping(item_id=_int(line.item_id), title=line.title)
                   for line in mapped.lines},
        )
        detail = orders.update_order(self.session, self._store.box, current.id, _storable(draft, mapped), mapping,
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
            held = [(line_ids[line.order_item_id], _int(line.item_id), line.hold_quantity)
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
            return _int(customer.customer_id)
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
                         payload={"order_id": order.id, "connection_id": order.connection_id,
                                  "amazon_order_id": order.amazon_order_id}, now=now)

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


def _int(value: int | str | None) -> int:
    assert value is not None
    return int(value)


def _storable(draft: OrderDraft, mapped: MappedOrder) -> OrderDraft:
    """Without the PII grant nothing personal reaches the tables, not even the postal code (B13)."""
    if mapped.pii or draft.ship_to is None:
        return draft
    return replace(draft, ship_to=mapped.ship_to)


class _PageRefused(Exception):
    """A page that cannot be stored in one go: its savepoint is rolled back (see insert_orders)."""
