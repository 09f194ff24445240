"""The ``POST_ORDER_ACKNOWLEDGEMENT_DATA`` feed: cancelling lines the warehouse cannot ship (B9).

Amazon's schema: OrderAcknowledgement.xsd.

One ``OrderAcknowledgement`` message per order: ``AmazonOrderID``, ``StatusCode`` and an ``Item`` per line
to cancel (``AmazonOrderItemCode`` + ``CancelReason``, one of Amazon's values such as ``NoInventory``).
Amazon's rule for which form cancels what:

- ``StatusCode`` ``Failure``: the order is refused as a whole: every line is cancelled (used when the
  warehouse cancels every open line);
- ``StatusCode`` ``Success`` with ``Item`` elements carrying a ``CancelReason``: the order is accepted and
  those items are cancelled; the others stay to be shipped.

An item is cancelled whole (the schema has no quantity): the hub asks for exactly the line's open quantity
(``domain.shipments.confirmation.cancel_refusal``). MessageID: the smallest cancellation id of the order.
Golden files: tests/contract/golden/feeds/.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from ...domain.ports.confirmations import OrderCancellation
from .xml import envelope, sub, to_bytes

FEED_TYPE = "POST_ORDER_ACKNOWLEDGEMENT_DATA"
CONTENT_TYPE = "text/xml; charset=UTF-8"


def build_acknowledgement_feed(merchant_id: str, orders: Sequence[OrderCancellation]) -> bytes:
    if not orders:
        raise ValueError("an acknowledgement feed needs at least one order")
    root = envelope(merchant_id, "OrderAcknowledgement")
    for order in orders:
        message = ET.SubElement(root, "Message")
        sub(message, "MessageID", order.message_id)
        ack = ET.SubElement(message, "OrderAcknowledgement")
        sub(ack, "AmazonOrderID", order.amazon_order_id)
        sub(ack, "StatusCode", "Failure" if order.whole_order else "Success")
        for line in order.lines:
            item = ET.SubElement(ack, "Item")
            sub(item, "AmazonOrderItemCode", line.order_item_id)
            sub(item, "CancelReason", line.reason_code)
    return to_bytes(root)
