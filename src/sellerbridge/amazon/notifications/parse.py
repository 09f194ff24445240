"""Reading Amazon's ORDER_CHANGE notifications (B1 push path; docs/amazon-quirks.md).

A notification is a hint, never the order's state: Amazon delivers them unordered and possibly twice
(SQS standard queues), so the hub only takes "seller S's order O changed" from one and fetches the
order with ``getOrder``. The body may be the notification itself or an SQS message wrapping it
(``{"Body": "<json>"}`` or an SNS-style ``{"Message": "<json>"}``).

What it returns is the domain's :class:`~sellerbridge.domain.orders.push.ChangeHint`, in the hub's
words: ``Summary.OrderStatus`` and ``Summary.FulfillmentType`` are Orders v0 words
(``orders/statuses.py``); ``OrderChangeType`` ``BuyerRequestedChange`` is a buyer's cancel request.
A summary field that is missing or unknown reads as None (no hint); only the envelope, the seller and
the order id are required (else :class:`NotificationError`).
"""

from __future__ import annotations

from typing import Any

from ...domain.common.inputs import loads_bounded, text_problem
from ...domain.common.moments import to_datetime
from ...domain.orders.push import ChangeHint
from ..orders.statuses import FULFILLMENT_CHANNEL_V0, ORDER_STATUS_V0

BUYER_REQUESTED_CHANGE = "BuyerRequestedChange"  # OrderChangeType of a buyer's cancel request
MAX_ID_LENGTH = 32  # Amazon's seller ids are ~14 characters, its order ids 19 (3-7-7 digits)


class NotificationError(ValueError):
    """The body is not a notification the hub understands; the message says where."""


def _unwrap(body: Any) -> dict[str, Any]:
    for _ in range(3):  # notification, or wrapped once or twice by SQS/SNS
        if isinstance(body, (bytes, str)):
            try:
                body = loads_bounded(body)  # hostile: a deep document is refused, not a RecursionError
            except (ValueError, UnicodeDecodeError) as exc:
                raise NotificationError(f"not JSON: {exc}") from None
        if not isinstance(body, dict):
            raise NotificationError("not a JSON object")
        if "NotificationType" in body or "notificationType" in body:
            return body
        inner = body.get("Body", body.get("Message"))
        if inner is None:
            break
        body = inner
    raise NotificationError("no NotificationType")


def parse_order_change(body: bytes | str | dict[str, Any]) -> ChangeHint:
    """The hint an ORDER_CHANGE notification gives (B1); NotificationError for anything else."""
    note = _unwrap(body)
    kind = note.get("NotificationType") or note.get("notificationType")
    if kind != "ORDER_CHANGE":
        raise NotificationError(f"not an ORDER_CHANGE notification: {kind!r}")
    payload = note.get("Payload")
    change = payload.get("OrderChangeNotification") if isinstance(payload, dict) else None
    if not isinstance(change, dict):
        raise NotificationError("Payload.OrderChangeNotification missing")
    seller_id, order_id = change.get("SellerId"), change.get("AmazonOrderId")
    if not isinstance(seller_id, str) or not seller_id:
        raise NotificationError("Payload.OrderChangeNotification.SellerId missing")
    if not isinstance(order_id, str) or not order_id:
        raise NotificationError("Payload.OrderChangeNotification.AmazonOrderId missing")
    for name, value in (("SellerId", seller_id), ("AmazonOrderId", order_id)):
        problem = text_problem(value, max_length=MAX_ID_LENGTH)  # the store keeps both in 32-character columns
        if problem:
            raise NotificationError(f"Payload.OrderChangeNotification.{name} {problem}")
    summary = change.get("Summary") if isinstance(change.get("Summary"), dict) else {}
    meta = note.get("NotificationMetadata") if isinstance(note.get("NotificationMetadata"), dict) else {}
    trigger = change.get("OrderChangeTrigger") if isinstance(change.get("OrderChangeTrigger"), dict) else {}
    return ChangeHint(seller_id=seller_id, amazon_order_id=order_id,
                      marketplace_id=_text(summary.get("MarketplaceId")),
                      notification_id=_text(meta.get("NotificationId")),
                      status=ORDER_STATUS_V0.get(_text(summary.get("OrderStatus")) or ""),
                      fulfillment=FULFILLMENT_CHANNEL_V0.get(_text(summary.get("FulfillmentType")) or ""),
                      changed_at=to_datetime(trigger.get("TimeOfOrderChange")),
                      buyer_requested=change.get("OrderChangeType") == BUYER_REQUESTED_CHANGE)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None

