"""Flow ``shipment_confirm``: the warehouse's packages confirmed to Amazon exactly once (C2, C3, C4, H1, H2).

Asked for by the shipment intake (``ctx.ask("shipment_confirm", connection_id)``) and on a slow schedule
as a safety net. The rules are ``domain/shipments/confirmation.py``'s; one run:

1. A fulfillment feed still out (a stepping flow: its request id is the run's state) is stepped once
   (``lifecycle.step_feed``): ``Wait`` ends the run ``waiting`` until Amazon should be done (never a sleep);
   ``Ready`` reads its processing report: a message Amazon names as failed is ``failed`` with Amazon's code
   and text in the error log (C4), the others are confirmed; a feed Amazon cancelled (``Renew``) sent
   nothing: its packages go back to the queue.
2. Packages left ``sending`` by a run that crashed between the call and the record are reconciled by
   reading their orders (``order_packages``): never sent twice blindly.
3. The queued packages: an order cancelled since -> ``held`` with "shipment for an order cancelled since;
   not confirmed", never sent. Then, by :func:`~sellerbridge.domain.shipments.confirmation.choose_path`,
   ``confirmShipment`` per package (the transport waits out its rate) or one ``POST_ORDER_FULFILLMENT_DATA``
   feed. Amazon's "already shipped" is reconciled by reading the order, not retried.
4. Read-back: confirmed packages' orders are read (at most ``VERIFY_PER_RUN`` a run); our package on the
   order -> ``verified``; a package Amazon does not show (a DONE feed that did not apply it) is caught:
   the error log and the queue once more, then ``failed``.

Each package's result is an item of the run (``runs show``); its effects (C3) commit with its status.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from ..domain.common.results import ItemResult, ItemStatus, Level, Message, RunReport
from ..domain.documents import DocumentKind, LifecycleRule, Renew, Wait, first_wait
from ..domain.ports.confirmations import ConfirmationStore, OrderPackages, PackageToConfirm
from ..domain.ports.runs import FlowContext
from ..domain.shipments.confirmation import (
    ALREADY_SHIPPED,
    AMAZON_REFUSED,
    FEED_MAX_PACKAGES,
    NOT_APPLIED,
    VERIFY_PER_RUN,
    AmazonAnswer,
    Outcome,
    Path,
    Reconciled,
    choose_path,
    outcome_of,
    reconcile,
    shows_package,
)
from .lifecycle import finish_import, resume_after, step_feed
from .runs import Flow, RunContext, record_run

COUNTS = ("calls", "confirmed", "failed", "held", "requeued", "reconciled", "verified", "not_applied", "feeds",
          "errors")
# A fulfillment feed: Amazon queues it about a minute and processes it in about two; one stuck for an hour
# is cancelled and its packages go again (by the next feed or call).
FULFILLMENT_FEED = LifecycleRule(first_check=timedelta(seconds=90), check_every=timedelta(seconds=30),
                                 deadline=timedelta(hours=1), attempts=1)
MAX_SENDS = 2  # a package is sent at most twice (once more after Amazon showed nothing), then a person looks
BATCH = 50  # packages taken per transaction on the confirmShipment path
PURPOSE = "shipment_confirm"

FLOW = Flow("shipment_confirm", every=timedelta(minutes=10), counts=COUNTS, resumes=True,
            about="packages confirmed to Amazon once: confirmShipment when few, a fulfillment feed when many "
                  "(C2-C4)")


def run(ctx: FlowContext, connection_id: int | None) -> RunReport:
    assert connection_id is not None
    return record_run(ctx, FLOW, connection_id, step)


def store_of(run: RunContext) -> ConfirmationStore:
    store = run.ports.confirmations
    assert store is not None, "shipment_confirm needs the confirmation store"
    return store


def step(run: RunContext) -> datetime | None:
    store = store_of(run)
    feed_id = run.state.get("feed_request_id")
    if feed_id is not None:
        waiting = _step_feed(run, store, int(feed_id))
        if waiting is not None:
            return waiting
    _reconcile_in_doubt(run, store)
    waiting_count = store.waiting()
    if waiting_count:
        if choose_path(waiting_count) is Path.FEED:
            return _submit_feed(run, store)
        _confirm_each(run, store)
    if _verify(run, store):
        return run.now()  # packages Amazon did not apply are queued again: the next step sends them
    return None


# --- confirmShipment, one package per call ------------------------------------------------------


def _confirm_each(run: RunContext, store: ConfirmationStore) -> None:
    seen: set[int] = set()
    while True:
        send, held = store.take(BATCH, now=run.now())
        for package in held:
            _note_held(run, package)
        send = [p for p in send if p.package_id not in seen]  # one try per run: a requeued package waits
        if not send and not held:
            return
        seen.update(p.package_id for p in send)
        for package in send:
            if not store.claim([package.package_id], channel=Path.CONFIRM_SHIPMENT.value, now=run.now()):
                continue  # a racing run took it
            answer = run.amazon.confirm_shipment(package)  # an UpstreamError leaves it ``sending``: reconciled
            run.tally.add("calls")
            _record(run, store, package, answer, Path.CONFIRM_SHIPMENT)
            run.checkpoint()


def _record(run: RunContext, store: ConfirmationStore, package: PackageToConfirm, answer: AmazonAnswer,
            path: Path) -> None:
    """Amazon's answer about one package (C2, C4)."""
    outcome = outcome_of(answer)
    now = run.now()
    if outcome is Outcome.CONFIRMED:
        applied = store.confirmed(package.package_id, now=now)
        if applied.changed:
            run.tally.add("confirmed")
            _item(run, package, ItemStatus.OK, "confirmed", f"confirmed by {path.value}; order "
                  f"{(applied.order_status.value if applied.order_status else 'unchanged')}", Level.INFO)
    elif outcome is Outcome.RECONCILE:
        order = run.amazon.order_packages(package.amazon_order_id)
        run.tally.add("calls")
        _reconcile(run, store, package, order, said_shipped=True, answer=answer)
    elif outcome is Outcome.HELD:
        store.held(package.package_id, f"Amazon: the order is cancelled; not confirmed ({answer.message or ''})",
                   now=now)
        _note_held(run, package)
    elif outcome is Outcome.RETRY:
        store.requeue(package.package_id, now=now)
        run.tally.add("requeued")
    else:
        store.failed(package.package_id, answer, now=now, code=AMAZON_REFUSED)
        run.tally.add("failed")
        run.tally.add("errors")
        _item(run, package, ItemStatus.ERROR, answer.code or AMAZON_REFUSED, f"Amazon refused: {answer.message}")


