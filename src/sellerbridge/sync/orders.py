"""Flow ``orders``: the incremental poll, the backstop of the push path (B1, G1).

``searchOrders`` on ``lastUpdatedAfter``. The window starts at the watermark minus :data:`OVERLAP` and
ends at the source's index lag before now (Amazon refuses later ends, and its search index trails
changes by about that much: docs/amazon-quirks.md). Each page is stored in ONE transaction together
with the watermark, so a crash loses at most the page in flight, which the next run reads again.
Storing is idempotent (``sync/order_import.py``): re-reads change nothing.

The other ways in: ``orders_fetch`` (``getOrder`` for notified orders), ``orders_backlog`` (the first
import) and ``orders_backstop`` (the report when the push path cannot keep up).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..domain.common.results import RunReport, RunStatus
from ..domain.ports.orders import ReadBudget
from ..domain.ports.runs import FlowContext
from . import deliveries
from .order_import import ORDER_COUNTS, store_orders
from .runs import Flow, RunContext, record_run

# Re-read this much before the watermark on every poll: a change indexed later than the index lag still
# falls inside the next window. Re-reads are idempotent but NOT free: searchOrders reads 100 orders per
# 178 s, and every overlapped minute is re-read on every poll. Five minutes made a 1,500 orders/hour
# seller's polls two pages each, i.e. slower than Amazon's refill: the poll fell further behind every
# hour (bench/orders_steady.py, docs/order-flow.md). One minute keeps the poll at one page per call up to
# ~1,500/hour; the push path and the report backstop cover the rest.
OVERLAP = timedelta(minutes=1)
# First poll of a connection with no watermark and no "don't process before" date.
FIRST_POLL_LOOKBACK = timedelta(days=7)

FLOW = Flow("orders", every=timedelta(minutes=2), counts=ORDER_COUNTS,
            about="searchOrders since the watermark: the backstop of the push path (B1)")


@dataclass(frozen=True, slots=True)
class PollPlan:
    """The window one poll reads."""

    after: datetime
    before: datetime


def plan_window(watermark: datetime | None, now: datetime, not_before: datetime | None, *,
                index_lag: timedelta) -> PollPlan:
    """Where the next poll starts and ends (B1)."""
    before = now - index_lag
    if watermark is None:
        after = not_before or (now - FIRST_POLL_LOOKBACK)
    else:
        after = watermark - OVERLAP
        if not_before is not None:
            after = max(after, not_before)
    return PollPlan(after=min(after, before), before=before)


def run(ctx: FlowContext, connection_id: int | None) -> RunReport:
    """One poll; a poll that created orders is the moment a backstop report may become due (B1, G2)."""
    assert connection_id is not None
    report = record_run(ctx, FLOW, connection_id, poll)
    deliveries.ask_after(ctx, report)
    if report.status is not RunStatus.FAILED and report.counts.get("created", 0) > 0:
        from . import orders_backstop  # imports this module: asked for here, after the poll is recorded

        orders_backstop.ask_if_due(ctx, connection_id)
    return report


def next_poll_not_before(budget: ReadBudget, sharers: int, now: datetime) -> datetime | None:
    """When the next scheduled poll may start, planned per seller account and region (G1).

    Amazon's searchOrders budget (a burst of 20, then one call per ~178 s) belongs to the seller account
    and region, not to the marketplace. While the burst lasts, the regular schedule stands (None). Once
    it is spent, each of the ``sharers`` connections polls once per ``sharers`` refills, so their polls
    take turns with the tokens instead of waiting in a worker for one (a poll once waited 939 s).
    """
    if budget.ready_in <= timedelta(0):
        return None
    return now + max(budget.ready_in, budget.interval * sharers)


def poll(run: RunContext) -> None:
    """One incremental poll of the connection: every page committed with its watermark (B1)."""
    settings, amazon = run.settings, run.amazon
    with run.orders.transaction() as tx:
        watermark = tx.get_watermark()
    plan = plan_window(watermark, run.now(), settings.not_before, index_lag=amazon.index_lag)
    for page in amazon.changed_orders(after=plan.after, before=plan.before, pii=settings.pii_grant):
        run.tally.add("pages")
        run.tally.add("calls")
        with run.orders.transaction() as tx:
            store_orders(tx, page.orders, run.tally)
            if not page.more:
                tx.set_watermark(page.window_end or plan.before)
            elif page.latest_update is not None:
                # Pages come in lastUpdatedTime order: everything up to this page's newest order is
                # stored. The next run re-reads from OVERLAP before it anyway.
                tx.set_watermark(min(page.latest_update, plan.before))
        run.checkpoint()
    run.not_before = next_poll_not_before(amazon.changed_orders_budget(), run.connection.budget_sharers, run.now())
