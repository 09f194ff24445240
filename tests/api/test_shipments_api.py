"""/api/shipments (C1, C2, H1, I2): a shipment posted with its key, replayed, conflicting, refused; the
CSV upload with line-numbered errors; list, show, retry; roles."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api.conftest import h
from tests.flows.support import World
from tests.support.flows import sync_orders
from tests.support.shipments import confirm_asked, confirm_job, stored_orders

UPS = ("1Z999AA10123456784", "1Z12345E6605272234")


@pytest.fixture
def orders(world: World):
    return stored_orders(world, 3, cancel=1)


def body(world: World, order, *, quantity: int = 1, tracking: str = UPS[0], **extra):
    line = order.lines[0]
    return {"connection": str(world.connection_id), "amazon_order_id": order.amazon_order_id,
            "ship_date": (world.hub.now() - timedelta(minutes=5)).isoformat(),
            "packages": [{"carrier": "UPS Ground", "ship_method": "Ground", "tracking_number": tracking,
                          "items": [{"order_item_id": line.order_item_id, "quantity": quantity}]}], **extra}


def post(api, payload, key="wms-1", who="operator"):
    headers = {**h(api, who), **({"Idempotency-Key": key} if key else {})}
    return api.post("/api/shipments", json=payload, headers=headers)


def test_c1_a_shipment_is_stored_once_replayed_and_a_reused_key_is_409(bare_api, world, orders):
    job = confirm_job(world)
    first = post(bare_api, body(world, orders[0]))
    assert first.status_code == 201, first.text
    shipment = first.json()
    assert shipment["status"] == "queued" and shipment["amazon_order_id"] == orders[0].amazon_order_id
    (package,) = shipment["packages"]
    assert (package["carrier_code"], package["tracking_number"], package["status"]) == ("UPS", UPS[0], "queued")
    assert confirm_asked(world, job) == 1  # the confirmation flow was asked for the connection

    replay = post(bare_api, body(world, orders[0]))
    assert replay.status_code == 200 and replay.json()["id"] == shipment["id"]
    other = post(bare_api, body(world, orders[0], tracking=UPS[1]))
    assert other.status_code == 409 and "another shipment" in other.json()["detail"]
    listed = bare_api.get("/api/shipments", headers=h(bare_api, "viewer")).json()
    assert listed["total"] == 1 and confirm_asked(world, job) == 1


def test_c1_a_refused_shipment_is_422_with_reasons_and_an_error_row(bare_api, world, orders):
    unknown = post(bare_api, {**body(world, orders[0]), "amazon_order_id": "999-0000000-0000000"}, key="k-unknown")
    assert unknown.status_code == 422
    detail = unknown.json()
    assert detail["detail"][0]["type"] == "unknown_order" and detail["detail"][0]["loc"] == ["body", "amazon_order_id"]
    error = bare_api.get(f"/api/errors/{detail['error_id']}", headers=h(bare_api, "viewer")).json()
    assert (error["kind"], error["key"], error["code"]) == ("shipment", "k-unknown", "unknown_order")

    over = post(bare_api, body(world, orders[0], quantity=orders[0].lines[0].quantity + 1), key="k-over")
    assert over.status_code == 422 and over.json()["detail"][0]["type"] == "over_quantity"
    cancelled = post(bare_api, body(world, orders[2]), key="k-cancelled")
    assert cancelled.status_code == 422 and cancelled.json()["detail"][0]["type"] == "order_cancelled"
    future = post(bare_api, {**body(world, orders[0]), "ship_date": (world.hub.now() + timedelta(hours=1))
                             .isoformat()}, key="k-future")
    assert future.status_code == 422 and future.json()["detail"][0]["type"] == "future_date"
    assert bare_api.get("/api/shipments", headers=h(bare_api, "viewer")).json()["total"] == 0


@pytest.mark.parametrize(("change", "where"), [
    ({"packages": []}, "packages"),
    ({"packages": [{"carrier": "UPS", "tracking_number": "1Z", "items": [{"quantity": 1}]}]}, "packages"),
    ({"ship_date": "yesterday"}, "ship_date"),
    ({"extra": 1}, "extra"),
])
def test_c1_a_malformed_request_is_422_naming_the_field(bare_api, world, orders, change, where):
    r = post(bare_api, {**body(world, orders[0]), **change})
    assert r.status_code == 422 and any(where in d["loc"] for d in r.json()["detail"])


def test_c1_the_idempotency_key_and_an_operator_key_are_required(bare_api, world, orders):
    assert post(bare_api, body(world, orders[0]), key=None).status_code == 422
    assert post(bare_api, body(world, orders[0]), who="viewer").status_code == 403
    assert bare_api.post("/api/shipments", json=body(world, orders[0]), headers={"Idempotency-Key": "x"}).status_code \
        == 401


def test_c2_a_bad_tracking_number_is_held_then_retried_with_the_correction(bare_api, world, orders):
    job = confirm_job(world)
    r = post(bare_api, body(world, orders[1], tracking="1Z999AA10123456785"))
    assert r.status_code == 201 and r.json()["status"] == "held"
    package = r.json()["packages"][0]
    assert package["status"] == "held" and "check digit" in package["hold_reason"] and confirm_asked(world, job) == 0
    url = f"/api/shipments/packages/{package['id']}/retry"
    assert bare_api.post(url, json={"tracking_number": UPS[0]}, headers=h(bare_api, "viewer")).status_code == 403
    fixed = bare_api.post(url, json={"tracking_number": UPS[0]}, headers=h(bare_api, "operator"))
    assert fixed.status_code == 200 and fixed.json()["status"] == "queued" and confirm_asked(world, job) == 1
    again = bare_api.post(url, headers=h(bare_api, "operator"))
    assert again.status_code == 400 and "queued" in again.json()["detail"]
    assert bare_api.post("/api/shipments/packages/999999/retry", headers=h(bare_api, "operator")).status_code == 404


def csv_of(world, orders) -> str:
    a, b, cancelled = orders
    day = world.hub.now().date().isoformat()
    return ("\ufeffshipment_id;amazon_order_id;order_item_id;quantity;carrier;ship_method;tracking_number;ship_date\n"
            f'S1;{a.amazon_order_id};{a.lines[0].order_item_id};1;"DHL® Express";"two\nlines";3318810025;{day}\n'
            f"S2;{b.amazon_order_id};{b.lines[0].order_item_id};{b.lines[0].quantity + 1};UPS;;{UPS[1]};{day}\n"
            f"S3;{cancelled.amazon_order_id};{cancelled.lines[0].order_item_id};1;UPS;;{UPS[0]};{day}\n"
            f'S4;{b.amazon_order_id};{b.lines[0].order_item_id};1;"Speedy 🚀";;SPEEDY000001;not-a-date\n')


def test_c1_a_csv_upload_gives_line_numbered_errors_and_keeps_valid_rows(bare_api, world, orders):
    url = "/api/shipments/import"
    r = bare_api.post(url, params={"connection": world.connection_id, "file_name": "wms.csv"},
                      content=csv_of(world, orders).encode(), headers={**h(bare_api, "operator"),
                                                                       "Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    out = r.json()
    assert {e["line"]: e["code"] for e in out["errors"]} == {4: "over_quantity", 5: "order_cancelled", 6: "bad_date"}
    assert (out["accepted"], out["encoding"], out["refused_lines"]) == (1, "utf-8-sig", 3)
    (stored,) = bare_api.get("/api/shipments", headers=h(bare_api, "viewer")).json()["items"]
    assert stored["idempotency_key"] == "S1" and stored["packages"][0]["carrier_code"] == "DHL Express"
    assert stored["id"] == out["shipment_ids"][0]

    files = {"file": ("wms.csv", csv_of(world, orders).encode(), "text/csv")}
    again = bare_api.post(url, params={"connection": str(world.connection_id)}, files=files,
                          headers=h(bare_api, "operator"))
    assert again.status_code == 200 and (again.json()["accepted"], again.json()["duplicates"]) == (0, 1)
    bad = bare_api.post(url, params={"connection": world.connection_id, "mapping": '{"columns": {"x": "y"}}'},
                        content=b"a,b\n", headers=h(bare_api, "operator"))
    assert bad.status_code == 400 and "mapping" in bad.json()["detail"]
    assert bare_api.post(url, params={"connection": world.connection_id}, content=b"a",
                         headers=h(bare_api, "viewer")).status_code == 403


def test_c1_shipments_are_listed_filtered_and_shown(bare_api, world, orders):
    post(bare_api, body(world, orders[0]), key="one")
    post(bare_api, body(world, orders[1], tracking="1Z999AA10123456785"), key="two")
    viewer = h(bare_api, "viewer")
    assert bare_api.get("/api/shipments", params={"status": "held"}, headers=viewer).json()["total"] == 1
    by_order = bare_api.get("/api/shipments", params={"order": orders[0].amazon_order_id}, headers=viewer).json()
    assert [s["idempotency_key"] for s in by_order["items"]] == ["one"]
    shown = bare_api.get(f"/api/shipments/{by_order['items'][0]['id']}", headers=viewer)
    assert shown.status_code == 200 and shown.json()["packages"][0]["items"][0]["quantity"] == 1
    assert bare_api.get("/api/shipments/999999", headers=viewer).status_code == 404
    assert bare_api.get("/api/shipments", params={"status": "nope"}, headers=viewer).status_code == 400
    assert bare_api.get("/api/shipments", params={"connection": "nope"}, headers=viewer).status_code == 400


def test_h1_a_refused_shipment_is_reprocessed_once_its_order_is_imported(bare_api, world, orders):
    [early] = world.create_orders(1, status="Unshipped", fba=False)  # on Amazon, not yet in the hub
    line = world.amazon_orders()[early]["lines"][0]
    payload = {**body(world, orders[0]), "amazon_order_id": early}
    payload["packages"][0]["items"] = [{"order_item_id": line["order_item_id"], "quantity": 1}]
    r = post(bare_api, payload, key="early-1")
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "unknown_order"
    error_id = r.json()["error_id"]
    url = f"/api/shipments/errors/{error_id}/reprocess"
    again = bare_api.post(url, headers=h(bare_api, "operator"))
    assert again.status_code == 422 and again.json()["detail"][0]["type"] == "unknown_order"
    assert bare_api.post(url, headers=h(bare_api, "viewer")).status_code == 403

    world.past_search_lag()
    sync_orders(world.hub, world.connection_id)  # the order arrives
    done = bare_api.post(url, headers=h(bare_api, "operator"))
    assert done.status_code == 200, done.text
    assert (done.json()["idempotency_key"], done.json()["amazon_order_id"]) == ("early-1", early)
    error = bare_api.get(f"/api/errors/{error_id}", headers=h(bare_api, "viewer")).json()
    assert error["status"] == "resolved"
    assert bare_api.post(url, headers=h(bare_api, "operator")).json()["id"] == done.json()["id"]  # a replay
    assert bare_api.post("/api/shipments/errors/999999/reprocess", headers=h(bare_api, "operator")).status_code == 404


def test_c1_the_inbox_flow_port_takes_a_file_as_the_inbox(bare_api, world, orders):
    """What the inbox flow gets in its run's ports (``RunPorts.shipments``): the same intake, source inbox."""
    job = confirm_job(world)
    intake = world.hub.flow_context().ports(world.connection_id).shipments
    a = orders[0]
    csv = ("amazon_order_id,order_item_id,quantity,carrier,tracking_number,ship_date\n"
           f"{a.amazon_order_id},{a.lines[0].order_item_id},1,UPS,{UPS[0]},{world.hub.now().date()}\n"
           f"{a.amazon_order_id},NOT-A-LINE,1,UPS,{UPS[1]},{world.hub.now().date()}\n")
    outcome = intake.import_file(csv.encode(), file_name="inbox-0301.csv", source="inbox")
    assert (outcome.accepted, [(e.line, e.code) for e in outcome.errors]) == (1, [(3, "unknown_line")])
    (stored,) = bare_api.get("/api/shipments", headers=h(bare_api, "viewer")).json()["items"]
    assert stored["source"] == "inbox" and stored["idempotency_key"] == f"{a.amazon_order_id}/{UPS[0]}"
    assert confirm_asked(world, job) == 1