def _reconcile(run: RunContext, store: ConfirmationStore, package: PackageToConfirm, order: OrderPackages, *,
               said_shipped: bool, answer: AmazonAnswer | None = None) -> None:
    run.tally.add("reconciled")
    decision = reconcile(order.packages, package.package_id, amazon_said_shipped=said_shipped,
                         may_resend=package.attempts < MAX_SENDS)
    now = run.now()
    if decision is Reconciled.CONFIRMED:
        if store.confirmed(package.package_id, now=now, verified=True).changed:
            run.tally.add("confirmed")
            run.tally.add("verified")
            _item(run, package, ItemStatus.OK, "confirmed", "Amazon has the package already (read back)", Level.INFO)
    elif decision is Reconciled.RESEND:
        store.requeue(package.package_id, now=now)
        run.tally.add("requeued")
    else:
        text = (f"Amazon says the order is shipped but shows no package {package.package_id}: {answer.message}"
                if answer is not None else f"Amazon shows no package {package.package_id} on the order")
        store.failed(package.package_id, answer or AmazonAnswer(ok=False, code=ALREADY_SHIPPED, message=text),
                     now=now, code=ALREADY_SHIPPED if said_shipped else NOT_APPLIED)
        run.tally.add("failed")
        run.tally.add("errors")
        _item(run, package, ItemStatus.ERROR, ALREADY_SHIPPED if said_shipped else NOT_APPLIED, text)


def _reconcile_in_doubt(run: RunContext, store: ConfirmationStore) -> None:
    """Packages a crashed run left ``sending``: read the order, then decide (C2: never sent twice blindly)."""
    doubtful = store.in_doubt(FEED_MAX_PACKAGES)
    for amazon_order_id, packages in _by_order(doubtful).items():
        order = run.amazon.order_packages(amazon_order_id)
        run.tally.add("calls")
        for package in packages:
            _reconcile(run, store, package, order, said_shipped=False)
        run.checkpoint()


