"""Notifications API v1 in the sandbox, and delivery of ORDER_CHANGE / FEED / REPORT notifications (I4)."""

from __future__ import annotations

import threading
import time

import httpx
import jsonschema
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sellerbridge.sandbox import notify
from sellerbridge.sandbox.app import create_app
from sellerbridge.sandbox.runner import lifespan
from tests.support.models import load_schema, validate_response
from tests.support.sandbox import live_server

ARN = "arn:aws:sqs:us-east-1:123456789012:sellerbridge-notifications"
DEST = "/notifications/v1/destinations"
SUBS = "/notifications/v1/subscriptions"


# --- helpers ---------------------------------------------------------------------------------

class Receiver:
    """A loopback HTTP endpoint standing in for an SQS queue; records what it is sent."""

    def __init__(self, fail_first: int = 0) -> None:
        self.received: list[dict] = []
        self.fail_left = fail_first
        self.lock = threading.Lock()
        self.app = Starlette(routes=[Route("/queue", self.post, methods=["POST"])])

    async def post(self, request: Request) -> JSONResponse:
        body = await request.json()
        with self.lock:
            if self.fail_left > 0:
                self.fail_left -= 1
                return JSONResponse({"error": "down"}, status_code=500)
            self.received.append(body)
        return JSONResponse({"ok": True})


@pytest.fixture
def receiver():
    rec = Receiver()
    with live_server(rec.app) as base:
        rec.url = f"{base}/queue"
        yield rec


def grantless(sandbox, creds, scope: str = "sellingpartnerapi::notifications") -> str:
    r = sandbox.http.post("/auth/o2/token", data={"grant_type": "client_credentials", "scope": scope,
                                                  "client_id": creds.client_id,
                                                  "client_secret": creds.client_secret})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def call(sandbox, method: str, path: str, token: str, **kw) -> httpx.Response:
    return sandbox.http.request(method, path, headers={"x-amz-access-token": token}, **kw)


def create_destination(sandbox, token: str, arn: str = ARN) -> str:
    r = call(sandbox, "POST", DEST, token, json={"name": "hub", "resourceSpecification": {"sqs": {"arn": arn}}})
    assert r.status_code == 200, r.text
    return r.json()["payload"]["destinationId"]


def subscribe(seller, destination_id: str, kind: str = "ORDER_CHANGE", **extra) -> httpx.Response:
    return seller.post(f"{SUBS}/{kind}", json={"payloadVersion": "1.0", "destinationId": destination_id, **extra})


def wire(sandbox, seller, receiver, kind: str = "ORDER_CHANGE", **extra) -> str:
    """Destination + ARN mapping + subscription; returns the subscription id."""
    dest = create_destination(sandbox, grantless(sandbox, seller.creds))
    r = sandbox.http.post("/_sandbox/sqs", json={"arn": ARN, "url": receiver.url})
    assert r.status_code == 200, r.text
    sub = subscribe(seller, dest, kind, **extra)
    assert sub.status_code == 200, sub.text
    return sub.json()["payload"]["subscriptionId"]


def new_order(sandbox, seller, **body) -> str:
    r = sandbox.http.post(f"/_sandbox/sellers/{seller.creds.seller_id}/orders", json=body or {})
    assert r.status_code == 201, r.text
    return r.json()["order_ids"][0]


def order_changes(receiver) -> list[dict]:
    return [n for n in receiver.received if n.get("NotificationType") == "ORDER_CHANGE"]


