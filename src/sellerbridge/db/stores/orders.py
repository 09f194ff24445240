"""The order flow's store (``domain.ports.orders.OrderStore``) over the repositories (B1, B5-B11, B13, B14).

One :class:`DbOrderTransaction` is one unit of work: a page of orders, its error-log rows and the
watermark commit together or not at all (B1). What an order's write changes beyond its own rows
(customer, holds, outbox events, the warehouse flag) is planned by the domain's order-change rules
(``domain/orders/changes.py``); this module reads the stored state they need and has the plans
executed by ``order_batch.execute``, one code path for one order and for a page.

Rules kept here:

- Idempotency comes from unique keys (DESIGN.md 5): (connection, Amazon order id) for orders, the
  order line for holds, (topic, key, version) for outbox events. An insert that finds the order
  stored already (a racing worker) reports ``ALREADY_STORED``, and the flow updates instead.
- A page of new orders is written in one savepoint and one statement per table. When the page
  cannot be written whole (an order stored meanwhile, data the tables refuse, an unknown ship
  method) that savepoint is undone and each order is written in a savepoint of its own, so that
  each gets its own result and a bad one undoes itself alone (B11).
- Updates are optimistic on the order's ``version``: losing the race re-reads and tries once more,
  and a stored state already as new as ours leaves the order ``UNCHANGED``.
- Customers (B5): matched by the keyed e-mail hash within the connection (``customers.match_key``),
  created with name and e-mail (encrypted) only when the connection holds the PII grant (B13); no
  e-mail to match by, or no grant, leaves the order without a customer (the anonymous Amazon buyer).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sellerbridge.domain.common.errors import ConfigError, DomainError
from sellerbridge.domain.orders.changes import LineHold, OrderState, Outcome, plan_insert, plan_update
from sellerbridge.domain.orders.filters import OrderImportSettings
from sellerbridge.domain.orders.mapping import MappedOrder, normalize_email
from sellerbridge.domain.orders.model import OrderDraft
from sellerbridge.domain.ports.orders import StoredOrder

from ..errors import DuplicateOrder, StaleOrder
from ..repositories import customers, error_log, holds, order_reads, orders, watermarks
from ..repositories.order_records import OrderMapping, OrderRecord
from ..store import Store
from .order_batch import Planned, Written, execute, storable
from .order_views import DbCatalog, DbCustomers, DbShipMethods

__all__ = ["ERROR_KIND", "FLOW", "DbCatalog", "DbCustomers", "DbOrderStore", "DbOrderTransaction", "DbShipMethods",
           "load_order_settings", "order_state"]

FLOW = "orders"  # the watermark's flow name
ERROR_KIND = "order_import"  # the error log's kind for orders that could not be imported (B11)


def load_order_settings(raw: dict[str, Any], connection_name: str) -> OrderImportSettings:
    """The connection's order-import settings; ConfigError when they cannot be read (stops the sync)."""
    try:
        return OrderImportSettings.from_dict(dict(raw or {}))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"connection {connection_name!r} has invalid order settings: {exc}") from None


def order_state(order: OrderRecord, line_holds: Mapping[str, holds.HoldRecord], ship_to: Any = None) -> OrderState:
    """What the order-change rules read of a stored order (``domain.orders.changes.OrderState``)."""
    return OrderState(
        ship_to=ship_to,
        status=order.status,
        cancelled=order.cancelled,
        send_to_warehouse=order.send_to_warehouse,
        buyer_cancel_requested=order.buyer_cancel_requested,
        customer_known=order.customer_id is not None,
        holds={item: LineHold(hold.quantity, hold.status == "held") for item, hold in line_holds.items()},
    )


