"""The warehouse cancelling lines it cannot ship: flow ``line_cancel`` on the real sandbox (B9, C4, H1, H2).

Lines are queued by the service the REST route and the CLI call; the acknowledgement feed goes through
the document lifecycle and its processing report decides per line.
"""

from __future__ import annotations

import pytest

from sellerbridge.domain.common.results import RunStatus
from sellerbridge.services import cancellations as service
from tests.support import confirmations
from tests.support.confirmations import add_shipment, amazon_order, hub_lines, prepare_order
from tests.support.flows import run_flow

FLOW = "line_cancel"


def run_until_done(world, *, limit: int = 10):
    return confirmations.run_until_done(world, FLOW, limit=limit)


def cancel(world, order_id, *lines, reason="NoInventory"):
    return service.cancel_lines(world.hub, order_id, [service.LineRequest(i, q, reason) for i, q in lines],
                                requested_by="test")


def holds_of(world, order_id):
    return world.rows("SELECT h.status, h.quantity FROM holds h JOIN order_lines l ON l.id = h.order_line_id "
                      "JOIN orders o ON o.id = l.order_id WHERE o.amazon_order_id = :a ORDER BY l.id", a=order_id)


def test_b9_warehouse_cancelling_a_line_shows_on_the_sandbox_order_and_in_the_hub(world):
    order_id = prepare_order(world, [2, 1])
    first, second = hub_lines(world, order_id)
    [queued] = cancel(world, order_id, (second.order_item_id, 1))
    assert queued["status"] == "queued"
    reports = run_until_done(world)
    assert reports[0].status is RunStatus.WAITING and reports[-1].status is RunStatus.DONE
    assert reports[-1].counts["cancelled"] == 1
    shown = amazon_order(world, order_id)
    by_item = {line["order_item_id"]: line for line in shown["lines"]}
    assert by_item[second.order_item_id]["quantity_cancelled"] == 1
    assert by_item[first.order_item_id]["quantity_cancelled"] == 0
    assert shown["status"] == "Unshipped"
    assert [tuple(h) for h in holds_of(world, order_id)] == [("held", 2), ("released", 1)]
    _, line = hub_lines(world, order_id)
    assert line.quantity_cancelled == 1
    [event] = [e for e in world.events() if e.topic == "order.updated"]
    assert event.key == order_id and event.payload["amazon_order_id"] == order_id
    assert world.rows("SELECT status FROM line_cancellations")[0].status == "confirmed"


def test_b9_cancelling_every_open_line_cancels_the_order(world):
    order_id = prepare_order(world, [1, 3])
    first, second = hub_lines(world, order_id)
    cancel(world, order_id, (first.order_item_id, 1), (second.order_item_id, 3))
    run_until_done(world)
    assert amazon_order(world, order_id)["status"] == "Canceled"
    assert world.stored(order_id).status == "cancelled"
    assert {h.status for h in holds_of(world, order_id)} == {"released"}
    assert [e.key for e in world.events("order.cancelled")] == [order_id]
    assert world.events("order.updated") == []


def test_b9_a_shipped_or_unknown_line_is_refused_and_nothing_is_queued(world):
    order_id = prepare_order(world, [2, 1])
    first, second = hub_lines(world, order_id)
    add_shipment(world, order_id, [{0: 1}])
    run_flow(world.hub, "shipment_confirm", world.connection_id)
    with pytest.raises(service.CancelRefused) as refused:
        cancel(world, order_id, (first.order_item_id, 1), (second.order_item_id, 1), ("nope", 1))
    reasons = {r["order_item_id"]: r["reason"] for r in refused.value.reasons}
    assert set(reasons) == {first.order_item_id, "nope"}
    assert "shipped" in reasons[first.order_item_id] and "no such line" in reasons["nope"]
    with pytest.raises(service.CancelRefused) as wrong:
        cancel(world, order_id, (second.order_item_id, 1), reason="Bored")
    assert "CancelReason" in wrong.value.reasons[0]["reason"]
    assert world.rows("SELECT * FROM line_cancellations") == []


def test_c4_amazon_refusing_a_cancellation_fails_it_with_amazons_text(world):
    order_id = prepare_order(world, [1, 1])
    first, _ = hub_lines(world, order_id)
    cancel(world, order_id, (first.order_item_id, 1))
    # meanwhile the line shipped at Amazon (Seller Central): Amazon refuses to cancel it
    seller = world.sandbox.client_for(world.creds)
    r = seller.post(f"/orders/v0/orders/{order_id}/shipmentConfirmation", json={
        "marketplaceId": world.creds.marketplace_ids[0], "packageDetail": {
            "packageReferenceId": "77", "carrierCode": "UPS", "trackingNumber": "1Z999AA10123456784",
            "shipDate": world.hub.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "orderItems": [{"orderItemId": first.order_item_id, "quantity": 1}]}})
    assert r.status_code == 204, r.text
    reports = run_until_done(world)
    assert reports[-1].status is RunStatus.PARTIAL and reports[-1].counts["failed"] == 1
    [row] = world.rows("SELECT status, amazon_message FROM line_cancellations")
    assert row.status == "failed" and "shipped" in row.amazon_message
    [error] = world.open_errors()
    assert error.kind == "line_cancel" and "shipped" in error.message
    assert {h.status for h in holds_of(world, order_id)} == {"held"}