# --- the fulfillment feed -------------------------------------------------------------------------


def _submit_feed(run: RunContext, store: ConfirmationStore) -> datetime:
    send, held = store.take(FEED_MAX_PACKAGES, now=run.now())
    for package in held:
        _note_held(run, package)
    claimed = set(store.claim([p.package_id for p in send], channel=Path.FEED.value, now=run.now()))
    packages = [p for p in send if p.package_id in claimed]
    if not packages:
        return run.now()
    state = run.amazon.submit_fulfillment_feed(packages)  # a crash now leaves them ``sending``: reconciled
    run.tally.add("calls", 3)  # createFeedDocument, the upload, createFeed
    run.tally.add("feeds")
    now = run.now()
    request = run.documents.add(DocumentKind.FEED, purpose=PURPOSE, run_id=run.run_id, state=state, requested_at=now,
                                deadline_at=now + FULFILLMENT_FEED.deadline, attempt=1)
    store.set_feed([p.package_id for p in packages], request.id)
    run.state["feed_request_id"] = request.id
    run.checkpoint(force=True)
    return resume_after(run, first_wait(request, FULFILLMENT_FEED, now))


def _step_feed(run: RunContext, store: ConfirmationStore, request_id: int) -> datetime | None:
    answer = step_feed(run, request_id, FULFILLMENT_FEED)
    if isinstance(answer, Wait):
        run.checkpoint(force=True)
        return resume_after(run, answer)
    packages = store.in_feed(request_id)
    if isinstance(answer, Renew):  # cancelled at Amazon before it ran: nothing of it applied
        for package in packages:
            store.requeue(package.package_id, now=run.now())
            run.tally.add("requeued")
    else:
        report = run.amazon.read_feed_report(answer.document_id)
        run.tally.add("calls")
        for package in packages:
            _record(run, store, package, report.answer_for(package.package_id), Path.FEED)
        finish_import(run, DocumentKind.FEED, request_id)
    run.state.pop("feed_request_id", None)
    run.checkpoint(force=True)
    return None


# --- read-back ------------------------------------------------------------------------------------


def _verify(run: RunContext, store: ConfirmationStore) -> int:
    """Read the orders of confirmed packages back (their ``packages``): verified, or caught (see module)."""
    unverified = store.unverified(VERIFY_PER_RUN)
    requeued = 0
    for amazon_order_id, packages in _by_order(unverified).items():
        order = run.amazon.order_packages(amazon_order_id)
        run.tally.add("calls")
        now = run.now()
        shown = [p.package_id for p in packages if shows_package(order.packages, p.package_id)]
        store.verified(shown, now=now)
        run.tally.add("verified", len(shown))
        for package in packages:
            if package.package_id in shown:
                continue
            again = package.attempts < MAX_SENDS
            text = (f"Amazon answered that package {package.package_id} was confirmed, but order "
                    f"{amazon_order_id} does not show it" + ("; sent again" if again else "; a person must look"))
            store.not_applied(package.package_id, text, now=now, requeue=again)
            requeued += again
            run.tally.add("not_applied")
            run.tally.add("errors")
            _item(run, package, ItemStatus.ERROR, NOT_APPLIED, text)
        run.checkpoint()
    return requeued


# --- helpers --------------------------------------------------------------------------------------


def _by_order(packages: Iterable[PackageToConfirm]) -> dict[str, list[PackageToConfirm]]:
    grouped: dict[str, list[PackageToConfirm]] = {}
    for package in packages:
        grouped.setdefault(package.amazon_order_id, []).append(package)
    return grouped


def _note_held(run: RunContext, package: PackageToConfirm) -> None:
    run.tally.add("held")
    run.tally.add("errors")
    _item(run, package, ItemStatus.ERROR, "held", "shipment for an order cancelled since; not confirmed")


def _item(run: RunContext, package: PackageToConfirm, status: ItemStatus, code: str, text: str,
          level: Level = Level.ERROR) -> None:
    run.tally.note(ItemResult(f"package:{package.package_id}", status,
                              (Message(code, f"order {package.amazon_order_id}: {text}", level),)))