def check(op: str, r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    validate_response("notifications", op, status, body)
    return body


# --- destinations (grantless) ----------------------------------------------------------------

def test_i4_destination_lifecycle_with_a_grantless_token(sandbox, seller):
    token = grantless(sandbox, seller.creds)
    created = check("createDestination", call(sandbox, "POST", DEST, token, json={
        "name": "hub", "resourceSpecification": {"sqs": {"arn": ARN}}}), 200)
    dest_id = created["payload"]["destinationId"]
    assert created["payload"]["resource"] == {"sqs": {"arn": ARN}}
    listed = check("getDestinations", call(sandbox, "GET", DEST, token), 200)
    assert [d["destinationId"] for d in listed["payload"]] == [dest_id]
    one = check("getDestination", call(sandbox, "GET", f"{DEST}/{dest_id}", token), 200)
    assert one["payload"]["name"] == "hub"
    check("deleteDestination", call(sandbox, "DELETE", f"{DEST}/{dest_id}", token), 200)
    check("getDestination", call(sandbox, "GET", f"{DEST}/{dest_id}", token), 404)
    check("deleteDestination", call(sandbox, "DELETE", f"{DEST}/{dest_id}", token), 404)


def test_i4_eventbridge_destination_names_the_partner_event_source(sandbox, seller):
    token = grantless(sandbox, seller.creds)
    body = check("createDestination", call(sandbox, "POST", DEST, token, json={
        "name": "eb", "resourceSpecification": {"eventBridge": {"region": "us-east-1",
                                                                "accountId": "123456789012"}}}), 200)
    eb = body["payload"]["resource"]["eventBridge"]
    assert eb["region"] == "us-east-1" and eb["accountId"] == "123456789012"
    assert eb["name"].startswith("aws.partner/sellingpartnerapi.amazon.com/123456789012/")


def test_given_same_arn_twice_when_creating_destination_then_409_conflict(sandbox, seller):
    token = grantless(sandbox, seller.creds)
    create_destination(sandbox, token)
    body = check("createDestination", call(sandbox, "POST", DEST, token, json={
        "name": "again", "resourceSpecification": {"sqs": {"arn": ARN}}}), 409)
    assert body["errors"][0]["code"] == "Conflict"
    assert ARN in body["errors"][0]["details"]


def test_given_seller_token_when_calling_destinations_then_403(sandbox, seller):
    r = seller.get(DEST)
    check("getDestinations", r, 403)
    assert r.json()["errors"][0]["code"] == "Unauthorized"
    r = seller.post(DEST, json={"name": "hub", "resourceSpecification": {"sqs": {"arn": ARN}}})
    check("createDestination", r, 403)


def test_given_grantless_token_of_another_scope_when_calling_destinations_then_403(sandbox, seller):
    token = grantless(sandbox, seller.creds, scope="sellingpartnerapi::client_credential:rotation")
    check("getDestinations", call(sandbox, "GET", DEST, token), 403)


@pytest.mark.parametrize("body", [
    {"resourceSpecification": {"sqs": {"arn": ARN}}},
    {"name": "", "resourceSpecification": {"sqs": {"arn": ARN}}},
    {"name": "x" * 257, "resourceSpecification": {"sqs": {"arn": ARN}}},
    {"name": "hub"},
    {"name": "hub", "resourceSpecification": {}},
    {"name": "hub", "resourceSpecification": {"sqs": {"arn": ARN},
                                              "eventBridge": {"region": "us-east-1", "accountId": "123456789012"}}},
    {"name": "hub", "resourceSpecification": {"sqs": {"arn": "https://sqs.us-east-1.amazonaws.com/1/q"}}},
    {"name": "hub", "resourceSpecification": {"sqs": {}}},
    {"name": "hub", "resourceSpecification": {"eventBridge": {"region": "us-east-1", "accountId": "12"}}},
    {"name": "hub", "resourceSpecification": {"eventBridge": {"region": "mars", "accountId": "123456789012"}}},
    {"name": "hub", "resourceSpecification": "sqs"},
])
def test_given_invalid_destination_when_creating_then_400(sandbox, seller, body):
    token = grantless(sandbox, seller.creds)
    r = check("createDestination", call(sandbox, "POST", DEST, token, json=body), 400)
    assert r["errors"][0]["code"] == "InvalidInput"


def test_given_destination_with_subscriptions_when_deleting_then_403_as_amazon(sandbox, seller):
    token = grantless(sandbox, seller.creds)
    dest = create_destination(sandbox, token)
    assert subscribe(seller, dest).status_code == 200
    body = check("deleteDestination", call(sandbox, "DELETE", f"{DEST}/{dest}", token), 403)
    assert body["errors"][0]["details"] == "Destination has subscriptions"


def test_i4_destinations_belong_to_their_application(sandbox, seller):
    dest = create_destination(sandbox, grantless(sandbox, seller.creds))
    other = sandbox.create_seller(marketplaces=["US"], catalog_size=3, seed=11)
    other_token = grantless(sandbox, other)
    check("getDestination", call(sandbox, "GET", f"{DEST}/{dest}", other_token), 404)
    assert call(sandbox, "GET", DEST, other_token).json()["payload"] == []
    r = subscribe(sandbox.client_for(other), dest)
    check("createSubscription", r, 400)
    assert "No destination with id" in r.json()["errors"][0]["details"]


# --- subscriptions ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["ORDER_CHANGE", "FEED_PROCESSING_FINISHED", "REPORT_PROCESSING_FINISHED"])
def test_i4_subscription_lifecycle(sandbox, seller, kind):
    token = grantless(sandbox, seller.creds)
    dest = create_destination(sandbox, token)
    created = check("createSubscription", subscribe(seller, dest, kind), 200)["payload"]
    assert created["destinationId"] == dest and created["payloadVersion"] == "1.0"
    sub_id = created["subscriptionId"]
    got = check("getSubscription", seller.get(f"{SUBS}/{kind}"), 200)["payload"]
    assert got["subscriptionId"] == sub_id
    listed = check("getSubscriptions", seller.get(SUBS, params={"notificationTypes": kind}), 200)
    assert [s["subscriptionId"] for s in listed["payload"]["subscriptions"]] == [sub_id]
    by_id = check("getSubscriptionById", call(sandbox, "GET", f"{SUBS}/{kind}/{sub_id}", token), 200)
    assert by_id["payload"]["destinationId"] == dest
    check("deleteSubscriptionById", call(sandbox, "DELETE", f"{SUBS}/{kind}/{sub_id}", token), 200)
    check("getSubscription", seller.get(f"{SUBS}/{kind}"), 404)
    check("getSubscriptionById", call(sandbox, "GET", f"{SUBS}/{kind}/{sub_id}", token), 404)


def test_i4_subscription_by_id_also_takes_the_sellers_token(sandbox, seller):
    dest = create_destination(sandbox, grantless(sandbox, seller.creds))
    sub_id = subscribe(seller, dest).json()["payload"]["subscriptionId"]
    check("getSubscriptionById", seller.get(f"{SUBS}/ORDER_CHANGE/{sub_id}"), 200)
    check("getSubscriptionById", seller.get(f"{SUBS}/REPORT_PROCESSING_FINISHED/{sub_id}"), 404)
    check("deleteSubscriptionById", seller.delete(f"{SUBS}/ORDER_CHANGE/{sub_id}"), 200)


def test_given_existing_subscription_when_subscribing_again_then_409_state_conflict(sandbox, seller):
    token = grantless(sandbox, seller.creds)
    dest = create_destination(sandbox, token)
    other_dest = create_destination(sandbox, token, arn=ARN + "-2")
    assert subscribe(seller, dest).status_code == 200
    body = check("createSubscription", subscribe(seller, other_dest), 409)
    assert body["errors"][0]["code"] == "StateConflict"
    assert "ORDER_CHANGE" in body["errors"][0]["details"]


def test_given_grantless_token_when_creating_subscription_then_403(sandbox, seller):
    token = grantless(sandbox, seller.creds)
    dest = create_destination(sandbox, token)
    r = call(sandbox, "POST", f"{SUBS}/ORDER_CHANGE", token, json={"payloadVersion": "1.0", "destinationId": dest})
    check("createSubscription", r, 403)


@pytest.mark.parametrize(("kind", "body"), [
    ("ANY_OFFER_CHANGED", {"payloadVersion": "1.0"}),
    ("ORDER_CHANGE", {"destinationId": "DEST"}),
    ("ORDER_CHANGE", {"payloadVersion": "2.0", "destinationId": "DEST"}),
    ("ORDER_CHANGE", {"payloadVersion": "1.0"}),
    ("ORDER_CHANGE", {"payloadVersion": "1.0", "destinationId": "3fa85f64-5717-4562-b3fc-2c963f66afa6"}),
    ("FEED_PROCESSING_FINISHED", {"payloadVersion": "1.0", "destinationId": "DEST",
                                  "processingDirective": {"eventFilter": {"eventFilterType": "ORDER_CHANGE"}}}),
    ("ORDER_CHANGE", {"payloadVersion": "1.0", "destinationId": "DEST",
                      "processingDirective": {"eventFilter": {"eventFilterType": "ANY_OFFER_CHANGED"}}}),
    ("ORDER_CHANGE", {"payloadVersion": "1.0", "destinationId": "DEST",
                      "processingDirective": {"eventFilter": {"eventFilterType": "ORDER_CHANGE",
                                                              "orderChangeTypes": ["Refund"]}}}),
    ("ORDER_CHANGE", {"payloadVersion": "1.0", "destinationId": "DEST",
                      "processingDirective": {"eventFilter": {"eventFilterType": "ORDER_CHANGE",
                                                              "marketplaceIds": ["NOPE"]}}}),
    ("ORDER_CHANGE", {"payloadVersion": "1.0", "destinationId": "DEST",
                      "processingDirective": {"filterExpression": ""}}),
])
def test_given_invalid_subscription_when_creating_then_400(sandbox, seller, kind, body):
    dest = create_destination(sandbox, grantless(sandbox, seller.creds))
    body = {k: (dest if v == "DEST" else v) for k, v in body.items()}
    r = check("createSubscription", seller.post(f"{SUBS}/{kind}", json=body), 400)
    assert r["errors"][0]["code"] == "InvalidInput"


@pytest.mark.parametrize("params", [{}, {"notificationTypes": "ORDER_CHANGE,REPORT_PROCESSING_FINISHED"},
                                    {"notificationTypes": "ORDER_CHANGE", "pageSize": "10"},
                                    {"notificationTypes": "ORDER_CHANGE", "pageSize": "many"},
                                    {"notificationTypes": "ORDER_CHANGE", "nextToken": "abc"},
                                    {"notificationTypes": "NOT_A_TYPE"}])
def test_given_invalid_query_when_listing_subscriptions_then_400(seller, params):
    check("getSubscriptions", seller.get(SUBS, params=params), 400)


# --- delivery --------------------------------------------------------------------------------

def test_i4_order_change_is_delivered_to_the_mapped_queue_in_amazons_envelope(sandbox, seller, receiver):
    sub_id = wire(sandbox, seller, receiver)
    order_id = new_order(sandbox, seller)
    sandbox.advance(1)  # the clock endpoint delivers the outbox
    changes = order_changes(receiver)
    assert len(changes) == 1
    note = changes[0]
    jsonschema.Draft7Validator(load_schema("OrderChangeNotification.json")).validate(note)
    doc = note["Payload"]["OrderChangeNotification"]
    assert doc["AmazonOrderId"] == order_id and doc["SellerId"] == seller.creds.seller_id
    assert doc["OrderChangeType"] == "OrderStatusChange" and doc["Summary"]["OrderStatus"] == "Pending"
    assert note["NotificationMetadata"]["SubscriptionId"] == sub_id
    assert note["NotificationMetadata"]["ApplicationId"] == seller.creds.client_id
    listed = sandbox.http.get("/_sandbox/notifications", params={"seller_id": seller.creds.seller_id}).json()
    assert [(n["status"], n["attempts"]) for n in listed["notifications"]] == [("delivered", 1)]


def test_i4_order_leaving_pending_and_buyer_cancel_request_are_notified(sandbox, seller, receiver):
    wire(sandbox, seller, receiver)
    order_id = new_order(sandbox, seller, status="Unshipped")
    r = sandbox.http.post(f"/_sandbox/sellers/{seller.creds.seller_id}/orders/{order_id}/cancel",
                          json={"by": "BUYER_REQUEST"})
    assert r.status_code == 200, r.text
    r = sandbox.http.post(f"/_sandbox/sellers/{seller.creds.seller_id}/orders/{order_id}/cancel",
                          json={"by": "AMAZON"})
    assert r.status_code == 200, r.text
    sandbox.advance(1)
    docs = [n["Payload"]["OrderChangeNotification"] for n in order_changes(receiver)]
    # delivered concurrently, like SQS standard queues: arrival order is not guaranteed
    assert sorted((d["OrderChangeType"], d["Summary"]["OrderStatus"]) for d in docs) == sorted([
        ("OrderStatusChange", "Unshipped"), ("BuyerRequestedChange", "Unshipped"),
        ("OrderStatusChange", "Canceled")])
    asked = next(d for d in docs if d["OrderChangeType"] == "BuyerRequestedChange")
    assert asked["OrderChangeTrigger"]["ChangeReason"] == "Buyer Requested Cancel"
    assert all(item["IsBuyerRequestedCancel"] for item in asked["Summary"]["OrderItems"])
    validator = jsonschema.Draft7Validator(load_schema("OrderChangeNotification.json"))
    for note in order_changes(receiver):
        validator.validate(note)


def test_i4_order_change_event_filter_keeps_only_the_chosen_change_types(sandbox, seller, receiver):
    wire(sandbox, seller, receiver, processingDirective={"eventFilter": {
        "eventFilterType": "ORDER_CHANGE", "orderChangeTypes": ["BuyerRequestedChange"]}})
    order_id = new_order(sandbox, seller, status="Unshipped")
    sandbox.http.post(f"/_sandbox/sellers/{seller.creds.seller_id}/orders/{order_id}/cancel",
                      json={"by": "BUYER_REQUEST"})
    sandbox.advance(1)
    assert [n["Payload"]["OrderChangeNotification"]["OrderChangeType"] for n in order_changes(receiver)] == [
        "BuyerRequestedChange"]


def test_given_receiver_answering_500_when_delivering_then_retried_next_time(sandbox, seller, receiver):
    wire(sandbox, seller, receiver)
    receiver.fail_left = 1
    new_order(sandbox, seller)
    sandbox.advance(1)
    assert order_changes(receiver) == []
    queued = sandbox.http.get("/_sandbox/notifications", params={"status": "queued"}).json()["notifications"]
    assert [(n["attempts"], n["last_error"]) for n in queued] == [(1, "HTTP 500")]
    r = sandbox.http.post("/_sandbox/notifications/deliver")
    assert r.json() == {"delivered": 1, "queued": 0}
    assert len(order_changes(receiver)) == 1
    sent = sandbox.http.get("/_sandbox/notifications", params={"status": "delivered"}).json()["notifications"]
    assert [(n["attempts"], n["last_error"]) for n in sent] == [(2, None)]


def test_given_no_subscription_when_orders_change_then_nothing_is_sent(sandbox, seller, receiver):
    create_destination(sandbox, grantless(sandbox, seller.creds))
    sandbox.http.post("/_sandbox/sqs", json={"arn": ARN, "url": receiver.url})
    new_order(sandbox, seller)
    sandbox.advance(601)  # Pending -> Unshipped happens too
    assert receiver.received == []
    assert sandbox.http.get("/_sandbox/notifications").json()["queued"] == 0


def test_given_deleted_subscription_when_orders_change_then_nothing_more_is_sent(sandbox, seller, receiver):
    sub_id = wire(sandbox, seller, receiver)
    new_order(sandbox, seller)
    sandbox.advance(1)
    assert seller.delete(f"{SUBS}/ORDER_CHANGE/{sub_id}").status_code == 200
    new_order(sandbox, seller)
    sandbox.advance(1)
    assert len(order_changes(receiver)) == 1


def test_given_unmapped_arn_when_delivering_then_kept_until_mapped(sandbox, seller, receiver):
    dest = create_destination(sandbox, grantless(sandbox, seller.creds))
    assert subscribe(seller, dest).status_code == 200
    new_order(sandbox, seller)
    sandbox.advance(1)
    queued = sandbox.http.get("/_sandbox/notifications", params={"status": "queued"}).json()["notifications"]
    assert len(queued) == 1 and "no HTTP endpoint" in queued[0]["last_error"]
    sandbox.http.post("/_sandbox/sqs", json={"arn": ARN, "url": receiver.url})
    assert sandbox.http.post("/_sandbox/notifications/deliver").json()["delivered"] == 1
    assert len(order_changes(receiver)) == 1


def test_i4_order_change_hook_survives_reset(sandbox, receiver):
    assert sandbox.http.post("/_sandbox/reset").status_code == 200
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5, seed=3)
    client = sandbox.client_for(creds)
    wire(sandbox, client, receiver)
    new_order(sandbox, client)
    sandbox.advance(1)
    assert len(order_changes(receiver)) == 1


