"""REST API (I2) against a real database (SQLite and PostgreSQL) and the real sandbox on loopback."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.api.conftest import h, map_all_skus, wait_for
from tests.flows.support import World
from tests.support import notifications as notices

INTAKE = "/intake/amazon/intake-secret-token"


def order_change(world: World, seller_id: str, order_id: str) -> dict[str, Any]:
    """Amazon's ORDER_CHANGE naming the subscription the hub made for the world's seller (issue 9)."""
    return notices.order_change(seller_id, order_id, notices.subscribe(world))


def test_i2_without_key_401_and_wrong_role_403(api, world: World) -> None:
    assert api.get("/api/connections").status_code == 401
    assert api.get("/api/connections", headers={"X-API-Key": "sb_nope"}).status_code == 401
    assert api.get("/api/connections", headers=h(api, "viewer")).status_code == 200
    assert api.post(f"/api/connections/{world.connection_id}/sync/orders", headers=h(api, "viewer")).status_code == 403
    assert api.post(f"/api/connections/{world.connection_id}/disable", headers=h(api, "operator")).status_code == 403
    assert api.post("/api/api-keys", json={"name": "x", "roles": ["viewer"]},
                    headers=h(api, "operator")).status_code == 403
    assert api.get("/openapi.json").json()["paths"]["/api/orders"]


def test_a1_a2_a5_admin_adds_tests_and_disables_a_connection(api, world: World) -> None:
    sandbox_seller = world.sandbox.create_seller(marketplaces=["CA"], catalog_size=5, seed=9)
    body = {"name": "acme-ca", "marketplace": "CA", "client_id": sandbox_seller.client_id,
            "client_secret": sandbox_seller.client_secret, "refresh_token": sandbox_seller.refresh_token,
            "seller_id": sandbox_seller.seller_id, "api_base_url": world.base_url,
            "lwa_token_url": f"{world.base_url}/auth/o2/token"}
    r = api.post("/api/connections", json=body, headers=h(api, "admin"))
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["region"] == "na" and created["has_credentials"]
    assert sandbox_seller.client_secret not in r.text and sandbox_seller.refresh_token not in r.text
    assert api.post("/api/connections", json=body, headers=h(api, "admin")).status_code == 409
    test = api.post(f"/api/connections/{created['id']}/test", headers=h(api, "operator")).json()
    assert test["ok"] is True, test
    r = api.post(f"/api/connections/{created['id']}/disable", headers=h(api, "admin"))
    assert r.json()["status"] == "disabled"
    test = api.post(f"/api/connections/{created['id']}/test", headers=h(api, "operator")).json()
    assert test["ok"] is False and "disabled" in test["message"]
    assert api.post(f"/api/connections/{created['id']}/enable", headers=h(api, "admin")).json()["status"] == "active"


def test_b13_pii_masked_without_view_pii_and_shown_with_it(api, world: World) -> None:
    [order_id] = world.create_orders(1, status="Unshipped", fba=False)
    r = api.post(INTAKE, json=order_change(world, world.seller_id, order_id))
    assert r.status_code == 202, r.text
    wait_for(lambda: api.get("/api/orders", headers=h(api, "viewer")).json()["total"] == 1)
    masked = api.get(f"/api/orders/{order_id}", headers=h(api, "viewer")).json()
    shown = api.get(f"/api/orders/{order_id}", headers=h(api, "pii")).json()
    assert masked["address"]["name"] == "***" and masked["address"]["line1"] == "***"
    assert masked["pii_shown"] is False
    assert shown["address"]["name"] not in (None, "***") and shown["pii_shown"] is True
    assert shown["address"]["name"] not in json.dumps(masked)


def test_b1_intake_answers_202_then_the_order_is_stored(api, world: World) -> None:
    [order_id] = world.create_orders(1, status="Unshipped", fba=False)
    note = order_change(world, world.seller_id, order_id)
    wrapped = {"Type": "Notification", "Message": json.dumps(note)}  # SNS-style wrapping
    started = time.monotonic()
    r = api.post(INTAKE, content=json.dumps({"Body": json.dumps(wrapped)}))
    assert r.status_code == 202 and time.monotonic() - started < 2
    api.post(INTAKE, json=note)  # a duplicate notification changes nothing
    stored = wait_for(lambda: world.rows("SELECT amazon_order_id FROM orders"))
    assert [row[0] for row in stored] == [order_id]
    time.sleep(0.3)
    assert len(world.rows("SELECT id FROM orders")) == 1


def test_b1_intake_refuses_other_bodies_and_ignores_unknown_sellers(api, world: World) -> None:
    r = api.post(INTAKE, json={"NotificationType": "FEED_PROCESSING_FINISHED"})
    assert r.status_code == 400 and "ORDER_CHANGE" in r.json()["detail"]
    assert api.post(INTAKE, content=b"not json").status_code == 400
    forged_token = order_change(world, world.seller_id, "111-1111111-1111111")
    assert api.post("/intake/amazon/wrong-token", json=forged_token).status_code == 404
    r = api.post(INTAKE, json=order_change(world, "AUNKNOWNSELLER", "111-1111111-1111111"))
    assert r.status_code == 202 and r.json()["status"] == "ignored"
    assert world.rows("SELECT COUNT(*) FROM pending_fetches")[0][0] == 0  # nothing queued for it


def test_h2_operator_starts_a_sync_and_sees_its_run(api, world: World) -> None:
    world.create_orders(3, status="Unshipped", fba=False)
    world.past_search_lag()
    r = api.post(f"/api/connections/{world.connection_id}/sync/orders", headers=h(api, "operator"))
    assert r.status_code == 202, r.text
    run_id = r.json()["run_id"]
    assert run_id is not None
    run = wait_for(lambda: (lambda j: j if j["status"] in ("done", "partial", "failed") else None)(
        api.get(f"/api/runs/{run_id}", headers=h(api, "viewer")).json()))
    assert run["status"] == "done", run
    assert run["counts"]["created"] == 3
    assert api.get("/api/orders", headers=h(api, "viewer")).json()["total"] == 3
    assert [r["id"] for r in api.get("/api/runs", headers=h(api, "viewer")).json()] == [run_id]


@pytest.mark.unmapped
def test_b11_unmappable_order_is_listed_reprocessed_after_the_fix_and_dismissable(api, world: World) -> None:
    from tests.support import flows as order_sync

    ids = world.create_orders(2, status="Unshipped", fba=False)
    report = order_sync.fetch_orders(world.hub, world.connection_id, ids)
    assert report.counts["errors"] == 2
    errors = api.get("/api/errors", headers=h(api, "viewer")).json()["items"]
    assert sorted(e["key"] for e in errors) == sorted(ids)
    first, second = errors
    assert "payload" not in api.get(f"/api/errors/{first['id']}", headers=h(api, "viewer")).json()
    assert api.get(f"/api/errors/{first['id']}", headers=h(api, "pii")).json()["payload"]
    assert api.post(f"/api/errors/{first['id']}/reprocess", headers=h(api, "viewer")).status_code == 403
    map_all_skus(world)
    r = api.post(f"/api/errors/{first['id']}/reprocess", headers=h(api, "operator"))
    assert r.status_code == 202, r.text  # the connection's orders_fetch run, on the runtime
    run_id = r.json()["run_id"]
    run = wait_for(lambda: (lambda j: j if j["status"] in ("done", "partial", "failed") else None)(
        api.get(f"/api/runs/{run_id}", headers=h(api, "viewer")).json()))
    assert run["flow"] == "orders_fetch" and run["counts"]["created"] == 1, run
    assert api.get(f"/api/errors/{first['id']}", headers=h(api, "viewer")).json()["status"] == "resolved"
    assert [row[0] for row in world.rows("SELECT amazon_order_id FROM orders")] == [first["key"]]
    r = api.post(f"/api/errors/{second['id']}/dismiss", headers=h(api, "operator"))
    assert r.json()["status"] == "dismissed"
    assert api.get("/api/errors", headers=h(api, "viewer")).json()["total"] == 0
