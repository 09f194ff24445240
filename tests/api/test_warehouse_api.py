"""/api/receivers and /api/deliveries (B14, B13, H1, I2) on SQLite and PostgreSQL, with a real webhook
receiver on loopback: roles, the one-time secret, the audited PII permission, redelivery, acks, 4xx."""

from __future__ import annotations

import json

import pytest

from sellerbridge.channels.signature import verify
from tests.api.conftest import h
from tests.support.flows import run_flow, sync_orders
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.server


def _add(api, receiver: WebhookReceiver, name: str = "wms") -> dict:
    r = api.post("/api/receivers", json={"connection": "us-main", "name": name, "kind": "webhook",
                                         "url": receiver.url}, headers=h(api, "admin"))
    assert r.status_code == 201, r.text
    receiver.secrets.append(r.json()["secret"])
    return r.json()


def test_b14_i2_receivers_add_list_show_test_rotate_pause_and_pii_by_role(bare_api, world):
    api = bare_api
    with WebhookReceiver() as receiver:
        body = {"connection": "us-main", "name": "wms", "kind": "webhook", "url": receiver.url}
        assert api.post("/api/receivers", json=body).status_code == 401
        assert api.post("/api/receivers", json=body, headers=h(api, "operator")).status_code == 403
        created = _add(api, receiver)
        secret = created["secret"]
        assert secret.startswith("whsec_") and created["has_secrets"] and not created["pii_allowed"]
        assert api.post("/api/receivers", json=body, headers=h(api, "admin")).status_code == 409
        rid = created["id"]

        listed = api.get("/api/receivers", params={"connection": "us-main"}, headers=h(api, "viewer"))
        assert listed.status_code == 200 and [r["name"] for r in listed.json()] == ["wms"]
        assert secret not in listed.text
        shown = api.get(f"/api/receivers/{rid}", headers=h(api, "viewer"))
        assert shown.status_code == 200 and secret not in shown.text and "secret" not in shown.json()

        assert api.post(f"/api/receivers/{rid}/test", headers=h(api, "viewer")).status_code == 403
        tested = api.post(f"/api/receivers/{rid}/test", headers=h(api, "operator"))
        assert tested.status_code == 200 and tested.json()["ok"] and tested.json()["status"] == 200, tested.text
        [ping] = [m for m in receiver.processed.values() if m["topic"] == "ping"]
        assert ping["receiver"] == "wms"

        assert api.post(f"/api/receivers/{rid}/allow-pii", headers=h(api, "operator")).status_code == 403
        allowed = api.post(f"/api/receivers/{rid}/allow-pii", headers=h(api, "admin"))
        assert allowed.status_code == 200 and allowed.json()["pii_allowed"]
        assert allowed.json()["pii_changed_by"].startswith("api-key:") and allowed.json()["pii_changed_at"]
        assert not api.post(f"/api/receivers/{rid}/deny-pii", headers=h(api, "admin")).json()["pii_allowed"]

        assert api.post(f"/api/receivers/{rid}/rotate-secret", headers=h(api, "operator")).status_code == 403
        rotated = api.post(f"/api/receivers/{rid}/rotate-secret", headers=h(api, "admin"))
        assert rotated.status_code == 200 and rotated.json()["secret"] not in (None, secret)
        receiver.secrets = [rotated.json()["secret"]]
        assert api.post(f"/api/receivers/{rid}/test", headers=h(api, "operator")).json()["ok"]
        header = receiver.headers_seen[-1]["Sellerbridge-Signature"]
        assert header.count("v1=") == 2
        assert api.post(f"/api/receivers/{rid}/finish-rotation", headers=h(api, "admin")).status_code == 200
        assert api.post(f"/api/receivers/{rid}/test", headers=h(api, "operator")).json()["ok"]
        assert receiver.headers_seen[-1]["Sellerbridge-Signature"].count("v1=") == 1

        paused = api.post(f"/api/receivers/{rid}/pause", headers=h(api, "operator"))
        assert paused.status_code == 200 and paused.json()["paused"]
        assert not api.post(f"/api/receivers/{rid}/resume", headers=h(api, "operator")).json()["paused"]

        audit = [a["action"] for a in api.get(f"/api/receivers/{rid}", headers=h(api, "viewer")).json()["audit"]]
        assert audit == ["added", "pii_allowed", "pii_denied", "secret_rotated", "rotation_finished", "paused",
                         "resumed"]
        assert receiver.bad_signatures == 0