@pytest.mark.parametrize(("kind", "schema", "inner"), [
    ("FEED_PROCESSING_FINISHED", "FeedProcessingFinishedNotification.json",
     {"feedId": "50000000001", "feedType": "JSON_LISTINGS_FEED", "processingStatus": "DONE",
      "resultFeedDocumentId": "amzn1.tortuga.4.na.x"}),
    ("REPORT_PROCESSING_FINISHED", "ReportProcessingFinishedNotification.json",
     {"reportId": "60000000001", "reportType": "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING",
      "processingStatus": "DONE", "reportDocumentId": "amzn1.spdoc.1.4.na.x"}),
])
def test_i4_feed_and_report_notifications_use_their_camel_case_envelope(sandbox, seller, receiver,
                                                                        kind, schema, inner):
    wire(sandbox, seller, receiver, kind)
    with sandbox.backend.lock:
        queued = notify.emit(sandbox.backend, seller.creds.seller_id, kind, inner, sandbox.backend.now())
    assert queued == 1
    sandbox.advance(1)
    [note] = receiver.received
    jsonschema.Draft7Validator(load_schema(schema)).validate(note)
    assert note["notificationVersion"] == "2020-09-04" and note["notificationType"] == kind
    doc = next(iter(note["payload"].values()))
    assert doc["sellerId"] == seller.creds.seller_id
    assert doc["accountId"] == f"amzn1.merchant.o.{seller.creds.seller_id}"


