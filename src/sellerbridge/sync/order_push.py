"""The push path's budget rules: which ORDER_CHANGE hints cost a ``getOrder``, and how many may wait (B1, G1).

getOrder allows 0.5 calls/s per seller (1,800/hour) after a burst of 30; searchOrders one call per
178 s but 100 orders a call; the actionable-orders report any number of unshipped MFN orders a
call. The push path spends getOrder only where it buys latency, and hands the rest to the paths
that read many orders a call (docs/order-flow.md "Spending Amazon's budgets"):

- A hint for a change the hub already stored (same status, stored ``lastUpdatedTime`` not older than
  the change) costs nothing: Amazon sends one per change and the hub may have read the order since.
- A hint for a FBA order costs nothing: FBA orders are recorded, never sent to the warehouse (B3),
  so the next poll records them without hurry.
- At most ``bound`` orders wait per connection (default 30: a minute of getOrder). Past that the
  OLDEST are deferred: a burst above getOrder's rate would otherwise make every later order wait
  behind it. A deferred order is never dropped: the actionable-orders report (``orders_report``
  flow) or the next poll reads it, and the caller records that a deferral happened so that the
  report is asked for.

Pure rules, no I/O: the intake (``services/intake.py``) and benchmarks use the same object.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime

from ..domain.orders.model import OrderStatus
from ..domain.ports.orders import StoredOrder

DEFAULT_BOUND = 30  # a minute of getOrder at 0.5/s
# Per-connection marks (watermarks table) that tell the report backstop how the push path fares.
DEFERRED_MARK = "orders_deferred"  # the latest moment the push path deferred an order
PUSH_SEEN_MARK = "orders_push_seen"  # the latest ORDER_CHANGE received (written at most once a minute)

# The notification's OrderStatus (v0 words) in the hub's words.
_NOTIFIED_STATUS = {
    "Pending": OrderStatus.PENDING, "PendingAvailability": OrderStatus.PENDING_AVAILABILITY,
    "Unshipped": OrderStatus.UNSHIPPED, "PartiallyShipped": OrderStatus.PARTIALLY_SHIPPED,
    "Shipped": OrderStatus.SHIPPED, "Canceled": OrderStatus.CANCELLED,
    "Unfulfillable": OrderStatus.UNFULFILLABLE, "InvoiceUnconfirmed": OrderStatus.INVOICE_UNCONFIRMED,
}


@dataclass(frozen=True, slots=True)
class ChangeHint:
    """What an ORDER_CHANGE notification says; a hint, never the order's state."""

    amazon_order_id: str
    order_status: str | None = None  # Amazon's word, e.g. "Unshipped"
    fulfillment_type: str | None = None  # "MFN" / "AFN"
    changed_at: datetime | None = None
    buyer_requested: bool = False  # OrderChangeType BuyerRequestedChange (a cancel request)


def skip_reason(hint: ChangeHint, stored: StoredOrder | None) -> str | None:
    """Why this hint needs no getOrder now (None: fetch it)."""
    if hint.fulfillment_type == "AFN":
        return "fba_left_to_poll"
    if stored is None or hint.buyer_requested or hint.changed_at is None:
        return None
    status = _NOTIFIED_STATUS.get(hint.order_status or "")
    # lastUpdatedTime comes in whole seconds, TimeOfOrderChange with milliseconds: compare whole seconds.
    # A second change within the same second is missed here only; the poll still reads it.
    changed = hint.changed_at.replace(microsecond=0)
    if status is not None and status.value == stored.status and stored.amazon_last_updated >= changed:
        return "already_stored"
    return None


class PushQueue:
    """Orders waiting for getOrder, per connection, oldest first, at most ``bound`` per connection.

    ``add`` never queues a key twice while it waits; it returns the keys it deferred (oldest first).
    """

    def __init__(self, bound: int = DEFAULT_BOUND) -> None:
        self.bound = max(1, bound)
        self._waiting: dict[int, OrderedDict[Hashable, None]] = {}

    def add(self, connection_id: int, key: Hashable) -> tuple[bool, list[Hashable]]:
        """Queue ``key``; (queued, deferred keys). ``queued`` is False when it was already waiting."""
        waiting = self._waiting.setdefault(connection_id, OrderedDict())
        if key in waiting:
            return False, []
        waiting[key] = None
        deferred = []
        while len(waiting) > self.bound:
            deferred.append(waiting.popitem(last=False)[0])
        return True, deferred

    def take(self, connection_id: int, limit: int) -> list[Hashable]:
        """Up to ``limit`` keys of one connection, oldest first, removed from the queue."""
        waiting = self._waiting.get(connection_id)
        if not waiting:
            return []
        taken = [waiting.popitem(last=False)[0] for _ in range(min(limit, len(waiting)))]
        if not waiting:
            del self._waiting[connection_id]
        return taken

    def connections(self) -> list[int]:
        """Connections with orders waiting, the one with the most first."""
        return sorted(self._waiting, key=lambda c: -len(self._waiting[c]))

    def __len__(self) -> int:
        return sum(len(w) for w in self._waiting.values())
