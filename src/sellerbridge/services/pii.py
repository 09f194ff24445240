"""The PII purge job as the CLI and a scheduler run it (B13): buyer data erased N days after shipment.

The rule lives in ``sync.pii_purge``; this module gives it the database (:class:`DbPiiStore`).
"""

from __future__ import annotations

from datetime import datetime

from ..bootstrap import Hub
from ..db.repositories import customers, pii
from ..db.repositories import orders as order_repo
from ..sync.pii_purge import PurgeCounts, purge

__all__ = ["DbPiiStore", "PurgeCounts", "purge_pii"]


class DbPiiStore:
    """The purge job's port over the hub's store; each batch in its own transaction."""

    def __init__(self, hub: Hub) -> None:
        self._store = hub.store

    def orders_due(self, *, shipped_before: datetime, limit: int) -> list[int]:
        with self._store.uow(read_only=True) as session:
            return order_repo.order_ids_due_for_pii_purge(session, shipped_before=shipped_before, limit=limit)

    def count_due(self, *, shipped_before: datetime) -> int:
        with self._store.uow(read_only=True) as session:
            return pii.count_orders_due_for_pii_purge(session, shipped_before=shipped_before)

    def purge_orders(self, order_ids: list[int], *, now: datetime) -> list[int]:
        with self._store.uow() as session:
            for order_id in order_ids:
                order_repo.purge_pii(session, order_id, now=now)
            return pii.customer_ids_of_orders(session, order_ids)

    def customers_without_pii_orders(self, customer_ids: list[int]) -> list[int]:
        with self._store.uow(read_only=True) as session:
            return pii.customers_without_pii_orders(session, customer_ids)

    def purge_customers(self, customer_ids: list[int], *, now: datetime) -> None:
        with self._store.uow() as session:
            for customer_id in customer_ids:
                customers.purge_customer_pii(session, customer_id, now=now)


def purge_pii(hub: Hub, *, now: datetime | None = None, retention_days: int | None = None,
              dry_run: bool = False) -> PurgeCounts:
    """Purge the buyer PII of orders shipped more than ``retention_days`` ago (default: the
    ``SELLERBRIDGE_PII_RETENTION_DAYS`` setting, 30) and of customers left without such orders (B13)."""
    days = hub.settings.pii_retention_days if retention_days is None else retention_days
    return purge(DbPiiStore(hub), now=now or hub.now(), retention_days=days, dry_run=dry_run)
