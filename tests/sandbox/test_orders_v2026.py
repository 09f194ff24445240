"""Orders API 2026-01-01 in the sandbox: searchOrders and getOrder against Amazon's model (I4, B1, B13)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from sellerbridge.sandbox import render_orders_v2026 as render
from sellerbridge.sandbox.state import Shipment, ShipmentItem
from tests.support.models import validate_response
from tests.support.orders import iso, live, make_orders, now

SEARCH = "/orders/2026-01-01/orders"
US = "ATVPDKIKX0DER"
DE = "A1PA6795UKMFR9"
ALL_DATA = ",".join(render.DATASETS)




def touch(sandbox, client, order) -> None:
    backend = sandbox.backend
    backend.touch_order(backend.sellers[client.creds.seller_id], order)


@pytest.fixture
def fast(sandbox):
    """A US seller whose searchOrders bucket does not get in the way of paging tests."""
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=30, seed=11,
                                  usage_plans={"searchOrders": [100, 1000]})
    return sandbox.client_for(creds)


def search(client, **params):
    r = client.get(SEARCH, params=params)
    validate_response("orders_2026", "searchOrders", r.status_code, r.json())
    return r


def assert_400(r, text: str) -> None:
    assert r.status_code == 400, r.text
    validate_response("orders_2026", "searchOrders", 400, r.json())
    error = r.json()["errors"][0]
    assert error["code"] == "InvalidInput"
    assert text.lower() in (error["message"] + " " + error.get("details", "")).lower()


# --- searchOrders: success, order, window echo ---------------------------------------------------

def test_i4_search_orders_returns_indexed_orders_sorted_with_the_window_end(sandbox, fast):
    start = now(sandbox) - timedelta(seconds=1)
    ids = make_orders(sandbox, fast, 5)
    sandbox.advance(121)
    r = search(fast, createdAfter=iso(start), marketplaceIds=US)
    assert r.status_code == 200
    body = r.json()
    assert sorted(o["orderId"] for o in body["orders"]) == sorted(ids)
    assert [o["createdTime"] for o in body["orders"]] == sorted(o["createdTime"] for o in body["orders"])
    assert "pagination" not in body
    assert body["createdBefore"] == iso(now(sandbox) - timedelta(seconds=120))
    assert "lastUpdatedBefore" not in body


def test_i4_search_orders_by_last_update_echoes_last_updated_before(sandbox, fast):
    start = now(sandbox) - timedelta(seconds=1)
    make_orders(sandbox, fast, 2)
    sandbox.advance(200)
    body = search(fast, lastUpdatedAfter=iso(start)).json()  # marketplaceIds omitted: all of the seller's
    assert len(body["orders"]) == 2
    assert body["lastUpdatedBefore"] == iso(now(sandbox) - timedelta(seconds=120))
    assert "createdBefore" not in body


def test_i4_search_orders_without_included_data_gives_only_basic_information(sandbox, fast):
    start = now(sandbox) - timedelta(seconds=1)
    make_orders(sandbox, fast, 1)
    sandbox.advance(121)
    order = search(fast, createdAfter=iso(start)).json()["orders"][0]
    assert set(order) <= {"orderId", "orderAliases", "createdTime", "lastUpdatedTime", "programs",
                          "salesChannel", "orderItems"}
    assert order["salesChannel"] == {"channelName": "AMAZON", "marketplaceId": US, "marketplaceName": "Amazon.com"}
    item = order["orderItems"][0]
    assert set(item) == {"orderItemId", "quantityOrdered", "product"}
    assert {"asin", "title", "sellerSku", "condition", "price"} <= set(item["product"])


# --- paging ----------------------------------------------------------------------------------------

def test_i4_search_orders_pages_through_more_than_100_orders_without_duplicates(sandbox, fast):
    start = now(sandbox) - timedelta(seconds=1)
    ids = make_orders(sandbox, fast, 250)
    sandbox.advance(121)
    params = {"createdAfter": iso(start), "marketplaceIds": US}
    pages = [search(fast, **params).json()]
    # maxResultsPerPage and includedData may change between pages; nothing else may.
    pages.append(search(fast, **params, maxResultsPerPage=60, includedData="FULFILLMENT",
                        paginationToken=pages[-1]["pagination"]["nextToken"]).json())
    while "pagination" in pages[-1]:
        pages.append(search(fast, **params, paginationToken=pages[-1]["pagination"]["nextToken"]).json())
    assert [len(p["orders"]) for p in pages] == [100, 60, 90]
    seen = [o["orderId"] for p in pages for o in p["orders"]]
    assert len(seen) == len(set(seen)) == 250 and set(seen) == set(ids)
    assert all("fulfillment" in o for o in pages[1]["orders"])
    assert all("fulfillment" not in o for o in pages[2]["orders"])
    keys = [(o["createdTime"], o["orderId"]) for p in pages for o in p["orders"]]
    assert [k[0] for k in keys] == sorted(k[0] for k in keys)


def test_given_a_page_token_when_other_parameters_change_then_400(sandbox, fast):
    start = now(sandbox) - timedelta(seconds=1)
    make_orders(sandbox, fast, 120)
    sandbox.advance(121)
    first = search(fast, createdAfter=iso(start), maxResultsPerPage=50).json()
    token = first["pagination"]["nextToken"]
    assert_400(search(fast, createdAfter=iso(start), fulfillmentStatuses="SHIPPED", paginationToken=token),
               "same values")
    assert_400(search(fast, createdAfter=iso(start - timedelta(seconds=5)), paginationToken=token), "same values")
    assert_400(search(fast, lastUpdatedAfter=iso(start), paginationToken=token), "same values")
    assert_400(search(fast, paginationToken=token, marketplaceIds=US), "must repeat createdAfter")
    # The window end the first page echoed may be repeated although it was not sent at first.
    ok = search(fast, createdAfter=iso(start), createdBefore=first["createdBefore"], paginationToken=token)
    assert ok.status_code == 200 and len(ok.json()["orders"]) == 70  # maxResultsPerPage back to 100


def test_given_a_page_token_older_than_24_hours_when_used_then_400_expired(sandbox, fast):
    start = now(sandbox) - timedelta(seconds=1)
    make_orders(sandbox, fast, 101)
    sandbox.advance(121)
    token = search(fast, createdAfter=iso(start)).json()["pagination"]["nextToken"]
    sandbox.advance(24 * 3600 - 10)
    client = sandbox.client_for(fast.creds)  # the access token lasts an hour
    still = search(client, createdAfter=iso(start), paginationToken=token)
    assert still.status_code == 200 and len(still.json()["orders"]) == 1
    sandbox.advance(20)
    client = sandbox.client_for(fast.creds)
    assert_400(search(client, createdAfter=iso(start), paginationToken=token), "expired")


def test_given_an_unknown_or_foreign_page_token_then_400(sandbox, fast):
    start = now(sandbox) - timedelta(seconds=1)
    make_orders(sandbox, fast, 101)
    sandbox.advance(121)
    assert_400(search(fast, createdAfter=iso(start), paginationToken="bm90LWEtdG9rZW4"), "paginationToken")
    token = search(fast, createdAfter=iso(start)).json()["pagination"]["nextToken"]
    other = sandbox.client_for(sandbox.create_seller(marketplaces=["US"], catalog_size=5, seed=99))
    assert_400(search(other, createdAfter=iso(start), paginationToken=token), "paginationToken")


# --- the two-minute search lag ------------------------------------------------------------------

def test_i4_new_order_reaches_search_after_two_minutes_but_get_order_at_once(sandbox, fast):
    start = now(sandbox) - timedelta(seconds=1)
    [order_id] = make_orders(sandbox, fast, 1)
    assert fast.get(f"{SEARCH}/{order_id}").status_code == 200
    sandbox.advance(119)
    assert search(fast, createdAfter=iso(start)).json()["orders"] == []
    sandbox.advance(2)
    assert [o["orderId"] for o in search(fast, createdAfter=iso(start)).json()["orders"]] == [order_id]


def test_i4_an_update_shows_in_get_order_at_once_and_in_search_two_minutes_later(sandbox, fast):
    [order_id] = make_orders(sandbox, fast, 1)
    sandbox.advance(600)
    changed_at = now(sandbox)
    r = sandbox.http.post(f"/_sandbox/sellers/{fast.creds.seller_id}/orders/{order_id}/cancel", json={"by": "AMAZON"})
    assert r.status_code == 200
    got = fast.get(f"{SEARCH}/{order_id}", params={"includedData": "FULFILLMENT"}).json()["order"]
    assert got["fulfillment"]["fulfillmentStatus"] == "CANCELLED"
    after = {"lastUpdatedAfter": iso(changed_at - timedelta(seconds=1)), "includedData": "FULFILLMENT"}
    sandbox.advance(119)
    assert search(fast, **after).json()["orders"] == []
    sandbox.advance(2)
    [found] = search(fast, **after).json()["orders"]
    assert found["orderId"] == order_id and found["fulfillment"]["fulfillmentStatus"] == "CANCELLED"


def test_given_a_slower_index_when_searching_then_orders_lag_behind_the_window(sandbox, fast):
    sandbox.config(search_lag_seconds=600)
    start = now(sandbox) - timedelta(seconds=1)
    make_orders(sandbox, fast, 1)
    sandbox.advance(300)  # inside the window (created before now - 120 s) but not yet indexed
    assert search(fast, createdAfter=iso(start)).json()["orders"] == []
    sandbox.advance(301)
    assert len(search(fast, createdAfter=iso(start)).json()["orders"]) == 1


# --- parameter rules -------------------------------------------------------------------------------

def test_i4_created_before_must_be_two_minutes_before_the_request(sandbox, fast):
    t = now(sandbox)
    after = iso(t - timedelta(hours=1))
    assert_400(search(fast, createdAfter=after, createdBefore=iso(t - timedelta(seconds=60))), "two minutes")
    assert search(fast, createdAfter=after, createdBefore=iso(t - timedelta(seconds=120))).status_code == 200
    assert_400(search(fast, lastUpdatedAfter=after, lastUpdatedBefore=iso(t - timedelta(seconds=30))), "two minutes")
    ok = search(fast, lastUpdatedAfter=after, lastUpdatedBefore=iso(t - timedelta(seconds=300)))
    assert ok.status_code == 200 and ok.json()["lastUpdatedBefore"] == iso(t - timedelta(seconds=300))


def test_i4_created_before_within_the_window_limits_results(sandbox, fast):
    start = now(sandbox) - timedelta(seconds=1)
    make_orders(sandbox, fast, 2)
    sandbox.advance(600)
    mid = now(sandbox)
    make_orders(sandbox, fast, 3)
    sandbox.advance(600)
    body = search(fast, createdAfter=iso(start), createdBefore=iso(mid - timedelta(seconds=1))).json()
    assert len(body["orders"]) == 2 and body["createdBefore"] == iso(mid - timedelta(seconds=1))
    assert len(search(fast, createdAfter=iso(start)).json()["orders"]) == 5


@pytest.mark.parametrize("params, text", [
    ({}, "exactly one"),
    ({"createdAfter": "2026-01-01T00:00:00Z", "lastUpdatedAfter": "2026-01-01T00:00:00Z"}, "lastUpdatedAfter"),
    ({"createdAfter": "2026-01-01T00:00:00Z", "lastUpdatedBefore": "2026-01-02T00:00:00Z"}, "lastUpdatedBefore"),
    ({"lastUpdatedAfter": "2026-01-01T00:00:00Z", "createdBefore": "2026-01-02T00:00:00Z"}, "createdBefore"),
    ({"createdBefore": "2026-01-02T00:00:00Z"}, "exactly one"),
    ({"lastUpdatedBefore": "2026-01-02T00:00:00Z"}, "exactly one"),
    ({"createdAfter": "yesterday"}, "ISO 8601"),
    ({"createdAfter": "2026-02-30T00:00:00Z"}, "createdAfter"),
    ({"createdAfter": "2026-01-01"}, "ISO 8601"),
    ({"createdAfter": "2026-01-02T00:00:00Z", "createdBefore": "2026-01-01T00:00:00Z"}, "equal to or after"),
    ({"createdAfter": "2099-01-01T00:00:00Z"}, "future"),
    ({"createdAfter": "2026-01-01T00:00:00Z", "fulfillmentStatuses": "UNSHIPPED,Shipped"}, "Shipped"),
    ({"createdAfter": "2026-01-01T00:00:00Z", "fulfilledBy": "FBA"}, "fulfilledBy"),
    ({"createdAfter": "2026-01-01T00:00:00Z", "includedData": "BUYER,EVERYTHING"}, "EVERYTHING"),
    ({"createdAfter": "2026-01-01T00:00:00Z", "maxResultsPerPage": "0"}, "between 1 and 100"),
    ({"createdAfter": "2026-01-01T00:00:00Z", "maxResultsPerPage": "101"}, "between 1 and 100"),
    ({"createdAfter": "2026-01-01T00:00:00Z", "maxResultsPerPage": "ten"}, "integer"),
    ({"createdAfter": "2026-01-01T00:00:00Z", "marketplaceIds": DE}, DE),
    ({"createdAfter": "2026-01-01T00:00:00Z", "marketplaceIds": ",".join([US] * 51)}, "at most 50"),
])
def test_i4_search_orders_rejects_bad_parameters_with_400(sandbox, seller, params, text):
    assert_400(search(seller, **params), text)


def test_i4_search_orders_accepts_iso_8601_variants(sandbox, fast):
    t = now(sandbox) - timedelta(hours=2)
    for value in (t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), t.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
                  t.strftime("%Y-%m-%dT%H:%M:%S"), (t + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S+0200")):
        assert search(fast, createdAfter=value).status_code == 200, value


def test_i4_search_orders_without_a_token_is_403_in_amazons_shape(sandbox):
    r = sandbox.http.get(SEARCH, params={"createdAfter": "2026-01-01T00:00:00Z"})
    assert r.status_code == 403
    validate_response("orders_2026", "searchOrders", 403, r.json())


# --- filters ---------------------------------------------------------------------------------------

def test_b2_b3_search_filters_by_fulfillment_status_and_fulfilled_by(sandbox, fast):
    start = now(sandbox) - timedelta(seconds=1)
    mfn = make_orders(sandbox, fast, 3, fba=False)
    afn = make_orders(sandbox, fast, 2, fba=True)
    sandbox.http.post(f"/_sandbox/sellers/{fast.creds.seller_id}/orders/{mfn[0]}/cancel", json={"by": "AMAZON"})
    sandbox.advance(121)

    def ids(**kw):
        return {o["orderId"] for o in search(fast, createdAfter=iso(start), **kw).json()["orders"]}

    assert ids(fulfilledBy="AMAZON") == set(afn)
    assert ids(fulfilledBy="MERCHANT") == set(mfn)
    assert ids(fulfillmentStatuses="CANCELLED") == {mfn[0]}
    assert ids(fulfillmentStatuses="UNSHIPPED", fulfilledBy="MERCHANT") == set(mfn[1:])
    assert ids(fulfillmentStatuses=["UNSHIPPED", "CANCELLED"]) == set(mfn) | set(afn)


def test_b2_invoice_unconfirmed_is_found_and_shown_as_shipped(sandbox, fast):
    start = now(sandbox) - timedelta(seconds=1)
    [order_id] = make_orders(sandbox, fast, 1, fba=False)
    order = live(sandbox, fast, order_id)
    order.status = "InvoiceUnconfirmed"
    touch(sandbox, fast, order)
    sandbox.advance(121)
    [found] = search(fast, createdAfter=iso(start), fulfillmentStatuses="SHIPPED", includedData="FULFILLMENT"
                     ).json()["orders"]
    assert found["fulfillment"]["fulfillmentStatus"] == "SHIPPED"


def test_i4_status_and_service_level_mappings_cover_every_v0_value():
    assert render.FULFILLMENT_STATUS == {
        "PendingAvailability": "PENDING_AVAILABILITY", "Pending": "PENDING", "Unshipped": "UNSHIPPED",
        "PartiallyShipped": "PARTIALLY_SHIPPED", "Shipped": "SHIPPED", "InvoiceUnconfirmed": "SHIPPED",
        "Canceled": "CANCELLED", "Unfulfillable": "UNFULFILLABLE"}
    assert {render.SERVICE_LEVEL[k] for k in ("Standard", "Expedited", "SecondDay", "NextDay", "Scheduled",
                                              "FreeEconomy", "SameDay")} == {
        "STANDARD", "EXPEDITED", "SECOND_DAY", "NEXT_DAY", "SCHEDULED", "FREE_ECONOMY", "SAME_DAY"}
    assert render.statuses_for(["SHIPPED"]) == {"Shipped", "InvoiceUnconfirmed"}


# --- getOrder ----------------------------------------------------------------------------------------

def test_i4_get_order_unknown_is_404_in_amazons_shape(sandbox, seller):
    r = seller.get(f"{SEARCH}/999-0000000-0000000")
    assert r.status_code == 404
    validate_response("orders_2026", "getOrder", 404, r.json())
    assert r.json()["errors"][0]["code"] == "NotFound"


def test_i4_orders_of_another_seller_are_invisible(sandbox, seller):
    other = sandbox.client_for(sandbox.create_seller(marketplaces=["US"], catalog_size=5, seed=77))
    start = now(sandbox) - timedelta(seconds=1)
    [order_id] = make_orders(sandbox, seller, 1)
    sandbox.advance(121)
    assert other.get(f"{SEARCH}/{order_id}").status_code == 404
    assert search(other, createdAfter=iso(start)).json()["orders"] == []


def test_i4_get_order_rejects_unknown_included_data(sandbox, seller):
    [order_id] = make_orders(sandbox, seller, 1)
    r = seller.get(f"{SEARCH}/{order_id}", params={"includedData": "BUYER,SECRETS"})
    assert r.status_code == 400
    validate_response("orders_2026", "getOrder", 400, r.json())


def test_i4_get_order_with_every_dataset_validates_against_the_model(sandbox, seller):
    for order_id in make_orders(sandbox, seller, 20):
        r = seller.get(f"{SEARCH}/{order_id}", params={"includedData": ALL_DATA})
        assert r.status_code == 200
        assert r.headers["x-amzn-RateLimit-Limit"] == "0.5"
        validate_response("orders_2026", "getOrder", 200, r.json())
        order = r.json()["order"]
        assert order["orderId"] == order_id
        assert {"recipient", "proceeds", "fulfillment", "payment"} <= set(order)
        if order["fulfillment"]["fulfilledBy"] == "MERCHANT":  # e-mail: merchant orders only
            assert "buyerEmail" in order["buyer"]


def test_i4_get_order_fulfillment_dataset_carries_status_level_windows_and_item_quantities(sandbox, seller):
    [order_id] = make_orders(sandbox, seller, 1, fba=False)
    order = live(sandbox, seller, order_id)
    got = seller.get(f"{SEARCH}/{order_id}", params={"includedData": "FULFILLMENT"}).json()["order"]
    f = got["fulfillment"]
    assert f["fulfillmentStatus"] == "UNSHIPPED" and f["fulfilledBy"] == "MERCHANT"
    assert f["fulfillmentServiceLevel"] == render.SERVICE_LEVEL[order.service_level]
    assert f["shipByWindow"]["latestDateTime"] == iso(order.latest_ship)
    item = got["orderItems"][0]["fulfillment"]
    assert item == {**item, "quantityFulfilled": 0, "quantityUnfulfilled": order.lines[0].quantity}


def test_i4_proceeds_breakdowns_add_up_to_the_grand_total(sandbox, seller):
    [order_id] = make_orders(sandbox, seller, 1)
    order = live(sandbox, seller, order_id)
    order.lines[0].promotion_discount = Decimal("2.50")
    order.lines[0].promotion_ids = ["PROMO-1"]
    got = seller.get(f"{SEARCH}/{order_id}", params={"includedData": "PROCEEDS,PROMOTION"}).json()["order"]
    proceeds = got["proceeds"]
    parts = sum(Decimal(b["subtotal"]["amount"]) for b in proceeds["breakdowns"])
    assert Decimal(proceeds["grandTotal"]["amount"]) == parts == order.order_total()
    assert {"type": "DISCOUNT", "subtotal": {"amount": "-2.50", "currencyCode": "USD"}} in proceeds["breakdowns"]
    assert got["orderItems"][0]["promotion"] == {"breakdowns": [{"promotionId": "PROMO-1"}]}


def test_i4_pending_order_has_no_prices_or_proceeds_yet(sandbox, seller):
    [order_id] = make_orders(sandbox, seller, 1, status="Pending")
    r = seller.get(f"{SEARCH}/{order_id}", params={"includedData": ALL_DATA})
    validate_response("orders_2026", "getOrder", 200, r.json())
    order = r.json()["order"]
    assert "proceeds" not in order and "payment" not in order
    assert all("price" not in i["product"] and "proceeds" not in i for i in order["orderItems"])
    assert order["fulfillment"]["fulfillmentStatus"] == "PENDING"


def test_b9_cancellation_dataset_shows_buyer_requests_and_executions(sandbox, seller):
    a, b = make_orders(sandbox, seller, 2, fba=False)
    base = f"/_sandbox/sellers/{seller.creds.seller_id}/orders"
    sandbox.http.post(f"{base}/{a}/cancel", json={"by": "BUYER_REQUEST", "reason": "Ordered by mistake"})
    sandbox.http.post(f"{base}/{b}/cancel", json={"by": "AMAZON", "reason": "PaymentDeclined"})
    got_a = seller.get(f"{SEARCH}/{a}", params={"includedData": "CANCELLATION"}).json()["order"]
    assert got_a["orderItems"][0]["cancellation"] == {
        "cancellationRequest": {"requester": "BUYER", "cancelReason": "Ordered by mistake"}}
    r = seller.get(f"{SEARCH}/{b}", params={"includedData": "CANCELLATION,PROCEEDS"})
    validate_response("orders_2026", "getOrder", 200, r.json())
    got_b = r.json()["order"]
    assert got_b["orderItems"][0]["cancellation"]["cancellationExecution"] == {
        "cancelledBy": "AMAZON", "cancelReason": "PaymentDeclined"}
    assert "proceeds" not in got_b


def test_c2_packages_dataset_lists_shipments_of_merchant_orders_only(sandbox, seller):
    [mfn] = make_orders(sandbox, seller, 1, fba=False)
    [afn] = make_orders(sandbox, seller, 1, fba=True)
    order = live(sandbox, seller, mfn)
    line = order.lines[0]
    at = now(sandbox)
    order.shipments.append(Shipment(package_reference_id="1", carrier_code="UPS", carrier_name=None,
                                    shipping_method="UPS Ground", tracking_number="1Z999", ship_date=at,
                                    items=[ShipmentItem(line.order_item_id, 1)], confirmed_at=at,
                                    source="confirmShipment"))
    line.quantity_shipped = 1
    order.status = "Shipped" if line.quantity == 1 and len(order.lines) == 1 else "PartiallyShipped"
    touch(sandbox, seller, order)
    r = seller.get(f"{SEARCH}/{mfn}", params={"includedData": "PACKAGES,FULFILLMENT"})
    validate_response("orders_2026", "getOrder", 200, r.json())
    got = r.json()["order"]
    assert got["packages"] == [{
        "packageReferenceId": "1", "createdTime": iso(at), "packageStatus": {"status": "SHIPPED"},
        "carrier": "UPS", "shipTime": iso(at), "trackingNumber": "1Z999", "shippingService": "UPS Ground",
        "packageItems": [{"orderItemId": line.order_item_id, "quantity": 1}]}]
    assert got["orderItems"][0]["fulfillment"]["quantityFulfilled"] == 1
    assert "packages" not in seller.get(f"{SEARCH}/{afn}", params={"includedData": "PACKAGES"}).json()["order"]


# --- PII by role (B13) -----------------------------------------------------------------------------

def _pii_client(sandbox, roles, marketplaces=("US",), seed=3):
    return sandbox.client_for(sandbox.create_seller(marketplaces=list(marketplaces), catalog_size=30,
                                                    seed=seed, roles=roles))


def test_b13_with_the_direct_to_consumer_role_buyer_and_address_pii_are_returned(sandbox):
    client = _pii_client(sandbox, ["DirectToConsumerShipping"])
    [order_id] = make_orders(sandbox, client, 1, fba=False)
    order = live(sandbox, client, order_id)
    got = client.get(f"{SEARCH}/{order_id}", params={"includedData": "BUYER,RECIPIENT"}).json()["order"]
    assert got["buyer"]["buyerName"] == order.buyer.name
    assert got["buyer"]["buyerEmail"] == order.buyer.email
    address = got["recipient"]["deliveryAddress"]
    assert address["name"] == order.ship_to.name and address["addressLine1"] == order.ship_to.line1
    assert address["postalCode"] == order.ship_to.postal_code and address["phone"] == order.ship_to.phone


def test_b13_without_restricted_roles_pii_is_left_out(sandbox):
    client = _pii_client(sandbox, ["InventoryAndOrderTracking"])
    [order_id] = make_orders(sandbox, client, 1, fba=False)
    order = live(sandbox, client, order_id)
    r = client.get(f"{SEARCH}/{order_id}", params={"includedData": "BUYER,RECIPIENT"})
    validate_response("orders_2026", "getOrder", 200, r.json())
    got = r.json()["order"]
    assert "buyerName" not in got.get("buyer", {}) and "buyerEmail" not in got.get("buyer", {})
    address = got["recipient"]["deliveryAddress"]
    assert not {"name", "addressLine1", "addressLine2", "postalCode", "phone"} & set(address)
    assert address["city"] == order.ship_to.city and address["countryCode"] == "US"


def test_b13_tax_roles_never_open_the_buyer_name_in_the_us(sandbox):
    client = _pii_client(sandbox, ["TaxInvoicing", "TaxRemittance"])
    [order_id] = make_orders(sandbox, client, 1, fba=False)
    got = client.get(f"{SEARCH}/{order_id}", params={"includedData": "BUYER"}).json()["order"]
    assert "buyerName" not in got.get("buyer", {})


def test_b13_tax_roles_open_the_buyer_name_but_not_the_email_in_germany(sandbox):
    client = _pii_client(sandbox, ["TaxInvoicing"], marketplaces=["DE"])
    [order_id] = make_orders(sandbox, client, 1, fba=True)
    order = live(sandbox, client, order_id)
    got = client.get(f"{SEARCH}/{order_id}", params={"includedData": "BUYER"}).json()["order"]
    assert got["buyer"]["buyerName"] == order.buyer.name
    assert "buyerEmail" not in got["buyer"]


def test_b13_fba_orders_never_show_the_buyer_email_or_phone(sandbox):
    client = _pii_client(sandbox, ["DirectToConsumerShipping"])
    [order_id] = make_orders(sandbox, client, 1, fba=True)
    got = client.get(f"{SEARCH}/{order_id}", params={"includedData": "BUYER,RECIPIENT"}).json()["order"]
    assert "buyerEmail" not in got.get("buyer", {})
    assert "phone" not in got["recipient"]["deliveryAddress"]
    assert "addressLine1" in got["recipient"]["deliveryAddress"]


def test_b13_pending_orders_show_no_pii_even_with_the_role(sandbox):
    client = _pii_client(sandbox, ["DirectToConsumerShipping", "TaxInvoicing"])
    [order_id] = make_orders(sandbox, client, 1, fba=False, status="Pending")
    got = client.get(f"{SEARCH}/{order_id}", params={"includedData": "BUYER,RECIPIENT"}).json()["order"]
    assert "buyerName" not in got.get("buyer", {}) and "buyerEmail" not in got.get("buyer", {})
    assert "addressLine1" not in got["recipient"]["deliveryAddress"]


def test_b13_phone_is_suppressed_once_a_shipped_order_is_past_its_latest_delivery(sandbox):
    client = _pii_client(sandbox, ["DirectToConsumerShipping"])
    [order_id] = make_orders(sandbox, client, 1, fba=False)
    order = live(sandbox, client, order_id)
    order.status = "Shipped"
    params = {"includedData": "RECIPIENT"}
    assert "phone" in client.get(f"{SEARCH}/{order_id}", params=params).json()["order"]["recipient"]["deliveryAddress"]
    sandbox.advance((order.latest_delivery - now(sandbox)).total_seconds() + 60)
    client = sandbox.client_for(client.creds)
    address = client.get(f"{SEARCH}/{order_id}", params=params).json()["order"]["recipient"]["deliveryAddress"]
    assert "phone" not in address and "addressLine1" in address


def test_b13_gift_message_needs_the_direct_to_consumer_role(sandbox):
    with_role = _pii_client(sandbox, ["DirectToConsumerShipping"], seed=4)
    without = _pii_client(sandbox, ["Pricing"], seed=5)
    for client, expected in ((with_role, {"giftMessage": "Happy birthday"}), (without, {})):
        [order_id] = make_orders(sandbox, client, 1, fba=False)
        live(sandbox, client, order_id).lines[0].gift_message = "Happy birthday"
        got = client.get(f"{SEARCH}/{order_id}", params={"includedData": "FULFILLMENT"}).json()["order"]
        assert got["orderItems"][0]["fulfillment"]["packing"] == {"giftOption": expected}
