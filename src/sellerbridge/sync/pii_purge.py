"""Flow ``pii_purge``: buyer PII erased a set number of days after Amazon's delivery (B13), hub-wide, daily.

The rule: an order delivered more than ``retention_days`` ago (or, with no delivery seen, shipped
that long ago plus the transit allowance: ``domain/orders/purge_clock.py``; never the hub's import
time) loses its buyer data for good (ship-to
name, address lines, postal code, phone; gift messages). A customer loses name and e-mail once none of
their orders still holds PII: the purge is per order, the customer follows its last order. Orders not
shipped (open, cancelled before shipment) are not touched by this job. Purging twice changes nothing
(purged orders are no longer due), so the job can run on any schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..domain.common.results import RunReport
from ..domain.ports.pii import PiiStore
from ..domain.ports.runs import FlowContext
from .runs import Flow, RunContext, record_run

BATCH = 500  # orders per transaction: short write locks on SQLite

FLOW = Flow("pii_purge", every=timedelta(days=1), counts=("orders", "customers"), hub_wide=True,
            about="buyer data erased N days after delivery (B13)")


@dataclass(frozen=True, slots=True)
class PurgeCounts:
    cutoff: datetime
    orders: int
    customers: int
    dry_run: bool

    def as_dict(self) -> dict[str, object]:
        return {"cutoff": self.cutoff.isoformat(), "orders": self.orders, "customers": self.customers,
                "dry_run": self.dry_run}


def run(ctx: FlowContext, connection_id: int | None = None) -> RunReport:
    return record_run(ctx, FLOW, None, _purge)


def _purge(run: RunContext) -> None:
    counts = purge(run.pii, now=run.now(), retention_days=run.pii.retention_days)
    run.tally.add("orders", counts.orders)
    run.tally.add("customers", counts.customers)


def purge(store: PiiStore, *, now: datetime, retention_days: int, dry_run: bool = False) -> PurgeCounts:
    """Purge (or, with ``dry_run``, count) the PII due at ``now`` (B13)."""
    if retention_days < 1:
        raise ValueError("retention_days must be at least 1")
    cutoff = now - timedelta(days=retention_days)
    if dry_run:  # customers are decided order by order, so a dry run counts orders only
        return PurgeCounts(cutoff, store.count_due(cutoff=cutoff), 0, True)
    orders = customers = 0
    while True:
        page = store.orders_due(cutoff=cutoff, limit=BATCH)
        if not page:
            break
        touched = store.purge_orders(page, now=now)
        orders += len(page)
        done = store.customers_without_pii_orders(sorted(set(touched)))
        if done:
            store.purge_customers(done, now=now)
            customers += len(done)
    return PurgeCounts(cutoff, orders, customers, False)
