"""Listings Items API 2021-08-01 in the sandbox: get, patch, put, delete, search (I4, D1, D7, D8, E1)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.support.models import validate_response

US = "ATVPDKIKX0DER"
BASE = "/listings/2021-08-01/items"
ALL_DATA = "summaries,attributes,issues,offers,fulfillmentAvailability,procurement,relationships,productTypes"


def _listings(sandbox, client):
    return sandbox.backend.sellers[client.creds.seller_id].listings


def _skus(sandbox, client, *, fba: bool) -> list[str]:
    return [sku for (sku, _mp), listing in sorted(_listings(sandbox, client).items())
            if listing.fulfillment_channel.startswith("AMAZON_") == fba]


def _sku(sandbox, client, *, fba: bool) -> str:
    return _skus(sandbox, client, fba=fba)[0]


def _get(client, sku, included=ALL_DATA, **params):
    return client.get(f"{BASE}/{client.creds.seller_id}/{quote(sku, safe='')}",
                      params={"marketplaceIds": US, "includedData": included, **params})


def _patch(client, sku, patches, product_type="PRODUCT", **params):
    return client.patch(f"{BASE}/{client.creds.seller_id}/{sku}", params={"marketplaceIds": US, **params},
                        json={"productType": product_type, "patches": patches})


def _quantity(client, sku):
    body = _get(client, sku).json()
    return body["fulfillmentAvailability"][0].get("quantity")


def _availability(quantity, **extra):
    return [{"op": "replace", "path": "/attributes/fulfillment_availability",
             "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity, **extra}]}]


def _offer(amount, currency="USD"):
    return [{"op": "replace", "path": "/attributes/purchasable_offer",
             "value": [{"marketplace_id": US, "currency": currency,
                        "our_price": [{"schedule": [{"value_with_tax": amount}]}]}]}]


OPERATIONS = {"PATCH": "patchListingsItem", "PUT": "putListingsItem", "DELETE": "deleteListingsItem"}


def _submission(r, status):
    assert r.status_code == 200, r.text
    body = r.json()
    validate_response("listings", OPERATIONS[r.request.method], 200, body)
    assert body["status"] == status, body
    return body


# --- getListingsItem ----------------------------------------------------------------------------


def test_i4_get_listings_item_defaults_to_summaries(sandbox, seller):
    sku = _sku(sandbox, seller, fba=False)
    r = seller.get(f"{BASE}/{seller.creds.seller_id}/{sku}", params={"marketplaceIds": US})
    assert r.status_code == 200, r.text
    validate_response("listings", "getListingsItem", 200, r.json())
    body = r.json()
    assert set(body) == {"sku", "summaries"}
    summary = body["summaries"][0]
    assert summary["marketplaceId"] == US and summary["asin"].startswith("B0")
    assert summary["createdDate"].endswith("Z")
    assert r.headers["x-amzn-RateLimit-Limit"] == "5"


def test_i4_get_listings_item_renders_every_included_data_set(sandbox, seller):
    sku = _sku(sandbox, seller, fba=False)
    listing = _listings(sandbox, seller)[(sku, US)]
    body = _get(seller, sku).json()
    validate_response("listings", "getListingsItem", 200, body)
    price = listing.attributes["purchasable_offer"][0]["our_price"][0]["schedule"][0]["value_with_tax"]
    assert body["offers"] == [{"marketplaceId": US, "offerType": "B2C",
                               "price": {"currencyCode": "USD", "amount": str(price)},
                               "audience": {"value": "ALL", "displayName": "Sell on Amazon"}}]
    qty = listing.attributes["fulfillment_availability"][0]["quantity"]
    assert body["fulfillmentAvailability"] == [{"fulfillmentChannelCode": "DEFAULT", "quantity": qty}]
    assert body["attributes"]["item_name"][0]["value"] == listing.title
    assert body["productTypes"] == [{"marketplaceId": US, "productType": listing.product_type}]


def test_i4_fba_listing_shows_channel_without_quantity_and_an_fnsku(sandbox, seller):
    body = _get(seller, _sku(sandbox, seller, fba=True)).json()
    validate_response("listings", "getListingsItem", 200, body)
    assert body["fulfillmentAvailability"] == [{"fulfillmentChannelCode": "AMAZON_NA"}]
    assert body["summaries"][0]["fnSku"].startswith("X00")


def test_given_unknown_sku_when_get_then_404_with_amazons_not_found_code(sandbox, seller):
    r = _get(seller, "NO-SUCH-SKU")
    assert r.status_code == 404
    validate_response("listings", "getListingsItem", 404, r.json())
    error = r.json()["errors"][0]
    assert error["code"] == "NOT_FOUND"
    assert error["message"] == f"SKU 'NO-SUCH-SKU' not found in marketplace {US}"


def test_given_another_sellers_id_when_get_then_403_unauthorized(sandbox, seller):
    r = seller.get(f"{BASE}/AOTHERSELLER01/{_sku(sandbox, seller, fba=False)}", params={"marketplaceIds": US})
    assert r.status_code == 403
    validate_response("listings", "getListingsItem", 403, r.json())
    assert r.json()["errors"][0]["code"] == "Unauthorized"


@pytest.mark.parametrize("params", [
    {},  # marketplaceIds is required
    {"marketplaceIds": "NOTAMARKETPLACE"},
    {"marketplaceIds": US, "includedData": "summaries,everything"},
])
def test_given_bad_parameters_when_get_then_400_invalid_input(sandbox, seller, params):
    r = seller.get(f"{BASE}/{seller.creds.seller_id}/{_sku(sandbox, seller, fba=False)}", params=params)
    assert r.status_code == 400, r.text
    validate_response("listings", "getListingsItem", 400, r.json())
    assert r.json()["errors"][0]["code"] == "InvalidInput"


def test_given_empty_sku_when_get_then_400(sandbox, seller):
    r = seller.get(f"{BASE}/{seller.creds.seller_id}/", params={"marketplaceIds": US})
    assert r.status_code == 400
    validate_response("listings", "getListingsItem", 400, r.json())


def test_i4_sku_with_non_ascii_and_spaces_is_found(sandbox, seller):
    sku = "Café Crème® 🎉 #1/2"  # SDKs percent-encode the SKU in the path
    r = seller.put(f"{BASE}/{seller.creds.seller_id}/{quote(sku, safe='')}", params={"marketplaceIds": US}, json={
        "productType": "DRINKING_CUP", "attributes": {
            "item_name": [{"value": "Crème® 😀", "marketplace_id": US}],
            "fulfillment_availability": [{"fulfillment_channel_code": "DEFAULT", "quantity": 2}]}})
    _submission(r, "ACCEPTED")
    sandbox.advance(5)
    body = _get(seller, sku).json()
    assert body["sku"] == sku and body["summaries"][0]["itemName"] == "Crème® 😀"


# --- patchListingsItem --------------------------------------------------------------------------


def test_i4_accepted_patch_is_visible_only_after_five_seconds(sandbox, seller):
    sku = _sku(sandbox, seller, fba=False)
    before = _quantity(seller, sku)
    created = _get(seller, sku).json()["summaries"][0]["lastUpdatedDate"]
    body = _submission(_patch(seller, sku, _availability(before + 7)), "ACCEPTED")
    assert body["issues"] == [] and len(body["submissionId"]) == 32
    assert _quantity(seller, sku) == before
    sandbox.advance(4.9)
    assert _quantity(seller, sku) == before
    sandbox.advance(0.2)
    assert _quantity(seller, sku) == before + 7
    assert _get(seller, sku).json()["summaries"][0]["lastUpdatedDate"] > created


def test_i4_patch_delay_follows_the_configured_timing(sandbox, seller):
    sandbox.config(patch_visible_seconds=60)
    sku = _sku(sandbox, seller, fba=False)
    _submission(_patch(seller, sku, _availability(321)), "ACCEPTED")
    sandbox.advance(30)
    assert _quantity(seller, sku) != 321
    sandbox.advance(30)
    assert _quantity(seller, sku) == 321


def test_given_quantity_zero_when_patched_then_only_discoverable_and_back_to_buyable(sandbox, seller):
    sku = _sku(sandbox, seller, fba=False)
    _submission(_patch(seller, sku, _availability(0)), "ACCEPTED")
    sandbox.advance(5)
    assert _get(seller, sku).json()["summaries"][0]["status"] == ["DISCOVERABLE"]
    _submission(_patch(seller, sku, _availability(3)), "ACCEPTED")
    sandbox.advance(5)
    assert _get(seller, sku).json()["summaries"][0]["status"] == ["BUYABLE", "DISCOVERABLE"]


def test_i4_generated_listings_status_follows_their_quantity_and_price(sandbox):
    # populate_catalog's own output, no patch: seed 6 draws quantity 0 for a merchant-fulfilled SKU.
    client = sandbox.client_for(sandbox.create_seller(marketplaces=["US"], catalog_size=50, seed=6))
    mfn = [x for _key, x in sorted(_listings(sandbox, client).items()) if x.fulfillment_channel == "DEFAULT"]
    empty = [x.sku for x in mfn if x.attributes["fulfillment_availability"][0]["quantity"] == 0]
    stocked = [x.sku for x in mfn if x.attributes["fulfillment_availability"][0]["quantity"] > 0]
    assert empty and stocked, "seed 6 no longer generates an out-of-stock listing: pick another seed"
    for sku, quantity_ok, status in [(empty[0], lambda q: q == 0, ["DISCOVERABLE"]),
                                     (stocked[0], lambda q: q > 0, ["BUYABLE", "DISCOVERABLE"])]:
        body = _get(client, sku).json()
        assert quantity_ok(body["fulfillmentAvailability"][0]["quantity"]), body
        assert float(body["offers"][0]["price"]["amount"]) > 0, body
        assert body["summaries"][0]["status"] == status, body


def test_i4_two_quick_patches_apply_in_order(sandbox, seller):
    sku = _sku(sandbox, seller, fba=False)
    old_price = _get(seller, sku).json()["offers"][0]["price"]
    _submission(_patch(seller, sku, _availability(11)), "ACCEPTED")
    sandbox.advance(1)
    _submission(_patch(seller, sku, _offer(19.5)), "ACCEPTED")
    sandbox.advance(4)
    body = _get(seller, sku).json()
    assert body["fulfillmentAvailability"][0]["quantity"] == 11
    assert body["offers"][0]["price"] == old_price  # the second patch is due a second later
    sandbox.advance(1)
    assert _get(seller, sku).json()["offers"][0]["price"] == {"currencyCode": "USD", "amount": "19.5"}


def test_i4_merge_changes_one_field_and_keeps_the_others(sandbox, seller):
    sku = _sku(sandbox, seller, fba=False)
    lead = _get(seller, sku).json()["attributes"]["fulfillment_availability"][0]["lead_time_to_ship_max_days"]
    _submission(_patch(seller, sku, [{"op": "merge", "path": "/attributes/fulfillment_availability",
                                      "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 42}]}]),
                "ACCEPTED")
    sandbox.advance(5)
    entry = _get(seller, sku).json()["attributes"]["fulfillment_availability"][0]
    assert entry == {"fulfillment_channel_code": "DEFAULT", "quantity": 42, "lead_time_to_ship_max_days": lead}


def test_i4_delete_op_removes_an_attribute(sandbox, seller):
    sku = _sku(sandbox, seller, fba=False)
    _submission(_patch(seller, sku, [{"op": "delete", "path": "/attributes/purchasable_offer"}]), "ACCEPTED")
    sandbox.advance(5)
    body = _get(seller, sku).json()
    assert "purchasable_offer" not in body["attributes"] and body["offers"] == []
    assert body["summaries"][0]["status"] == ["DISCOVERABLE"]  # no price, not buyable


def test_given_validation_preview_when_patching_then_valid_and_nothing_changes(sandbox, seller):
    sku = _sku(sandbox, seller, fba=False)
    before = _get(seller, sku).json()
    body = _submission(_patch(seller, sku, _availability(999), mode="VALIDATION_PREVIEW",
                              includedData="identifiers,issues"), "VALID")
    assert body["identifiers"] == [{"marketplaceId": US, "asin": before["summaries"][0]["asin"]}]
    sandbox.advance(60)
    assert _get(seller, sku).json() == before
    assert _listings(sandbox, seller)[(sku, US)].pending == []


def test_given_invalid_data_in_preview_then_invalid_with_issues(sandbox, seller):
    body = _submission(_patch(seller, _sku(sandbox, seller, fba=False), _availability(-1),
                              mode="VALIDATION_PREVIEW"), "INVALID")
    assert body["issues"][0]["code"] == "4000001"


@pytest.mark.parametrize(("patches", "code", "attribute"), [
    (_availability(-1), "4000001", "fulfillment_availability"),
    (_availability(2.5), "4000001", "fulfillment_availability"),
    (_availability(5, lead_time_to_ship_max_days=-2), "4000001", "fulfillment_availability"),
    (_offer(12.0, currency="EUR"), "4000001", "purchasable_offer"),
    (_offer(0), "4000001", "purchasable_offer.our_price"),
    ([{"op": "replace", "path": "/attributes/fulfillment_availability", "value": [{"quantity": 1}]}],
     "90220", "fulfillment_availability"),
    ([{"op": "replace", "path": "/attributes/fulfillmentAvailability",
       "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 1}]}], "90000900", "fulfillmentAvailability"),
    ([{"op": "replace", "path": "/attributes/fulfillment_availability/0/quantity", "value": [{"x": 1}]}],
     "90000900", None),
])
def test_given_invalid_patch_then_200_invalid_with_an_issue_and_no_change(sandbox, seller, patches, code,
                                                                            attribute):
    sku = _sku(sandbox, seller, fba=False)
    before = _get(seller, sku).json()
    body = _submission(_patch(seller, sku, patches), "INVALID")
    issue = body["issues"][0]
    assert issue["code"] == code and issue["severity"] == "ERROR"
    if attribute:
        assert issue["attributeNames"] == [attribute]
    sandbox.advance(10)
    assert _get(seller, sku).json() == before


def test_given_wrong_currency_then_the_issue_is_an_invalid_price(sandbox, seller):
    body = _submission(_patch(seller, _sku(sandbox, seller, fba=False), _offer(10, "EUR")), "INVALID")
    assert body["issues"][0]["categories"] == ["INVALID_PRICE"] and "USD" in body["issues"][0]["message"]


@pytest.mark.parametrize("entry", [
    {"fulfillment_channel_code": "AMAZON_NA", "quantity": 5},
    {"fulfillment_channel_code": "DEFAULT", "quantity": 5},  # would turn the FBA listing merchant-fulfilled
])
def test_d1_fba_quantity_cannot_be_set_by_the_seller(sandbox, seller, entry):
    sku = _sku(sandbox, seller, fba=True)
    patches = [{"op": "replace", "path": "/attributes/fulfillment_availability", "value": [entry]}]
    body = _submission(_patch(seller, sku, patches), "INVALID")
    assert body["issues"][0]["attributeNames"] == ["fulfillment_availability"]
    assert "fulfilled by Amazon" in body["issues"][0]["message"]
    sandbox.advance(10)
    assert _get(seller, sku).json()["fulfillmentAvailability"] == [{"fulfillmentChannelCode": "AMAZON_NA"}]


def test_given_fba_listing_when_price_patched_then_accepted(sandbox, seller):
    sku = _sku(sandbox, seller, fba=True)
    _submission(_patch(seller, sku, _offer(55.55)), "ACCEPTED")
    sandbox.advance(5)
    assert _get(seller, sku).json()["offers"][0]["price"]["amount"] == "55.55"


def test_d8_given_unknown_sku_when_patched_then_invalid_13013_and_nothing_created(sandbox, seller):
    body = _submission(_patch(seller, "GHOST-SKU", _availability(5)), "INVALID")
    assert body["issues"][0]["code"] == "13013" and body["issues"][0]["marketplaceIds"] == [US]
    sandbox.advance(10)
    assert _get(seller, "GHOST-SKU").status_code == 404


@pytest.mark.parametrize("body", [
    {"patches": [{"op": "replace", "path": "/attributes/x", "value": [{}]}]},  # productType missing
    {"productType": "PRODUCT", "patches": []},
    {"productType": "PRODUCT", "patches": [{"op": "move", "path": "/attributes/x"}]},
    {"productType": "PRODUCT", "patches": [{"op": "replace", "path": "/attributes/x", "value": {"a": 1}}]},
    [1, 2],
])
def test_given_unparsable_patch_body_then_400_invalid_input(sandbox, seller, body):
    r = seller.patch(f"{BASE}/{seller.creds.seller_id}/{_sku(sandbox, seller, fba=False)}",
                     params={"marketplaceIds": US}, json=body)
    assert r.status_code == 400, r.text
    validate_response("listings", "patchListingsItem", 400, r.json())


def test_given_non_json_patch_body_then_400(sandbox, seller):
    r = seller.patch(f"{BASE}/{seller.creds.seller_id}/{_sku(sandbox, seller, fba=False)}",
                     params={"marketplaceIds": US}, content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400
    validate_response("listings", "patchListingsItem", 400, r.json())


@pytest.mark.parametrize("params", [
    {"mode": "LIVE"},
    {"includedData": "identifiers"},  # only with VALIDATION_PREVIEW
    {"marketplaceIds": "A1PA6795UKMFR9"},  # the seller does not sell in DE
])
def test_given_bad_patch_parameters_then_400(sandbox, seller, params):
    r = _patch(seller, _sku(sandbox, seller, fba=False), _availability(1), **params)
    assert r.status_code == 400, r.text
    validate_response("listings", "patchListingsItem", 400, r.json())


def test_given_other_seller_when_patching_then_403(sandbox, seller):
    r = seller.patch(f"{BASE}/AOTHERSELLER01/X", params={"marketplaceIds": US},
                     json={"productType": "PRODUCT", "patches": _availability(1)})
    assert r.status_code == 403
    validate_response("listings", "patchListingsItem", 403, r.json())


def test_g1_patch_burst_is_five_then_429(sandbox, seller):
    sku = _sku(sandbox, seller, fba=False)
    codes = [_patch(seller, sku, _availability(n)).status_code for n in range(6)]
    assert codes == [200] * 5 + [429]
    r = _patch(seller, sku, _availability(1))
    validate_response("listings", "patchListingsItem", 429, r.json())


def test_i4_nan_in_a_pass_through_attribute_is_invalid_not_a_crash(sandbox, seller):
    sku = _sku(sandbox, seller, fba=False)
    r = seller.patch(f"{BASE}/{seller.creds.seller_id}/{sku}", params={"marketplaceIds": US},
                     content=b'{"productType":"PRODUCT","patches":[{"op":"replace","path":"/attributes/color",'
                             b'"value":[{"value":NaN}]}]}', headers={"content-type": "application/json"})
    assert r.status_code in (200, 400), r.text
    if r.status_code == 200:
        assert r.json()["status"] == "INVALID"
    sandbox.advance(10)
    assert _get(seller, sku).status_code == 200
    assert sandbox.backend.internal_errors == []


# --- putListingsItem / deleteListingsItem -------------------------------------------------------


def _put(client, sku, attributes, **params):
    return client.put(f"{BASE}/{client.creds.seller_id}/{sku}", params={"marketplaceIds": US, **params},
                      json={"productType": "DRINKING_CUP", "requirements": "LISTING", "attributes": attributes})


NEW_ATTRIBUTES = {
    "item_name": [{"value": "Espresso Tasse Ø 6 cm ® ☕", "language_tag": "en_US", "marketplace_id": US}],
    "purchasable_offer": [{"marketplace_id": US, "currency": "USD",
                           "our_price": [{"schedule": [{"value_with_tax": 9.99}]}]}],
    "fulfillment_availability": [{"fulfillment_channel_code": "DEFAULT", "quantity": 4}],
}


def test_i4_put_creates_a_listing_visible_after_five_seconds(sandbox, seller):
    body = _submission(_put(seller, "NEW-SKU-1", NEW_ATTRIBUTES), "ACCEPTED")
    assert body["issues"] == []
    assert _get(seller, "NEW-SKU-1").status_code == 404
    sandbox.advance(5)
    item = _get(seller, "NEW-SKU-1").json()
    validate_response("listings", "getListingsItem", 200, item)
    assert item["summaries"][0]["itemName"] == "Espresso Tasse Ø 6 cm ® ☕"
    assert item["summaries"][0]["status"] == ["BUYABLE", "DISCOVERABLE"]
    assert item["fulfillmentAvailability"] == [{"fulfillmentChannelCode": "DEFAULT", "quantity": 4}]


def test_given_new_sku_without_item_name_when_put_then_invalid_90220(sandbox, seller):
    attrs = {k: v for k, v in NEW_ATTRIBUTES.items() if k != "item_name"}
    body = _submission(_put(seller, "NEW-SKU-2", attrs), "INVALID")
    assert body["issues"][0]["code"] == "90220" and body["issues"][0]["attributeNames"] == ["item_name"]


def test_given_put_with_two_marketplaces_then_400(sandbox, seller):
    r = _put(seller, "NEW-SKU-3", NEW_ATTRIBUTES, marketplaceIds=f"{US},A2EUQ1WTGCTBG2")
    assert r.status_code == 400
    validate_response("listings", "putListingsItem", 400, r.json())


def test_i4_delete_removes_the_listing_after_five_seconds(sandbox, seller):
    sku = _sku(sandbox, seller, fba=False)
    r = seller.delete(f"{BASE}/{seller.creds.seller_id}/{sku}", params={"marketplaceIds": US})
    _submission(r, "ACCEPTED")
    assert _get(seller, sku).status_code == 200
    sandbox.advance(5)
    assert _get(seller, sku).status_code == 404


def test_given_unknown_sku_when_deleted_then_invalid_13013(sandbox, seller):
    r = seller.delete(f"{BASE}/{seller.creds.seller_id}/GHOST", params={"marketplaceIds": US})
    body = _submission(r, "INVALID")
    assert body["issues"][0]["code"] == "13013"


# --- searchListingsItems ------------------------------------------------------------------------


def _search(client, **params):
    return client.get(f"{BASE}/{client.creds.seller_id}", params={"marketplaceIds": US, **params})


def test_i4_search_pages_through_every_sku_once(sandbox, seller):
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        r = _search(seller, pageSize=7, **({"pageToken": token} if token else {}))
        assert r.status_code == 200, r.text
        body = r.json()
        validate_response("listings", "searchListingsItems", 200, body)
        assert body["numberOfResults"] == 30
        seen += [item["sku"] for item in body["items"]]
        pages += 1
        if pages > 1:
            assert "previousToken" in body["pagination"]
        token = body.get("pagination", {}).get("nextToken")
        if token is None:
            break
    assert pages == 5 and len(seen) == 30 and len(set(seen)) == 30


def test_i4_search_previous_token_returns_the_previous_page(sandbox, seller):
    first = _search(seller, pageSize=5).json()
    second = _search(seller, pageSize=5, pageToken=first["pagination"]["nextToken"]).json()
    back = _search(seller, pageSize=5, pageToken=second["pagination"]["previousToken"]).json()
    assert [i["sku"] for i in back["items"]] == [i["sku"] for i in first["items"]]


def test_i4_search_default_sort_is_last_updated_descending(sandbox, seller):
    sku = _skus(sandbox, seller, fba=False)[-1]  # last by SKU: never first while dates tie
    sandbox.advance(1)
    _submission(_patch(seller, sku, _availability(77)), "ACCEPTED")
    assert _search(seller).json()["items"][0]["sku"] != sku
    sandbox.advance(5)
    assert _search(seller).json()["items"][0]["sku"] == sku


def test_i4_search_sort_by_sku_ascending(sandbox, seller):
    skus = [i["sku"] for i in _search(seller, sortBy="sku", sortOrder="ASC", pageSize=20).json()["items"]]
    assert skus == sorted(skus) and len(skus) == 20


def test_d7_search_by_sku_identifiers(sandbox, seller):
    wanted = sorted(sku for sku, _ in _listings(sandbox, seller))[:2]
    body = _search(seller, identifiers=",".join(wanted), identifiersType="SKU", includedData="summaries,offers").json()
    validate_response("listings", "searchListingsItems", 200, body)
    assert sorted(i["sku"] for i in body["items"]) == wanted and body["numberOfResults"] == 2
    assert all("offers" in i for i in body["items"])


def test_i4_search_with_status_filters_out_unbuyable_listings(sandbox, seller):
    sku = _sku(sandbox, seller, fba=False)
    _submission(_patch(seller, sku, _availability(0)), "ACCEPTED")
    sandbox.advance(5)
    buyable = [i["sku"] for i in _search(seller, withStatus="BUYABLE", pageSize=20, sortBy="sku",
                                         sortOrder="ASC").json()["items"]]
    not_buyable = [i["sku"] for i in _search(seller, withoutStatus="BUYABLE").json()["items"]]
    assert sku not in buyable and sku in not_buyable


@pytest.mark.parametrize("params", [
    {"pageSize": "21"}, {"pageSize": "0"}, {"pageSize": "ten"},
    {"pageToken": "garbage!"},
    {"identifiers": "A,B"},  # identifiersType missing
    {"identifiersType": "SKU"},
    {"identifiers": ",".join(f"S{n}" for n in range(21)), "identifiersType": "SKU"},
    {"identifiers": "A", "identifiersType": "SKU", "variationParentSku": "P"},
    {"sortBy": "price"}, {"sortOrder": "UP"}, {"withStatus": "ACTIVE"},
    {"lastUpdatedAfter": "yesterday"},
])
def test_given_bad_search_parameters_then_400(sandbox, seller, params):
    r = _search(seller, **params)
    assert r.status_code == 400, r.text
    validate_response("listings", "searchListingsItems", 400, r.json())


def test_given_a_page_token_from_another_query_then_400(sandbox, seller):
    token = _search(seller, pageSize=5).json()["pagination"]["nextToken"]
    r = _search(seller, pageSize=6, pageToken=token)
    assert r.status_code == 400


def test_i4_search_last_updated_after_finds_recent_changes(sandbox, seller):
    sku = _sku(sandbox, seller, fba=False)
    sandbox.advance(60)
    since = sandbox.http.get("/_sandbox/clock").json()["now"]
    _submission(_patch(seller, sku, _availability(12)), "ACCEPTED")
    sandbox.advance(5)
    body = _search(seller, lastUpdatedAfter=since).json()
    assert [i["sku"] for i in body["items"]] == [sku]


def test_given_other_seller_when_searching_then_403(sandbox, seller):
    r = seller.get(f"{BASE}/AOTHERSELLER01", params={"marketplaceIds": US})
    assert r.status_code == 403
    validate_response("listings", "searchListingsItems", 403, r.json())


# --- Amazon's two Python clients, unchanged but for the base URL ----------------------------------


@pytest.mark.server
def test_i4_both_python_clients_get_patch_and_page_listings(sandbox, seller):
    from sp_api.api import ListingsItems
    from spapi.api.listings_items_v2021_08_01.listings_api import ListingsApi
    from spapi.models.listings_items_v2021_08_01 import ListingsItemPatchRequest, PatchOperation

    from tests.adapters.sdk_clients import community_client, official_api_client
    from tests.support.sandbox import live_server

    sku, seller_id = _sku(sandbox, seller, fba=False), seller.creds.seller_id
    with live_server(sandbox.app) as base:
        official = ListingsApi(official_api_client(base, seller.creds))
        item = official.get_listings_item(seller_id, sku, [US], included_data=["summaries", "offers"])
        assert item.summaries[0].status == ["BUYABLE", "DISCOVERABLE"] and item.offers[0].price.amount
        patch = ListingsItemPatchRequest(product_type="PRODUCT", patches=[PatchOperation(
            op="replace", path="/attributes/fulfillment_availability",
            value=[{"fulfillment_channel_code": "DEFAULT", "quantity": 3}])])
        assert official.patch_listings_item(seller_id, sku, [US], patch).status == "ACCEPTED"
        first = official.search_listings_items(seller_id, [US], page_size=5)
        second = official.search_listings_items(seller_id, [US], page_size=5, page_token=first.pagination.next_token)
        assert first.number_of_results == 30 and {i.sku for i in first.items}.isdisjoint(i.sku for i in second.items)

        community = community_client(ListingsItems, base, seller.creds)
        r = community.patch_listings_item(seller_id, sku, marketplaceIds=[US], body={
            "productType": "PRODUCT", "patches": _availability(-1)})
        assert r.payload["status"] == "INVALID" and r.payload["issues"][0]["code"] == "4000001"
        got = community.get_listings_item(seller_id, sku, marketplaceIds=[US], includedData=["summaries"])
        assert got.payload["sku"] == sku
    assert sandbox.backend.internal_errors == []
