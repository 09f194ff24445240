"""The seller cancelling order lines: the ``POST_ORDER_ACKNOWLEDGEMENT_DATA`` feed (B9, C4, I4).

Each ``OrderAcknowledgement`` message names an order (``AmazonOrderID``), a ``StatusCode`` and ``Item``
elements (``AmazonOrderItemCode`` + ``CancelReason``). As at Amazon:

- ``StatusCode`` ``Failure``: the seller refuses the order: every unshipped unit of every line is cancelled
  and the order is ``Canceled``;
- ``StatusCode`` ``Success`` with items carrying a ``CancelReason``: those lines' unshipped units are
  cancelled (an item is cancelled whole); the order is ``Canceled`` when nothing is left to ship, it
  stays as it was otherwise (``Shipped`` if everything left had shipped). ``Success`` with no cancelled
  item only acknowledges the order (nothing changes);
- a line with units shipped already, an unknown item, an unknown ``CancelReason``, an order already
  shipped or cancelled, or fulfilled by Amazon is refused for that message alone (Result Error, the
  order untouched). A document that is not an acknowledgement envelope is refused whole (MessageID 0).

Every change touches the order (``backend.touch_order``: lastUpdated, ORDER_CHANGE). The report is
Amazon's ProcessingReport (``feeds_fulfillment.processing_report``). ResultMessageCodes are the
sandbox's (Amazon publishes none): ``RESULT_CODES``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from .feed_processors import FeedOutcome, register
from .feeds_fulfillment import (
    DOCUMENT_ERROR,
    OTHER_ERROR,
    RESULT_CONTENT_TYPE,
    DocumentError,
    Result,
    _children,
    _local,
    _parse_xml,
    _value,
    processing_report,
)
from .shipping import whole_number
from .state import CANCELED, PARTIALLY_SHIPPED, PENDING, SHIPPED, UNSHIPPED, Order, Seller

if TYPE_CHECKING:
    from datetime import datetime

    from .backend import Backend
    from .state import Feed

FEED_TYPE = "POST_ORDER_ACKNOWLEDGEMENT_DATA"
# Amazon's CancelReason values (OrderAcknowledgement.xsd)
CANCEL_REASONS = frozenset({
    "NoInventory", "ShippingAddressUndeliverable", "CustomerExchange", "BuyerCanceled", "GeneralAdjustment",
    "CarrierCreditDecision", "RiskAssessmentInformationNotValid", "CarrierCoverageFailure", "CustomerReturn",
    "MerchandiseNotReceived",
})
RESULT_CODES = {"OrderNotFound": 18001, "MissingField": 18002, "InvalidValue": 18003, "FulfilledByAmazon": 18010,
                "OrderCanceled": 18012, "OrderAlreadyShipped": 18013, "InvalidOrderItemId": 18051,
                "ItemAlreadyShipped": 18060, "InvalidCancelReason": 18061}
CANCELLABLE = (PENDING, UNSHIPPED, PARTIALLY_SHIPPED)


class Refused(Exception):
    def __init__(self, code: str, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def _items(ack: ET.Element, order: Order) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for item in _children(ack, "Item"):
        item_id = _value(item, "AmazonOrderItemCode")
        if item_id is None:
            raise Refused("MissingField", "Item needs an AmazonOrderItemCode.")
        line = order.line(item_id)
        if line is None:
            raise Refused("InvalidOrderItemId", f"AmazonOrderItemCode {item_id} is not an item of order "
                                                f"{order.order_id}.")
        reason = _value(item, "CancelReason")
        if reason is not None and reason not in CANCEL_REASONS:
            raise Refused("InvalidCancelReason", f"CancelReason '{reason}' is not valid; use one of "
                                                 f"{', '.join(sorted(CANCEL_REASONS))}.")
        out.append((item_id, reason))
    return out


def _apply(backend: Backend, seller: Seller, ack: ET.Element, now: datetime) -> None:
    order_id = _value(ack, "AmazonOrderID")
    if order_id is None:
        raise Refused("MissingField", "AmazonOrderID is required.")
    order = seller.orders.get(order_id)
    if order is None:
        raise Refused("OrderNotFound", f"The order id {order_id} was not found in our system.")
    status = _value(ack, "StatusCode")
    if status not in ("Success", "Failure"):
        raise Refused("InvalidValue", f"StatusCode '{status}' is not valid; expected Success or Failure.")
    if not order.is_mfn:
        raise Refused("FulfilledByAmazon", f"Order {order_id} is fulfilled by Amazon; it cannot be acknowledged.")
    items = _items(ack, order)
    if status == "Failure":
        cancel = [ln.order_item_id for ln in order.lines]
    else:
        cancel = [item_id for item_id, reason in items if reason is not None]
    if not cancel:
        return  # an acknowledgement that cancels nothing
    if order.status == CANCELED:
        raise Refused("OrderCanceled", f"Order {order_id} has been canceled already.")
    if order.status not in CANCELLABLE:
        raise Refused("OrderAlreadyShipped", f"Order {order_id} has already been shipped; it cannot be canceled.")
    if status == "Failure" and any(ln.quantity_shipped > 0 for ln in order.lines):
        raise Refused("OrderAlreadyShipped", f"Order {order_id} has shipped units; it cannot be refused whole.")
    for item_id in cancel:
        line = order.line(item_id)
        if line is not None and line.quantity_shipped > 0:
            raise Refused("ItemAlreadyShipped", f"Item {item_id} of order {order_id} has shipped units; "
                                                "a shipped item cannot be canceled.")
    for item_id in cancel:  # every rule passed: change the order
        line = order.line(item_id)
        assert line is not None
        line.quantity_cancelled += line.quantity_unshipped
    if all(ln.quantity_unshipped == 0 for ln in order.lines):
        if any(ln.quantity_shipped > 0 for ln in order.lines):
            order.status = SHIPPED
        else:
            order.status, order.cancelled_by = CANCELED, "SELLER"
            order.cancel_reason = next((r for _, r in items if r), None) or "GeneralAdjustment"
    backend.touch_order(seller, order, now)


@register(FEED_TYPE)
def process_order_acknowledgement(backend: Backend, seller: Seller, feed: Feed, content: bytes,
                                  now: datetime) -> FeedOutcome:
    try:
        try:
            root = _parse_xml(content)
            if _local(root.tag) != "AmazonEnvelope" or _value(root, "MessageType") != "OrderAcknowledgement":
                raise DocumentError(DOCUMENT_ERROR, f"The document is not an OrderAcknowledgement envelope "
                                                    f"for {FEED_TYPE}.")
        except DocumentError as exc:
            report = processing_report(seller, feed, 0, 0, [Result(0, exc.code, exc.description)])
            return FeedOutcome("DONE", report, RESULT_CONTENT_TYPE, 0)
        results: list[Result] = []
        messages = _children(root, "Message")
        for position, message in enumerate(messages, start=1):
            message_id = whole_number(_value(message, "MessageID")) or position
            acks = _children(message, "OrderAcknowledgement")
            try:
                if not acks:
                    raise Refused("MissingField", "the OrderAcknowledgement element is missing.")
                _apply(backend, seller, acks[0], now)
            except Refused as exc:
                order_id = _value(acks[0], "AmazonOrderID") if acks else None
                results.append(Result(message_id, RESULT_CODES.get(exc.code, OTHER_ERROR), exc.description,
                                      order_id))
        report = processing_report(seller, feed, len(messages), len(messages) - len(results), results)
        return FeedOutcome("DONE", report, RESULT_CONTENT_TYPE, len(messages))
    except Exception as exc:  # a sandbox bug: recorded, the feed ends FATAL
        backend.internal_errors.append(f"{FEED_TYPE} feed {feed.feed_id}: {exc!r}")
        report = processing_report(seller, feed, 0, 0, [Result(0, OTHER_ERROR, "Internal error.")])
        return FeedOutcome("FATAL", report, RESULT_CONTENT_TYPE, 0)
