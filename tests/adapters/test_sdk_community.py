"""The community client (``python-amazon-sp-api``) works against the sandbox unchanged (I4).

Only the endpoint (``client.endpoint``) and the LWA host (an ``AccessTokenClient`` subclass) change.
"""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest

from tests.adapters.sdk_clients import community_client
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
    return sandbox.create_seller(marketplaces=["US"], catalog_size=40, seed=11, usage_plans={
        "searchOrders": [10, 100], "getOrders": [10, 100], "getOrderItems": [10, 100],
        "createFeed": [10, 100], "createReport": [10, 100], "getReportDocument": [10, 100],
        "getFeedDocument": [10, 100]})


def test_i4_community_client_orders_2026_paging(live, creds):
    from sp_api.api import Orders

    sandbox, base_url = live
    start = sandbox.backend.now() - timedelta(minutes=1)
    ids = sandbox.http.post(f"/_sandbox/sellers/{creds.seller_id}/orders",
                            json={"count": 150, "status": "Unshipped"}).json()["order_ids"]
    sandbox.advance(130)
    client = community_client(Orders, base_url, creds, version="2026-01-01")
    seen = []
    token = None
    query = {"createdAfter": start.strftime("%Y-%m-%dT%H:%M:%SZ"), "marketplaceIds": creds.marketplace_ids,
             "maxResultsPerPage": 100}
    while True:
        res = client.search_orders(**query, **({"paginationToken": token} if token else {}))
        seen.extend(o["orderId"] for o in res.payload["orders"])
        token = res.next_token  # sp_api lifts pagination.nextToken onto the response
        if not token:
            break
    assert sorted(seen) == sorted(ids)
    order = client.get_order(ids[0], includedData=["FULFILLMENT"]).payload["order"]
    assert order["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"


def test_i4_community_client_v0_orders_and_items(live, creds):
    from sp_api.api import Orders

    sandbox, base_url = live
    start = sandbox.backend.now() - timedelta(minutes=1)
    ids = sandbox.http.post(f"/_sandbox/sellers/{creds.seller_id}/orders",
                            json={"count": 3, "status": "Unshipped"}).json()["order_ids"]
    sandbox.advance(130)
    client = community_client(Orders, base_url, creds)
    res = client.get_orders(CreatedAfter=start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                            MarketplaceIds=creds.marketplace_ids)
    got = [o["AmazonOrderId"] for o in res.payload["Orders"]]
    assert set(ids) <= set(got)
    items = client.get_order_items(ids[0]).payload
    assert items["AmazonOrderId"] == ids[0] and items["OrderItems"]


def test_i4_community_client_feed_round_trip(live, creds):
    from sp_api.api import Feeds

    sandbox, base_url = live
    seller_state = sandbox.backend.sellers[creds.seller_id]
    sku = next(k[0] for k, v in seller_state.listings.items() if v.fulfillment_channel == "DEFAULT")
    feeds = community_client(Feeds, base_url, creds)
    body = {"header": {"sellerId": creds.seller_id, "version": "2.0"}, "messages": [
        {"messageId": 1, "sku": sku, "operationType": "PATCH", "productType": "PRODUCT",
         "patches": [{"op": "replace", "path": "/attributes/fulfillment_availability",
                      "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 5}]}]}]}
    # bytes, not str: the client encodes a str upload as ISO-8859-1 (docs/amazon-quirks.md)
    _document, feed = feeds.submit_feed("JSON_LISTINGS_FEED", io.BytesIO(json.dumps(body).encode()),
                                       content_type="application/json",
                                       marketplaceIds=creds.marketplace_ids)
    feed_id = feed.payload["feedId"]
    sandbox.advance(200)
    status = feeds.get_feed(feed_id).payload
    assert status["processingStatus"] == "DONE"
    result = feeds.get_feed_result_document(status["resultFeedDocumentId"])
    assert json.loads(result)["summary"]["messagesAccepted"] == 1


def test_i4_community_client_report_round_trip_keeps_utf8(live, creds):
    from sp_api.api import Reports

    sandbox, base_url = live
    reports = community_client(Reports, base_url, creds)
    report_id = reports.create_report(reportType="GET_MERCHANT_LISTINGS_ALL_DATA",
                                      marketplaceIds=creds.marketplace_ids).payload["reportId"]
    sandbox.advance(120)
    report = reports.get_report(report_id).payload
    assert report["processingStatus"] == "DONE"
    document = reports.get_report_document(report["reportDocumentId"], download=True)
    text = document.payload["document"]
    titles = {v.title for v in sandbox.backend.sellers[creds.seller_id].listings.values()}
    assert any(t in text for t in titles if not t.isascii())


def test_i4_community_client_restricted_data_token(live, creds):
    from sp_api.api import Orders, Tokens

    sandbox, base_url = live
    order_id = sandbox.http.post(f"/_sandbox/sellers/{creds.seller_id}/orders",
                                 json={"count": 1, "status": "Unshipped", "fba": False}).json()["order_ids"][0]
    tokens = community_client(Tokens, base_url, creds)
    rdt = tokens.create_restricted_data_token(restrictedResources=[
        {"method": "GET", "path": f"/orders/v0/orders/{order_id}/address",
         "dataElements": ["shippingAddress"]}]).payload["restrictedDataToken"]
    orders = community_client(Orders, base_url, creds, restricted_data_token=rdt)
    address = orders.get_order_address(order_id).payload
    assert address["AmazonOrderId"] == order_id and address["ShippingAddress"]["AddressLine1"]
