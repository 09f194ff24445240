"""The warehouse loop end to end, through the front door (C1-C3, I2): the warehouse POSTs a split shipment
to the REST API, the runtime's ``shipment_confirm`` job confirms it to the sandbox Amazon, package by
package, exactly once, and the order, its holds and the stock ledger follow.

The other tests of issue 10 take one part each (the intake with the confirmation job only asked for, the
confirmation with packages written into the tables); this one joins them, so a mismatch between what the
intake stores and what the confirmation reads cannot hide.
"""

from __future__ import annotations

from datetime import timedelta

from tests.api.conftest import h
from tests.flows.support import World
from tests.support.confirmations import amazon_order, hub_lines, prepare_order
from tests.support.flows import run_flow

TRACKING = ("1Z999AA10123456784", "1Z12345E6605272234", "1Z12345E0205271686")


def post_split(api, world: World, order_id: str, key: str):
    lines = hub_lines(world, order_id)
    packages = [{"carrier": "UPS Ground", "ship_method": "Ground", "tracking_number": tracking,
                 "items": [{"order_item_id": line.order_item_id, "quantity": line.quantity}]}
                for tracking, line in zip(TRACKING, lines, strict=True)]
    body = {"connection": str(world.connection_id), "amazon_order_id": order_id,
            "ship_date": (world.hub.now() - timedelta(minutes=1)).isoformat(), "packages": packages}
    return api.post("/api/shipments", json=body, headers={**h(api, "operator"), "Idempotency-Key": key})


def test_c2_c3_a_split_shipment_posted_twice_is_confirmed_once_as_three_packages(bare_api, world: World):
    order_id = prepare_order(world, [1, 2, 1])
    first = post_split(bare_api, world, order_id, "wms-split-1")
    assert first.status_code == 201, first.text
    assert [p["status"] for p in first.json()["packages"]] == ["queued"] * 3
    replay = post_split(bare_api, world, order_id, "wms-split-1")
    assert replay.status_code == 200 and replay.json()["id"] == first.json()["id"]

    report = run_flow(world.hub, "shipment_confirm", world.connection_id)
    assert report is not None and report.status.value in ("done", "partial"), report
    again = run_flow(world.hub, "shipment_confirm", world.connection_id)  # nothing left to send
    assert again is not None

    amazon = amazon_order(world, order_id)
    assert amazon["status"] == "Shipped"
    assert sorted(s["tracking_number"] for s in amazon["shipments"]) == sorted(TRACKING)  # three, once each
    shown = bare_api.get(f"/api/shipments/{first.json()['id']}", headers=h(bare_api, "viewer")).json()
    assert {p["status"] for p in shown["packages"]} <= {"confirmed", "verified"}
    lines = hub_lines(world, order_id)
    assert [line.quantity_shipped for line in lines] == [1, 2, 1]
    moved = world.rows("SELECT COUNT(*) AS n, SUM(delta) AS total FROM stock_movements WHERE reason = 'shipment'")
    assert (moved[0].n, moved[0].total) == (3, -4)  # one movement per package line, never twice
    held = world.rows("SELECT h.status FROM holds h JOIN order_lines l ON l.id = h.order_line_id "
                      "JOIN orders o ON o.id = l.order_id WHERE o.amazon_order_id = :a", a=order_id)
    assert len(held) == 3 and {row.status for row in held} == {"consumed"}  # C3: the holds became the movements
