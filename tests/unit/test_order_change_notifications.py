"""ORDER_CHANGE notifications are read as hints: seller and order id, nothing more (B1)."""

from __future__ import annotations

import json

import pytest

from sellerbridge.amazon.notifications.parse import NotificationError, parse_order_change
from tests.support.models import load_schema

EXAMPLE = load_schema("OrderChangeNotification.json")["examples"][0]


def test_b1_reads_amazons_own_example():
    change = parse_order_change(EXAMPLE)
    assert change.seller_id == "A3TH9S8BH6GOGM"
    assert change.amazon_order_id == "903-8868176-2219830"
    assert change.change_type == "BuyerRequestedChange"
    # the hints the intake uses to skip a getOrder (sync/order_push.py)
    assert change.order_status == EXAMPLE["Payload"]["OrderChangeNotification"]["Summary"]["OrderStatus"]
    assert change.fulfillment_type == EXAMPLE["Payload"]["OrderChangeNotification"]["Summary"]["FulfillmentType"]
    assert change.changed_at is not None and change.changed_at.tzinfo is not None


def test_b1_a_malformed_hint_is_no_hint_and_the_order_is_still_named():
    note = json.loads(json.dumps(EXAMPLE))
    change_part = note["Payload"]["OrderChangeNotification"]
    change_part["OrderChangeTrigger"]["TimeOfOrderChange"] = "yesterday"
    change_part["Summary"]["OrderStatus"] = 7
    change = parse_order_change(note)
    assert change.amazon_order_id == "903-8868176-2219830"
    assert change.changed_at is None and change.order_status is None


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
