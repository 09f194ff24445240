"""Amazon's official SDK (``amzn-sp-api``) works against the sandbox unchanged (I4).

Only ``Configuration.host`` and the LWA ``oauth_endpoint`` point at the sandbox; the SDK's own
typed models deserialize every answer, so a response shape the SDK rejects fails here.
"""

from __future__ import annotations

import gzip
import json
from datetime import timedelta

import httpx
import pytest

from tests.adapters.sdk_clients import official_api_client
from tests.support.sandbox import Sandbox, live_server

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def live():
    sandbox = Sandbox(time_scale=0.0)
    with live_server(sandbox.app) as base_url:
        yield sandbox, base_url


@pytest.fixture
def creds(live):
    sandbox, _ = live
    return sandbox.create_seller(marketplaces=["US"], catalog_size=40, usage_plans={
        "searchOrders": [10, 100], "getOrder": [10, 100], "createFeed": [10, 100], "getFeed": [10, 100],
        "createReport": [10, 100], "getReport": [10, 100], "getReportDocument": [10, 100],
        "getFeedDocument": [10, 100]})


def test_i4_official_sdk_search_orders_pages_and_get_order(live, creds):
    from spapi.api.orders_v2026_01_01.get_order_api import GetOrderApi
    from spapi.api.orders_v2026_01_01.search_orders_api import SearchOrdersApi

    sandbox, base_url = live
    start = sandbox.backend.now() - timedelta(minutes=1)
    r = sandbox.http.post(f"/_sandbox/sellers/{creds.seller_id}/orders", json={"count": 230, "status": "Unshipped"})
    assert r.status_code == 201
    created = set(r.json()["order_ids"])
    sandbox.advance(180)  # past the 2-minute search lag
    client = official_api_client(base_url, creds)
    api = SearchOrdersApi(client)
    seen: list[str] = []
    token = None
    pages = 0
    query = {"created_after": start, "marketplace_ids": creds.marketplace_ids, "max_results_per_page": 100}
    while True:
        # later pages repeat the original parameters, as Amazon requires (docs/amazon-quirks.md)
        response = api.search_orders(**query, **({"pagination_token": token} if token else {}))
        pages += 1
        seen.extend(o.order_id for o in response.orders)
        token = response.pagination.next_token if response.pagination else None
        if not token:
            break
    assert pages == 3
    assert set(seen) == created and len(seen) == len(created)
    one = GetOrderApi(client).get_order(seen[0], included_data=["FULFILLMENT", "PROCEEDS"])
    assert one.order.order_id == seen[0]
    assert one.order.order_items and one.order.order_items[0].product.seller_sku


