"""B13, I2: every view of buyer data through the REST API is written to the PII access log; a view
without the view_pii grant sees masked data and writes nothing."""

from __future__ import annotations

import pytest

from sellerbridge.services import api_keys
from sellerbridge.services.orders import MASK
from sellerbridge.services.pii import list_accesses
from tests.api.conftest import h
from tests.flows.support import World
from tests.support.flows import fetch_orders
from tests.support.pii import seed_every_pii_field

pytestmark = pytest.mark.server


def _imported(world: World) -> tuple[str, list[str]]:
    [order_id] = world.create_orders(1, status="Unshipped", fba=False)
    values = seed_every_pii_field(world, [order_id])
    assert fetch_orders(world.hub, world.connection_id, [order_id]).counts["created"] == 1
    return order_id, values


def _audit_rows(world: World) -> list:
    return list(reversed(list_accesses(world.hub)))  # oldest first


def _key_id(world: World, name: str) -> int:
    return next(k.id for k in api_keys.list_keys(world.hub) if k.name == name)


def test_b13_viewing_an_orders_pii_through_rest_writes_who_what_when_and_where(bare_api, world: World):
    order_id, values = _imported(world)
    before = world.hub.now()

    r = bare_api.get(f"/api/orders/{order_id}", headers=h(bare_api, "pii"))

    assert r.status_code == 200 and r.json()["pii_shown"] is True
    assert r.json()["address"]["line1"] in values and r.json()["lines"][0]["gift_message"] in values
    [row] = _audit_rows(world)
    assert row.actor == f"api-key:{_key_id(world, 'pii')}:pii" and row.channel == "rest"
    assert (row.connection_id, row.amazon_order_id, row.route) == (world.connection_id, order_id,
                                                                    "GET /api/orders/{ref}")
    assert {"address.name", "address.line1", "address.postal_code", "address.phone", "line.gift_message"} <= set(
        row.fields)
    assert before <= row.at <= world.hub.now()
    [stored] = world.rows("SELECT * FROM pii_access_log")
    assert not any(value.lower() in str(tuple(stored)).lower() for value in values)  # names fields, never values


def test_b13_a_view_without_view_pii_sees_masked_data_and_writes_no_audit_row(bare_api, world: World):
    order_id, values = _imported(world)

    r = bare_api.get(f"/api/orders/{order_id}", headers=h(bare_api, "viewer"))

    assert r.status_code == 200 and r.json()["pii_shown"] is False
    assert r.json()["address"]["line1"] == MASK and r.json()["lines"][0]["gift_message"] == MASK
    assert not any(value in r.text for value in values)
    assert _audit_rows(world) == []


@pytest.mark.unmapped
def test_b13_viewing_an_error_document_with_view_pii_writes_an_audit_row(bare_api, world: World):
    [order_id] = world.create_orders(1, status="Unshipped", fba=False)
    assert fetch_orders(world.hub, world.connection_id, [order_id]).counts["errors"] == 1
    [error] = bare_api.get("/api/errors", headers=h(bare_api, "viewer")).json()["items"]

    assert "payload" not in bare_api.get(f"/api/errors/{error['id']}", headers=h(bare_api, "viewer")).json()
    assert _audit_rows(world) == []
    shown = bare_api.get(f"/api/errors/{error['id']}", headers=h(bare_api, "pii")).json()

    assert shown["payload"]["orderId"] == order_id
    [row] = _audit_rows(world)
    assert (row.channel, row.amazon_order_id, row.route) == ("rest", order_id, "GET /api/errors/{error_id}")
