"""Flow ``orders_backstop``: the actionable-orders report when getOrder and searchOrders cannot keep up
(B1, G1, G2; docs/order-flow.md "Spending Amazon's budgets").

searchOrders reads at most 100 orders per 178 s (about 2,000 orders/hour) and sees changes two minutes
late; getOrder reads 1,800 orders/hour. Above those rates, or when the push path is off, the
actionable-orders report brings every unshipped MFN order, whatever their number, in three calls and
about a minute. The job has no schedule: it runs when asked, by the poll that created orders
(``sync/orders.py``) and by the intake when it deferred an order (``api/routers/intake.py``), each
right after the moment that can make a report due, so nothing ticks per connection every few seconds
(500 idle sellers used to cost 240 ticks an hour each). A run asked for when no report is due
records nothing (:func:`backstop_due`). A report in progress is stepped like the backlog's
(``sync/lifecycle.py``), never a sleep inside a job; a report stuck past :data:`BACKSTOP_REPORT`'s
deadline fails the run (the next due tick asks for a fresh one: a backstop must not wait long).

A report is due for a connection the report serves (PII grant, MFN orders), at most every
:data:`REPORT_EVERY`, when either

- the push path deferred an order since the last report (``services/intake.py``: more orders waited
  for getOrder than it reads in a minute), or
- no ORDER_CHANGE notification arrived for :data:`PUSH_SILENT` while the latest poll created orders:
  the push path is off or broken, and polling alone stores orders up to five minutes late.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..domain.common.errors import ConfigError
from ..domain.common.results import RunReport
from ..domain.documents import DocumentKind, LifecycleRule, ReportPurpose, Wait
from ..domain.ports.runs import FlowContext
from . import deliveries
from . import orders as poll_flow
from .lifecycle import finish_import, live_request, resume_after, step_report
from .order_import import ORDER_COUNTS
from .orders_backlog import import_open_orders, uses_report
from .runs import Flow, RunContext, record_run

REPORT_EVERY = timedelta(minutes=2)
PUSH_SILENT = timedelta(minutes=10)
# Per-connection marks (connection_marks) the push path writes for these rules.
DEFERRED_MARK = "orders_deferred"  # the latest moment the push path deferred an order
PUSH_SEEN_MARK = "orders_push_seen"  # the latest ORDER_CHANGE received (written at most once a minute)
BACKSTOP_REPORT = LifecycleRule(first_check=timedelta(seconds=60), check_every=timedelta(seconds=15),
                                deadline=timedelta(minutes=10), attempts=1)

FLOW = Flow("orders_backstop", every=None, counts=ORDER_COUNTS, resumes=True,
            about="the actionable-orders report when the push path defers orders or falls silent (B1, G2)")


def backstop_due(*, now: datetime, serves: bool, last_report_at: datetime | None, deferred_at: datetime | None,
                 push_seen_at: datetime | None, poll_created: int) -> bool:
    """Whether a new backstop report should be asked for now (see the module's rules)."""
    if not serves:
        return False
    if last_report_at is not None and now - last_report_at < REPORT_EVERY:
        return False
    if deferred_at is not None and (last_report_at is None or deferred_at > last_report_at):
        return True
    if push_seen_at is not None and now - push_seen_at < PUSH_SILENT:
        return False
    return poll_created > 0


def run(ctx: FlowContext, connection_id: int | None) -> RunReport | None:
    """A step of the report in progress, a new report when one is due, or None (nothing recorded)."""
    assert connection_id is not None
    if ctx.runs.unfinished(FLOW.name, connection_id) is None and not is_due(ctx, connection_id):
        return None
    report = record_run(ctx, FLOW, connection_id, step)
    deliveries.ask_after(ctx, report)
    return report


def ask_if_due(ctx: FlowContext, connection_id: int) -> bool:
    """Ask the runtime for a backstop run when one is due now (the poll's and the intake's moment)."""
    if not is_due(ctx, connection_id):
        return False
    ctx.ask(FLOW.name, connection_id)
    return True


def is_due(ctx: FlowContext, connection_id: int, now: datetime | None = None) -> bool:
    """:func:`backstop_due` for the connection, from its settings, marks and latest runs."""
    try:
        ports = ctx.ports(connection_id)
    except ConfigError:
        return True  # the run records why the connection cannot run (A4, A5)
    assert ports.settings is not None and ports.marks is not None
    last = ctx.runs.latest(FLOW.name, connection_id)
    poll = ctx.runs.latest(poll_flow.FLOW.name, connection_id)
    return backstop_due(now=now or ctx.clock.now(), serves=uses_report(ports.settings),
                        last_report_at=last.started_at if last else None, deferred_at=ports.marks.get(DEFERRED_MARK),
                        push_seen_at=ports.marks.get(PUSH_SEEN_MARK),
                        poll_created=int(poll.counts.get("created", 0)) if poll else 0)


def step(run: RunContext) -> datetime | None:
    """Ask for the report, look at it, import it (no watermark: the poll keeps its own)."""
    state = run.state
    if "request_id" not in state and not uses_report(run.settings):
        return None  # the settings changed since it was due
    state["request_id"] = live_request(run, state.get("request_id"), ReportPurpose.OPEN_ORDERS, BACKSTOP_REPORT)
    run.checkpoint(force=True)
    request_id, answer = step_report(run, int(state["request_id"]), ReportPurpose.OPEN_ORDERS, BACKSTOP_REPORT)
    state["request_id"] = request_id
    if isinstance(answer, Wait):
        run.checkpoint(force=True)
        return resume_after(run, answer)
    document = run.amazon.read_open_orders(answer.document_id)
    run.tally.add("calls")
    import_open_orders(run, document, watermark=None)
    finish_import(run, DocumentKind.REPORT, request_id)
    return None
