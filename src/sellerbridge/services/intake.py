"""The ORDER_CHANGE intake: Amazon's push path for orders (B1; docs/amazon-quirks.md "Notifications").

A notification is a hint ("seller S's order O changed"), never the order's state: it can arrive twice
and out of order. :func:`submit` answers in one short transaction and fetches nothing itself: it
writes one ``pending_fetches`` row per order and connection, and the caller asks the runtime for the
connection's ``orders_fetch`` job (``sync/orders_fetch.py``), which reads the orders with ``getOrder``.
The rows are the queue, shared by every web replica: their primary key is the queueing lock.

- getOrder is spent where it buys latency (``domain/orders/push.py``): no row for a change already
  stored, or for a FBA order (the poll records those).
- At most :data:`BOUND` orders wait per connection (a minute of getOrder). Past that the OLDEST are
  deferred: removed from the queue, never lost: the report backstop (``sync/orders_backstop.py``,
  told by the ``orders_deferred`` mark) and the poll read them.
- A notification for a seller the hub does not know is ignored and counted; the log names the
  seller id only (a merchant id, not buyer data).
- The intake needs a per-installation secret token (settings, else ``data_dir/intake.token``), in a
  header or, the older form, in the URL (``api/routers/intake.py``).

What the token alone does not buy (issue 9; :func:`accept`, the web intake's entry):

- a notification must name the ORDER_CHANGE subscription the hub created for that seller
  (``connection subscribe`` records it) and the hub's application (the settings' SP-API application
  id, or a client id of the seller's connections: the local sandbox names the app by it); else it is
  ignored (202) and counted, and costs nothing;
- the order id must have Amazon's shape (``amazon/notifications/parse.py``: 400 otherwise);
- at most :data:`RATE` new orders per connection and :data:`RATE_WINDOW` are queued for getOrder;
  past that a hint is ignored and counted (the poll still reads every order), so a flood neither
  spends getOrder nor pushes the queue into report cycles.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from ..amazon.notifications.parse import NotificationError, OrderChangeNotice, parse_notice, parse_order_change
from ..bootstrap import Hub
from ..db.repositories import connections as repo
from ..db.repositories import intake_guard, marks, order_reads, pending_fetches
from ..db.repositories.connections import ConnectionRecord
from ..domain.orders.push import ChangeHint, skip_reason
from ..settings import Settings
from ..sync import orders_backstop
from ..sync.orders_backstop import DEFERRED_MARK, PUSH_SEEN_MARK

TOKEN_FILE_NAME = "intake.token"
BOUND = 30  # orders waiting per connection: a minute of getOrder at 0.5/s
SEEN_EVERY = timedelta(minutes=1)  # the "push seen" mark is written at most this often per connection
RATE = BOUND  # new orders queued per connection and RATE_WINDOW by the web intake: a minute of getOrder
RATE_WINDOW = timedelta(minutes=1)
log = logging.getLogger("sellerbridge.intake")


def intake_token(settings: Settings) -> str:
    """The intake's secret path segment: from settings, else ``data_dir/intake.token`` (created 0600)."""
    if settings.intake_token is not None:
        return settings.intake_token.get_secret_value().strip()
    path = Path(settings.data_dir) / TOKEN_FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    token = secrets.token_urlsafe(24)
    with os.fdopen(fd, "w") as handle:
        handle.write(token + "\n")
    return token


def token_matches(expected: str, given: str) -> bool:
    return bool(expected) and hmac.compare_digest(expected.encode(), given.encode())


class NotificationRefused(ValueError):
    """The body is not an ORDER_CHANGE notification the hub understands; the message says where."""


def read_notification(body: bytes | str | dict[str, Any]) -> ChangeHint:
    """The hint an ORDER_CHANGE notification (raw, or wrapped by SQS/SNS) carries."""
    try:
        return parse_order_change(body)
    except NotificationError as exc:
        raise NotificationRefused(str(exc)) from None


def read_notice(body: bytes | str | dict[str, Any]) -> OrderChangeNotice:
    """The hint and the sender's ids an ORDER_CHANGE notification carries (what :func:`accept` takes)."""
    try:
        return parse_notice(body)
    except NotificationError as exc:
        raise NotificationRefused(str(exc)) from None


@dataclass(frozen=True, slots=True)
class IntakeOutcome:
    """What a notification changed; ``fetch`` lists the connections whose ``orders_fetch`` job to ask for."""

    status: str  # queued | already_queued | skipped | ignored
    queued: int = 0
    reason: str | None = None
    fetch: tuple[int, ...] = field(default=())
    deferred: int = 0
    backstop: tuple[int, ...] = field(default=())  # connections that deferred an order: ask their report

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"status": self.status, "queued": self.queued}
        if self.reason:
            out["reason"] = self.reason
        return out


