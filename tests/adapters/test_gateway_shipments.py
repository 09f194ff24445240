"""Shipment confirmation through the gateway against the sandbox: confirmShipment, feed submission, read-back
(C2, C4, B9; amazon/orders/shipments.py, amazon/feeds/submit.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sellerbridge.amazon.errors import AmazonError
from sellerbridge.amazon.transport.session import upload_allowed
from sellerbridge.domain.documents import DocumentStatus
from sellerbridge.domain.orders.model import OrderStatus
from sellerbridge.domain.ports.confirmations import PackageLine, PackageToConfirm
from tests.adapters.test_gateway_support import GENEROUS_PLANS, CallLog, create_orders, make_gateway, served_sandbox


@pytest.fixture
def live():
    with served_sandbox() as (sandbox, base):
        creds = sandbox.create_seller(marketplaces=["US"], catalog_size=12, usage_plans=GENEROUS_PLANS)
        yield sandbox, base, creds


def package_of(sandbox, creds, order_id: str, package_id: int, **changes) -> PackageToConfirm:
    order = sandbox.backend.sellers[creds.seller_id].orders[order_id]
    lines = tuple(PackageLine(n, ln.order_item_id, ln.quantity) for n, ln in enumerate(order.lines, 1))
    values = dict(package_id=package_id, order_id=1, amazon_order_id=order_id, marketplace_id=order.marketplace_id,
                  carrier_code="UPS", carrier_name=None, ship_method="Ground", tracking_number="1Z999AA10123456784",
                  ship_date=sandbox.backend.now() - timedelta(seconds=5), lines=lines)
    values.update(changes)
    return PackageToConfirm(**values)


@pytest.mark.server
def test_c2_confirm_shipment_then_amazons_already_shipped_answer_is_a_value(live):
    sandbox, base, creds = live
    [order_id] = create_orders(sandbox, creds.seller_id, 1, status="Unshipped", fba=False)
    sandbox.advance(60)
    with make_gateway(sandbox, base, creds) as gateway:
        assert gateway.confirm_shipment(package_of(sandbox, creds, order_id, 41)).ok
        again = gateway.confirm_shipment(package_of(sandbox, creds, order_id, 41))
        assert not again.ok and again.already_shipped and again.code == "InvalidInput"
        read = gateway.order_packages(order_id)
        assert read.status is OrderStatus.SHIPPED
        assert [p.reference_id for p in read.packages] == ["41"]
        assert read.packages[0].tracking_number == "1Z999AA10123456784"


@pytest.mark.server
def test_c4_a_refused_carrier_comes_back_with_amazons_text(live):
    sandbox, base, creds = live
    [order_id] = create_orders(sandbox, creds.seller_id, 1, status="Unshipped", fba=False)
    sandbox.advance(60)
    with make_gateway(sandbox, base, creds) as gateway:
        answer = gateway.confirm_shipment(package_of(sandbox, creds, order_id, 1, carrier_code="Pigeon"))
    assert not answer.ok and not answer.already_shipped and not answer.order_cancelled
    assert "CarrierCode 'Pigeon' is not a valid carrier code" in answer.message


@pytest.mark.server
def test_c2_a_fulfillment_feed_is_submitted_followed_and_read_per_message(live):
    sandbox, base, creds = live
    orders = create_orders(sandbox, creds.seller_id, 2, status="Unshipped", fba=False)
    sandbox.advance(60)
    log = CallLog()
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        good = package_of(sandbox, creds, orders[0], 7)
        bad = package_of(sandbox, creds, orders[1], 8, carrier_code="Pigeon")
        state = gateway.submit_fulfillment_feed([good, bad])
        assert (state.amazon_type, state.status) == ("POST_ORDER_FULFILLMENT_DATA", DocumentStatus.REQUESTED)
        sandbox.advance(200)
        done = gateway.feed_state(state.amazon_id)
        assert done.status is DocumentStatus.DONE and done.document_id
        report = gateway.read_feed_report(done.document_id)
    assert report.answer_for(7).ok
    refused = report.answer_for(8)
    assert not refused.ok and "not a valid carrier code" in refused.message
    [upload] = log.of("uploadDocument")
    assert upload.status == 200 and "X-Amz" not in upload.request_summary and "bytes sent" in upload.response_excerpt
    assert sandbox.backend.sellers[creds.seller_id].orders[orders[0]].status == "Shipped"


def test_c2_the_upload_goes_only_to_amazons_storage_or_an_allowed_origin():
    s3 = "https://tortuga-prod-na.s3-external-1.amazonaws.com/doc?X-Amz-Signature=x"
    assert upload_allowed(s3, None)
    assert not upload_allowed("http://tortuga-prod-na.s3-external-1.amazonaws.com/doc", None)
    assert not upload_allowed("https://amazonaws.com.evil.example/doc", None)
    assert not upload_allowed("https://user@bucket.amazonaws.com/doc", None)
    assert upload_allowed("http://127.0.0.1:8080/_documents/x", None, "http://127.0.0.1:8080")
    assert not upload_allowed("http://127.0.0.1:9999/_documents/x", None, "http://127.0.0.1:8080")


@pytest.mark.server
def test_c2_an_upload_url_elsewhere_is_refused_before_anything_is_sent(live, monkeypatch):
    sandbox, base, creds = live
    [order_id] = create_orders(sandbox, creds.seller_id, 1, status="Unshipped", fba=False)
    with make_gateway(sandbox, base, creds) as gateway:
        monkeypatch.setattr(gateway._http, "put", lambda *a, **k: pytest.fail("sent"))
        original = gateway._call

        def elsewhere(operation, *args, **kwargs):
            answer = original(operation, *args, **kwargs)
            if operation == "createFeedDocument":
                answer.data["url"] = "https://attacker.example/upload"
            return answer

        monkeypatch.setattr(gateway, "_call", elsewhere)
        with pytest.raises(AmazonError, match="neither Amazon's storage nor an allowed origin"):
            gateway.submit_fulfillment_feed([package_of(sandbox, creds, order_id, 1)])
