"""Orders v0 reads in the sandbox (deprecated, still served): shapes, paging, RDT-gated PII (I4, B1, B13)."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import timedelta

import pytest

from sellerbridge.sandbox.backend import AccessToken
from sellerbridge.sandbox.routes.orders_v0 import ITEMS_PAGE_SIZE
from tests.support.models import validate_response
from tests.support.orders import iso, live, make_orders, now

ORDERS = "/orders/v0/orders"
US = "ATVPDKIKX0DER"
DE = "A1PA6795UKMFR9"




def make_rdt(sandbox, client, restricted: list[dict]) -> str:
    """An RDT put straight into the backend (the Tokens API is built elsewhere)."""
    token = AccessToken(token=f"Atz.sprdt|{secrets.token_urlsafe(24)}", client_id=client.creds.client_id,
                        seller_id=client.creds.seller_id, expires=now(sandbox) + timedelta(hours=1),
                        restricted=restricted)
    sandbox.backend.access_tokens[token.token] = token
    return token.token


@pytest.fixture
def fast(sandbox):
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=30, seed=11, usage_plans={"getOrders": [100, 1000]})
    return sandbox.client_for(creds)


def get_orders(client, token: str | None = None, **params):
    params.setdefault("MarketplaceIds", US)
    r = client.get(ORDERS, params=params, token=token)
    validate_response("orders_v0", "getOrders", r.status_code, r.json())
    return r


def assert_400(r, operation: str, text: str) -> None:
    assert r.status_code == 400, r.text
    validate_response("orders_v0", operation, 400, r.json())
    error = r.json()["errors"][0]
    assert error["code"] == "InvalidInput"
    assert text.lower() in (error["message"] + " " + error.get("details", "")).lower()


# --- getOrders -----------------------------------------------------------------------------------

def test_i4_get_orders_returns_orders_in_the_v0_shape_with_created_before(sandbox, seller):
    fast = seller  # the default usage plan, for the rate header
    start = now(sandbox) - timedelta(seconds=1)
    ids = make_orders(sandbox, fast, 10)
    sandbox.advance(121)
    r = get_orders(fast, CreatedAfter=iso(start))
    assert r.status_code == 200 and r.headers["x-amzn-RateLimit-Limit"] == "0.0167"
    payload = r.json()["payload"]
    assert sorted(o["AmazonOrderId"] for o in payload["Orders"]) == sorted(ids)
    assert payload["CreatedBefore"] == iso(now(sandbox) - timedelta(seconds=120))
    order = payload["Orders"][0]
    assert order["OrderStatus"] == "Unshipped" and order["SalesChannel"] == "Amazon.com"
    assert order["OrderTotal"]["CurrencyCode"] == "USD" and isinstance(order["OrderTotal"]["Amount"], str)
    assert order["PaymentMethod"] in ("COD", "CVS", "Other")
    lines = live(sandbox, fast, order["AmazonOrderId"]).lines
    assert order["NumberOfItemsUnshipped"] == sum(ln.quantity for ln in lines)


def test_i4_get_orders_by_last_update_echoes_last_updated_before(sandbox, fast):
    start = now(sandbox) - timedelta(seconds=1)
    make_orders(sandbox, fast, 2)
    sandbox.advance(300)
    payload = get_orders(fast, LastUpdatedAfter=iso(start)).json()["payload"]
    assert len(payload["Orders"]) == 2
    assert payload["LastUpdatedBefore"] == iso(now(sandbox) - timedelta(seconds=120))


def test_i4_get_orders_pages_with_next_token_which_keeps_the_first_filters(sandbox, fast):
    start = now(sandbox) - timedelta(seconds=1)
    ids = make_orders(sandbox, fast, 150)
    sandbox.advance(121)
    first = get_orders(fast, CreatedAfter=iso(start)).json()["payload"]
    assert len(first["Orders"]) == 100
    # "NextToken doesn't affect any filters": the page continues the first search whatever is sent.
    second = get_orders(fast, CreatedAfter=iso(start), OrderStatuses="Canceled",
                        NextToken=first["NextToken"]).json()["payload"]
    assert len(second["Orders"]) == 50 and "NextToken" not in second
    seen = [o["AmazonOrderId"] for o in first["Orders"] + second["Orders"]]
    assert len(set(seen)) == 150 and set(seen) == set(ids)


def test_i4_get_orders_sees_a_new_order_only_after_two_minutes(sandbox, fast):
    start = now(sandbox) - timedelta(seconds=1)
    [order_id] = make_orders(sandbox, fast, 1)
    assert fast.get(f"{ORDERS}/{order_id}").status_code == 200
    sandbox.advance(119)
    assert get_orders(fast, LastUpdatedAfter=iso(start)).json()["payload"]["Orders"] == []
    sandbox.advance(2)
    assert len(get_orders(fast, LastUpdatedAfter=iso(start)).json()["payload"]["Orders"]) == 1


def test_b2_b3_get_orders_filters_by_status_channel_and_ids(sandbox, fast):
    start = now(sandbox) - timedelta(seconds=1)
    mfn = make_orders(sandbox, fast, 3, fba=False)
    afn = make_orders(sandbox, fast, 2, fba=True)
    sandbox.http.post(f"/_sandbox/sellers/{fast.creds.seller_id}/orders/{mfn[0]}/cancel", json={"by": "AMAZON"})
    sandbox.advance(121)

    def ids(**kw):
        return {o["AmazonOrderId"] for o in get_orders(fast, **kw).json()["payload"]["Orders"]}

    assert ids(CreatedAfter=iso(start), FulfillmentChannels="AFN") == set(afn)
    assert ids(CreatedAfter=iso(start), OrderStatuses="Canceled") == {mfn[0]}
    assert ids(CreatedAfter=iso(start), OrderStatuses="Unshipped,PartiallyShipped", FulfillmentChannels="MFN") == set(
        mfn[1:])
    assert ids(AmazonOrderIds=f"{afn[0]},{mfn[1]}") == {afn[0], mfn[1]}


@pytest.mark.parametrize("params, text", [
    ({"MarketplaceIds": None, "CreatedAfter": "2026-01-01T00:00:00Z"}, "MarketplaceIds"),
    ({"MarketplaceIds": DE, "CreatedAfter": "2026-01-01T00:00:00Z"}, DE),
    ({}, "CreatedAfter"),
    ({"CreatedBefore": "2026-01-01T00:00:00Z"}, "CreatedAfter"),
    ({"CreatedAfter": "2026-01-01T00:00:00Z", "LastUpdatedBefore": "2026-01-02T00:00:00Z"}, "LastUpdatedBefore"),
    ({"LastUpdatedAfter": "2026-01-01T00:00:00Z", "CreatedBefore": "2026-01-02T00:00:00Z"}, "CreatedBefore"),
    ({"CreatedAfter": "01/02/2026"}, "ISO 8601"),
    ({"CreatedAfter": "2026-01-02T00:00:00Z", "CreatedBefore": "2026-01-01T00:00:00Z"}, "equal to or after"),
    ({"CreatedAfter": "2026-01-01T00:00:00Z", "OrderStatuses": "Unshipped,Lost"}, "Lost"),
    ({"CreatedAfter": "2026-01-01T00:00:00Z", "FulfillmentChannels": "FBA"}, "FulfillmentChannels"),
    ({"CreatedAfter": "2026-01-01T00:00:00Z", "PaymentMethods": "Bitcoin"}, "PaymentMethods"),
    ({"CreatedAfter": "2026-01-01T00:00:00Z", "MaxResultsPerPage": "101"}, "between 1 and 100"),
    ({"CreatedAfter": "2026-01-01T00:00:00Z", "SellerOrderId": "X-1", "OrderStatuses": "Shipped"}, "SellerOrderId"),
    ({"AmazonOrderIds": ",".join(f"111-0000000-{n:07d}" for n in range(51))}, "at most 50"),
    ({"CreatedAfter": "2026-01-01T00:00:00Z", "NextToken": "forged"}, "NextToken"),
])
def test_i4_get_orders_rejects_bad_parameters_with_400(sandbox, seller, params, text):
    query = {"MarketplaceIds": US, **params}
    query = {k: v for k, v in query.items() if v is not None}
    assert_400(seller.get(ORDERS, params=query), "getOrders", text)


def test_i4_get_orders_created_before_must_be_two_minutes_before_the_request(sandbox, fast):
    t = now(sandbox)
    after = iso(t - timedelta(hours=1))
    assert_400(get_orders(fast, CreatedAfter=after, CreatedBefore=iso(t - timedelta(seconds=90))),
               "getOrders", "two minutes")
    assert get_orders(fast, CreatedAfter=after, CreatedBefore=iso(t - timedelta(seconds=121))).status_code == 200
    assert_400(get_orders(fast, LastUpdatedAfter=after, LastUpdatedBefore=iso(t)), "getOrders", "two minutes")


def test_i4_get_orders_next_token_expires_after_24_hours(sandbox, fast):
    start = now(sandbox) - timedelta(seconds=1)
    make_orders(sandbox, fast, 101)
    sandbox.advance(121)
    token = get_orders(fast, CreatedAfter=iso(start)).json()["payload"]["NextToken"]
    sandbox.advance(24 * 3600 + 1)
    client = sandbox.client_for(fast.creds)
    assert_400(get_orders(client, CreatedAfter=iso(start), NextToken=token), "getOrders", "expired")


# --- getOrder -------------------------------------------------------------------------------------

def test_i4_get_order_v0_unknown_is_404_and_known_validates(sandbox, seller):
    r = seller.get(f"{ORDERS}/999-0000000-0000000")
    assert r.status_code == 404
    validate_response("orders_v0", "getOrder", 404, r.json())
    for order_id in make_orders(sandbox, seller, 15):
        r = seller.get(f"{ORDERS}/{order_id}")
        assert r.status_code == 200 and r.headers["x-amzn-RateLimit-Limit"] == "0.5"
        validate_response("orders_v0", "getOrder", 200, r.json())
        assert r.json()["payload"]["AmazonOrderId"] == order_id


def test_i4_pending_order_has_no_total_no_address_and_no_item_prices(sandbox, seller):
    [order_id] = make_orders(sandbox, seller, 1, status="Pending")
    order = seller.get(f"{ORDERS}/{order_id}").json()["payload"]
    assert order["OrderStatus"] == "Pending"
    assert "OrderTotal" not in order and "ShippingAddress" not in order
    assert order["NumberOfItemsUnshipped"] == 0
    r = seller.get(f"{ORDERS}/{order_id}/orderItems")
    validate_response("orders_v0", "getOrderItems", 200, r.json())
    for item in r.json()["payload"]["OrderItems"]:
        assert not {"ItemPrice", "ItemTax", "ShippingPrice", "PromotionIds", "IsGift"} & set(item)


def test_b13_without_an_rdt_the_shipping_address_is_reduced_and_buyer_info_empty(sandbox, seller):
    [order_id] = make_orders(sandbox, seller, 1, fba=False)
    a = live(sandbox, seller, order_id).ship_to
    order = seller.get(f"{ORDERS}/{order_id}").json()["payload"]
    expected = {"City": a.city, "PostalCode": a.postal_code, "CountryCode": a.country_code}
    if a.state_or_region:
        expected["StateOrRegion"] = a.state_or_region
    assert order["ShippingAddress"] == expected
    assert order["BuyerInfo"] == {}


def test_b13_an_rdt_with_data_elements_opens_buyer_info_and_shipping_address(sandbox, seller):
    [order_id] = make_orders(sandbox, seller, 1, fba=False)
    o = live(sandbox, seller, order_id)
    rdt = make_rdt(sandbox, seller, [{"method": "GET", "path": "/orders/v0/orders/{orderId}",
                                      "dataElements": ["buyerInfo", "shippingAddress"]}])
    r = seller.get(f"{ORDERS}/{order_id}", token=rdt)
    validate_response("orders_v0", "getOrder", 200, r.json())
    order = r.json()["payload"]
    assert order["ShippingAddress"]["Name"] == o.ship_to.name
    assert order["ShippingAddress"]["AddressLine1"] == o.ship_to.line1
    assert order["ShippingAddress"]["Phone"] == o.ship_to.phone
    assert order["BuyerInfo"]["BuyerEmail"] == o.buyer.email and order["BuyerInfo"]["BuyerName"] == o.buyer.name
    only_address = make_rdt(sandbox, seller, [{"method": "GET", "path": f"/orders/v0/orders/{order_id}",
                                               "dataElements": ["shippingAddress"]}])
    order = seller.get(f"{ORDERS}/{order_id}", token=only_address).json()["payload"]
    assert "AddressLine1" in order["ShippingAddress"] and order["BuyerInfo"] == {}


def test_b13_get_orders_with_an_rdt_returns_pii_for_every_order(sandbox, fast):
    start = now(sandbox) - timedelta(seconds=1)
    make_orders(sandbox, fast, 5, fba=False)
    sandbox.advance(121)
    rdt = make_rdt(sandbox, fast, [{"method": "GET", "path": ORDERS, "dataElements": ["buyerInfo", "shippingAddress"]}])
    orders = get_orders(fast, token=rdt, CreatedAfter=iso(start)).json()["payload"]["Orders"]
    assert len(orders) == 5
    assert all("AddressLine1" in o["ShippingAddress"] and "BuyerEmail" in o["BuyerInfo"] for o in orders)


def test_b13_get_order_address_gives_the_full_address_only_with_an_rdt(sandbox, seller):
    [order_id] = make_orders(sandbox, seller, 1, fba=False)
    o = live(sandbox, seller, order_id)
    path = f"{ORDERS}/{order_id}/address"
    plain = seller.get(path)
    assert plain.status_code == 200
    validate_response("orders_v0", "getOrderAddress", 200, plain.json())
    assert "AddressLine1" not in plain.json()["payload"]["ShippingAddress"]
    rdt = make_rdt(sandbox, seller, [{"method": "GET", "path": "/orders/v0/orders/{orderId}/address",
                                      "dataElements": ["shippingAddress"]}])
    full = seller.get(path, token=rdt)
    validate_response("orders_v0", "getOrderAddress", 200, full.json())
    address = full.json()["payload"]["ShippingAddress"]
    assert address["Name"] == o.ship_to.name and address["AddressLine1"] == o.ship_to.line1
    assert address["AddressType"] in ("Residential", "Commercial")
    # The RDT opens only the path it was issued for.
    denied = seller.get(f"{ORDERS}/{order_id}", token=rdt)
    assert denied.status_code == 403
    validate_response("orders_v0", "getOrder", 403, denied.json())


def test_b13_fba_order_address_never_carries_the_phone(sandbox, seller):
    [order_id] = make_orders(sandbox, seller, 1, fba=True)
    rdt = make_rdt(sandbox, seller, [{"method": "GET", "path": f"{ORDERS}/{order_id}/address"}])
    address = seller.get(f"{ORDERS}/{order_id}/address", token=rdt).json()["payload"]["ShippingAddress"]
    assert "AddressLine1" in address and "Phone" not in address


def test_b13_get_order_buyer_info_needs_an_rdt_for_name_and_email(sandbox, seller):
    [order_id] = make_orders(sandbox, seller, 1, fba=False)
    o = live(sandbox, seller, order_id)
    path = f"{ORDERS}/{order_id}/buyerInfo"
    plain = seller.get(path)
    validate_response("orders_v0", "getOrderBuyerInfo", 200, plain.json())
    assert plain.json()["payload"] == {"AmazonOrderId": order_id}
    rdt = make_rdt(sandbox, seller, [{"method": "GET", "path": "/orders/v0/orders/{orderId}/buyerInfo"}])
    full = seller.get(path, token=rdt)
    validate_response("orders_v0", "getOrderBuyerInfo", 200, full.json())
    assert full.json()["payload"]["BuyerEmail"] == o.buyer.email
    assert full.json()["payload"]["BuyerName"] == o.buyer.name


@pytest.mark.parametrize("suffix, operation", [
    ("", "getOrder"), ("/orderItems", "getOrderItems"), ("/orderItems/buyerInfo", "getOrderItemsBuyerInfo"),
    ("/address", "getOrderAddress"), ("/buyerInfo", "getOrderBuyerInfo"),
])
def test_i4_v0_order_reads_answer_404_for_an_unknown_order(sandbox, seller, suffix, operation):
    r = seller.get(f"{ORDERS}/111-2222222-3333333{suffix}")
    assert r.status_code == 404
    validate_response("orders_v0", operation, 404, r.json())
    assert r.json()["errors"][0]["code"] == "NotFound"


# --- items ----------------------------------------------------------------------------------------

def test_i4_get_order_items_validates_and_reports_buyer_cancel_requests(sandbox, seller):
    [order_id] = make_orders(sandbox, seller, 1, fba=False)
    o = live(sandbox, seller, order_id)
    sandbox.http.post(f"/_sandbox/sellers/{seller.creds.seller_id}/orders/{order_id}/cancel",
                      json={"by": "BUYER_REQUEST", "reason": "Found it cheaper"})
    r = seller.get(f"{ORDERS}/{order_id}/orderItems")
    assert r.status_code == 200
    validate_response("orders_v0", "getOrderItems", 200, r.json())
    payload = r.json()["payload"]
    assert payload["AmazonOrderId"] == order_id and "NextToken" not in payload
    item = payload["OrderItems"][0]
    line = o.lines[0]
    assert item["SellerSKU"] == line.sku and item["QuantityOrdered"] == line.quantity
    assert item["ItemPrice"] == {"CurrencyCode": "USD", "Amount": str(line.unit_price * line.quantity)}
    assert item["BuyerRequestedCancel"] == {"IsBuyerRequestedCancel": "true", "BuyerCancelReason": "Found it cheaper"}


def test_i4_get_order_items_pages_long_orders_with_a_next_token_bound_to_the_order(sandbox, seller):
    a, b = make_orders(sandbox, seller, 2)
    order = live(sandbox, seller, a)
    template = order.lines[0]
    order.lines = [replace(template, order_item_id=f"9{n:013d}") for n in range(ITEMS_PAGE_SIZE + 5)]
    first = seller.get(f"{ORDERS}/{a}/orderItems").json()["payload"]
    assert len(first["OrderItems"]) == ITEMS_PAGE_SIZE
    other = seller.get(f"{ORDERS}/{b}/orderItems", params={"NextToken": first["NextToken"]})
    assert_400(other, "getOrderItems", "another order")
    second = seller.get(f"{ORDERS}/{a}/orderItems", params={"NextToken": first["NextToken"]})
    validate_response("orders_v0", "getOrderItems", 200, second.json())
    ids = [i["OrderItemId"] for i in first["OrderItems"] + second.json()["payload"]["OrderItems"]]
    assert ids == [ln.order_item_id for ln in order.lines]
    assert "NextToken" not in second.json()["payload"]


def test_b13_item_gift_message_needs_an_rdt(sandbox, seller):
    [order_id] = make_orders(sandbox, seller, 1, fba=False)
    line = live(sandbox, seller, order_id).lines[0]
    line.gift_message = "Alles Gute!"
    plain = seller.get(f"{ORDERS}/{order_id}/orderItems/buyerInfo")
    validate_response("orders_v0", "getOrderItemsBuyerInfo", 200, plain.json())
    assert plain.json()["payload"]["OrderItems"][0] == {"OrderItemId": line.order_item_id}
    assert "BuyerInfo" not in seller.get(f"{ORDERS}/{order_id}/orderItems").json()["payload"]["OrderItems"][0]
    rdt = make_rdt(sandbox, seller, [{"method": "GET", "path": "/orders/v0/orders/{orderId}/orderItems/buyerInfo"}])
    full = seller.get(f"{ORDERS}/{order_id}/orderItems/buyerInfo", token=rdt)
    validate_response("orders_v0", "getOrderItemsBuyerInfo", 200, full.json())
    assert full.json()["payload"]["OrderItems"][0]["GiftMessageText"] == "Alles Gute!"
    items_rdt = make_rdt(sandbox, seller, [{"method": "GET", "path": "/orders/v0/orders/{orderId}/orderItems",
                                            "dataElements": ["buyerInfo"]}])
    item = seller.get(f"{ORDERS}/{order_id}/orderItems", token=items_rdt).json()["payload"]["OrderItems"][0]
    assert item["BuyerInfo"] == {"GiftMessageText": "Alles Gute!"} and item["IsGift"] == "true"


def test_i4_net30_business_order_shows_invoice_in_payment_details(sandbox):
    client = sandbox.client_for(sandbox.create_seller(marketplaces=["US"], catalog_size=30, seed=21,
                                                      mix={"business": 1.0, "net30": 1.0}))
    [order_id] = make_orders(sandbox, client, 1)
    order = client.get(f"{ORDERS}/{order_id}").json()["payload"]
    validate_response("orders_v0", "getOrder", 200, {"payload": order})
    assert order["IsBusinessOrder"] is True
    assert order["PaymentMethod"] == "Other" and order["PaymentMethodDetails"] == ["Invoice"]
