"""Backlog and first import of a connection's open orders: the fastest legal path (G2, B1-B4, B13).

Two sources, chosen so that the call count stays tiny whatever the backlog's size:

- Unshipped merchant-fulfilled (MFN) orders come from ONE ``GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING``
  report: items, order item ids, buyer and address in one document (a restricted document: the
  gateway fetches it with a Restricted Data Token). Only for a connection with the PII grant (B13):
  without the restricted role Amazon refuses the report, and ``searchOrders`` reads MFN orders too.
- Everything else the connection's filters select (FBA orders; MFN orders in statuses the report
  does not list, e.g. Pending) from ``searchOrders`` pages filtered by ``fulfilledBy`` and
  ``fulfillmentStatuses`` on Amazon's side, 100 orders a page.

A resumable state machine, not a loop with sleeps (DESIGN.md: polling a report is its own job, never
a sleep inside a job). :func:`step` does ONE thing — request the report, read the search pages, check
the report, import it — saves the new :class:`BacklogState` through the caller's
:class:`BacklogStateStore` (the service keeps it in the run's ``sync_runs`` row) and returns how many
seconds to wait before the next step. A restart resumes from the saved state: the same report id is
checked again, never requested twice. Until the scheduler exists the service drives the steps and
waits on the hub's injectable clock (``clock.sleep``), so tests and benchmarks run in simulated time.

Report drafts carry no money and their ``last_updated`` is the purchase date; they are stored one
second OLDER than that (:data:`REPORT_AGE`) so that any API read of the same order — even one whose
``lastUpdatedTime`` equals the purchase date — is newer and fills the money, while reading the same
report again changes nothing. An API version already stored is never overwritten by a report row.

The same machine in ``steady`` mode is the report backstop of steady-state sync (flow
``orders_report``, ``services/order_report.py``): report only, no search pages, no watermark. It
reads the unshipped MFN orders that the push path deferred (``sync/order_push.py``) or that polling
alone would store late, whatever their number, in three calls.

After the import the ``orders`` watermark is set to where the backlog's reads are complete (the
report request time, or the search window's end when that is earlier), in the transaction that
stores the report's last orders: the regular poll continues from there without re-reading everything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from ..domain.common.errors import DomainError
from ..domain.common.moments import to_datetime
from ..domain.orders.model import Fulfillment, OrderDraft, OrderStatus
from ..domain.ports.orders import OrderStore, RunCounts, SearchPage
from .orders import Mapper, included_data, store_draft, store_payloads

REPORT_TYPE = "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING"
# The statuses the actionable report lists for MFN orders; other selected statuses come from search.
REPORT_STATUSES = frozenset({OrderStatus.UNSHIPPED, OrderStatus.PARTIALLY_SHIPPED})
# Open orders older than this are not looked for (unless "don't process before" says otherwise).
BACKLOG_LOOKBACK = timedelta(days=30)
# A report row is stored this much older than its purchase date: any API read is newer (money).
REPORT_AGE = timedelta(seconds=1)
# Amazon's report queue is about a minute; then roughly a second per thousand rows.
FIRST_CHECK_AFTER = 60.0
CHECK_EVERY = 15.0
# Orders stored per transaction while importing the report: a crash loses at most one chunk's work.
IMPORT_CHUNK = 500

# text -> (drafts, [(order id, why)] of orders left out for a malformed row: error log, reprocess B11)
ReportParser = Callable[[str], tuple[list[OrderDraft], list[tuple[str, str]]]]


class BacklogSource(Protocol):
    """The Amazon side of the backlog (implemented by ``amazon.gateway.AmazonGateway``)."""

    def search_orders(self, **kwargs: Any) -> Iterator[SearchPage]: ...
    def create_report(self, report_type: str) -> str: ...
    def get_report(self, report_id: str) -> dict[str, Any]: ...
    def download_report_document(self, document_id: str, restricted: bool = False) -> str: ...


@dataclass(frozen=True, slots=True)
class BacklogState:
    """Where a backlog run stands; JSON-ready through :meth:`as_dict` / :meth:`from_dict`.

    ``phase``: ``start`` -> ``search`` -> ``report`` (waiting for Amazon) -> ``import`` -> ``done``.
    """

    phase: str = "start"
    use_report: bool = True
    report_id: str | None = None
    document_id: str | None = None
    requested_at: str | None = None  # ISO; the report's data is as of (at least) this moment
    complete_until: str | None = None  # ISO; where the backlog's reads are complete (the watermark)
    checks: int = 0
    mode: str = "backlog"  # "backlog": report + search + watermark; "steady": the report only
    next_at: str | None = None  # ISO; when the next step is due (set by the caller that schedules it)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> BacklogState:
        raw = raw or {}
        return cls(**{k: raw[k] for k in cls.__dataclass_fields__ if k in raw})


class BacklogStateStore(Protocol):
    def save(self, state: BacklogState, counts: RunCounts) -> None: ...


class ReportFailed(Exception):
    """Amazon could not produce the report (CANCELLED/FATAL): the run fails, a new run asks again."""


def step(state: BacklogState, source: BacklogSource, store: OrderStore, to_draft: Mapper,
         parse_report: ReportParser, states: BacklogStateStore, *, now: datetime,
         counts: RunCounts) -> tuple[BacklogState, float | None]:
    """Do one thing, save the new state, and say when to call again (seconds; None: finished)."""
    steady = state.mode == "steady"
    if state.phase == "start":
        with store.transaction(read_only=True) as tx:
            use_report = uses_report(tx.settings)
        if use_report:  # asked first: Amazon prepares it while the search pages are read
            report_id = source.create_report(REPORT_TYPE)
            counts.calls += 1
            state = replace(state, phase="report" if steady else "search", use_report=True, report_id=report_id,
                            requested_at=now.isoformat(), complete_until=None if steady else now.isoformat())
            wait: float | None = FIRST_CHECK_AFTER if steady else 0.0
        elif steady:
            state, wait = replace(state, phase="done", use_report=False), None
        else:
            state = replace(state, phase="search", use_report=False, complete_until=now.isoformat())
            wait = 0.0
    elif state.phase == "search":
        end = _search(state, source, store, to_draft, now=now, counts=counts)
        state = replace(state, phase="report" if state.use_report else "done",
                        complete_until=min(to_datetime(state.complete_until) or end, end).isoformat())
        wait = _report_wait(state, now) if state.use_report else None
        if not state.use_report:
            _set_watermark(store, to_datetime(state.complete_until))
    elif state.phase == "report":
        assert state.report_id is not None
        report = source.get_report(state.report_id)
        counts.calls += 1
        status = report.get("processingStatus")
        state = replace(state, checks=state.checks + 1)
        if status == "DONE" and report.get("reportDocumentId"):
            state, wait = replace(state, phase="import", document_id=str(report["reportDocumentId"])), 0.0
        elif status in ("CANCELLED", "FATAL"):
            states.save(state, counts)
            raise ReportFailed(f"Amazon could not produce report {state.report_id} ({status})")
        else:
            wait = CHECK_EVERY
    elif state.phase == "import":
        assert state.document_id is not None
        text = source.download_report_document(state.document_id, restricted=True)
        counts.calls += 1
        drafts, left_out = parse_report(text)
        _import(drafts, left_out, store, counts, watermark=to_datetime(state.complete_until))
        state, wait = replace(state, phase="done"), None
    else:
        return state, None
    states.save(state, counts)
    return state, wait


def uses_report(settings: Any) -> bool:
    """The actionable report serves a connection with the PII grant that imports MFN orders (B13)."""
    return bool(settings.pii_grant) and Fulfillment.MERCHANT in settings.channels


def _report_wait(state: BacklogState, now: datetime) -> float:
    requested = to_datetime(state.requested_at) or now
    return max(0.0, FIRST_CHECK_AFTER - (now - requested).total_seconds())


def _search(state: BacklogState, source: BacklogSource, store: OrderStore, to_draft: Mapper, *,
            now: datetime, counts: RunCounts) -> datetime:
    """Every order the filters select that the report does not bring, page by page (one transaction each)."""
    with store.transaction(read_only=True) as tx:
        settings = tx.settings
        datasets = included_data(settings)
    after = settings.not_before or (now - BACKLOG_LOOKBACK)
    end = now
    for channels, statuses in _searches(settings.channels, settings.statuses, state.use_report):
        pages: Iterable[SearchPage] = source.search_orders(
            created_after=after, before=now, fulfillment_statuses=sorted(statuses),
            fulfilled_by=sorted(channels), included_data=datasets)
        for page in pages:
            counts.pages += 1
            counts.calls += 1
            if page.window_end is not None:
                end = min(end, page.window_end)
            with store.transaction() as tx:
                store_payloads(tx, page.orders, to_draft, counts)
    return end


def _searches(channels: frozenset[Fulfillment], statuses: frozenset[OrderStatus],
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


def _import(drafts: list[OrderDraft], left_out: list[tuple[str, str]], store: OrderStore, counts: RunCounts, *,
            watermark: datetime | None) -> None:
    """Store the report's drafts in chunks; the watermark commits with the last chunk (B1).

    An order with a malformed row goes to the error log (B11); reprocessing reads it with getOrder.
    """
    chunks = [drafts[i:i + IMPORT_CHUNK] for i in range(0, len(drafts), IMPORT_CHUNK)] or [[]]
    for number, chunk in enumerate(chunks, 1):
        with store.transaction() as tx:
            if number == 1:
                for order_id, why in left_out:
                    counts.errors += 1
                    tx.record_error(order_id, DomainError("bad_report_row", why, where=REPORT_TYPE),
                                    {"source": REPORT_TYPE, "orderId": order_id})
            # A report row is never newer than a stored order (REPORT_AGE): one query finds the rows
            # with nothing to do, which in steady state (the report backstop) is nearly all of them.
            stored = tx.stored_ids([d.amazon_order_id for d in chunk]) if hasattr(tx, "stored_ids") else set()
            for draft in chunk:
                counts.fetched += 1
                if draft.amazon_order_id in stored:
                    counts.unchanged += 1
                    continue
                store_draft(tx, replace(draft, last_updated=draft.last_updated - REPORT_AGE),
                            {"source": REPORT_TYPE, "orderId": draft.amazon_order_id}, counts)
            if number == len(chunks) and watermark is not None:
                _advance(tx, watermark)


def _set_watermark(store: OrderStore, value: datetime | None) -> None:
    if value is not None:
        with store.transaction() as tx:
            _advance(tx, value)


def _advance(tx: Any, value: datetime) -> None:
    current = tx.get_watermark()
    if current is None or current < value:  # never back: a poll may already be further
        tx.set_watermark(value)
