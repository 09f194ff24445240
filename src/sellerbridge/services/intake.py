"""The ORDER_CHANGE intake: Amazon's push path for orders (B1; docs/amazon-quirks.md "Notifications").

A notification is a hint ("seller S's order O changed"), never the order's state: it can arrive twice
and out of order. So the intake answers at once and a small pool of worker threads fetches the
order with ``getOrder`` (``services.order_sync.fetch_orders``); storing is idempotent, and polling
remains the backstop for a lost notification.

- getOrder is spent where it buys latency (``sync/order_push.py``): no call for a change already
  stored or for a FBA order; at most a minute of getOrder waits per connection, older orders are
  deferred to the report backstop (``services/order_report.py``) and the poll.
- An order already *waiting* in the queue is not queued again (a queueing lock). Once its fetch has
  started, a new notification queues it again: the change may have come after that ``getOrder``.
- A notification for a seller the hub does not know is ignored and counted; the log names the
  seller id only (a merchant id, not buyer data).
- The intake URL carries a per-installation secret token (settings, else ``data_dir/intake.token``).
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import threading
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from ..amazon.notifications.parse import OrderChanged
from ..bootstrap import Hub
from ..db.repositories import connections as repo
from ..db.repositories import order_reads, watermarks
from ..settings import Settings
from ..sync.order_push import DEFAULT_BOUND, DEFERRED_MARK, PUSH_SEEN_MARK, ChangeHint, PushQueue, skip_reason

TOKEN_FILE_NAME = "intake.token"
DEFAULT_WORKERS = 4  # getOrder allows ~0.5 req/s per seller after its burst: a few threads keep up
FETCH_BATCH = 5  # orders per fetch run (~10 s of getOrder): the queue is looked at again after each
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


class OrderIntake:
    """Queue of orders to fetch after ORDER_CHANGE notifications, worked by ``workers`` threads.

    ``workers=0`` starts no thread: the caller drives :meth:`work_once` (benchmarks on a simulated clock).
    """

    def __init__(self, hub: Hub, workers: int = DEFAULT_WORKERS, bound: int = DEFAULT_BOUND) -> None:
        self._hub = hub
        self._queue = PushQueue(bound)
        self._cond = threading.Condition()
        self._closed = False
        self._seen: dict[int, datetime] = {}
        self.stats: Counter[str] = Counter()
        self._threads = [threading.Thread(target=self._loop, name=f"order-intake-{n}", daemon=True)
                         for n in range(max(0, workers))]
        for thread in self._threads:
            thread.start()

    def submit(self, change: OrderChanged) -> dict[str, object]:
        """Queue the order for each of the seller's active connections; returns what happened."""
        with self._hub.store.uow(read_only=True) as session:
            found = repo.find_connections_by_seller(session, change.seller_id)
            same_market = [c for c in found if change.marketplace_id and c.marketplace_id == change.marketplace_id]
            targets = [c for c in (same_market or found) if c.status == "active"]
            stored = {c.id: order_reads.get_stored(session, c.id, change.amazon_order_id) for c in targets}
        if not targets:
            with self._cond:
                self.stats["ignored"] += 1
            log.info("ORDER_CHANGE for seller %s ignored: no active connection", change.seller_id,
                     extra={"event": "intake_ignored", "seller_id": change.seller_id})
            return {"status": "ignored", "reason": "no active connection for this seller", "queued": 0}
        hint = ChangeHint(change.amazon_order_id, order_status=change.order_status,
                          fulfillment_type=change.fulfillment_type, changed_at=change.changed_at,
                          buyer_requested=change.change_type == "BuyerRequestedChange")
        now = self._hub.now()
        queued, skipped, deferred_for = 0, [], []
        for connection in targets:
            self._mark_seen(connection.id, now)
            reason = skip_reason(hint, stored[connection.id])
            with self._cond:
                self.stats["received"] += 1
                if reason is not None:
                    self.stats[f"skipped_{reason}"] += 1
                    skipped.append(reason)
                    continue
                added, deferred = self._queue.add(connection.id, change.amazon_order_id)
                if not added:
                    self.stats["duplicates"] += 1
                    continue
                self.stats["queued"] += 1
                self.stats["deferred"] += len(deferred)
                queued += 1
                self._cond.notify()
            if deferred:
                deferred_for.append(connection.id)
        for connection_id in deferred_for:  # the report backstop reads them (services/order_report.py)
            with self._hub.store.uow() as session:
                watermarks.set_watermark(session, connection_id, DEFERRED_MARK, now, now=now)
        status = "queued" if queued else ("skipped" if skipped else "already_queued")
        return {"status": status, "queued": queued, **({"reason": skipped[0]} if skipped and not queued else {})}

    def work_once(self) -> int:
        """Fetch one batch of waiting orders (the connection with the most waiting); how many were taken."""
        with self._cond:
            candidates = self._queue.connections()
            if not candidates:
                return 0
            connection_id = candidates[0]
            batch = [str(key) for key in self._queue.take(connection_id, FETCH_BATCH)]
        from . import order_sync

        try:
            report = order_sync.fetch_orders(self._hub, connection_id, batch)
        except Exception:  # a worker thread must survive anything; the poll finds the orders later
            log.exception("fetching notified orders failed (connection %s)", connection_id)
            with self._cond:
                self.stats["failed"] += len(batch)
            return len(batch)
        with self._cond:
            self.stats["fetched" if report.status != "failed" else "failed"] += len(batch)
        return len(batch)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._closed and not len(self._queue):
                    self._cond.wait()
                if self._closed:
                    return
            self.work_once()

    def _mark_seen(self, connection_id: int, now: datetime) -> None:
        """Remember that push works for this connection (services/order_report.py), at most once a minute."""
        last = self._seen.get(connection_id)
        if last is not None and now - last < SEEN_EVERY:
            return
        self._seen[connection_id] = now
        with self._hub.store.uow() as session:
            watermarks.set_watermark(session, connection_id, PUSH_SEEN_MARK, now, now=now)

    def pending(self) -> int:
        with self._cond:
            return len(self._queue)

    def close(self, wait: bool = True) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if wait:
            for thread in self._threads:
                thread.join(timeout=30)
