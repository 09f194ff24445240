"""The SP-API call log: a record per attempt, no secrets, no buyer data (G1, A3, B13, H4)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

import pytest

from sellerbridge.amazon.transport.calllog import EXCERPT_LIMIT, Redactor, redact
from tests.adapters.test_gateway_support import CallLog, create_orders, make_gateway, served_sandbox

PII_DATA = ("BUYER", "RECIPIENT", "FULFILLMENT")


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
            order = gateway.get_order(order_ids[0], included_data=PII_DATA)
            pages = list(gateway.search_orders(created_after=start, included_data=PII_DATA))
            rdt = gateway.create_rdt([{"method": "GET", "path": f"/orders/v0/orders/{order_ids[0]}/address"}])
        seller = sandbox.backend.sellers[creds.seller_id]
        tokens = [t for t, info in sandbox.backend.access_tokens.items() if info.seller_id == creds.seller_id]

    # the gateway did get the PII (the caller needs it) ...
    assert order["buyer"]["buyerName"] and order["recipient"]["deliveryAddress"]["addressLine1"]
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
            assert gateway.get_order(order_id)["orderId"] == order_id


def test_b13_redact_drops_pii_keys_at_any_depth_in_both_api_versions():
    v0 = {"payload": {"AmazonOrderId": "111-1", "BuyerInfo": {"BuyerEmail": "a@b.c"},
                      "ShippingAddress": {"Name": "Zoë", "AddressLine1": "1 Main St", "City": "Seattle"},
                      "OrderItems": [{"SellerSKU": "S", "BuyerInfo": {"GiftMessageText": "hi"}}]}}
    assert redact(v0) == {"payload": {"AmazonOrderId": "111-1", "OrderItems": [{"SellerSKU": "S"}]}}
    v2026 = {"orders": [{"orderId": "111-2", "buyer": {"buyerName": "Zoë"},
                         "recipient": {"deliveryAddress": {"name": "Zoë", "phone": "+1 555"}},
                         "packages": [{"shipFromAddress": {"postalCode": "98101"}}]}]}
    kept = {"orderId": "111-2", "packages": [{"shipFromAddress": {"postalCode": "98101"}}]}
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