def _foreign(hub: Hub, session: Any, notice: OrderChangeNotice, found: list[ConnectionRecord]) -> str | None:
    """Why the notice is not from the hub's own subscription and application, or None (issue 9)."""
    if notice.subscription_id is None or notice.subscription_id != intake_guard.subscription_of(
            session, notice.hint.seller_id):
        return "foreign_subscription"
    applications = {hub.settings.spapi_application_id, *(c.client_id for c in found)} - {None, ""}
    if notice.application_id not in applications:
        return "foreign_application"
    return None


def accept(hub: Hub, notice: OrderChangeNotice, *, bound: int = BOUND, rate: int = RATE) -> IntakeOutcome:
    """The web intake's entry: the sender checks of the module, then :func:`submit` with the rate bound."""
    with hub.store.uow() as session:
        found = repo.find_connections_by_seller(session, notice.hint.seller_id)
        refusal = _foreign(hub, session, notice, found) if found else None
        if refusal is not None:  # counted once, on the seller's first connection; no log line to flood
            intake_guard.count_refusal(session, connection_id=min(c.id for c in found), reason=refusal,
                                       now=hub.now())
            return IntakeOutcome("ignored", reason=refusal)
    return submit(hub, notice.hint, bound=bound, rate=rate)


def submit(hub: Hub, hint: ChangeHint, *, bound: int = BOUND, rate: int | None = None) -> IntakeOutcome:
    """Queue the order for each of the seller's active connections (one transaction; see the module).

    ``rate``: at most that many new orders per connection and :data:`RATE_WINDOW` (the web intake's
    bound, issue 9); None for the hub's own callers.
    """
    now = hub.now()
    with hub.store.uow() as session:
        found = repo.find_connections_by_seller(session, hint.seller_id)
        same_market = [c for c in found if hint.marketplace_id and c.marketplace_id == hint.marketplace_id]
        targets = [c for c in (same_market or found) if c.status == "active"]
        if not targets:
            log.info("ORDER_CHANGE for seller %s ignored: no active connection", hint.seller_id,
                     extra={"event": "intake_ignored", "seller_id": hint.seller_id})
            return IntakeOutcome("ignored", reason="no active connection for this seller")
        queued, deferred, skipped, fetch, backstop, limited = 0, 0, [], [], [], 0
        for connection in targets:
            seen = marks.get_mark(session, connection.id, PUSH_SEEN_MARK)
            if seen is None or now - seen >= SEEN_EVERY:  # push works here (the backstop's rule)
                marks.set_mark(session, connection.id, PUSH_SEEN_MARK, now, now=now)
            reason = skip_reason(hint, order_reads.get_stored(session, connection.id, hint.amazon_order_id))
            if reason is not None:
                skipped.append(reason)
                continue
            # A row already waiting needs no new run: the run its arrival asked for serves it, and a
            # newer change (a later hint_at) keeps it for one more fetch (repositories/pending_fetches.py).
            hint_at = hint.changed_at or now
            if pending_fetches.note_fetch(session, connection_id=connection.id,
                                          amazon_order_id=hint.amazon_order_id, hint_at=hint_at,
                                          now=now, buyer_requested=hint.buyer_requested):
                if rate is not None and not intake_guard.admit(session, connection_id=connection.id, now=now,
                                                               limit=rate, window=RATE_WINDOW):
                    # past the bound: not queued (the poll reads the order), counted for the metrics
                    pending_fetches.remove_served(session, connection_id=connection.id,
                                                  amazon_order_id=hint.amazon_order_id, hint_at=hint_at)
                    intake_guard.count_refusal(session, connection_id=connection.id, reason="rate_limited", now=now)
                    limited += 1
                    continue
                queued += 1
                fetch.append(connection.id)
            dropped = pending_fetches.trim_oldest(session, connection_id=connection.id, keep=bound)
            if dropped:  # never lost: the report backstop and the poll read them
                deferred += len(dropped)
                backstop.append(connection.id)
                marks.set_mark(session, connection.id, DEFERRED_MARK, now, now=now)
    for connection_id in backstop:  # it deferred orders: the report backstop may be due now (G2)
        orders_backstop.ask_if_due(hub.flow_context(), connection_id)
    if queued:
        return IntakeOutcome("queued", queued, fetch=tuple(fetch), deferred=deferred, backstop=tuple(backstop))
    if limited:
        return IntakeOutcome("ignored", reason="rate_limited", deferred=deferred, backstop=tuple(backstop))
    if skipped and len(skipped) == len(targets):
        return IntakeOutcome("skipped", reason=skipped[0])
    return IntakeOutcome("already_queued", deferred=deferred, backstop=tuple(backstop))


def queue_fetch(hub: Hub, connection_id: int, amazon_order_id: str, *, source: str) -> None:
    """Queue one order for ``getOrder`` by hand (B11 reprocess): the ``orders_fetch`` job reads it."""
    now = hub.now()
    with hub.store.uow() as session:
        pending_fetches.note_fetch(session, connection_id=connection_id, amazon_order_id=amazon_order_id,
                                   hint_at=now, now=now, source=source)
