"""The sandbox Amazon as stock and price up meet it (D2, D7, D8, E1, G1, H2; listings_ops, feeds_listings,
faults, the feed release control)."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from tests.sandbox.test_feeds import download_result, get_feed, uploaded_document
from tests.support.models import validate_response

US, CA, MX, UK, DE = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2", "A1AM78C64UM0Y8", "A1F83G8C2ARO7P", "A1PA6795UKMFR9"
BASE = "/listings/2021-08-01/items"
FEEDS = "/feeds/2021-06-30/feeds"
JSON = "application/json; charset=UTF-8"


@pytest.fixture
def world(sandbox):
    """A seller of the NA region in US, CA and MX (a sandbox seller account is one region's, as at Amazon)."""
    creds = sandbox.create_seller(marketplaces=["US", "CA", "MX"], catalog_size=12, seed=11,
                                  usage_plans={"patchListingsItem": [50, 500], "getListingsItem": [50, 500]})
    return sandbox.client_for(creds)


def listings(sandbox, client):
    return sandbox.backend.sellers[client.creds.seller_id].listings


def merchant_sku(sandbox, client) -> str:
    return next(sku for (sku, mp), x in sorted(listings(sandbox, client).items())
                if x.fulfillment_channel == "DEFAULT")


def quantity(sandbox, client, sku, mp):
    return listings(sandbox, client)[(sku, mp)].attributes["fulfillment_availability"][0].get("quantity")


def patch(client, sku, mp, patches, product_type="PRODUCT"):
    r = client.patch(f"{BASE}/{client.creds.seller_id}/{quote(sku, safe='')}", params={"marketplaceIds": mp},
                     json={"productType": product_type, "patches": patches})
    assert r.status_code == 200, r.text
    validate_response("listings", "patchListingsItem", 200, r.json())
    return r.json()


def availability(qty, lead=None):
    entry = {"fulfillment_channel_code": "DEFAULT", "quantity": qty}
    if lead is not None:
        entry["lead_time_to_ship_max_days"] = lead
    return [{"op": "merge", "path": "/attributes/fulfillment_availability", "value": [entry]}]


def offer(mp, currency, amount):
    return [{"op": "merge", "path": "/attributes/purchasable_offer",
             "value": [{"marketplace_id": mp, "currency": currency, "audience": "ALL",
                        "our_price": [{"schedule": [{"value_with_tax": amount}]}]}]}]


def test_d2_a_quantity_set_in_one_marketplace_shows_in_every_marketplace_of_its_region(sandbox, world):
    sku = merchant_sku(sandbox, world)
    other = next(x for (s, mp), x in sorted(listings(sandbox, world).items()) if s != sku and mp == US)
    other_before = other.attributes["fulfillment_availability"]
    assert patch(world, sku, CA, availability(77, lead=6))["status"] == "ACCEPTED"
    sandbox.advance(4)
    assert quantity(sandbox, world, sku, US) != 77  # not before Amazon's 5 s, in no marketplace
    sandbox.advance(1)
    assert [quantity(sandbox, world, sku, mp) for mp in (US, CA, MX)] == [77, 77, 77]
    assert other.attributes["fulfillment_availability"] == other_before
    mx = listings(sandbox, world)[(sku, MX)].attributes["fulfillment_availability"][0]
    assert mx["lead_time_to_ship_max_days"] == 6
    r = world.get(f"{BASE}/{world.creds.seller_id}/{quote(sku, safe='')}",
                  params={"marketplaceIds": US, "includedData": "fulfillmentAvailability"})
    assert r.json()["fulfillmentAvailability"] == [{"fulfillmentChannelCode": "DEFAULT", "quantity": 77}]


def test_d2_prices_stay_per_marketplace(sandbox, world):
    sku = merchant_sku(sandbox, world)
    us_before = listings(sandbox, world)[(sku, US)].attributes["purchasable_offer"]
    assert patch(world, sku, CA, offer(CA, "CAD", 31.5))["status"] == "ACCEPTED"
    sandbox.advance(5)
    assert listings(sandbox, world)[(sku, US)].attributes["purchasable_offer"] == us_before
    ca = listings(sandbox, world)[(sku, CA)].attributes["purchasable_offer"][0]
    assert ca["our_price"] == [{"schedule": [{"value_with_tax": 31.5}]}]


def test_d2_a_listings_feed_quantity_is_shared_in_the_region_too(sandbox):
    creds = sandbox.create_seller(marketplaces=["UK", "DE"], catalog_size=8, seed=5)
    europe = sandbox.client_for(creds)
    sku = merchant_sku(sandbox, europe)
    feed_id = submit_listings(sandbox, europe, qty_feed(creds.seller_id, {sku: 5}), DE)
    sandbox.advance(200)
    assert get_feed(europe, feed_id)["processingStatus"] == "DONE"
    assert [quantity(sandbox, europe, sku, mp) for mp in (UK, DE)] == [5, 5]


def test_e1_an_offer_only_patch_with_product_type_product_is_accepted(sandbox, seller):
    sku = merchant_sku(sandbox, seller)
    assert listings(sandbox, seller)[(sku, US)].product_type != "PRODUCT"
    body = patch(seller, sku, US, offer(US, "USD", 12.0), product_type="PRODUCT")
    assert body["status"] == "ACCEPTED" and body["issues"] == []
    sandbox.advance(5)
    assert listings(sandbox, seller)[(sku, US)].product_type != "PRODUCT"  # the submission's, not the listing's


def submit_listings(sandbox, client, doc: dict, mp: str = US) -> str:
    doc_id = uploaded_document(sandbox, client, json.dumps(doc, ensure_ascii=False).encode(), JSON)
    r = client.post(FEEDS, json={"feedType": "JSON_LISTINGS_FEED", "marketplaceIds": [mp],
                                 "inputFeedDocumentId": doc_id})
    assert r.status_code == 202, r.text
    return r.json()["feedId"]


def qty_feed(seller_id: str, quantities: dict[str, int]) -> dict:
    return {"header": {"sellerId": seller_id, "version": "2.0"},
            "messages": [{"messageId": n, "sku": sku, "operationType": "PATCH", "productType": "PRODUCT",
                          "patches": availability(q)} for n, (sku, q) in enumerate(quantities.items(), 1)]}


def test_h2_a_stuck_listings_feed_finishes_late_when_released_and_applies_its_old_quantities(sandbox, seller):
    sku = merchant_sku(sandbox, seller)
    sandbox.fault(operation="createFeed", kind="feed_stuck", count=1)
    stuck = submit_listings(sandbox, seller, qty_feed(seller.creds.seller_id, {sku: 3}))
    sandbox.advance(1800)  # far past any feed's two minutes (and inside the access token's hour)
    assert get_feed(seller, stuck)["processingStatus"] == "IN_QUEUE"
    patch(seller, sku, US, availability(40))  # meanwhile the hub sent a newer quantity another way
    sandbox.advance(5)
    assert quantity(sandbox, seller, sku, US) == 40
    r = sandbox.http.post(f"/_sandbox/sellers/{seller.creds.seller_id}/feeds/{stuck}/release")
    assert r.status_code == 200 and r.json()["processingStatus"] == "IN_QUEUE", r.text
    sandbox.advance(200)
    done = get_feed(seller, stuck)
    assert done["processingStatus"] == "DONE"
    assert quantity(sandbox, seller, sku, US) == 3  # Amazon applies the old quantity, late
    report = download_result(sandbox, seller, done["resultFeedDocumentId"]).json()
    assert report["summary"]["messagesAccepted"] == 1


@pytest.mark.parametrize("path, status", [("feeds/NOPE/release", 404), ("feeds/{feed}/release", 400)])
def test_h2_releasing_a_feed_that_is_not_stuck_is_refused(sandbox, seller, path, status):
    feed_id = submit_listings(sandbox, seller, qty_feed(seller.creds.seller_id, {merchant_sku(sandbox, seller): 1}))
    r = sandbox.http.post(f"/_sandbox/sellers/{seller.creds.seller_id}/" + path.format(feed=feed_id))
    assert r.status_code == status and "error" in r.json()
    assert sandbox.http.post(f"/_sandbox/sellers/NOBODY/feeds/{feed_id}/release").status_code == 404


def test_d7_a_skipped_listings_message_is_reported_accepted_but_not_applied(sandbox, seller):
    skus = [sku for (sku, _), x in sorted(listings(sandbox, seller).items()) if x.fulfillment_channel == "DEFAULT"][:3]
    before = {sku: quantity(sandbox, seller, sku, US) for sku in skus}
    sandbox.fault(operation="JSON_LISTINGS_FEED", kind="feed_skip", count=1, seller_id=seller.creds.seller_id)
    feed_id = submit_listings(sandbox, seller, qty_feed(seller.creds.seller_id, {sku: 251 + n
                                                                               for n, sku in enumerate(skus)}))
    sandbox.advance(200)
    done = get_feed(seller, feed_id)
    report = download_result(sandbox, seller, done["resultFeedDocumentId"]).json()
    assert done["processingStatus"] == "DONE" and report["issues"] == []
    assert report["summary"]["messagesAccepted"] == 3
    assert quantity(sandbox, seller, skus[0], US) == before[skus[0]]  # the first message was skipped
    assert [quantity(sandbox, seller, sku, US) for sku in skus[1:]] == [252, 253]


def test_g1_get_listings_item_bursts_ten_then_429(sandbox, seller):
    sku = merchant_sku(sandbox, seller)
    url = f"{BASE}/{seller.creds.seller_id}/{quote(sku, safe='')}"
    codes = [seller.get(url, params={"marketplaceIds": US}).status_code for _ in range(11)]
    assert codes == [200] * 10 + [429]
    sandbox.advance(0.2)  # 5 per second
    assert seller.get(url, params={"marketplaceIds": US}).status_code == 200


@pytest.mark.server
def test_g2_both_python_clients_patch_and_get_a_sku_in_any_script(sandbox, seller):
    from sp_api.api import ListingsItems
    from spapi.api.listings_items_v2021_08_01.listings_api import ListingsApi
    from spapi.models.listings_items_v2021_08_01 import ListingsItemPatchRequest, PatchOperation

    from tests.adapters.sdk_clients import community_client, official_api_client
    from tests.support.sandbox import live_server

    seller_id, sku, title = seller.creds.seller_id, "Café crème/® 日本語 😀 (R)", "日本語タイトル 😀 Café ®"
    body = {"productType": "PRODUCT", "requirements": "LISTING", "attributes": {
        "item_name": [{"value": title, "language_tag": "en_US", "marketplace_id": US}],
        "fulfillment_availability": [{"fulfillment_channel_code": "DEFAULT", "quantity": 1}]}}
    r = seller.put(f"{BASE}/{seller_id}/{quote(sku, safe='')}", params={"marketplaceIds": US}, json=body)
    assert r.json()["status"] == "ACCEPTED", r.text
    sandbox.advance(5)
    with live_server(sandbox.app) as base:
        official = ListingsApi(official_api_client(base, seller.creds))
        patch_body = ListingsItemPatchRequest(product_type="PRODUCT", patches=[PatchOperation(
            op="merge", path="/attributes/fulfillment_availability",
            value=[{"fulfillment_channel_code": "DEFAULT", "quantity": 8, "lead_time_to_ship_max_days": 2}])])
        assert official.patch_listings_item(seller_id, sku, [US], patch_body).status == "ACCEPTED"
        sandbox.advance(5)
        item = official.get_listings_item(seller_id, sku, [US], included_data=["summaries", "fulfillmentAvailability"])
        assert (item.sku, item.summaries[0].item_name) == (sku, title)
        assert item.fulfillment_availability[0].quantity == 8

        community = community_client(ListingsItems, base, seller.creds)
        r = community.patch_listings_item(seller_id, sku, marketplaceIds=[US], body={
            "productType": "PRODUCT", "patches": availability(9)})
        assert r.payload["status"] == "ACCEPTED"
        sandbox.advance(5)
        got = community.get_listings_item(seller_id, sku, marketplaceIds=[US],
                                          includedData=["summaries", "fulfillmentAvailability"])
        assert got.payload["sku"] == sku and got.payload["summaries"][0]["itemName"] == title
        assert got.payload["fulfillmentAvailability"][0]["quantity"] == 9
    assert sandbox.backend.internal_errors == []


def test_d1_d2_an_fba_listing_of_the_same_sku_keeps_amazons_stock(sandbox, world):
    seller_id, sku = world.creds.seller_id, "SHARED-1"
    for mp, entry in ((US, {"fulfillment_channel_code": "DEFAULT", "quantity": 2}),
                      (MX, {"fulfillment_channel_code": "AMAZON_NA"})):
        body = {"productType": "PRODUCT", "requirements": "LISTING", "attributes": {
            "item_name": [{"value": "Shared", "marketplace_id": mp}], "fulfillment_availability": [entry]}}
        r = world.put(f"{BASE}/{seller_id}/{sku}", params={"marketplaceIds": mp}, json=body)
        assert r.json()["status"] == "ACCEPTED", r.text
    sandbox.advance(5)
    assert patch(world, sku, US, availability(30))["status"] == "ACCEPTED"
    sandbox.advance(5)
    assert quantity(sandbox, world, sku, US) == 30
    assert listings(sandbox, world)[(sku, MX)].attributes["fulfillment_availability"] == [
        {"fulfillment_channel_code": "AMAZON_NA"}]
