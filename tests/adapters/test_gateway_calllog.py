"""The SP-API call log: a record per attempt, no secrets, no buyer data, the run id (G1, A3, B13, H4;
DESIGN.md section 5)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import timedelta

import pytest

from sellerbridge.amazon.transport.calllog import EXCERPT_LIMIT, Redactor, current_run_id, redact, run_scope
from sellerbridge.domain.documents import DocumentStatus, ReportPurpose
from tests.adapters.test_gateway_support import (
    GENEROUS_PLANS,
    CallLog,
    create_orders,
    make_gateway,
    served_sandbox,
)


@pytest.mark.server
def test_a3_b13_every_attempt_is_logged_and_no_record_holds_a_secret_or_buyer_data():
    with served_sandbox() as (sandbox, base):
        creds = sandbox.create_seller(marketplaces=["US"], catalog_size=10)  # every role: PII is answered
        start = sandbox.backend.now() - timedelta(minutes=1)
        order_ids = create_orders(sandbox, creds.seller_id, 5, status="Unshipped", fba=False)
        sandbox.advance(180)
        sandbox.fault(operation="getOrder", kind="status", status=500, count=1, seller_id=creds.seller_id)
        log = CallLog()
        with make_gateway(sandbox, base, creds, sink=log) as gateway:
            order = gateway.get_order(order_ids[0], pii=True)
            pages = list(gateway.placed_orders(after=start, before=sandbox.backend.now(), channels=(), statuses=(),
                                               pii=True))
            rdt = gateway.create_rdt([{"method": "GET", "path": f"/orders/v0/orders/{order_ids[0]}/address"}])
        seller = sandbox.backend.sellers[creds.seller_id]
        tokens = [t for t, info in sandbox.backend.access_tokens.items() if info.seller_id == creds.seller_id]

    # the gateway did get the PII (the caller needs it) ...
    assert order.buyer.name and order.ship_to.line1 and order.source["buyer"]["buyerName"]
    assert sum(len(p.orders) for p in pages) == 5
    # ... one record per attempt, the failed one included ...
    assert log.statuses("getOrder") == [500, 200] and [r.attempt for r in log.of("getOrder")] == [1, 2]
    assert log.statuses("searchOrders") == [200]
    assert log.statuses("createRestrictedDataToken") == [200] and log.statuses("lwaToken") == [200]
    for record in log.records:
        assert record.at.tzinfo is not None and record.duration_ms >= 0 and record.method in ("GET", "POST")
    assert log.of("searchOrders")[0].rate_limit == pytest.approx(0.0056)
    # ... and the log never holds a token, a secret, or what identifies a buyer
    text = log.text()
    assert len(tokens) == 2 and rdt in tokens
    secrets = [creds.refresh_token, creds.client_secret, *tokens]
    buyers = [v for o in order_ids for v in (seller.orders[o].buyer.name, seller.orders[o].buyer.email,
                                                 seller.orders[o].ship_to.line1, seller.orders[o].ship_to.phone) if v]
    assert buyers
    for value in secrets + buyers:
        assert value not in text
    assert order_ids[0] in text  # order ids are not PII: the log must say which order it was


@pytest.mark.server
def test_g1_a_failing_sink_never_breaks_a_call():
    with served_sandbox() as (sandbox, base):
        creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5)
        [order_id] = create_orders(sandbox, creds.seller_id, 1, status="Unshipped")

        def broken(record):
            raise RuntimeError("disk full")

        with make_gateway(sandbox, base, creds, sink=broken) as gateway:
            assert gateway.get_order(order_id).amazon_order_id == order_id


@pytest.mark.server
def test_h4_every_record_inside_a_run_scope_carries_its_run_id_and_none_outside():
    with served_sandbox() as (sandbox, base):
        creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5, usage_plans=GENEROUS_PLANS)
        [order_id] = create_orders(sandbox, creds.seller_id, 1, status="Unshipped", fba=False)
        sandbox.fault(operation="getOrder", kind="status", status=500, count=1, seller_id=creds.seller_id)
        log = CallLog()
        with make_gateway(sandbox, base, creds, sink=log) as gateway:
            with run_scope(7):
                gateway.get_order(order_id)  # the LWA token and a retried attempt: both the run's
                asked = gateway.request_report(ReportPurpose.OPEN_ORDERS)
                sandbox.advance(120)
                state = gateway.report_state(asked.amazon_id)
                assert state.status is DocumentStatus.DONE
                gateway.read_open_orders(state.document_id)  # an RDT, getReportDocument and the download
                with run_scope(8):  # a nested scope wins while it lasts
                    gateway.report_state(asked.amazon_id)
                gateway.report_state(asked.amazon_id)
            outside = len(log.records)
            gateway.get_order(order_id)
    inside, after = log.records[:outside], log.records[outside:]
    operations = {r.operation for r in inside}
    assert {"lwaToken", "getOrder", "createReport", "getReport", "createRestrictedDataToken", "getReportDocument",
            "downloadDocument"} <= operations
    assert [r.run_id for r in log.of("getReport")] == [7, 8, 7]
    assert {r.run_id for r in inside if r.operation != "getReport"} == {7}
    assert [(r.operation, r.run_id) for r in after] == [("getOrder", None)] and current_run_id() is None


def test_h4_two_threads_in_different_run_scopes_never_mix_their_run_ids():
    seen: dict[str, list[int | None]] = {"a": [], "b": []}
    both_inside = threading.Barrier(2)

    def work(name: str, run_id: int) -> None:
        with run_scope(run_id):
            both_inside.wait()  # each thread is inside its own scope while the other is inside its own
            for _ in range(50):
                seen[name].append(current_run_id())
        seen[name].append(current_run_id())

    threads = [threading.Thread(target=work, args=("a", 1)), threading.Thread(target=work, args=("b", 2))]
    with run_scope(99):  # the starting thread's scope is not inherited by new threads
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert current_run_id() == 99
    assert seen == {"a": [1] * 50 + [None], "b": [2] * 50 + [None]}


@pytest.mark.server
def test_h4_a_shared_gateway_stamps_each_threads_calls_with_that_threads_run():
    with served_sandbox() as (sandbox, base):
        creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5, usage_plans=GENEROUS_PLANS)
        order_ids = create_orders(sandbox, creds.seller_id, 2, status="Unshipped")
        log = CallLog()
        lock = threading.Lock()

        def sink(record) -> None:
            with lock:
                log(record)

        with make_gateway(sandbox, base, creds, sink=sink) as gateway:
            gateway.lwa.get_lwa_access_token()  # outside any run: None
            both_inside = threading.Barrier(2)

            def work(order_id: str, run_id: int) -> None:
                with run_scope(run_id):
                    both_inside.wait()
                    for _ in range(5):
                        gateway.get_order(order_id)

            threads = [threading.Thread(target=work, args=(order_ids[0], 11)),
                       threading.Thread(target=work, args=(order_ids[1], 12))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    assert [r.run_id for r in log.of("lwaToken")] == [None]
    by_run = {run: {r.request_summary.split("?")[0].rsplit("/", 1)[-1] for r in log.of("getOrder") if r.run_id == run}
              for run in (11, 12)}
    assert by_run == {11: {order_ids[0]}, 12: {order_ids[1]}}
    assert len(log.of("getOrder")) == 10


def test_b13_redact_drops_pii_keys_at_any_depth_in_both_api_versions():
    v0 = {"payload": {"AmazonOrderId": "111-1", "BuyerInfo": {"BuyerEmail": "a@b.c"},
                      "ShippingAddress": {"Name": "Zoë", "AddressLine1": "1 Main St", "City": "Seattle"},
                      "OrderItems": [{"SellerSKU": "S", "BuyerInfo": {"GiftMessageText": "hi"}}]}}
    assert redact(v0) == {"payload": {"AmazonOrderId": "111-1", "OrderItems": [{"SellerSKU": "S"}]}}
    v2026 = {"orders": [{"orderId": "111-2", "buyer": {"buyerName": "Zoë"},
                         "recipient": {"deliveryAddress": {"name": "Zoë", "phone": "+1 555"}},
                         "orderItems": [{"orderItemId": "1", "packing": {"giftOption": {"giftMessage": "Alles Gute"}}}],
                         "packages": [{"shipFromAddress": {"city": "Seattle", "postalCode": "98101"}}]}]}
    # the gift message and any postal code go (the one PII list: domain/common/pii.py); the rest stays
    kept = {"orderId": "111-2", "orderItems": [{"orderItemId": "1", "packing": {"giftOption": {}}}],
            "packages": [{"shipFromAddress": {"city": "Seattle"}}]}
    assert redact(v2026) == {"orders": [kept]}
    tokens = {"access_token": "Atza|abc", "restrictedDataToken": "Atz.sprdt|x", "expiresIn": 3600,
              "url": "https://s3.example/doc?X-Amz-Signature=abc&X-Amz-Date=1"}
    assert redact(tokens) == {"access_token": "[redacted]", "restrictedDataToken": "[redacted]", "expiresIn": 3600,
                              "url": "https://s3.example/doc?[signature removed]"}


def test_a3_redactor_scrubs_known_secrets_and_amazon_token_shapes_anywhere():
    redactor = Redactor(["my-client-secret-123", None, "abc"])
    text = ("secret my-client-secret-123, token Atza|IwEBIA-xyz, refresh Atzr|IwEBfoo, rdt Atz.sprdt|AbC_d, "
            "cs amzn1.oa2-cs.v1.deadbeef, signed ?X-Amz-Signature=0123abc&x=1, short abc stays")
    out = redactor.scrub(text)
    for leaked in ("my-client-secret-123", "IwEBIA-xyz", "IwEBfoo", "AbC_d", "deadbeef", "0123abc"):
        assert leaked not in out
    assert "short abc stays" in out  # too short to be a secret: not replaced everywhere


def test_b13_excerpts_are_truncated_and_a_body_that_is_not_json_keeps_no_pii():
    redactor = Redactor()
    long_body = json.dumps({"orders": [{"orderId": f"111-{i:07d}"} for i in range(500)]}).encode()
    assert len(redactor.excerpt(long_body)) == EXCERPT_LIMIT
    broken = b'{"payload": {"BuyerInfo": {"BuyerName": "Zo\xc3\xab Example", "BuyerEmail": "zoe@example.com"'
    out = redactor.excerpt(broken)
    assert "Zoë" not in out and "zoe@example.com" not in out
    summary = redactor.summarize("POST", "https://sellingpartnerapi-na.amazon.com/reports/2021-06-30/reports",
                                 None, {"reportType": "X", "marketplaceIds": ["ATVPDKIKX0DER"]})
    assert summary == 'POST /reports/2021-06-30/reports {"reportType":"X","marketplaceIds":["ATVPDKIKX0DER"]}'


def test_a3_importing_the_sdk_and_building_gateways_leaves_the_process_logging_as_it_was():
    # spapi calls logging.basicConfig(INFO) on import and each Configuration() adds stream handlers to
    # the spapi and urllib3 loggers: an SDK debug line could then print a request to stderr.
    code = ("import logging; root = logging.getLogger(); before = (root.level, len(root.handlers)); "
            "from sellerbridge.amazon.transport.sdk import SdkWire; "
            "SdkWire('http://a.invalid', 5)._client(); SdkWire('http://b.invalid', 5)._client(); "
            "print(before, (root.level, len(root.handlers)), "
            "[([type(h).__name__ for h in logging.getLogger(n).handlers], logging.getLogger(n).level) "
            "for n in ('spapi', 'urllib3')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    # urllib3's own NullHandler stays; no stream handler, no level forced on anyone
    assert out.stdout.strip() == "(30, 0) (30, 0) [([], 0), (['NullHandler'], 0)]"
