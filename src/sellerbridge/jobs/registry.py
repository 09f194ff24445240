"""The flows the runtime schedules, with their default schedules (G3; issue 4).

A flow is a function ``(hub, connection_id) -> RunReport | None`` (None: nothing was due, e.g. a report
step whose wait is not over). Each records its own sync run (H2). Later issues add theirs here:
deliveries (continuously), stock (on change plus a full refresh hourly), settlements (every 6 h).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from ..bootstrap import Hub
from ..db.repositories import sync_runs
from ..domain.ports.orders import RunCounts, RunReport
from ..services.order_backlog import BACKLOG_FLOW, backfill_orders
from ..services.order_report import REPORT_FLOW, report_tick
from ..services.order_sync import SYNC_FLOW, sync_orders
from ..services.pii import purge_pii

FlowFn = Callable[[Hub, "int | None"], "RunReport | None"]


@dataclass(frozen=True, slots=True)
class Flow:
    name: str
    run: FlowFn
    every_seconds: int | None  # the default schedule; None: manual runs only
    hub_wide: bool = False  # one job for the hub, not one per connection
    # The flow resumes its own unfinished runs (state in its sync_runs row): a run left "running" by a
    # killed worker is picked up, not marked failed.
    resumes: bool = False


def _orders(hub: Hub, connection_id: int | None) -> RunReport:
    assert connection_id is not None
    return sync_orders(hub, connection_id)


def _orders_report(hub: Hub, connection_id: int | None) -> RunReport | None:
    assert connection_id is not None
    return report_tick(hub, connection_id)


def _backlog(hub: Hub, connection_id: int | None) -> RunReport:
    assert connection_id is not None
    return backfill_orders(hub, connection_id)


def _pii_purge(hub: Hub, connection_id: int | None) -> RunReport:
    """B13 purge as a recorded run (H2)."""
    with hub.store.uow() as session:
        run_id = sync_runs.start_run(session, connection_id=None, flow="pii_purge", now=hub.now())
    report = RunReport("pii_purge", None, "done", RunCounts(), run_id)
    try:
        counts = purge_pii(hub)
    except Exception as exc:
        report = replace(report, status="failed", error=f"{type(exc).__name__}: {exc}")
        with hub.store.uow() as session:
            sync_runs.finish_run(session, run_id, status="failed", counts={}, error=report.error, now=hub.now())
        raise
    with hub.store.uow() as session:
        sync_runs.finish_run(session, run_id, status="done", counts=counts.as_dict(), error=None, now=hub.now())
    return report


FLOWS: dict[str, Flow] = {flow.name: flow for flow in (
    Flow(SYNC_FLOW, _orders, every_seconds=120),  # the notification backstop (B1)
    Flow(REPORT_FLOW, _orders_report, every_seconds=15, resumes=True),  # report steps; due rules inside
    Flow(BACKLOG_FLOW, _backlog, every_seconds=None, resumes=True),  # first import / catch-up, on demand
    Flow("pii_purge", _pii_purge, every_seconds=24 * 3600, hub_wide=True),  # B13, daily
)}


def flow(name: str) -> Flow:
    try:
        return FLOWS[name]
    except KeyError:
        raise KeyError(f"unknown flow {name!r}; flows: {', '.join(sorted(FLOWS))}") from None
