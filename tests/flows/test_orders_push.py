"""The push path, order preview, and connections that cannot run (B1, B12, B13, A4, A5)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sellerbridge.amazon.notifications.parse import parse_order_change
from sellerbridge.db.repositories import connections
from sellerbridge.services.pii import cli_viewer
from tests.support.flows import fetch_orders, preview_order, sync_orders
from tests.support.sandbox import live_server

pytestmark = pytest.mark.server

ARN = "arn:aws:sqs:us-east-1:123456789012:hub-flow-tests"


class Queue:
    """A loopback endpoint standing in for the SQS queue Amazon delivers notifications to."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        self.lock = threading.Lock()
        self.app = Starlette(routes=[Route("/queue", self.post, methods=["POST"])])

    async def post(self, request: Request) -> JSONResponse:
        body = await request.json()
        with self.lock:
            self.bodies.append(body)
        return JSONResponse({"ok": True})


def _subscribe(world, queue_url: str) -> None:
    http, creds = world.sandbox.http, world.creds
    r = http.post("/auth/o2/token", data={"grant_type": "client_credentials",
                                          "scope": "sellingpartnerapi::notifications",
                                          "client_id": creds.client_id, "client_secret": creds.client_secret})
    grantless = r.json()["access_token"]
    r = http.post("/notifications/v1/destinations", headers={"x-amz-access-token": grantless},
                  json={"name": "hub", "resourceSpecification": {"sqs": {"arn": ARN}}})
    assert r.status_code == 200, r.text
    destination = r.json()["payload"]["destinationId"]
    assert http.post("/_sandbox/sqs", json={"arn": ARN, "url": queue_url}).status_code == 200
    r = http.post("/notifications/v1/subscriptions/ORDER_CHANGE",
                  headers={"x-amz-access-token": world.sandbox.access_token(creds)},
                  json={"payloadVersion": "1.0", "destinationId": destination})
    assert r.status_code == 200, r.text


def test_b1_orders_named_by_order_change_notifications_are_stored_at_once_without_search(world):
    queue = Queue()
    with live_server(queue.app) as queue_base:
        _subscribe(world, f"{queue_base}/queue")
        ids = world.create_orders(15, status="Unshipped")
        world.advance(1)  # the sandbox delivers its notifications when its clock moves
        with queue.lock:
            bodies = list(queue.bodies)
    changed = [parse_order_change(body).amazon_order_id for body in bodies]
    assert set(changed) == set(ids)

    report = fetch_orders(world.hub, world.connection_id, changed + changed[:5])  # SQS may deliver twice

    assert report.status == "done" and report.counts["created"] == 15
    assert world.calls("searchOrders") == 0  # seconds after the change, not two minutes (search lag)
    assert set(world.stored_ids()) == set(ids)
    world.assert_consistent()
    # polling stays the backstop: it finds the same orders and stores nothing twice
    world.past_search_lag()
    backstop = sync_orders(world.hub, world.connection_id)
    assert backstop.counts["created"] == 0 and backstop.counts["unchanged"] == 15
    world.assert_consistent()


def test_b12_preview_shows_what_would_be_imported_and_writes_nothing(world):
    [order_id] = world.create_orders(1, status="Unshipped", fba=False)

    hidden = preview_order(world.hub, world.connection_id, order_id)
    shown = preview_order(world.hub, world.connection_id, order_id,
                          viewer=cli_viewer("orders preview --pii", may_view_pii=True, channel="preview"))

    assert hidden.decision == "import" and hidden.error is None and hidden.stored is None
    assert hidden.mapped.send_to_warehouse and hidden.mapped.ship_method in ("UPS-GND", "UPS-NDA")
    assert all(line.product_code.startswith("INT-") for line in hidden.mapped.lines)
    assert hidden.mapped.ship_to.line1 is None and hidden.mapped.customer.name is None  # B13: no permission
    assert shown.mapped.ship_to.line1 and shown.mapped.customer.name
    assert "line1" in str(shown.as_dict()) and hidden.as_dict()["order"]["ship_to"]["line1"] is None
    assert world.stored_ids() == [] and world.events() == [] and world.open_errors() == []

    sku = world.amazon_orders()[order_id]["lines"][0]["sku"]
    world.unmap_sku(sku)
    broken = preview_order(world.hub, world.connection_id, order_id)
    assert broken.decision == "error" and broken.error.code == "unknown_sku"
    assert world.open_errors() == []  # a preview never writes the error log either


def test_b13_without_the_pii_grant_no_buyer_data_is_asked_for_or_stored(make_world):
    world = make_world(order_settings={})
    ids = world.create_orders(10, status="Unshipped", fba=False)
    world.past_search_lag()

    report = sync_orders(world.hub, world.connection_id)

    assert report.status == "done" and report.counts["created"] == 10
    assert world.rows("SELECT id FROM customers") == []
    assert world.rows("SELECT order_id FROM order_addresses WHERE name_enc IS NOT NULL OR line1_enc IS NOT NULL "
                      "OR phone_enc IS NOT NULL OR postal_code IS NOT NULL") == []
    asked = [r[0] for r in world.rows("SELECT request_summary FROM sp_api_calls WHERE operation = 'searchOrders'")]
    assert asked and not any("BUYER" in a or "RECIPIENT" in a for a in asked)
    assert set(world.stored_ids()) == set(ids)
    world.assert_consistent()


def test_a5_a_disabled_connection_stops_with_a_clear_message_and_calls_nobody(world):
    world.create_orders(5, status="Unshipped")
    world.past_search_lag()
    with world.hub.store.uow() as session:
        connections.set_status(session, world.connection_id, "disabled")

    report = sync_orders(world.hub, world.connection_id)

    assert report.status == "failed" and not report.retryable
    assert "disabled" in report.error
    assert world.calls("searchOrders") == 0 and world.stored_ids() == []
    [run] = world.runs()
    assert run.status == "failed" and run.error == report.error


def test_a4_an_expired_authorization_stops_the_sync_with_how_to_fix_it(world):
    world.create_orders(5, status="Unshipped")
    world.past_search_lag()
    with world.hub.store.uow() as session:
        connections.set_secrets(session, world.hub.store.box, world.connection_id,
                                authorization_expires_at=world.hub.now() - timedelta(minutes=1))

    report = sync_orders(world.hub, world.connection_id)

    assert report.status == "failed" and not report.retryable
    assert "authorization expired" in report.error and "authorize" in report.error
    assert world.calls("searchOrders") == 0
    with world.hub.store.uow(read_only=True) as session:
        assert connections.get_connection(session, world.connection_id).last_error == report.error
