"""Flow ``orders_backlog``: the first import of a connection's open orders, the fastest legal path (G2, B1-B4, B13).

Two sources, chosen so that the call count stays tiny whatever the backlog's size:

- Unshipped merchant-fulfilled (MFN) orders come from ONE actionable-orders report: items, order item
  ids, buyer and address in one document (a restricted document: the gateway reads it with a Restricted
  Data Token). Only for a connection with the PII grant (B13): without the restricted role Amazon
  refuses the report, and ``searchOrders`` reads MFN orders too.
- Everything else the connection's filters select (FBA orders; MFN orders in statuses the report does
  not list, e.g. Pending) from ``searchOrders`` pages filtered on Amazon's side, 100 orders a page.

A stepping flow (``resumes``): each run of its job does what it can without waiting (ask for the
report, read the search pages, look at the report once, import it) and, while Amazon prepares the
report, ends ``waiting`` with the moment to look again; the runtime runs it again then. Its state
(phase, report request, where reads are complete) is kept with the run, so a killed process resumes
where it was: the same report request is looked at again, never asked twice. The report request is a
document lifecycle row (``sync/lifecycle.py``): a report stuck past :data:`BACKLOG_REPORT`'s deadline
is cancelled and asked for again once, then the run fails with a message and stays resumable.

Report drafts carry no money and their ``last_updated`` is the purchase date; they are stored one
second OLDER than that (:data:`REPORT_AGE`) so that any API read of the same order is newer and fills
the money, while reading the report again changes nothing. After the import the ``orders`` watermark
is set to where the backlog's reads are complete (the report request time, or the search window's
end when earlier), in the transaction that stores the report's last orders.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from ..domain.common.errors import DomainError
from ..domain.common.moments import to_datetime
from ..domain.common.results import RunReport
from ..domain.documents import DocumentKind, LifecycleRule, ReportPurpose, Wait
from ..domain.orders.filters import OrderImportSettings
from ..domain.orders.model import Fulfillment, OrderDraft, OrderStatus
from ..domain.ports.orders import OpenOrdersDocument
from ..domain.ports.runs import FlowContext
from . import deliveries
from .lifecycle import finish_import, live_request, request_report, resume_after, step_report
from .order_import import ORDER_COUNTS, record_failure, store_orders
from .runs import Flow, RunContext, record_run

# The statuses the actionable report lists for MFN orders; other selected statuses come from search.
REPORT_STATUSES = frozenset({OrderStatus.UNSHIPPED, OrderStatus.PARTIALLY_SHIPPED})
# Open orders older than this are not looked for (unless "don't process before" says otherwise).
BACKLOG_LOOKBACK = timedelta(days=30)
# A report row is stored this much older than its purchase date: any API read is newer (money).
REPORT_AGE = timedelta(seconds=1)
# Amazon's report queue is about a minute, then roughly a second per thousand rows. Half an hour is
# far beyond what a backlog report takes; past it the report is stuck (Amazon's reports have stayed
# IN_QUEUE for hours): cancelled, asked for once more, then the run fails and says so.
BACKLOG_REPORT = LifecycleRule(first_check=timedelta(seconds=60), check_every=timedelta(seconds=15),
                               deadline=timedelta(minutes=30), attempts=2)
# Orders stored per transaction while importing the report: a crash loses at most one chunk's work.
IMPORT_CHUNK = 500
BAD_ROW = "bad_report_row"

FLOW = Flow("orders_backlog", every=None, counts=ORDER_COUNTS, resumes=True, resume_failed=True,
            about="first import of open orders: one report plus searchOrders pages (G2)")


def run(ctx: FlowContext, connection_id: int | None) -> RunReport:
    assert connection_id is not None
    report = record_run(ctx, FLOW, connection_id, step)
    deliveries.ask_after(ctx, report)
    return report


def uses_report(settings: OrderImportSettings) -> bool:
    """The actionable report serves a connection with the PII grant that imports MFN orders (B13)."""
    return settings.pii_grant and Fulfillment.MERCHANT in settings.channels


def step(run: RunContext) -> datetime | None:
    """Go on from the saved phase until Amazon must be waited for (the moment to continue) or done (None).

    Phases: ``start`` -> ``search`` -> ``report`` (waiting for Amazon) -> ``import`` -> ``done``."""
    state = run.state
    while True:
        phase = state.get("phase", "start")
        if phase == "start":
            use_report = uses_report(run.settings)
            state.update(use_report=use_report, complete_until=run.now().isoformat(), phase="search")
            if use_report:  # asked first: Amazon prepares it while the search pages are read
                state["request_id"] = request_report(run, ReportPurpose.OPEN_ORDERS, BACKLOG_REPORT).id
        elif phase == "search":
            end = _search(run, use_report=bool(state["use_report"]))
            complete = min(_moment(state["complete_until"]), end)
            state["complete_until"] = complete.isoformat()
            if state["use_report"]:
                state["phase"] = "report"
            else:
                _advance_watermark(run, complete)
                state["phase"] = "done"
        elif phase == "report":
            request_id = live_request(run, state.get("request_id"), ReportPurpose.OPEN_ORDERS, BACKLOG_REPORT)
            request_id, answer = step_report(run, request_id, ReportPurpose.OPEN_ORDERS, BACKLOG_REPORT)
            state["request_id"] = request_id
            if isinstance(answer, Wait):
                run.checkpoint(force=True)
                return resume_after(run, answer)
            state.update(document_id=answer.document_id, phase="import")
        elif phase == "import":
            document = run.amazon.read_open_orders(str(state["document_id"]))
            run.tally.add("calls")
            import_open_orders(run, document, watermark=_moment(state["complete_until"]))
            finish_import(run, DocumentKind.REPORT, int(state["request_id"]))
            state["phase"] = "done"
        else:
            return None
        run.checkpoint(force=True)


def _search(run: RunContext, *, use_report: bool) -> datetime:
    """Every order the filters select that the report does not bring, page by page (one transaction each)."""
    settings, now = run.settings, run.now()
    after = settings.not_before or (now - BACKLOG_LOOKBACK)
    end = now
    for channels, statuses in searches(settings.channels, settings.statuses, use_report):
        for page in run.amazon.placed_orders(after=after, before=now, channels=sorted(channels),
                                             statuses=sorted(statuses), pii=settings.pii_grant):
            run.tally.add("pages")
            run.tally.add("calls")
            if page.window_end is not None:
                end = min(end, page.window_end)
            with run.orders.transaction() as tx:
                store_orders(tx, page.orders, run.tally)
            run.checkpoint()
    return end


def searches(channels: frozenset[Fulfillment], statuses: frozenset[OrderStatus],
             use_report: bool) -> list[tuple[frozenset[Fulfillment], frozenset[OrderStatus]]]:
    """The searchOrders queries: FBA in every selected status, MFN in those the report does not list."""
    plan = []
    if Fulfillment.AMAZON in channels:
        plan.append((frozenset({Fulfillment.AMAZON}), statuses))
    if Fulfillment.MERCHANT in channels:
        rest = statuses - REPORT_STATUSES if use_report else statuses
        if rest:
            plan.append((frozenset({Fulfillment.MERCHANT}), rest))
    merged: dict[frozenset[OrderStatus], set[Fulfillment]] = {}
    for chans, stats in plan:  # same statuses for both channels: one query
        merged.setdefault(stats, set()).update(chans)
    return [(frozenset(chans), stats) for stats, chans in merged.items()]


def import_open_orders(run: RunContext, document: OpenOrdersDocument, *, watermark: datetime | None) -> None:
    """Store the report's drafts in chunks; the watermark (if any) commits with the last chunk (B1).

    An order with a malformed row goes to the error log (B11); reprocessing reads it with getOrder.
    The backstop (``sync/orders_backstop.py``) imports the same document with no watermark.
    """
    drafts: list[OrderDraft] = [replace(d, last_updated=d.last_updated - REPORT_AGE) for d in document.drafts]
    chunks = [drafts[i:i + IMPORT_CHUNK] for i in range(0, len(drafts), IMPORT_CHUNK)] or [[]]
    for number, chunk in enumerate(chunks, 1):
        with run.orders.transaction() as tx:
            if number == 1:
                for order_id, why in document.left_out:
                    record_failure(tx, run.tally, order_id, DomainError(BAD_ROW, why, where="actionable-orders report"),
                                   {"orderId": order_id, "source": "actionable-orders report"})
            store_orders(tx, chunk, run.tally)
            if number == len(chunks) and watermark is not None:
                _advance(tx, watermark)
        run.checkpoint()


def _advance_watermark(run: RunContext, value: datetime) -> None:
    with run.orders.transaction() as tx:
        _advance(tx, value)


def _advance(tx, value: datetime) -> None:
    current = tx.get_watermark()
    if current is None or current < value:  # never back: a poll may already be further
        tx.set_watermark(value)


def _moment(value: object) -> datetime:
    moment = to_datetime(value)
    if moment is None:
        raise ValueError(f"a saved backlog moment is not an aware ISO time: {value!r}")
    return moment
