"""Flow ``orders_fetch``: ``getOrder`` for the orders ORDER_CHANGE notifications named (B1 push path, B11).

The intake (``services/intake.py``, in any web replica) writes one ``pending_fetches`` row per order
and asks the runtime for this job; the job's lease makes it one fetcher per connection. A run takes up
to :data:`FETCHES_PER_RUN` rows, oldest first, reads each order with ``getOrder`` (no search lag: the
order as it is now) and stores it (``sync/order_import.py``), then removes the row, unless a newer
change was noted meanwhile: then the row waits for one more fetch. Rows left when the run ends make
it ask to run again at once. An error-log reprocess (B11) is a row of its own (source ``reprocess``).

A failed ``getOrder`` fails the run (retryable as Amazon says); the rows stay and the next run serves
them, so nothing is lost, and the poll remains the backstop for a lost notification. Except Amazon's
404: the id came from a notification, and Amazon does not know it. That is a fact about the hint
(forged, or another seller's), not about the connection: the row is removed, the item is ``skipped``
with reason ``not_found`` and the run goes on; it never fails the run nor sets ``last_error`` (issue 9).
"""

from __future__ import annotations

from datetime import datetime

from ..domain.common.errors import UpstreamError
from ..domain.common.results import ItemResult, ItemStatus, Level, Message, RunReport
from ..domain.ports.runs import FlowContext
from . import deliveries
from .order_import import ORDER_COUNTS, store_orders
from .runs import Flow, RunContext, record_run

# A minute of getOrder (0.5 calls/s after its burst of 30): the job ends often enough for the
# runtime to run other connections' jobs in between, and reports progress with each end.
FETCHES_PER_RUN = 30

FLOW = Flow("orders_fetch", every=None, counts=ORDER_COUNTS,
            about="getOrder for the orders notifications named and for reprocessed errors (B1, B11)")


def run(ctx: FlowContext, connection_id: int | None) -> RunReport:
    assert connection_id is not None
    report = record_run(ctx, FLOW, connection_id, fetch_pending)
    deliveries.ask_after(ctx, report)  # the push path's orders reach the warehouse in seconds
    return report


def fetch_pending(run: RunContext) -> datetime | None:
    """Serve the waiting fetches; the moment to run again (now) when some are left."""
    pii = run.settings.pii_grant
    for pending in run.fetches.take(FETCHES_PER_RUN):
        try:
            fetched = run.amazon.get_order(pending.amazon_order_id, pii=pii)
        except UpstreamError as exc:
            if not exc.not_found:
                raise
            run.tally.add("calls")
            _ignore_unknown(run, pending.amazon_order_id)
            run.fetches.done(pending)
            run.checkpoint()
            continue
        run.tally.add("calls")
        with run.orders.transaction() as tx:
            store_orders(tx, [fetched], run.tally)
        run.fetches.done(pending)
        run.checkpoint()
    if run.fetches.waiting():
        return run.now()  # more: the runtime runs the job again at once
    return None


def _ignore_unknown(run: RunContext, amazon_order_id: str) -> None:
    """A pushed id Amazon does not know: counted and shown, never the connection's failure."""
    run.tally.add("skipped", reason="not_found")
    run.tally.note(ItemResult(amazon_order_id, ItemStatus.SKIPPED, (Message(
        "not_found", "Amazon does not know this order id (named by a notification): ignored", Level.WARNING),)))
