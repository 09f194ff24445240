"""The sandbox writes orders as Amazon does for issue 9's cases, every answer checked against Amazon's model."""

from __future__ import annotations

import pytest

from sellerbridge.sandbox import render_orders_v2026 as render
from sellerbridge.sandbox.state import SHIPPED, Shipment, ShipmentItem
from tests.support.models import validate_response

ALL_DATA = ",".join(render.DATASETS)


def _orders(sandbox, client, count: int = 1, **spec) -> list[str]:
    r = sandbox.http.post(f"/_sandbox/sellers/{client.creds.seller_id}/orders",
                          json={"count": count, "status": "Unshipped", "fba": False, **spec})
    assert r.status_code == 201, r.text
    return r.json()["order_ids"]


def _get(client, order_id: str) -> dict:
    r = client.get(f"/orders/2026-01-01/orders/{order_id}", params={"includedData": ALL_DATA})
    validate_response("orders_2026", "getOrder", r.status_code, r.json())
    return r.json()["order"]


def _amounts(order: dict) -> list[str]:
    found: list[str] = []

    def walk(value) -> None:
        if isinstance(value, dict):
            if set(value) == {"amount", "currencyCode"}:
                found.append(value["amount"])
            for child in value.values():
                walk(child)
        elif isinstance(value, list):
            for child in value:
                walk(child)
    walk(order)
    return found


def test_a_japanese_order_is_written_in_whole_yen(sandbox):
    client = sandbox.client_for(sandbox.create_seller(marketplaces=["JP"], catalog_size=10, seed=3))
    order = _get(client, _orders(sandbox, client)[0])
    amounts = _amounts(order)
    assert amounts and all("." not in a for a in amounts)
    assert order["proceeds"]["grandTotal"]["currencyCode"] == "JPY"


def test_a_brazilian_address_has_amazons_extended_fields(sandbox):
    client = sandbox.client_for(sandbox.create_seller(marketplaces=["BR"], catalog_size=10, seed=3))
    address = _get(client, _orders(sandbox, client)[0])["recipient"]["deliveryAddress"]
    number = address["extendedFields"]["streetNumber"]
    assert address["extendedFields"]["streetName"] == "Avenida Paulista" and number.isdigit()
    assert address["addressLine1"] == f"Avenida Paulista, {number}" and address["municipality"] == "São Paulo"


def test_scripted_programs_are_written_and_unknown_ones_refused(sandbox, seller):
    order = _get(seller, _orders(sandbox, seller, programs=["IN_STORE_PICK_UP", "PREORDER"])[0])
    assert {"IN_STORE_PICK_UP", "PREORDER"} <= set(order["programs"])
    r = sandbox.http.post(f"/_sandbox/sellers/{seller.creds.seller_id}/orders",
                          json={"count": 1, "programs": ["TELEPORT"]})
    assert r.status_code == 400


@pytest.mark.parametrize("delivered", [False, True])
def test_a_package_reads_delivered_after_the_delivery_scan_and_the_order_changes(sandbox, seller, delivered):
    [order_id] = _orders(sandbox, seller)
    backend = sandbox.backend
    state = backend.sellers[seller.creds.seller_id]
    order = state.orders[order_id]
    now = backend.now()
    order.shipments.append(Shipment("1", "UPS", None, None, "1Z1", now, [ShipmentItem(ln.order_item_id, ln.quantity)
                                                                        for ln in order.lines], now, "confirmShipment"))
    order.status = SHIPPED
    backend.touch_order(state, order, now)
    sandbox.advance(60)
    before = _get(seller, order_id)
    if delivered:
        r = sandbox.http.post(f"/_sandbox/sellers/{seller.creds.seller_id}/orders/{order_id}/deliver")
        assert r.status_code == 200, r.text
    after = _get(seller, order_id)
    status = after["packages"][0]["packageStatus"]["status"]
    assert before["packages"][0]["packageStatus"]["status"] == "SHIPPED"
    assert status == ("DELIVERED" if delivered else "SHIPPED")
    assert (after["lastUpdatedTime"] > before["lastUpdatedTime"]) is delivered
