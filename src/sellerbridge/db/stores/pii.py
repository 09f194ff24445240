"""The PII purge's store (``domain.ports.pii.PiiStore``, B13): each batch its own transaction.

Which orders are due is the purge clock's rule (``domain/orders/purge_clock.py``): ``cutoff`` is
``now - retention``; an order is due once Amazon's delivery is before it, or, with no delivery seen,
Amazon's ship time is before it less the transit allowance.

What a purged order loses, in the transaction that marks it purged: the personal fields of its
address and its gift messages (``orders.purge_pii``), and the buyer data that error-log rows written
before payloads were redacted at write time still hold of its Amazon document
(``error_log.redact_payloads``). The call log's excerpts are redacted when written, and the rows
older than that rule were redacted by migration 0006.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ...domain.orders.purge_clock import DEFAULT_TRANSIT_ALLOWANCE
from ..repositories import customers, error_log, pii
from ..repositories import orders as order_repo
from ..store import Store


class DbPiiStore:
    def __init__(self, store: Store, *, retention_days: int,
                 transit_allowance: timedelta = DEFAULT_TRANSIT_ALLOWANCE) -> None:
        self._store = store
        self.retention_days = retention_days
        self.transit_allowance = transit_allowance

    def orders_due(self, *, cutoff: datetime, limit: int) -> list[int]:
        with self._store.uow(read_only=True) as session:
            return order_repo.order_ids_due_for_pii_purge(session, cutoff=cutoff,
                                                          transit_allowance=self.transit_allowance, limit=limit)

    def count_due(self, *, cutoff: datetime) -> int:
        with self._store.uow(read_only=True) as session:
            return pii.count_orders_due_for_pii_purge(session, cutoff=cutoff, transit_allowance=self.transit_allowance)

    def purge_orders(self, order_ids: list[int], *, now: datetime) -> list[int]:
        with self._store.uow() as session:
            for order_id in order_ids:
                order_repo.purge_pii(session, order_id, now=now)
            for connection_id, amazon_ids in pii.amazon_ids_by_connection(session, order_ids).items():
                error_log.redact_payloads(session, self._store.box, connection_id=connection_id, keys=amazon_ids)
            return pii.customer_ids_of_orders(session, order_ids)

    def customers_without_pii_orders(self, customer_ids: list[int]) -> list[int]:
        with self._store.uow(read_only=True) as session:
            return pii.customers_without_pii_orders(session, customer_ids)

    def purge_customers(self, customer_ids: list[int], *, now: datetime) -> None:
        with self._store.uow() as session:
            for customer_id in customer_ids:
                customers.purge_customer_pii(session, customer_id, now=now)
