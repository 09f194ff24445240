"""REST for prices and their approvals (E1, E3) and the items import (I5): roles, hostile prices, who decided."""

from __future__ import annotations

import pytest

from sellerbridge.db.tables import stock_settings
from tests.support import confirmations
from tests.support.flows import run_flow


def headers(api, role="operator"):
    return {"X-API-Key": api.keys[role]}


def a_sku(world) -> str:
    return world.rows("SELECT amazon_sku FROM channel_listings WHERE item_id IS NOT NULL ORDER BY amazon_sku")[0][0]


@pytest.fixture
def client(bare_api, world):
    bare_api.world = world
    return bare_api


def test_e1_set_and_list_prices(client):
    world = client.world
    sku = a_sku(world)
    url = f"/api/connections/{world.connection_id}/prices/{sku}"
    body = {"price": "12.50", "minimum": "10", "maximum": "20"}
    assert client.put(url, json=body, headers=headers(client, "viewer")).status_code == 403
    assert client.put(url, json=body).status_code == 401
    r = client.put(url, json=body, headers=headers(client))
    assert r.status_code == 200, r.text
    assert (r.json()["price"], r.json()["currency"], r.json()["minimum"], r.json()["dirty"]) == (
        "12.50", "USD", "10.00", False)  # no push state yet: the next run adds it, dirty
    listed = client.get(f"/api/connections/{world.connection_id}/prices", headers=headers(client, "viewer"))
    assert listed.status_code == 200
    [row] = [x for x in listed.json() if x["sku"] == sku]
    assert row["price"] == "12.50" and row["sent"] is None
    as_number = client.put(url, json={"price": 13.99}, headers=headers(client))
    assert as_number.status_code == 200 and as_number.json()["price"] == "13.99"


@pytest.mark.parametrize(("body", "words"), [
    ({"price": "-1"}, "more than 0"), ({"price": "0"}, "more than 0"), ({"price": "NaN"}, None),
    ({"price": "Infinity"}, None), ({"price": "1e30"}, None), ({"price": "12.345"}, "decimals"),
    ({"price": "abc"}, None), ({"price": "15", "minimum": "20"}, "below the minimum"),
    ({"price": "15", "maximum": "10"}, "above the maximum"), ({"minimum": "30", "maximum": "10"}, "above the maximum"),
    ({"price": [1]}, None), ({"price": True}, None),
])
def test_e1_hostile_prices_are_422_with_a_reason(client, body, words):
    world = client.world
    r = client.put(f"/api/connections/{world.connection_id}/prices/{a_sku(world)}", json=body,
                   headers=headers(client))
    assert r.status_code == 422, r.text
    if words:
        assert words in str(r.json()["detail"])


def test_e1_an_unknown_sku_or_connection_is_404(client):
    world = client.world
    r = client.put(f"/api/connections/{world.connection_id}/prices/NOPE-1", json={"price": "5"},
                   headers=headers(client))
    assert r.status_code == 404 and "NOPE-1" in r.json()["detail"]
    assert client.get("/api/connections/nope/prices", headers=headers(client, "viewer")).status_code in (400, 404)


def test_e3_approve_and_reject_over_rest_record_who(client):
    world = client.world
    first, second = [r[0] for r in world.rows(
        "SELECT amazon_sku FROM channel_listings WHERE item_id IS NOT NULL ORDER BY amazon_sku")[:2]]
    for sku in (first, second):
        client.put(f"/api/connections/{world.connection_id}/prices/{sku}", json={"price": "10.00"},
                   headers=headers(client))
    now = world.hub.now()
    with world.hub.store.uow() as session:
        session.execute(stock_settings.insert().values(connection_id=world.connection_id, updated_at=now,
                                                       price_guard_percent=None))
    confirmations.run_until_done(world, "price_push")
    with world.hub.store.uow() as session:
        session.execute(stock_settings.update().values(price_guard_percent=20))
    for sku in (first, second):
        client.put(f"/api/connections/{world.connection_id}/prices/{sku}", json={"price": "50.00"},
                   headers=headers(client))
    run_flow(world.hub, "price_push", world.connection_id)
    waiting = client.get("/api/price-approvals", headers=headers(client, "viewer"))
    assert waiting.status_code == 200
    ids = {row["sku"]: row["held"]["id"] for row in waiting.json()}
    assert set(ids) == {first, second}
    assert client.post(f"/api/price-approvals/{ids[first]}/approve", headers=headers(client, "viewer")).status_code \
        == 403
    ok = client.post(f"/api/price-approvals/{ids[first]}/approve", headers=headers(client))
    assert ok.status_code == 200 and ok.json()["held"]["decided_by"] == "api:operator"
    no = client.post(f"/api/price-approvals/{ids[second]}/reject", headers=headers(client))
    assert no.status_code == 200 and no.json()["held"]["decision"] == "rejected"
    again = client.post(f"/api/price-approvals/{ids[second]}/approve", headers=headers(client))
    assert again.status_code == 409 and "rejected" in again.json()["detail"]
    assert client.post("/api/price-approvals/999999/approve", headers=headers(client)).status_code == 404
    assert client.post("/api/price-approvals/abc/approve", headers=headers(client)).status_code == 404
    assert client.get("/api/price-approvals", headers=headers(client, "viewer")).json() == []
    report = run_flow(world.hub, "price_push", world.connection_id)
    assert report.counts["sent"] == 1


def test_i5_items_import_over_rest_is_202_with_a_run(client):
    world = client.world
    r = client.post(f"/api/connections/{world.connection_id}/items/import", headers=headers(client))
    assert r.status_code == 202, r.text
    assert r.json()["flow"] == "items_import" and r.json()["run_id"]
    assert client.post(f"/api/connections/{world.connection_id}/items/import",
                       headers=headers(client, "viewer")).status_code == 403
