"""Many packages go by one POST_ORDER_FULFILLMENT_DATA feed, through the document lifecycle (C2, C4, H2).

The feed path is chosen above ``FEED_THRESHOLD`` waiting packages; the first test proves it with the real
threshold, the others lower it (the path's choice is proven once; what is tested then is the feed).
"""

from __future__ import annotations

import pytest

from sellerbridge.domain.common.results import RunStatus
from sellerbridge.domain.shipments import confirmation
from tests.support import confirmations
from tests.support.confirmations import add_shipment, amazon_order, package, prepare_order
from tests.support.flows import run_flow

FLOW = "shipment_confirm"


def run_until_done(world, *, limit: int = 10):
    return confirmations.run_until_done(world, FLOW, limit=limit)


def feeds(world):
    return world.rows("SELECT * FROM feed_submissions ORDER BY id")


def test_c2_more_than_the_threshold_go_by_one_feed(world):
    count = confirmation.FEED_THRESHOLD + 1
    order_id = prepare_order(world, [count])
    ids = add_shipment(world, order_id, [{0: 1}] * count)
    reports = run_until_done(world)
    assert reports[0].status is RunStatus.WAITING  # submitted; the run waits for Amazon, it does not sleep
    [feed] = feeds(world)
    assert feed.feed_type == "POST_ORDER_FULFILLMENT_DATA" and feed.status == "imported"
    assert world.calls("confirmShipment") == 0
    assert world.calls("createFeed") == 1
    shown = amazon_order(world, order_id)
    assert len(shown["shipments"]) == count and shown["status"] == "Shipped"
    assert {package(world, p).status for p in ids} == {"verified"}
    assert world.stored(order_id).status == "shipped"
    assert len(world.rows("SELECT * FROM stock_movements")) == count


@pytest.fixture
def small_threshold(monkeypatch):
    monkeypatch.setattr(confirmation, "FEED_THRESHOLD", 2)


def test_c4_one_bad_message_in_a_feed_fails_only_that_package(world, small_threshold):
    first = prepare_order(world, [1])
    second = prepare_order(world, [1])
    third = prepare_order(world, [1])
    [good_a] = add_shipment(world, first, [{0: 1}])
    [bad] = add_shipment(world, second, [{0: 1}], carrier_code="Pigeon Post")
    [good_b] = add_shipment(world, third, [{0: 1}])
    reports = run_until_done(world)
    last = reports[-1]
    assert last.status is RunStatus.PARTIAL
    assert len(feeds(world)) == 1
    assert package(world, good_a).status == package(world, good_b).status == "verified"
    row = package(world, bad)
    assert row.status == "failed" and row.channel == "feed" and "not a valid carrier code" in row.amazon_message
    [error] = world.open_errors()
    assert error.key == f"package:{bad}" and "Pigeon Post" in error.message
    assert amazon_order(world, second)["shipments"] == []


def test_c2_a_done_feed_that_did_not_apply_a_package_is_caught_by_read_back(world, small_threshold):
    orders = [prepare_order(world, [1]) for _ in range(3)]
    ids = [add_shipment(world, o, [{0: 1}])[0] for o in orders]
    r = world.sandbox.http.post("/_sandbox/faults", json={
        "operation": "POST_ORDER_FULFILLMENT_DATA", "kind": "feed_skip", "count": 1})
    assert r.status_code in (200, 201), r.text
    reports = run_until_done(world)
    items = [i for report in reports for i in report.items if i.status.value == "error"]
    assert [i.messages[0].code for i in items] == [confirmation.NOT_APPLIED]
    skipped = int(items[0].key.split(":")[1])
    # caught, sent once more (by confirmShipment: one package waiting), and Amazon has it now
    assert package(world, skipped).status == "verified"
    assert package(world, skipped).attempts == 2
    assert {package(world, p).status for p in ids} == {"verified"}
    for order_id in orders:
        assert len(amazon_order(world, order_id)["shipments"]) == 1
    assert world.calls("confirmShipment") == 1
    assert world.open_errors() == []  # resolved by the confirmation


def test_c2_a_feed_stuck_at_amazon_is_given_up_then_its_packages_go_again(world, small_threshold):
    orders = [prepare_order(world, [1]) for _ in range(3)]
    ids = [add_shipment(world, o, [{0: 1}])[0] for o in orders]
    r = world.sandbox.http.post("/_sandbox/faults", json={"operation": "createFeed", "kind": "feed_stuck",
                                                          "count": 1})
    assert r.status_code in (200, 201), r.text
    reports = []
    for _ in range(200):  # Amazon keeps it IN_QUEUE: the run looks every 30 s until the hour's deadline
        report = run_flow(world.hub, FLOW, world.connection_id)
        reports.append(report)
        if report.status is not RunStatus.WAITING:
            break
        world.advance(max(1.0, (report.resume_at - world.hub.now()).total_seconds()))
    failed = reports[-1]
    assert failed.status is RunStatus.FAILED
    assert "still queued at Amazon after 60 min" in (failed.error or "")
    [feed] = feeds(world)
    assert feed.status == "failed"
    assert {package(world, p).status for p in ids} == {"sending"}  # in doubt: sent, never confirmed
    done = run_until_done(world)  # read back (nothing at Amazon), queued again, sent by a new feed
    assert {package(world, p).status for p in ids} == {"verified"}
    assert done[-1].status is RunStatus.DONE
    for order_id in orders:
        assert len(amazon_order(world, order_id)["shipments"]) == 1
