"""The ORDER_CHANGE intake: Amazon's push path for orders (B1; docs/amazon-quirks.md "Notifications").

A notification is a hint ("seller S's order O changed"), never the order's state: it can arrive twice
and out of order. So the intake answers at once and a small pool of worker threads fetches the
order with ``getOrder`` (``services.order_sync.fetch_orders``); storing is idempotent, and polling
remains the backstop for a lost notification.

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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..amazon.notifications import OrderChanged
from ..bootstrap import Hub
from ..db.repositories import connections as repo
from ..settings import Settings

TOKEN_FILE_NAME = "intake.token"
DEFAULT_WORKERS = 4  # getOrder allows ~0.5 req/s per seller after its burst: a few threads keep up
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
    """Queue of orders to fetch after ORDER_CHANGE notifications, worked by a thread pool."""

    def __init__(self, hub: Hub, workers: int = DEFAULT_WORKERS) -> None:
        self._hub = hub
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="order-intake")
        self._waiting: set[tuple[int, str]] = set()
        self._lock = threading.Lock()
        self.stats: Counter[str] = Counter()

    def submit(self, change: OrderChanged) -> dict[str, object]:
        """Queue the order for each of the seller's active connections; returns what happened."""
        with self._hub.store.uow(read_only=True) as session:
            found = repo.find_connections_by_seller(session, change.seller_id)
        same_market = [c for c in found if change.marketplace_id and c.marketplace_id == change.marketplace_id]
        targets = [c for c in (same_market or found) if c.status == "active"]
        if not targets:
            with self._lock:
                self.stats["ignored"] += 1
            log.info("ORDER_CHANGE for seller %s ignored: no active connection", change.seller_id,
                     extra={"event": "intake_ignored", "seller_id": change.seller_id})
            return {"status": "ignored", "reason": "no active connection for this seller", "queued": 0}
        queued = 0
        for connection in targets:
            key = (connection.id, change.amazon_order_id)
            with self._lock:
                self.stats["received"] += 1
                if key in self._waiting:
                    self.stats["duplicates"] += 1
                    continue
                self._waiting.add(key)
                self.stats["queued"] += 1
            queued += 1
            self._pool.submit(self._fetch, key)
        return {"status": "queued" if queued else "already_queued", "queued": queued}

    def _fetch(self, key: tuple[int, str]) -> None:
        with self._lock:
            self._waiting.discard(key)  # from now on a new notification must queue it again
        connection_id, order_id = key
        from . import order_sync

        try:
            report = order_sync.fetch_orders(self._hub, connection_id, [order_id])
        except Exception:  # a worker thread must survive anything; the poll finds the order later
            log.exception("fetching notified order failed (connection %s)", connection_id)
            with self._lock:
                self.stats["failed"] += 1
            return
        with self._lock:
            self.stats["fetched" if report.status != "failed" else "failed"] += 1

    def pending(self) -> int:
        with self._lock:
            return len(self._waiting)

    def close(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=not wait)