def test_i4_official_sdk_feed_round_trip(live, creds):
    from spapi.api.feeds_v2021_06_30.feeds_api import FeedsApi
    from spapi.models.feeds_v2021_06_30 import CreateFeedDocumentSpecification, CreateFeedSpecification

    sandbox, base_url = live
    sku = next(iter(sandbox.backend.sellers[creds.seller_id].listings))[0]
    listing = sandbox.backend.sellers[creds.seller_id].listings[(sku, creds.marketplace_ids[0])]
    if listing.fulfillment_channel != "DEFAULT":
        sku = next(k[0] for k, v in sandbox.backend.sellers[creds.seller_id].listings.items()
                   if v.fulfillment_channel == "DEFAULT")
    api = FeedsApi(official_api_client(base_url, creds))
    content_type = "application/json; charset=UTF-8"
    doc = api.create_feed_document(CreateFeedDocumentSpecification(content_type=content_type))
    feed_doc = {
        "header": {"sellerId": creds.seller_id, "version": "2.0", "issueLocale": "en_US"},
        "messages": [
            {"messageId": 1, "sku": sku, "operationType": "PATCH", "productType": "PRODUCT",
             "patches": [{"op": "replace", "path": "/attributes/fulfillment_availability",
                          "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 77}]}]},
            {"messageId": 2, "sku": "NO-SUCH-SKU", "operationType": "PATCH", "productType": "PRODUCT",
             "patches": [{"op": "replace", "path": "/attributes/fulfillment_availability",
                          "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 1}]}]},
        ],
    }
    put = httpx.put(doc.url, content=json.dumps(feed_doc).encode(), headers={"Content-Type": content_type})
    assert put.status_code == 200
    feed_id = api.create_feed(CreateFeedSpecification(
        feed_type="JSON_LISTINGS_FEED", marketplace_ids=creds.marketplace_ids,
        input_feed_document_id=doc.feed_document_id)).feed_id
    assert api.get_feed(feed_id).processing_status == "IN_QUEUE"
    sandbox.advance(200)
    feed = api.get_feed(feed_id)
    assert feed.processing_status == "DONE"
    result_doc = api.get_feed_document(feed.result_feed_document_id)
    raw = httpx.get(result_doc.url).content
    if result_doc.compression_algorithm == "GZIP":
        raw = gzip.decompress(raw)
    report = json.loads(raw)
    assert report["summary"]["messagesAccepted"] == 1
    assert report["summary"]["messagesInvalid"] == 1
    sandbox.advance(10)
    shown = sandbox.http.get(f"/_sandbox/sellers/{creds.seller_id}/listings").json()["listings"]
    assert any(v["sku"] == sku and v["quantity"] == 77 for v in shown)


def test_i4_official_sdk_report_round_trip(live, creds):
    from spapi.api.reports_v2021_06_30.reports_api import ReportsApi
    from spapi.models.reports_v2021_06_30 import CreateReportSpecification

    sandbox, base_url = live
    api = ReportsApi(official_api_client(base_url, creds))
    report_id = api.create_report(CreateReportSpecification(
        report_type="GET_MERCHANT_LISTINGS_ALL_DATA", marketplace_ids=creds.marketplace_ids)).report_id
    assert api.get_report(report_id).processing_status == "IN_QUEUE"
    sandbox.advance(120)
    report = api.get_report(report_id)
    assert report.processing_status == "DONE"
    document = api.get_report_document(report.report_document_id)
    assert document.compression_algorithm == "GZIP"
    text = gzip.decompress(httpx.get(document.url).content).decode("utf-8")
    rows = text.strip("\n").split("\n")
    assert len(rows) - 1 == len(sandbox.backend.sellers[creds.seller_id].listings)
    assert "seller-sku" in rows[0].split("\t")


def test_i4_official_sdk_restricted_data_token_opens_the_address(live, creds):
    from spapi.api.orders_v0.orders_v0_api import OrdersV0Api
    from spapi.api.tokens_v2021_03_01.tokens_api import TokensApi
    from spapi.models.tokens_v2021_03_01 import CreateRestrictedDataTokenRequest, RestrictedResource

    sandbox, base_url = live
    order_id = sandbox.http.post(f"/_sandbox/sellers/{creds.seller_id}/orders",
                                 json={"count": 1, "status": "Unshipped", "fba": False}).json()["order_ids"][0]
    client = official_api_client(base_url, creds)
    # without an RDT Amazon answers the address reduced to its non-PII fields
    reduced = OrdersV0Api(client).get_order_address(order_id).payload.shipping_address
    assert reduced.postal_code and reduced.name is None and reduced.address_line1 is None
    rdt = TokensApi(client).create_restricted_data_token(CreateRestrictedDataTokenRequest(restricted_resources=[
        RestrictedResource(method="GET", path=f"/orders/v0/orders/{order_id}/address",
                           data_elements=["shippingAddress"])]))
    assert rdt.expires_in == 3600
    rdt_client = official_api_client(base_url, creds, access_token=rdt.restricted_data_token)
    address = OrdersV0Api(rdt_client).get_order_address(order_id).payload
    assert address.amazon_order_id == order_id
    assert address.shipping_address.name and address.shipping_address.address_line1


def test_i4_official_sdk_confirm_shipment(live, creds):
    from spapi.api.orders_v0.orders_v0_api import OrdersV0Api
    from spapi.api.orders_v2026_01_01.get_order_api import GetOrderApi
    from spapi.models.orders_v0 import ConfirmShipmentOrderItem, ConfirmShipmentRequest, PackageDetail

    sandbox, base_url = live
    order_id = sandbox.http.post(f"/_sandbox/sellers/{creds.seller_id}/orders",
                                 json={"count": 1, "status": "Unshipped", "fba": False}).json()["order_ids"][0]
    client = official_api_client(base_url, creds)
    order = GetOrderApi(client).get_order(order_id).order
    items = [ConfirmShipmentOrderItem(order_item_id=i.order_item_id, quantity=i.quantity_ordered)
             for i in order.order_items]
    OrdersV0Api(client).confirm_shipment(order_id, ConfirmShipmentRequest(
        marketplace_id=creds.marketplace_ids[0],
        package_detail=PackageDetail(package_reference_id="1", carrier_code="UPS", tracking_number="1Z999",
                                     ship_date=sandbox.backend.now(), order_items=items)))
    after = GetOrderApi(client).get_order(order_id, included_data=["FULFILLMENT"]).order
    assert after.fulfillment.fulfillment_status == "SHIPPED"