@pytest.mark.parametrize(("body", "status"), [
    ({"connection": "us-main", "name": "x", "kind": "webhook", "url": "http://wms.example.com/hook"}, 400),
    ({"connection": "us-main", "name": "x", "kind": "webhook"}, 400),
    ({"connection": "us-main", "name": "x", "kind": "webhook", "url": "https://u:p@wms.example.com/"}, 400),
    ({"connection": "nope", "name": "x", "kind": "webhook", "url": "https://wms.example.com/"}, 400),
    ({"connection": "us-main", "name": "x", "kind": "carrier-pigeon"}, 422),
    ({"connection": "us-main", "name": "x", "kind": "local_dir", "config": {}}, 400),
    ({"connection": "us-main", "name": "x", "kind": "local_dir", "config": {"directory": "/tmp/x", "evil": 1}}, 400),
    ({"connection": "us-main", "name": "x", "kind": "sftp", "config": {"host": "h", "username": "u",
                                                                        "directory": "d", "port": 0}}, 400),
    ({"connection": "us-main", "name": "", "kind": "webhook", "url": "https://wms.example.com/"}, 422),
])
def test_i2_bad_receivers_are_refused_with_a_clear_4xx(bare_api, body, status):
    r = bare_api.post("/api/receivers", json=body, headers=h(bare_api, "admin"))
    assert r.status_code == status, r.text
    assert "detail" in r.json()


def test_b14_h1_deliveries_list_show_redeliver_and_the_unknown_are_404(bare_api, world):
    api = bare_api
    with WebhookReceiver() as receiver:
        created = _add(api, receiver)
        ids = world.create_orders(2, status="Unshipped", fba=False)
        world.past_search_lag()
        sync_orders(world.hub, world.connection_id)
        run_flow(world.hub, "deliveries", world.connection_id)
        page = api.get("/api/deliveries", params={"receiver": str(created["id"]), "status": "acknowledged"},
                       headers=h(api, "viewer"))
        assert page.status_code == 200 and page.json()["total"] == 2, page.text
        one = page.json()["items"][0]
        shown = api.get(f"/api/deliveries/{one['id']}", headers=h(api, "viewer")).json()
        assert [a["status"] for a in shown["attempt_log"]] == [200] and shown["attempt_log"][0]["ok"]
        assert api.get("/api/deliveries", params={"order": one["order_id"]}, headers=h(api, "viewer")).json()[
            "total"] == 1

        assert api.post(f"/api/deliveries/{one['id']}/redeliver", headers=h(api, "viewer")).status_code == 403
        again = api.post(f"/api/deliveries/{one['id']}/redeliver", headers=h(api, "operator"))
        assert again.status_code == 202 and again.json()["run_id"] and again.json()["items"][0]["status"] == "pending"
        run_flow(world.hub, "deliveries", world.connection_id)
        sent = [m for m, _, _ in receiver.requests if m == one["message_id"]]
        assert len(sent) == 2 and len(receiver.processed) == 2  # sent again, processed once (same message id)
        assert sorted(m["order"]["amazon_order_id"] for m in receiver.processed.values()) == sorted(ids)

        assert api.get("/api/deliveries/999999", headers=h(api, "viewer")).status_code == 404
        assert api.post("/api/deliveries/999999/redeliver", headers=h(api, "operator")).status_code == 404
        assert api.get("/api/receivers/999999", headers=h(api, "viewer")).status_code == 404
        assert api.get("/api/deliveries", params={"status": "lost"}, headers=h(api, "viewer")).status_code == 400
        assert api.post("/api/deliveries/ack", json={}, headers=h(api, "operator")).status_code == 400
        assert api.post("/api/deliveries/ack", json={"batches": [""]}, headers=h(api, "operator")).status_code == 422
        nothing = api.post(f"/api/receivers/{created['id']}/redeliver", headers=h(api, "operator"))
        assert nothing.status_code == 202 and nothing.json() == {"items": [], "run_id": None, "job": None}


def test_b14_webhook_signature_matches_the_documented_algorithm(bare_api, world):
    with WebhookReceiver() as receiver:
        created = _add(bare_api, receiver)
        bare_api.post(f"/api/receivers/{created['id']}/test", headers=h(bare_api, "operator"))
        headers = receiver.headers_seen[-1]
        assert headers["Content-Type"] == "application/json"
        assert headers["Sellerbridge-Topic"] == "ping" and headers["Sellerbridge-Message-Id"].startswith("ping-")
        [body] = list(receiver.processed.values())
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        assert verify(created["secret"], headers["Sellerbridge-Signature"], raw)


def test_b14_h2_metrics_count_deliveries_by_kind_and_open_breakers(bare_api, world):
    from tests.api.test_health_metrics import scrape_of, value

    with WebhookReceiver() as receiver:
        created = _add(bare_api, receiver)
        world.create_orders(6, status="Unshipped", fba=False)
        world.past_search_lag()
        sync_orders(world.hub, world.connection_id)
        empty = scrape_of(bare_api)
        assert value(empty, "sellerbridge_deliveries", kind="webhook", status="pending") == 0
        assert value(empty, "sellerbridge_delivery_breakers_open", kind="webhook") == 0
        receiver.mode = "500"
        run_flow(world.hub, "deliveries", world.connection_id)  # five fail, the breaker opens
        scrape = scrape_of(bare_api)
        assert value(scrape, "sellerbridge_deliveries", kind="webhook", status="pending") == 6
        assert value(scrape, "sellerbridge_deliveries", kind="webhook", status="failed") == 0
        assert value(scrape, "sellerbridge_deliveries", kind="sftp", status="pending") == 0
        assert value(scrape, "sellerbridge_delivery_breakers_open", kind="webhook") == 1
        assert created["id"]
