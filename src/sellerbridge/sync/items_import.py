"""Flow ``items_import``: items and SKU mappings from Amazon's merchant listings report (I5, E2, D1, H1).

Manual runs only (``every=None``): a person asks for it (CLI ``items import``, REST ``POST
/api/connections/{ref}/items/import``) when a connection is new or listings were added in Seller Central;
a daily schedule can be set with ``sellerbridge jobs set items_import``. A stepping flow (``resumes``):

1. ``GET_MERCHANT_LISTINGS_ALL_DATA`` is asked for (``lifecycle.request_report``) and stepped once per run
   (``lifecycle.step_report``): ``Wait`` ends the run ``waiting`` until Amazon should be done.
2. ``Ready``: the document is read (``amazon/reports/merchant_listings.py``: UTF-8, windows-1252 or
   Shift_JIS, said in the run's items); each line that cannot be read goes to the error log with its line
   number, the rest is imported page by page (:data:`PAGE` lines a transaction) by the store: items by
   SKU, listings with ASIN and fulfillment channel; the report's prices and quantities are ignored (E2,
   D1); a SKU mapped to another item keeps its mapping and is reported; newly mapped items are marked
   dirty for the quantity and price pushes.

A re-import updates, never duplicates (items by SKU, listings by connection and SKU).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..domain.common.results import ItemResult, ItemStatus, Level, Message, RunReport
from ..domain.documents import DocumentKind, LifecycleRule, ReportPurpose, Wait
from ..domain.ports.prices import ItemImportStore
from ..domain.ports.runs import FlowContext
from .lifecycle import finish_import, live_request, request_report, resume_after, step_report
from .runs import Flow, RunContext, record_run

COUNTS = ("calls", "lines", "created", "mapped", "updated", "unchanged", "kept", "errors")
# Amazon prepares a listings report in a minute or two; half an hour is stuck: asked once more, then failed.
LISTINGS_REPORT = LifecycleRule(first_check=timedelta(seconds=60), check_every=timedelta(seconds=20),
                                deadline=timedelta(minutes=30), attempts=2)
PAGE = 500
PURPOSE = ReportPurpose.MERCHANT_LISTINGS
BAD_LINE = "bad_report_line"

FLOW = Flow("items_import", every=None, counts=COUNTS, resumes=True, resume_failed=True,
            about="items and SKU mappings from Amazon's merchant listings report; its prices and quantities are "
                  "ignored (I5, E2)")


def run(ctx: FlowContext, connection_id: int | None) -> RunReport:
    assert connection_id is not None
    return record_run(ctx, FLOW, connection_id, step)


def store_of(run: RunContext) -> ItemImportStore:
    store = run.ports.item_import
    assert store is not None, "items_import needs the item import store"
    return store


def step(run: RunContext) -> datetime | None:
    state = run.state
    if state.get("request_id") is None:
        state["request_id"] = request_report(run, PURPOSE, LISTINGS_REPORT).id
        run.checkpoint(force=True)
    request_id = live_request(run, state.get("request_id"), PURPOSE, LISTINGS_REPORT)
    request_id, answer = step_report(run, request_id, PURPOSE, LISTINGS_REPORT)
    state["request_id"] = request_id
    if isinstance(answer, Wait):
        run.checkpoint(force=True)
        return resume_after(run, answer)
    _import(run, store_of(run), answer.document_id)
    finish_import(run, DocumentKind.REPORT, request_id)
    run.checkpoint(force=True)
    return None


def _import(run: RunContext, store: ItemImportStore, document_id: str) -> None:
    report = run.amazon.read_merchant_listings(document_id)
    run.tally.add("calls")
    if report.encoding not in ("utf-8", "text"):
        run.tally.note(ItemResult("report", ItemStatus.OK, (Message("encoding", f"decoded as {report.encoding}",
                                                                    Level.INFO),)))
    for bad in report.bad_lines:
        store.bad_line(bad.line, BAD_LINE, bad.message, raw=bad.raw, now=run.now())
        run.tally.add("errors")
        run.tally.note(ItemResult(f"line:{bad.line}", ItemStatus.ERROR,
                                  (Message(BAD_LINE, f"line {bad.line}: {bad.message}"),)))
    listings = report.listings
    for start in range(0, len(listings), PAGE):
        page = listings[start:start + PAGE]
        for outcome in store.upsert(page, now=run.now()):
            run.tally.add(outcome.result)
            if outcome.result == "kept":
                run.tally.note(ItemResult(f"sku:{outcome.sku}", ItemStatus.WARNING,
                                          (Message("kept", outcome.message or "mapping kept", Level.WARNING),)))
        run.tally.add("lines", len(page))
        run.checkpoint()
