"""Reading Amazon's ORDER_CHANGE notifications (B1 push path; docs/amazon-quirks.md).

A notification is a hint, never the order's state: Amazon delivers them unordered and possibly twice
(SQS standard queues), so the hub only takes "seller S's order O changed" from one and fetches the
order with ``getOrder``. The body may be the notification itself or an SQS message wrapping it
(``{"Body": "<json>"}`` or an SNS-style ``{"Message": "<json>"}``).

What it returns is the domain's :class:`~sellerbridge.domain.orders.push.ChangeHint`, in the hub's
words: ``Summary.OrderStatus`` and ``Summary.FulfillmentType`` are Orders v0 words
(``orders/statuses.py``); ``OrderChangeType`` ``BuyerRequestedChange`` is a buyer's cancel request.
A summary field that is missing or unknown reads as None (no hint); only the envelope, the seller and
the order id are required (else :class:`NotificationError`), and the order id must have Amazon's
shape ``3-7-7`` digits (issue 9: an invented id would cost a ``getOrder``).

:func:`parse_notice` also returns who sent it: ``NotificationMetadata.ApplicationId`` and
``SubscriptionId``, which the intake compares with the hub's application and the subscription it
created (``services/intake.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ...domain.common.inputs import loads_bounded
from ...domain.common.moments import to_datetime
from ...domain.orders.push import ChangeHint
from ..orders.statuses import FULFILLMENT_CHANNEL_V0, ORDER_STATUS_V0

BUYER_REQUESTED_CHANGE = "BuyerRequestedChange"  # OrderChangeType of a buyer's cancel request
AMAZON_ORDER_ID = re.compile(r"^\d{3}-\d{7}-\d{7}$")  # Amazon's order ids: 3-7-7 digits
SELLER_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")  # merchant ids are short letters and digits (A2Q3Y263D00KWC)


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


@dataclass(frozen=True, slots=True)
class OrderChangeNotice:
    """An ORDER_CHANGE notification: its hint, and the application and subscription Amazon names."""

    hint: ChangeHint
    application_id: str | None
    subscription_id: str | None


def parse_notice(body: bytes | str | dict[str, Any]) -> OrderChangeNotice:
    """The hint and the sender's ids of an ORDER_CHANGE notification; NotificationError for anything else."""
    note = _unwrap(body)
    meta = note.get("NotificationMetadata") if isinstance(note.get("NotificationMetadata"), dict) else {}
    return OrderChangeNotice(_hint(note), _text(meta.get("ApplicationId")), _text(meta.get("SubscriptionId")))


def parse_order_change(body: bytes | str | dict[str, Any]) -> ChangeHint:
    """The hint an ORDER_CHANGE notification gives (B1); NotificationError for anything else."""
    return _hint(_unwrap(body))


def _hint(note: dict[str, Any]) -> ChangeHint:
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
    if not SELLER_ID.match(seller_id):
        raise NotificationError("Payload.OrderChangeNotification.SellerId is not a seller id (letters and digits)")
    if not isinstance(order_id, str) or not order_id:
        raise NotificationError("Payload.OrderChangeNotification.AmazonOrderId missing")
    if not AMAZON_ORDER_ID.match(order_id):  # also refuses NUL, surrogates and over-long text (issue 9)
        raise NotificationError("Payload.OrderChangeNotification.AmazonOrderId is not an Amazon order id "
                                "(3-7-7 digits)")
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

