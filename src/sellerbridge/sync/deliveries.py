"""Flow ``deliveries``: the connection's outbox to its warehouse receivers (B14, B13, B9, H1, H2).

One run: fan the connection's new outbox events out into deliveries (one per receiver and event), then
send what is due, receiver by receiver, through the receiver kind's transport (``channels/``):

- a webhook gets one signed message per request; its 2xx acknowledges the delivery;
- a file receiver (local directory, SFTP) gets one batch file per run with every due message; the
  deliveries are ``sent`` until the receiver's acknowledgement (an ack file, or ``POST
  /api/deliveries/ack``), which the run asks the transport about for the batches still open.

Each message is built when it is sent, from the order as it is now (``domain/deliveries/message.py``):
buyer data only for a receiver allowed to receive it (B13); an order that never goes out is skipped.
A failed attempt is retried on the schedule of ``domain/deliveries/retry.py`` (backoff with jitter,
a receiver's Retry-After, at least 24 hours), then the delivery is ``failed`` and in the error log.
Each receiver has a circuit breaker (``domain/deliveries/breaker.py``): while it is open nothing is
sent to that receiver; once its cool-down is over one delivery probes it.

Nothing sleeps: the run ends with ``resume_at``, the next moment something is due (a retry, a breaker's
probe, an acknowledgement to look for), and the order flows ask for a run when they add events.
A connection without receivers records no run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from ..domain.common.errors import ConfigError
from ..domain.common.results import RunReport
from ..domain.deliveries import breaker as breakers
from ..domain.deliveries.message import ConnectionRef, OrderSnapshot, build_message, goes_out
from ..domain.deliveries.retry import GiveUp, after_failure
from ..domain.ports.deliveries import (
    Attempt,
    AttemptOutcome,
    DeliveryStore,
    DueDelivery,
    FileTransport,
    Message,
    ReceiverKind,
    ReceiverSpec,
    Transport,
)
from ..domain.ports.runs import FlowContext
from .runs import Flow, RunContext, record_run

FAN_OUT_LIMIT = 2000  # events fanned out per run (more: the run asks to continue at once)
MAX_PER_RECEIVER = 200  # messages sent to one receiver per run (the run asks to continue at once if more)
ACK_LOOK_EVERY = timedelta(minutes=1)  # how often a file receiver's open batches are looked at

COUNTS = ("events", "attempts", "acknowledged", "sent", "retrying", "failed", "skipped", "acks", "errors")
FLOW = Flow("deliveries", every=timedelta(minutes=15), counts=COUNTS,
            about="the outbox to the warehouse receivers: signed webhooks, file drops (B14)")


def run(ctx: FlowContext, connection_id: int | None) -> RunReport | None:
    """A run when the connection has receivers; None (nothing recorded) otherwise."""
    assert connection_id is not None
    try:
        ports = ctx.ports(connection_id)
    except ConfigError:
        return record_run(ctx, FLOW, connection_id, deliver)  # the run records why it cannot run
    if ports.receivers is None or not ports.receivers.active():
        return None
    return record_run(ctx, FLOW, connection_id, deliver)


# What an order run counts when it may have written outbox events (created, updated, cancelled orders).
EVENT_COUNTS = ("created", "updated", "cancelled")


def ask_after(ctx: FlowContext, report: RunReport | None) -> RunReport | None:
    """Ask for the connection's delivery run when an order run stored changes (delivery latency: the
    order stored -> at the webhook in seconds, not at the next schedule). Returns ``report``."""
    if report is not None and report.connection_id is not None and \
            any(report.counts.get(name, 0) > 0 for name in EVENT_COUNTS):
        ctx.ask(FLOW.name, report.connection_id)
    return report


def deliver(run: RunContext) -> datetime | None:
    """Fan out, send what is due, look for acknowledgements; returns when something is due next."""
    store = _port(run.ports.deliveries, "deliveries")
    receivers = _port(run.ports.receivers, "receivers").active()
    transports: Mapping[str, Transport] = run.ports.transports or {}
    read = store.fan_out(FAN_OUT_LIMIT)
    run.tally.add("events", read)
    run.checkpoint()
    connection = store.connection_ref()
    moments: list[datetime | None] = [run.now()] if read >= FAN_OUT_LIMIT else []  # more events: again at once
    for receiver in receivers:
        transport = transports.get(receiver.kind)
        if transport is None:
            continue  # a kind this process has no transport for: its deliveries wait (and ask for no run)
        if receiver.kind is ReceiverKind.WEBHOOK:
            more = _send_each(run, store, transport, receiver, connection)
        else:
            more = _send_batch(run, store, transport, receiver, connection)
            if _look_for_acks(run, store, transport, receiver):
                moments.append(run.now() + ACK_LOOK_EVERY)
        moments.append(run.now() if more else _next_moment(run, store, receiver))
        run.checkpoint()
    due = [m for m in moments if m is not None]
    run.not_before = min(due) if due else None
    return run.not_before


def _next_moment(run: RunContext, store: DeliveryStore, receiver: ReceiverSpec) -> datetime | None:
    """When the receiver has something due next: its breaker's probe while open, else its next retry
    (never before now: what was due now was just tried)."""
    breaker = store.breaker(receiver.id)
    if breaker.state is breakers.State.OPEN:
        return breaker.retry_at
    moment = store.next_due(receiver.id)
    return None if moment is None else max(moment, run.now())


def _port(port, what: str):
    if port is None:
        raise ConfigError(f"this process has no {what} store")
    return port


class _Composer:
    """Messages of one receiver's due deliveries; orders read once per run and PII choice."""

    def __init__(self, store: DeliveryStore, receiver: ReceiverSpec, connection: ConnectionRef) -> None:
        self.store, self.receiver, self.connection = store, receiver, connection
        self._orders: dict[int, OrderSnapshot | None] = {}

    def message(self, delivery: DueDelivery) -> Message | None:
        if delivery.order_id is None:
            return None
        if delivery.order_id not in self._orders:
            self._orders[delivery.order_id] = self.store.snapshot(delivery.order_id, pii=self.receiver.pii_allowed)
        order = self._orders[delivery.order_id]
        if order is None or not goes_out(order):
            return None
        body = build_message(order, topic=delivery.topic, message_id=delivery.message_id,
                             occurred_at=delivery.occurred_at, connection=self.connection,
                             pii_allowed=self.receiver.pii_allowed)
        return Message(delivery.id, delivery.message_id, delivery.topic, body)


