"""What an ORDER_CHANGE notification tells the hub, and when it costs no ``getOrder`` (B1, G1).

A notification is a hint, never the order's state (docs/amazon-quirks.md: unordered, possibly twice,
no prices, no address): :class:`ChangeHint` says "seller S's order O changed", with what Amazon's
``Summary`` and trigger add, in the hub's words (``amazon/notifications`` reads Amazon's envelope).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..ports.orders import StoredOrder
from .model import Fulfillment, OrderStatus

FBA_LEFT_TO_POLL = "fba_left_to_poll"
ALREADY_STORED = "already_stored"


@dataclass(frozen=True, slots=True)
class ChangeHint:
    """One ORDER_CHANGE notification. ``status``/``fulfillment``/``changed_at`` are None when Amazon's
    summary left them out or wrote something the hub does not know: no hint, then, never a guess."""

    seller_id: str
    amazon_order_id: str
    marketplace_id: str | None = None
    notification_id: str | None = None
    status: OrderStatus | None = None
    fulfillment: Fulfillment | None = None
    changed_at: datetime | None = None  # Amazon's TimeOfOrderChange (milliseconds)
    buyer_requested: bool = False  # OrderChangeType BuyerRequestedChange: a buyer's cancel request


def skip_reason(hint: ChangeHint, stored: StoredOrder | None) -> str | None:
    """Why this hint needs no ``getOrder`` now; None: fetch the order (B1 push path, G1 budget).

    ``getOrder`` allows 0.5 calls/s per seller, so the push path spends it only where it buys latency:

    - a FBA order (``fba_left_to_poll``): it is recorded, never sent to the warehouse (B3), so the next
      poll, which reads 100 orders a call, records it without hurry;
    - a change the hub already stored (``already_stored``): the same status, and the stored
      ``lastUpdatedTime`` not older than the change. Amazon sends a notification per change, and the
      hub may have read the order since (a poll, an earlier notification).

    A buyer's cancel request is always fetched (the merchant must decide, B9), as is a hint without a
    readable status or time. ``TimeOfOrderChange`` has milliseconds and ``lastUpdatedTime`` whole
    seconds, so they are compared at whole seconds (else a change already stored looks newer); a
    second change within the same second is missed here only, and the poll still reads it.
    """
    if hint.fulfillment is Fulfillment.AMAZON:
        return FBA_LEFT_TO_POLL
    if stored is None or hint.buyer_requested or hint.changed_at is None or hint.status is None:
        return None
    changed = hint.changed_at.replace(microsecond=0)
    if hint.status.value == stored.status and stored.amazon_last_updated >= changed:
        return ALREADY_STORED
    return None
