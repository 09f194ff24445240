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
- The intake URL carries a per-installation secret token (settings, else ``data_dir/intake.token``).
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

from ..amazon.notifications.parse import NotificationError, parse_order_change
from ..bootstrap import Hub
from ..db.repositories import connections as repo
from ..db.repositories import marks, order_reads, pending_fetches
from ..domain.orders.push import ChangeHint, skip_reason
from ..settings import Settings
from ..sync import orders_backstop
from ..sync.orders_backstop import DEFERRED_MARK, PUSH_SEEN_MARK

TOKEN_FILE_NAME = "intake.token"
BOUND = 30  # orders waiting per connection: a minute of getOrder at 0.5/s
SEEN_EVERY = timedelta(minutes=1)  # the "push seen" mark is written at most this often per connection
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


def submit(hub: Hub, hint: ChangeHint, *, bound: int = BOUND) -> IntakeOutcome:
    """Queue the order for each of the seller's active connections (one transaction; see the module)."""
    now = hub.now()
    with hub.store.uow() as session:
        found = repo.find_connections_by_seller(session, hint.seller_id)
        same_market = [c for c in found if hint.marketplace_id and c.marketplace_id == hint.marketplace_id]
        targets = [c for c in (same_market or found) if c.status == "active"]
        if not targets:
            log.info("ORDER_CHANGE for seller %s ignored: no active connection", hint.seller_id,
                     extra={"event": "intake_ignored", "seller_id": hint.seller_id})
            return IntakeOutcome("ignored", reason="no active connection for this seller")
        queued, deferred, skipped, fetch, backstop = 0, 0, [], [], []
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
            if pending_fetches.note_fetch(session, connection_id=connection.id,
                                          amazon_order_id=hint.amazon_order_id, hint_at=hint.changed_at or now,
                                          now=now, buyer_requested=hint.buyer_requested):
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
    if skipped and len(skipped) == len(targets):
        return IntakeOutcome("skipped", reason=skipped[0])
    return IntakeOutcome("already_queued", deferred=deferred, backstop=tuple(backstop))


def queue_fetch(hub: Hub, connection_id: int, amazon_order_id: str, *, source: str) -> None:
    """Queue one order for ``getOrder`` by hand (B11 reprocess): the ``orders_fetch`` job reads it."""
    now = hub.now()
    with hub.store.uow() as session:
        pending_fetches.note_fetch(session, connection_id=connection_id, amazon_order_id=amazon_order_id,
                                   hint_at=now, now=now, source=source)
