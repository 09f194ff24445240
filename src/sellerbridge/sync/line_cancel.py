"""Flow ``line_cancel``: lines the warehouse cannot ship cancelled on Amazon with a reason code (B9, C4, H1, H2).

Queued ``line_cancellations`` (``services/cancellations.py``: REST, CLI) go in ONE
``POST_ORDER_ACKNOWLEDGEMENT_DATA`` feed per run, one message per order (``amazon/feeds/acknowledgement.py``:
``Failure`` when every open line of the order is cancelled, ``Success`` + the items otherwise). The feed is
stepped through the document lifecycle (a stepping flow: the feed's request id and the message -> order map
are its state; never a sleep). From the processing report, per line: Amazon cancelled it -> the line's
``quantity_cancelled``, the hold released, the order updated (Cancelled when nothing is left) and an outbox
event so the warehouse hears it; Amazon refused -> ``failed`` with Amazon's text in the error log (C4).
Asked for by the service when a line is queued, and on a slow schedule as a safety net.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..domain.common.results import ItemResult, ItemStatus, Level, Message, RunReport
from ..domain.documents import DocumentKind, LifecycleRule, Renew, Wait, first_wait
from ..domain.ports.confirmations import CancellationStore, CancelLine, OrderCancellation
from ..domain.ports.runs import FlowContext
from ..domain.shipments.confirmation import AmazonAnswer
from .lifecycle import finish_import, resume_after, step_feed
from .runs import Flow, RunContext, record_run

COUNTS = ("calls", "feeds", "cancelled", "failed", "requeued", "errors")
ACKNOWLEDGEMENT_FEED = LifecycleRule(first_check=timedelta(seconds=90), check_every=timedelta(seconds=30),
                                     deadline=timedelta(hours=1), attempts=1)
MAX_LINES = 5_000  # lines per feed
PURPOSE = "line_cancel"

FLOW = Flow("line_cancel", every=timedelta(minutes=30), counts=COUNTS, resumes=True,
            about="lines the warehouse cannot ship cancelled on Amazon (order acknowledgement feed, B9)")


def run(ctx: FlowContext, connection_id: int | None) -> RunReport:
    assert connection_id is not None
    return record_run(ctx, FLOW, connection_id, step)


def store_of(run: RunContext) -> CancellationStore:
    store = run.ports.cancellations
    assert store is not None, "line_cancel needs the cancellation store"
    return store


def plan_messages(lines: list[CancelLine], open_left: dict[int, int]) -> list[OrderCancellation]:
    """One message per order (MessageID: its smallest cancellation id); whole when nothing else is open."""
    grouped: dict[int, list[CancelLine]] = {}
    for line in lines:
        grouped.setdefault(line.order_id, []).append(line)
    return [OrderCancellation(message_id=min(ln.cancellation_id for ln in group),
                              amazon_order_id=group[0].amazon_order_id, lines=tuple(group),
                              whole_order=open_left.get(order_id, 0) == 0)
            for order_id, group in sorted(grouped.items())]


def step(run: RunContext) -> datetime | None:
    store = store_of(run)
    request_id = run.state.get("feed_request_id")
    if request_id is None:
        lines = store.queued(MAX_LINES)
        if not lines:
            return None
        open_left = {ln.order_id: store.open_lines_left(ln.order_id, [x.order_line_id for x in lines
                                                                      if x.order_id == ln.order_id])
                     for ln in lines}
        messages = plan_messages(lines, open_left)
        state = run.amazon.submit_acknowledgement_feed(messages)
        run.tally.add("calls", 3)
        run.tally.add("feeds")
        now = run.now()
        request = run.documents.add(DocumentKind.FEED, purpose=PURPOSE, run_id=run.run_id, state=state,
                                    requested_at=now, deadline_at=now + ACKNOWLEDGEMENT_FEED.deadline, attempt=1)
        store.claim([ln.cancellation_id for ln in lines], feed_submission_id=request.id, now=now)
        run.state.update(feed_request_id=request.id,
                         messages={str(m.message_id): [ln.cancellation_id for ln in m.lines] for m in messages})
        run.checkpoint(force=True)
        return resume_after(run, first_wait(request, ACKNOWLEDGEMENT_FEED, now))
    answer = step_feed(run, int(request_id), ACKNOWLEDGEMENT_FEED)
    if isinstance(answer, Wait):
        run.checkpoint(force=True)
        return resume_after(run, answer)
    sent = {line.cancellation_id: line for line in store.sending(int(request_id))}
    if isinstance(answer, Renew):
        store.requeue(list(sent), now=run.now())
        run.tally.add("requeued", len(sent))
    else:
        report = run.amazon.read_feed_report(answer.document_id)
        run.tally.add("calls")
        for message_id, ids in dict(run.state.get("messages") or {}).items():
            lines = [sent[int(i)] for i in ids if int(i) in sent]  # not there: recorded by an earlier step
            if lines:
                _record(run, store, lines, report.answer_for(int(message_id)))
        finish_import(run, DocumentKind.FEED, int(request_id))
    run.state.pop("feed_request_id", None)
    run.state.pop("messages", None)
    run.checkpoint(force=True)
    return run.now() if store.queued(1) else None


def _record(run: RunContext, store: CancellationStore, lines: list[CancelLine], result: AmazonAnswer) -> None:
    """One message's answer: the order's lines cancelled together (one event), or each failed (C4)."""
    if result.ok:
        if store.confirmed([ln.cancellation_id for ln in lines], now=run.now()):
            for line in lines:
                run.tally.add("cancelled")
                run.tally.note(ItemResult(_key(line), ItemStatus.OK, (Message(
                    "cancelled", f"{line.quantity} cancelled ({line.reason_code})", Level.INFO),)))
        return
    for line in lines:
        store.failed(line.cancellation_id, result, now=run.now())
        run.tally.add("failed")
        run.tally.add("errors")
        run.tally.note(ItemResult(_key(line), ItemStatus.ERROR, (Message(result.code or "amazon_refused",
                                                                         f"Amazon refused: {result.message}"),)))


def _key(line: CancelLine) -> str:
    return f"line:{line.amazon_order_id}:{line.order_item_id}"