def test_given_bad_sqs_mapping_when_posting_then_400(sandbox):
    assert sandbox.http.post("/_sandbox/sqs", json={"arn": ARN, "url": "ftp://x"}).status_code == 400
    assert sandbox.http.post("/_sandbox/sqs", json={"url": "http://x"}).status_code == 400
    assert sandbox.http.post("/_sandbox/sqs", json={"arn": ARN, "url": "http://x"}).json() == {
        "endpoints": {ARN: "http://x"}}
    assert sandbox.http.post("/_sandbox/sqs", json={"arn": ARN, "url": None}).json() == {"endpoints": {}}


def test_i4_served_sandbox_delivers_from_its_background_loop(receiver):
    app = create_app(time_scale=0)
    app.router.lifespan_context = lifespan
    app.state.serve_interval_seconds = 0.05
    with live_server(app) as base, httpx.Client(base_url=base) as http:
        creds = http.post("/_sandbox/sellers", json={"marketplaces": ["US"], "catalog_size": 5}).json()
        form = {"client_id": creds["client_id"], "client_secret": creds["client_secret"]}
        seller_token = http.post("/auth/o2/token", data={**form, "grant_type": "refresh_token",
                                                         "refresh_token": creds["refresh_token"]}).json()
        app_token = http.post("/auth/o2/token", data={**form, "grant_type": "client_credentials",
                                                      "scope": "sellingpartnerapi::notifications"}).json()
        dest = http.post(DEST, headers={"x-amz-access-token": app_token["access_token"]},
                         json={"name": "hub", "resourceSpecification": {"sqs": {"arn": ARN}}}).json()
        http.post("/_sandbox/sqs", json={"arn": ARN, "url": receiver.url})
        r = http.post(f"{SUBS}/ORDER_CHANGE", headers={"x-amz-access-token": seller_token["access_token"]},
                      json={"payloadVersion": "1.0", "destinationId": dest["payload"]["destinationId"]})
        assert r.status_code == 200, r.text
        order_id = http.post(f"/_sandbox/sellers/{creds['seller_id']}/orders", json={}).json()["order_ids"][0]
        deadline = time.monotonic() + 5
        while not order_changes(receiver) and time.monotonic() < deadline:
            time.sleep(0.02)
    [note] = order_changes(receiver)
    assert note["Payload"]["OrderChangeNotification"]["AmazonOrderId"] == order_id


def test_i4_serve_loop_outlives_a_failing_round():
    import asyncio

    from sellerbridge.sandbox.runner import serve_loop

    app = create_app(time_scale=0)
    backend = app.state.backend
    calls = []

    def flaky_tick() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("bad event")
        return 0

    backend.tick = flaky_tick

    async def run() -> None:
        task = asyncio.create_task(serve_loop(app, interval_seconds=0.01))
        while len(calls) < 3:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(asyncio.wait_for(run(), timeout=5))
    assert len(calls) >= 3
    assert backend.internal_errors == ["serve_loop: RuntimeError('bad event')"]