class DbOrderTransaction:
    """One unit of work of the order flow for one connection (``domain.ports.orders.OrderTransaction``)."""

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
        """The connection's match key of a buyer e-mail (B5: ``customers.match_key``)."""
        digest = customers.match_key(self._store.box, email, self.connection_id)
        if digest is None:  # map_order never passes a blank e-mail; a hash must not be None
            raise DomainError("bad_payload", "a blank buyer e-mail", where="buyer e-mail")
        return digest

    def stored(self, amazon_order_ids: Sequence[str]) -> dict[str, StoredOrder]:
        """The orders of these ids the connection already has (one query for a page)."""
        return orders.get_stored_many(self.session, self.connection_id, amazon_order_ids)

    def prepare(self, drafts: Sequence[OrderDraft]) -> None:
        """Read what mapping these drafts needs (listings, customers) in two queries, not one per line."""
        self.catalog.prefetch_channel_skus({line.sku for draft in drafts for line in draft.lines if line.sku})
        emails = {draft.buyer.email for draft in drafts if draft.buyer is not None and draft.buyer.email}
        hashes = {customers.match_key(self._store.box, normalize_email(email), self.connection_id)
                  for email in emails}
        self.customers.prefetch({h for h in hashes if h is not None})

    # --- writes ------------------------------------------------------------------------------------

    def insert(self, batch: Sequence[tuple[OrderDraft, MappedOrder]]) -> dict[str, Outcome | DomainError]:
        """Store new orders (B1, B5, B10, B11, B14): per Amazon order id ``CREATED``, ``ALREADY_STORED``
        (a racing worker stored it first), or the ``DomainError`` of data the tables refuse.

        The whole batch first, in one savepoint; order by order when it cannot be stored whole (see
        the module's rules). An id listed twice is stored once, in its newest state. The error-log
        rows of the orders created are resolved here, in one statement (B11).
        """
        planned = [Planned(draft, mapped, plan_insert(mapped)) for draft, mapped in _newest(batch)]
        results: dict[str, Outcome | DomainError] = {}
        if len(planned) > 1:
            try:
                with self.session.begin_nested():
                    self._execute(planned, self._insert_rows)
                results = dict.fromkeys((p.draft.amazon_order_id for p in planned), Outcome.CREATED)
            except (DuplicateOrder, DomainError):
                pass  # undone: order by order below, each with its own result
        if not results:
            for one in planned:
                results[one.draft.amazon_order_id] = self._insert_one(one)
        created = [key for key, result in results.items() if result is Outcome.CREATED]
        if created:
            error_log.resolve_keys(self.session, self.connection_id, ERROR_KIND, created, now=self._now())
        return results

    def _insert_one(self, one: Planned) -> Outcome | DomainError:
        try:
            with self.session.begin_nested():
                self._execute([one], self._insert_rows)
        except DuplicateOrder:
            return Outcome.ALREADY_STORED
        except DomainError as exc:
            return exc
        return Outcome.CREATED

    def _insert_rows(self, planned: Sequence[Planned], mappings: Sequence[OrderMapping]) -> dict[str, Written]:
        rows = [(storable(p.draft, p.mapped), mapping) for p, mapping in zip(planned, mappings, strict=True)]
        result = orders.insert_orders(self.session, self._store.box, connection_id=self.connection_id, batch=rows,
                                      now=self._now(), records=False)
        for error in result.rejected.values():
            raise error
        for amazon_id, existing_id in result.duplicates.items():
            raise DuplicateOrder(self.connection_id, amazon_id, existing_id)
        return {amazon_id: Written(order_id, amazon_id, orders.NEW_ORDER_VERSION, line_ids)
                for amazon_id, (order_id, line_ids) in result.ids.items()}

    def update(self, existing: StoredOrder, draft: OrderDraft, mapped: MappedOrder) -> Outcome:
        """Apply a newer Amazon state (B5, B9, B10, B14): ``UPDATED``, ``CANCELLED``, or ``UNCHANGED`` when
        a racing worker already stored this state or a newer one. Raises the ``DomainError`` of data
        the tables refuse (its savepoint undone)."""
        for attempt in (1, 2):
            current = orders.get_order(self.session, existing.order_id)
            if current is None or current.amazon_last_updated >= draft.last_updated:
                return Outcome.UNCHANGED
            # The stored ship-to is read (and decrypted) only for an open order at the warehouse whose
            # Amazon state brings one: a change of it is an order.updated for the warehouse (issue 10).
            ship_to = order_reads.get_address(self.session, current.id, self._store.box) \
                if current.send_to_warehouse and not current.cancelled and mapped.ship_to is not None else None
            plan = plan_update(order_state(current, holds.holds_by_order_item(self.session, current.id), ship_to),
                               mapped)
            try:
                with self.session.begin_nested():
                    self._execute([Planned(draft, mapped, plan)], self._update_row(current))
                return plan.outcome
            except StaleOrder:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _update_row(self, current: OrderRecord) -> Callable[[Sequence[Planned], Sequence[OrderMapping]],
                                                             dict[str, Written]]:
        def write(planned: Sequence[Planned], mappings: Sequence[OrderMapping]) -> dict[str, Written]:
            (one,), (mapping,) = planned, mappings
            detail = orders.update_order(self.session, self._store.box, current.id, storable(one.draft, one.mapped),
                                         mapping, expected_version=current.version, now=self._now())
            order = detail.order
            line_ids = {line.order_item_id: line.id for line in detail.lines}
            return {order.amazon_order_id: Written(order.id, order.amazon_order_id, order.version, line_ids)}
        return write

    def _execute(self, planned: Sequence[Planned], write_rows: Callable[..., Mapping[str, Written]]) -> None:
        execute(self.session, self._store.box, connection_id=self.connection_id, ship_methods=self.ship_methods,
                planned=planned, write_rows=write_rows, now=self._now())

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


def _newest(batch: Sequence[tuple[OrderDraft, MappedOrder]]) -> list[tuple[OrderDraft, MappedOrder]]:
    """Each Amazon order once, in its newest state (the later copy on a tie), in first-seen order."""
    by_id: dict[str, tuple[OrderDraft, MappedOrder]] = {}
    for draft, mapped in batch:
        seen = by_id.get(draft.amazon_order_id)
        if seen is None or seen[0].last_updated <= draft.last_updated:
            by_id[draft.amazon_order_id] = (draft, mapped)
    return list(by_id.values())


class DbOrderStore:
    """``domain.ports.orders.OrderStore`` for one connection and one run.

    ``settings`` are the connection's order-import settings, read once per run by the caller
    (``load_order_settings``); the ship-method rules are read once per run too, by the first
    transaction that needs them.
    """

    def __init__(self, store: Store, connection_id: int, settings: OrderImportSettings, *,
                 now: Callable[[], datetime]) -> None:
        self.store = store
        self.connection_id = connection_id
        self.settings = settings
        self._now = now
        self._ship_rules: dict[str, dict] = {}

    @contextmanager
    def transaction(self, *, read_only: bool = False) -> Iterator[DbOrderTransaction]:
        """A unit of work; ``read_only`` never writes and always rolls back (order preview, B12)."""
        with self.store.uow(read_only=read_only) as session:
            yield DbOrderTransaction(self.store, session, self.connection_id, self.settings, self._now,
                                     self._ship_rules)
