"""Buyer PII purge N days after shipment (B13).

The rule: an order shipped more than ``retention_days`` ago loses its buyer data for good (ship-to
name, address lines, phone; gift messages). A customer loses name and e-mail once none of their
orders still holds PII: the purge is per order, the customer follows its last order. Orders not
shipped (open, cancelled before shipment) are not touched by this job. Purging twice changes
nothing (purged orders are no longer due), so the job can run on any schedule.

The flow talks to a :class:`PiiStore` port; ``services.pii`` implements it over the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

BATCH = 500  # orders per transaction: short write locks on SQLite


class PiiStore(Protocol):
    def orders_due(self, *, shipped_before: datetime, limit: int) -> list[int]:
        """Ids of orders shipped before the cut-off whose PII is still stored."""
        ...

    def count_due(self, *, shipped_before: datetime) -> int:
        ...

    def purge_orders(self, order_ids: list[int], *, now: datetime) -> list[int]:
        """Purge these orders in one transaction; returns their customers' ids."""
        ...

    def customers_without_pii_orders(self, customer_ids: list[int]) -> list[int]:
        """Of these customers, those still holding name/e-mail and with no order that holds PII."""
        ...

    def purge_customers(self, customer_ids: list[int], *, now: datetime) -> None:
        ...


@dataclass(frozen=True, slots=True)
class PurgeCounts:
    cutoff: datetime
    orders: int
    customers: int
    dry_run: bool

    def as_dict(self) -> dict[str, object]:
        return {"cutoff": self.cutoff.isoformat(), "orders": self.orders, "customers": self.customers,
                "dry_run": self.dry_run}


def purge(store: PiiStore, *, now: datetime, retention_days: int, dry_run: bool = False) -> PurgeCounts:
    """Purge (or, with ``dry_run``, count) the PII due at ``now`` (B13)."""
    if retention_days < 1:
        raise ValueError("retention_days must be at least 1")
    cutoff = now - timedelta(days=retention_days)
    if dry_run:  # customers are decided order by order, so a dry run counts orders only
        return PurgeCounts(cutoff, store.count_due(shipped_before=cutoff), 0, True)
    orders = customers = 0
    while True:
        page = store.orders_due(shipped_before=cutoff, limit=BATCH)
        if not page:
            break
        touched = store.purge_orders(page, now=now)
        orders += len(page)
        done = store.customers_without_pii_orders(sorted(set(touched)))
        if done:
            store.purge_customers(done, now=now)
            customers += len(done)
    return PurgeCounts(cutoff, orders, customers, False)
