"""ORDER_CHANGE notifications are read as hints in the hub's words: seller and order id, and what the
summary adds (B1; amazon/notifications/parse.py -> domain/orders/push.ChangeHint)."""

from __future__ import annotations

import json

import pytest

from sellerbridge.amazon.notifications.parse import NotificationError, parse_order_change
from sellerbridge.domain.orders.model import Fulfillment, OrderStatus
from sellerbridge.domain.orders.push import ChangeHint
from tests.support.models import load_schema

EXAMPLE = load_schema("OrderChangeNotification.json")["examples"][0]


def test_b1_reads_amazons_own_example():
    hint = parse_order_change(EXAMPLE)
    summary = EXAMPLE["Payload"]["OrderChangeNotification"]["Summary"]
    assert isinstance(hint, ChangeHint)
    assert (hint.seller_id, hint.amazon_order_id) == ("A3TH9S8BH6GOGM", "903-8868176-2219830")
    assert hint.marketplace_id == summary["MarketplaceId"]
    assert hint.notification_id == EXAMPLE["NotificationMetadata"]["NotificationId"]
    # Amazon's example is a buyer's cancel request (OrderChangeType BuyerRequestedChange)
    assert hint.buyer_requested is True
    # the hints the intake uses to skip a getOrder (domain/orders/push.py), in the hub's words
    assert summary["OrderStatus"] == "Unshipped" and hint.status is OrderStatus.UNSHIPPED
    assert summary["FulfillmentType"] == "MFN" and hint.fulfillment is Fulfillment.MERCHANT
    assert hint.changed_at is not None and hint.changed_at.tzinfo is not None
    assert hint.changed_at.microsecond == 284000  # TimeOfOrderChange has milliseconds (docs/amazon-quirks.md)


@pytest.mark.parametrize("word, status", [
    ("Pending", OrderStatus.PENDING), ("Shipped", OrderStatus.SHIPPED), ("Canceled", OrderStatus.CANCELLED),
    ("InvoiceUnconfirmed", OrderStatus.INVOICE_UNCONFIRMED), ("Cancelled", None), ("UNSHIPPED", None),
])
def test_b1_the_summary_status_is_read_in_v0_words_and_an_unknown_word_is_no_hint(word, status):
    note = json.loads(json.dumps(EXAMPLE))
    note["Payload"]["OrderChangeNotification"]["Summary"]["OrderStatus"] = word
    assert parse_order_change(note).status is status


def test_b1_an_fba_order_and_a_plain_change_read_as_such():
    note = json.loads(json.dumps(EXAMPLE))
    change = note["Payload"]["OrderChangeNotification"]
    change["Summary"]["FulfillmentType"] = "AFN"
    change["OrderChangeType"] = "OrderStatusChange"
    hint = parse_order_change(note)
    assert hint.fulfillment is Fulfillment.AMAZON and hint.buyer_requested is False
    change["Summary"]["FulfillmentType"] = "FBA"  # not Amazon's word: no hint, the order is fetched
    assert parse_order_change(note).fulfillment is None


def test_b1_a_malformed_hint_is_no_hint_and_the_order_is_still_named():
    note = json.loads(json.dumps(EXAMPLE))
    change_part = note["Payload"]["OrderChangeNotification"]
    change_part["OrderChangeTrigger"]["TimeOfOrderChange"] = "yesterday"
    change_part["Summary"]["OrderStatus"] = 7
    hint = parse_order_change(note)
    assert hint.amazon_order_id == "903-8868176-2219830"
    assert hint.changed_at is None and hint.status is None


@pytest.mark.parametrize("wrap", [
    lambda n: json.dumps(n),
    lambda n: json.dumps(n).encode(),
    lambda n: {"Body": json.dumps(n)},
    lambda n: json.dumps({"Message": json.dumps(n)}),
])
def test_b1_reads_it_raw_or_wrapped_by_sqs_or_sns(wrap):
    assert parse_order_change(wrap(EXAMPLE)).amazon_order_id == "903-8868176-2219830"


@pytest.mark.parametrize("body", [
    b"not json", b"[]", json.dumps({"NotificationType": "FEED_PROCESSING_FINISHED"}),
    json.dumps({"NotificationType": "ORDER_CHANGE", "Payload": {}}),
    json.dumps({**EXAMPLE, "Payload": {"OrderChangeNotification": {"SellerId": "A1"}}}),
    json.dumps({"Body": "{}"}), b"\xff\xfe",
])
def test_b1_anything_else_is_a_clear_error(body):
    with pytest.raises(NotificationError):
        parse_order_change(body)