def _split(run: RunContext, store: DeliveryStore, composer: _Composer,
           due: Sequence[DueDelivery]) -> list[tuple[DueDelivery, Message]]:
    ready, skipped = [], []
    for delivery in due:
        message = composer.message(delivery)
        if message is None:
            skipped.append(delivery.id)
        else:
            ready.append((delivery, message))
    if skipped:
        store.skip(skipped, "the order does not go to the warehouse (FBA, accounting only, or gone)")
        run.tally.add("skipped", len(skipped))
    return ready


def _send_each(run: RunContext, store: DeliveryStore, transport: Transport, receiver: ReceiverSpec,
               connection: ConnectionRef) -> bool:
    """Webhook: one message per request while the breaker allows; True when more is due at once."""
    breaker = store.breaker(receiver.id)
    if not breakers.allows(breaker, run.now()):
        return False
    due = store.due(receiver.id, MAX_PER_RECEIVER + 1)
    ready = _split(run, store, _Composer(store, receiver, connection), due[:MAX_PER_RECEIVER])
    for delivery, message in ready:
        now = run.now()
        if not breakers.allows(breaker, now):
            return False
        before = breaker = breakers.probing(breaker, now)
        attempt = transport.send(receiver, [message])
        run.tally.add("attempts")
        outcome = _outcome(run, delivery, attempt)
        store.record([outcome], receiver_name=receiver.name)
        breaker = breakers.on_success(breaker) if attempt.ok else breakers.on_failure(breaker, run.now())
        if breaker != before:
            store.set_breaker(receiver.id, breaker)
    return len(due) > MAX_PER_RECEIVER and breakers.allows(breaker, run.now())


def _send_batch(run: RunContext, store: DeliveryStore, transport: Transport, receiver: ReceiverSpec,
                connection: ConnectionRef) -> bool:
    """File receiver: one batch file of every due message; True when more is due at once."""
    breaker = store.breaker(receiver.id)
    now = run.now()
    if not breakers.allows(breaker, now):
        return False
    due = store.due(receiver.id, MAX_PER_RECEIVER + 1)
    ready = _split(run, store, _Composer(store, receiver, connection), due[:MAX_PER_RECEIVER])
    if not ready:
        return False
    breaker = breakers.probing(breaker, now)
    attempt = transport.send(receiver, [message for _, message in ready])
    run.tally.add("attempts")
    store.record([_outcome(run, delivery, attempt) for delivery, _ in ready], receiver_name=receiver.name)
    after = breakers.on_success(breaker) if attempt.ok else breakers.on_failure(breaker, run.now())
    store.set_breaker(receiver.id, after)
    return len(due) > MAX_PER_RECEIVER and attempt.ok


def _outcome(run: RunContext, delivery: DueDelivery, attempt: Attempt) -> AttemptOutcome:
    """The delivery's new state after ``attempt`` (the retry schedule, or the end)."""
    now = run.now()
    if attempt.ok:
        status = "acknowledged" if attempt.acknowledged else "sent"
        run.tally.add("acknowledged" if attempt.acknowledged else "sent")
        return AttemptOutcome(delivery.id, attempt, status)
    decision = after_failure(attempts=delivery.attempts + 1, first_attempt_at=delivery.first_attempt_at or now,
                             now=now, retry_after=attempt.retry_after)
    if isinstance(decision, GiveUp):
        run.tally.add("failed")
        run.tally.add("errors")
        return AttemptOutcome(delivery.id, attempt, "failed", error=decision.reason)
    run.tally.add("retrying")
    return AttemptOutcome(delivery.id, attempt, "pending", next_attempt_at=decision.at)


def _look_for_acks(run: RunContext, store: DeliveryStore, transport: Transport, receiver: ReceiverSpec) -> bool:
    """Ask a file transport which open batches are acknowledged; True while some are still open."""
    waiting = store.unacknowledged_batches(receiver.id)
    if not waiting or not hasattr(transport, "acknowledged"):
        return bool(waiting)
    files: FileTransport = transport  # type: ignore[assignment]
    acknowledged = files.acknowledged(receiver, waiting)
    if acknowledged:
        run.tally.add("acks", store.acknowledge_batches(receiver.id, acknowledged))
    return len(set(waiting) - set(acknowledged)) > 0
