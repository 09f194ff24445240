"""REST for the warehouse cancelling lines (B9): POST /api/orders/{ref}/cancel-lines, GET /api/cancellations."""

from __future__ import annotations

from tests.support.confirmations import add_shipment, hub_lines, prepare_order
from tests.support.flows import run_flow


def headers(api, role="operator"):
    return {"X-API-Key": api.keys[role]}


def test_b9_cancel_lines_queues_and_refuses_with_reasons(api):
    world = api.world
    order_id = prepare_order(world, [2, 1])
    first, second = hub_lines(world, order_id)
    body = {"lines": [{"order_item_id": second.order_item_id, "quantity": 1, "reason": "NoInventory"}]}
    r = api.post(f"/api/orders/{order_id}/cancel-lines", json=body, headers=headers(api))
    assert r.status_code == 202, r.text
    [row] = r.json()
    assert (row["order_item_id"], row["status"], row["reason_code"]) == (second.order_item_id, "queued", "NoInventory")
    listed = api.get("/api/cancellations", headers=headers(api, "viewer"))
    assert listed.status_code == 200 and [c["id"] for c in listed.json()] == [row["id"]]
    # the same line again, a shipped line, an unknown one: 422 with a reason each, nothing more queued
    add_shipment(world, order_id, [{0: 1}])
    run_flow(world.hub, "shipment_confirm", world.connection_id)
    bad = {"lines": [{"order_item_id": second.order_item_id, "quantity": 1},
                     {"order_item_id": first.order_item_id, "quantity": 1},
                     {"order_item_id": "12345", "quantity": 1}]}
    refused = api.post(f"/api/orders/{order_id}/cancel-lines", json=bad, headers=headers(api))
    assert refused.status_code == 422, refused.text
    reasons = {d["loc"][-1]: d["msg"] for d in refused.json()["detail"]}
    assert set(reasons) == {second.order_item_id, first.order_item_id, "12345"}
    assert "already being cancelled" in reasons[second.order_item_id]
    assert "shipped" in reasons[first.order_item_id]
    assert len(api.get("/api/cancellations", headers=headers(api, "viewer")).json()) == 1


def test_b9_cancel_lines_needs_the_operator_role_and_a_known_order(api):
    body = {"lines": [{"order_item_id": "1", "quantity": 1}]}
    assert api.post("/api/orders/111-1111111-1111111/cancel-lines", json=body,
                    headers=headers(api, "viewer")).status_code == 403
    assert api.post("/api/orders/111-1111111-1111111/cancel-lines", json=body).status_code == 401
    missing = api.post("/api/orders/111-1111111-1111111/cancel-lines", json=body, headers=headers(api))
    assert missing.status_code == 404 and "not in the hub" in missing.json()["detail"]
    empty = api.post("/api/orders/111-1111111-1111111/cancel-lines", json={"lines": []}, headers=headers(api))
    assert empty.status_code == 422
