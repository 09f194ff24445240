"""Backlog / first import of a connection's open orders, as the CLI and the scheduler use it (G2, B1, H2).

:func:`backfill_orders` runs the resumable state machine of ``sync/orders_backlog.py``. Its state
(report id, phase) lives in the run's ``sync_runs`` row (flow ``orders_backlog``, in ``counts`` under
``"backlog"``), saved after every step in a transaction of its own. A run that did not finish (the
process was killed: still ``running``; or it failed retryably: throttled, Amazon 5xx) is resumed by
the next call: the same report id is checked again, never requested twice.

Polling a report is its own job and never a sleep inside a job (DESIGN.md). Until the scheduler
exists (next issue) :func:`backfill_orders` drives the steps itself and waits between them with
``hub.clock.sleep`` — the hub's injectable clock, so tests and benchmarks run in simulated time.
The scheduler will call :func:`backlog_step` instead and enqueue the next step after the wait it returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlalchemy import update

from ..amazon.errors import AmazonError
from ..amazon.reports.actionable_orders import parse_actionable_orders
from ..bootstrap import Hub
from ..db.repositories import connections, sync_runs
from ..db.tables import sync_runs as runs_table
from ..domain.common.errors import ConfigError
from ..domain.orders.model import OrderDraft
from ..domain.ports.orders import RunCounts, RunReport
from ..sync import orders_backlog as backlog
from .order_sync import _parts, failed_report

__all__ = ["BACKLOG_FLOW", "backfill_orders", "backlog_step"]

BACKLOG_FLOW = "orders_backlog"
Progress = Callable[[RunCounts], None]


class RunStateStore:
    """``BacklogStateStore`` over one sync_runs row: the state and the counts so far, committed at once."""

    def __init__(self, hub: Hub, run_id: int) -> None:
        self._hub = hub
        self.run_id = run_id

    def save(self, state: backlog.BacklogState, counts: RunCounts) -> None:
        with self._hub.store.uow() as session:
            session.execute(update(runs_table).where(runs_table.c.id == self.run_id)
                            .values(counts={**counts.as_dict(), "backlog": state.as_dict()}))


def _open_run(hub: Hub, connection_id: int) -> tuple[int, backlog.BacklogState, RunCounts]:
    """The unfinished backlog run to resume, or a new one."""
    with hub.store.uow() as session:
        [latest] = sync_runs.list_runs(session, connection_id=connection_id, flow=BACKLOG_FLOW, limit=1) or [None]
        saved = (latest.counts or {}) if latest is not None else {}
        resumable = latest is not None and (
            latest.status in ("running", "queued") or (latest.status == "failed" and saved.get("retryable")))
        state = backlog.BacklogState.from_dict(saved.get("backlog"))
        if resumable and state.phase != "done":
            assert latest is not None
            sync_runs.mark_running(session, latest.id, now=hub.now())
            counts = RunCounts(**{k: v for k, v in saved.items() if k in RunCounts.__slots__})
            return latest.id, state, counts
        run_id = sync_runs.start_run(session, connection_id=connection_id, flow=BACKLOG_FLOW, now=hub.now())
        return run_id, backlog.BacklogState(), RunCounts()


def report_parser(marketplace_id: str) -> backlog.ReportParser:
    def parse(text: str) -> tuple[list[OrderDraft], list[tuple[str, str]]]:
        result = parse_actionable_orders(text, marketplace_id=marketplace_id)
        # never the raw row in the message: it holds buyer data (B13)
        rows = ", ".join(f"row {e.row_number} ({e.column or 'fields'}: {e.message})" for e in result.errors[:5])
        return result.drafts, [(oid, f"a malformed row in the actionable-orders report: {rows}")
                               for oid in result.left_out]
    return parse


def backlog_step(hub: Hub, connection_id: int, run_id: int, state: backlog.BacklogState,
                 counts: RunCounts) -> tuple[backlog.BacklogState, float | None]:
    """One step of the backlog run ``run_id``: the new state and the seconds until the next (None: done)."""
    gateway, store, to_draft = _parts(hub, connection_id)
    with hub.store.uow(read_only=True) as session:
        record = connections.require_connection(session, connection_id)
    return backlog.step(state, gateway, store, to_draft, report_parser(record.marketplace_id),
                        RunStateStore(hub, run_id), now=hub.now(), counts=counts)


def backfill_orders(hub: Hub, connection_id: int, *, progress: Progress | None = None,
                    max_steps: int | None = None) -> RunReport:
    """Import the connection's open orders the fast way (G2), resuming an unfinished backlog run.

    Returns the run's report (H2): ``done``; ``partial`` when orders went to the error log; ``failed``
    with ``retryable`` when Amazon throttled or failed (call again: it resumes). ``max_steps`` stops
    early with the run left ``running`` (what a killed process leaves behind; tests and operators).
    """
    with hub.store.uow(read_only=True) as session:
        if connections.get_connection(session, connection_id) is None:
            raise ConfigError(f"no connection {connection_id}: see `sellerbridge connection list`")
    run_id, state, counts = _open_run(hub, connection_id)
    report = RunReport(BACKLOG_FLOW, connection_id, "done", counts, run_id)
    steps = 0
    try:
        while True:
            if max_steps is not None and steps >= max_steps:
                return replace(report, status="running")
            state, wait = backlog_step(hub, connection_id, run_id, state, counts)
            steps += 1
            if progress is not None:
                progress(counts)
            if wait is None:
                break
            hub.clock.sleep(wait)
    except (AmazonError, backlog.ReportFailed, ConfigError) as exc:
        report = failed_report(report, exc)
    else:
        if counts.errors:
            report = replace(report, status="partial")
    _finish(hub, report, state)
    return report


def _finish(hub: Hub, report: RunReport, state: backlog.BacklogState) -> None:
    assert report.run_id is not None
    counts: dict[str, Any] = {**report.counts.as_dict(), "retryable": report.retryable,
                              "retry_after": report.retry_after, "backlog": state.as_dict()}
    with hub.store.uow() as session:
        sync_runs.finish_run(session, report.run_id, status=report.status, counts=counts, error=report.error,
                             now=hub.now())

