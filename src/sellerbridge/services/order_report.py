"""The report backstop of steady-state order sync: the actionable-orders report when getOrder and
searchOrders cannot keep up (B1, G1, G2; docs/order-flow.md "Spending Amazon's budgets").

searchOrders reads at most 100 orders per 178 s (about 2,000 orders/hour) and sees changes two
minutes late; getOrder reads 1,800 orders/hour. Above those rates, or when the push path is off,
the ``GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING`` report brings every unshipped MFN order,
whatever their number, in three calls and about a minute. This module runs it as flow
``orders_report``: the steady mode of the backlog's state machine (``sync/orders_backlog.py``),
one step per :func:`report_tick`, never a sleep inside a job.

A report is due (:func:`report_due`) for a connection the report serves (PII grant, MFN orders),
at most every :data:`REPORT_EVERY`, when either

- the push path deferred an order since the last report (``sync/order_push.py``: more orders
  waited for getOrder than it reads in a minute), or
- no ORDER_CHANGE notification arrived for :data:`PUSH_SILENT` while the latest poll created orders:
  the push path is off or broken, and polling alone stores orders up to five minutes late.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from ..amazon.errors import AmazonError
from ..bootstrap import Hub
from ..db.repositories import connections, sync_runs, watermarks
from ..domain.common.errors import ConfigError
from ..domain.ports.orders import RunCounts, RunReport
from ..sync import orders_backlog as backlog
from ..sync.order_push import DEFERRED_MARK, PUSH_SEEN_MARK
from .order_backlog import RunStateStore, report_parser
from .order_sync import SYNC_FLOW, _parts, failed_report

__all__ = ["DEFERRED_MARK", "PUSH_SEEN_MARK", "REPORT_EVERY", "REPORT_FLOW", "report_due", "report_tick"]

REPORT_FLOW = "orders_report"
REPORT_EVERY = timedelta(minutes=2)
PUSH_SILENT = timedelta(minutes=10)


def report_due(hub: Hub, connection_id: int, now: datetime) -> bool:
    """Whether a new backstop report should be requested now (see the module's rules)."""
    _, store, _ = _parts(hub, connection_id)
    with store.transaction(read_only=True) as tx:
        if not backlog.uses_report(tx.settings):
            return False
    with hub.store.uow(read_only=True) as session:
        [last] = sync_runs.list_runs(session, connection_id=connection_id, flow=REPORT_FLOW, limit=1) or [None]
        last_at = _aware(last.started_at) if last is not None else None
        if last_at is not None and now - last_at < REPORT_EVERY:
            return False
        deferred = watermarks.get_watermark(session, connection_id, DEFERRED_MARK)
        if deferred is not None and (last_at is None or _aware(deferred) > last_at):
            return True
        seen = watermarks.get_watermark(session, connection_id, PUSH_SEEN_MARK)
        if seen is not None and now - _aware(seen) < PUSH_SILENT:
            return False
        [poll] = sync_runs.list_runs(session, connection_id=connection_id, flow=SYNC_FLOW, limit=1) or [None]
        return poll is not None and bool((poll.counts or {}).get("created"))


def report_tick(hub: Hub, connection_id: int, *, force: bool = False) -> RunReport | None:
    """Advance the connection's backstop report by one step when one is due; None when nothing was due.

    A run in flight is resumed (also after a restart: its state is in its sync_runs row); a new one
    starts when :func:`report_due` says so (or ``force``). Failures end the run, retryable or not,
    exactly as other order runs (H2); the next due tick asks again.
    """
    now = hub.now()
    run = _open_run(hub, connection_id)
    if run is None:
        if not (force or report_due(hub, connection_id, now)):
            return None
        with hub.store.uow() as session:
            run_id = sync_runs.start_run(session, connection_id=connection_id, flow=REPORT_FLOW, now=now)
        run = (run_id, backlog.BacklogState(mode="steady"), RunCounts())
    run_id, state, counts = run
    if state.next_at is not None and _aware(datetime.fromisoformat(state.next_at)) > now:
        return None  # waiting for Amazon to prepare it
    report = RunReport(REPORT_FLOW, connection_id, "running", counts, run_id)
    try:
        gateway, store, to_draft = _parts(hub, connection_id)
        with hub.store.uow(read_only=True) as session:
            marketplace = connections.require_connection(session, connection_id).marketplace_id
        states = RunStateStore(hub, run_id)
        state, wait = backlog.step(state, gateway, store, to_draft, report_parser(marketplace), states,
                                   now=now, counts=counts)
        if wait is not None:
            states.save(replace(state, next_at=(now + timedelta(seconds=wait)).isoformat()), counts)
            return report
        report = replace(report, status="partial" if counts.errors else "done")
    except (AmazonError, backlog.ReportFailed, ConfigError) as exc:
        report = failed_report(report, exc)
    with hub.store.uow() as session:
        sync_runs.finish_run(session, run_id, status=report.status, now=hub.now(), error=report.error,
                             counts={**counts.as_dict(), "retryable": report.retryable,
                                     "backlog": state.as_dict()})
    return report


def _open_run(hub: Hub, connection_id: int) -> tuple[int, backlog.BacklogState, RunCounts] | None:
    with hub.store.uow(read_only=True) as session:
        [latest] = sync_runs.list_runs(session, connection_id=connection_id, flow=REPORT_FLOW, limit=1) or [None]
    if latest is None or latest.status != "running":
        return None
    saved = latest.counts or {}
    state = backlog.BacklogState.from_dict(saved.get("backlog"))
    counts = RunCounts(**{k: v for k, v in saved.items() if k in RunCounts.__slots__})
    return latest.id, replace(state, mode="steady"), counts


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
