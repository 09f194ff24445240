"""Running the hub's flows in a test the way the runtime does, one call each (tests/flows, api, cli).

Every helper calls a flow's own ``run(ctx, connection_id)`` with the hub's real ``FlowContext``: the
same run recorder, ports, gateway and stores as a worker. What a worker adds around a run (the lease,
the next run's time) is the runtime's, tested on its own (tests/flows/test_jobs_*.py, tests/e2e).
Loops that a runtime would spread over several job runs (a backlog waiting for Amazon's report, the
push fetches of more orders than one run takes) wait on the hub's clock, as the runtime would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime

from sellerbridge.bootstrap import Hub
from sellerbridge.domain.common.results import RunReport, RunStatus
from sellerbridge.jobs import manage
from sellerbridge.jobs.registry import flow as registered
from sellerbridge.services import errors as error_service
from sellerbridge.services.intake import queue_fetch
from sellerbridge.services.preview import preview_order
from sellerbridge.sync import orders
from sellerbridge.sync.runs import RunContext, record_run

ORDERS, FETCH, BACKLOG, BACKSTOP = "orders", "orders_fetch", "orders_backlog", "orders_backstop"
SYNC_FLOW, BACKLOG_FLOW = ORDERS, BACKLOG

__all__ = [
    "BACKLOG",
    "BACKLOG_FLOW",
    "BACKSTOP",
    "FETCH",
    "ORDERS",
    "SYNC_FLOW",
    "added_up",
    "backstop_tick",
    "fetch_orders",
    "preview_order",
    "reprocess_error",
    "run_backlog",
    "run_flow",
    "sync_orders",
    "wait_until",
]


def run_flow(hub: Hub, name: str, connection_id: int | None) -> RunReport | None:
    """One run of the flow, as a worker holding its job's lease would start it."""
    return registered(name).run(hub.flow_context(), connection_id)


def sync_orders(hub: Hub, connection_id: int, *, progress: Callable[[RunContext], None] | None = None) -> RunReport:
    """The poll; ``progress`` is told the run after every committed page (``RunContext.checkpoint``)."""
    if progress is not None:
        return record_run(hub.flow_context(), orders.FLOW, connection_id, orders.poll, progress=progress)
    report = run_flow(hub, ORDERS, connection_id)
    assert report is not None
    return report


def fetch_orders(hub: Hub, connection_id: int, amazon_order_ids: Iterable[str]) -> RunReport:
    """Queue the orders as notifications would, then run ``orders_fetch`` until none waits; the counts
    of its runs added up (one run takes at most ``FETCHES_PER_RUN``)."""
    for order_id in dict.fromkeys(amazon_order_ids):
        queue_fetch(hub, connection_id, order_id, source="notification")
    reports: list[RunReport] = []
    while True:
        report = run_flow(hub, FETCH, connection_id)
        assert report is not None
        reports.append(report)
        if report.status is RunStatus.FAILED or report.resume_at is None:
            return added_up(reports)


def reprocess_error(hub: Hub, error_id: int) -> RunReport:
    """B11 as the REST API and the CLI do it: queue the error's order, run the fetch."""
    record = error_service.reprocess(hub, error_id)
    report = run_flow(hub, FETCH, record.connection_id)
    assert report is not None
    return report


def run_backlog(hub: Hub, connection_id: int, *, max_steps: int | None = None) -> RunReport:
    """Run the backlog flow step after step, waiting on the hub's clock while Amazon prepares the report;
    ``max_steps`` stops early with the run left waiting (what a killed worker leaves behind)."""
    steps = 0
    while True:
        report = run_flow(hub, BACKLOG, connection_id)
        assert report is not None
        steps += 1
        if report.status is not RunStatus.WAITING or (max_steps is not None and steps >= max_steps):
            return report
        wait_until(hub, report.resume_at)


def backstop_tick(hub: Hub, connection_id: int, *, force: bool = False) -> RunReport | None:
    """One tick of the backstop job; ``force`` asks for a run first (``sellerbridge jobs run``)."""
    if force:
        manage.request_run(hub, BACKSTOP, connection_id)
    return run_flow(hub, BACKSTOP, connection_id)


def wait_until(hub: Hub, moment: datetime | None) -> None:
    if moment is not None:
        hub.clock.sleep(max(0.0, (moment - hub.now()).total_seconds()))


def added_up(reports: list[RunReport]) -> RunReport:
    """Several runs of one flow as one: counts summed, the last run's end."""
    counts: dict[str, int] = {}
    for report in reports:
        for name, value in report.counts.items():
            counts[name] = counts.get(name, 0) + value
    last = reports[-1]
    worst = RunStatus.PARTIAL if last.status is RunStatus.DONE and any(
        r.status is RunStatus.PARTIAL for r in reports) else last.status
    return replace(last, status=worst, counts=counts, items=tuple(i for r in reports for i in r.items))
