"""Amazon quirks of docs/amazon-quirks.md that no other sandbox test pins (I4).

Each test is named after the behaviour it pins, and the quirks list names the test.
"""

from __future__ import annotations

import gzip
from datetime import timedelta

from tests.sandbox.reports_support import BASE, LISTINGS, SETTLEMENT, checked, run_report, ship
from tests.support.models import validate_response

V0 = "/orders/v0/orders"
V2026 = "/orders/2026-01-01/orders"
RDT_PATH = "/tokens/2021-03-01/restrictedDataToken"
ARN = "arn:aws:sqs:us-east-1:123456789012:quirks"


def _orders(sandbox, client, count: int, **spec) -> list[str]:
    r = sandbox.http.post(f"/_sandbox/sellers/{client.creds.seller_id}/orders",
                          json={"count": count, "status": "Unshipped", **spec})
    assert r.status_code == 201, r.text
    return r.json()["order_ids"]


def _live(sandbox, client, order_id: str):
    return sandbox.backend.sellers[client.creds.seller_id].orders[order_id]


def _grantless(sandbox, creds) -> str:
    r = sandbox.http.post("/auth/o2/token", data={
        "grant_type": "client_credentials", "scope": "sellingpartnerapi::notifications",
        "client_id": creds.client_id, "client_secret": creds.client_secret})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


# --- auth and tokens -----------------------------------------------------------------------------

def test_given_missing_unknown_expired_or_grantless_token_when_calling_then_same_403_only_details_differ(
        sandbox, seller):
    expired = seller.token
    sandbox.advance(3601)
    tokens = [None, "Atza|forged", expired, _grantless(sandbox, seller.creds)]
    errors = []
    for token in tokens:
        r = sandbox.http.get(f"{V2026}/111-0000000-0000000", headers={"x-amz-access-token": token} if token else {})
        assert r.status_code == 403, r.text
        validate_response("orders_2026", "getOrder", 403, r.json())
        [error] = r.json()["errors"]
        errors.append(error)
    assert {(e["code"], e["message"]) for e in errors} == {("Unauthorized", "Access to requested resource is denied.")}
    assert len({e["details"] for e in errors}) == len(tokens)  # only the details tell them apart


def test_given_access_token_with_100_s_left_when_creating_an_rdt_then_the_rdt_lasts_3600_s(sandbox, seller):
    [order_id] = _orders(sandbox, seller, 1, fba=False)
    address = f"{V0}/{order_id}/address"
    sandbox.advance(3500)
    r = seller.post(RDT_PATH, json={"restrictedResources": [{"method": "GET", "path": address}]})
    assert r.status_code == 200, r.text
    validate_response("tokens", "createRestrictedDataToken", 200, r.json())
    assert r.json()["expiresIn"] == 3600
    rdt = r.json()["restrictedDataToken"]
    sandbox.advance(200)  # the access token it was made with has expired
    assert "expired" in seller.get(address).json()["errors"][0]["details"]
    assert seller.get(address, token=rdt).status_code == 200
    sandbox.advance(3600 - 200 - 1)
    assert seller.get(address, token=rdt).status_code == 200
    sandbox.advance(2)
    r = seller.get(address, token=rdt)
    assert r.status_code == 403 and "expired" in r.json()["errors"][0]["details"]


# --- orders --------------------------------------------------------------------------------------

def test_given_cancelled_orders_when_read_in_v0_and_2026_then_no_order_total_and_no_proceeds(sandbox, seller):
    ids = _orders(sandbox, seller, 2, fba=False) + _orders(sandbox, seller, 2, fba=True)
    cancelled = ids[1::2]
    for order_id in cancelled:
        r = sandbox.http.post(f"/_sandbox/sellers/{seller.creds.seller_id}/orders/{order_id}/cancel",
                              json={"by": "AMAZON"})
        assert r.status_code == 200, r.text
    for order_id in ids:
        v0 = seller.get(f"{V0}/{order_id}")
        validate_response("orders_v0", "getOrder", 200, v0.json())
        r = seller.get(f"{V2026}/{order_id}", params={"includedData": "PROCEEDS,FULFILLMENT"})
        validate_response("orders_2026", "getOrder", 200, r.json())
        order = r.json()["order"]
        is_cancelled = order_id in cancelled
        assert (v0.json()["payload"]["OrderStatus"] == "Canceled") == is_cancelled
        assert ("OrderTotal" in v0.json()["payload"]) != is_cancelled
        assert ("proceeds" in order) != is_cancelled
        assert all(("proceeds" in item) != is_cancelled for item in order["orderItems"])


def test_given_a_page_token_when_a_filter_changes_then_400_the_pagination_token_is_not_valid(sandbox, seller):
    start = (sandbox.backend.now() - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    _orders(sandbox, seller, 2)
    sandbox.advance(121)
    first = seller.get(V2026, params={"createdAfter": start, "maxResultsPerPage": 1})
    assert first.status_code == 200, first.text
    token = first.json()["pagination"]["nextToken"]
    r = seller.get(V2026, params={"createdAfter": start, "fulfillmentStatuses": "SHIPPED", "paginationToken": token})
    assert r.status_code == 400, r.text
    validate_response("orders_2026", "searchOrders", 400, r.json())
    [error] = r.json()["errors"]
    assert error["code"] == "InvalidInput"
    assert error["message"].startswith("The paginationToken you have submitted is not valid")
    same = seller.get(V2026, params={"createdAfter": start, "includedData": "FULFILLMENT", "paginationToken": token})
    assert same.status_code == 200 and len(same.json()["orders"]) == 1


def test_given_mfn_and_fba_orders_when_read_in_v0_then_only_the_mfn_order_has_ship_dates(sandbox, seller):
    [mfn] = _orders(sandbox, seller, 1, fba=False)
    [afn] = _orders(sandbox, seller, 1, fba=True)
    for order_id, has_dates in ((mfn, True), (afn, False)):
        r = seller.get(f"{V0}/{order_id}")
        validate_response("orders_v0", "getOrder", 200, r.json())
        order = r.json()["payload"]
        assert order["FulfillmentChannel"] == ("MFN" if has_dates else "AFN")
        assert ("EarliestShipDate" in order, "LatestShipDate" in order) == (has_dates, has_dates)


# --- notifications -------------------------------------------------------------------------------

def test_given_order_change_subscription_when_only_shipment_status_changes_then_nothing_until_quantities_change(
        sandbox, seller):
    grantless = _grantless(sandbox, seller.creds)
    dest = sandbox.http.post("/notifications/v1/destinations", headers={"x-amz-access-token": grantless},
                             json={"name": "quirks", "resourceSpecification": {"sqs": {"arn": ARN}}})
    assert dest.status_code == 200, dest.text
    sub = seller.post("/notifications/v1/subscriptions/ORDER_CHANGE", json={
        "payloadVersion": "1.0", "destinationId": dest.json()["payload"]["destinationId"]})
    assert sub.status_code == 200, sub.text
    [order_id] = _orders(sandbox, seller, 1, fba=False)
    order = _live(sandbox, seller, order_id)
    del order.lines[1:]
    line = order.lines[0]
    line.quantity = 3
    sandbox.advance(60)  # a ship date of "now" is then after the purchase

    def changes() -> list[tuple[str, str, int]]:
        notes = sandbox.http.get("/_sandbox/notifications", params={"type": "ORDER_CHANGE"}).json()["notifications"]
        docs = [n["envelope"]["Payload"]["OrderChangeNotification"] for n in notes]
        return [(d["OrderChangeType"], d["Summary"]["OrderStatus"], d["Summary"]["NumberOfItemsShipped"])
                for d in docs]

    def ship_one(package: str) -> None:
        r = seller.post(f"{V0}/{order_id}/shipmentConfirmation", json={
            "marketplaceId": order.marketplace_id, "packageDetail": {
                "packageReferenceId": package, "carrierCode": "UPS", "trackingNumber": f"1Z{package}",
                "shipDate": sandbox.backend.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
                "orderItems": [{"orderItemId": line.order_item_id, "quantity": 1}]}})
        assert r.status_code == 204, r.text

    assert changes() == [("OrderStatusChange", "Unshipped", 0)]
    r = seller.post(f"{V0}/{order_id}/shipment", json={"marketplaceId": order.marketplace_id,
                                                       "shipmentStatus": "ReadyForPickup"})
    assert r.status_code == 204, r.text
    assert order.shipment_status == "ReadyForPickup"
    assert len(changes()) == 1  # the order was touched, but neither status nor quantities changed
    ship_one("1")  # Unshipped -> PartiallyShipped
    ship_one("2")  # still PartiallyShipped: only the quantity shipped changes
    assert changes()[1:] == [("OrderStatusChange", "PartiallyShipped", 1), ("OrderStatusChange", "PartiallyShipped", 2)]


# --- reports -------------------------------------------------------------------------------------

def test_given_a_done_report_when_downloading_its_document_then_gzip_utf8_named_in_the_content_type(
        sandbox, seller):
    report = run_report(sandbox, seller, LISTINGS)
    doc = checked(seller.get(f"{BASE}/documents/{report['reportDocumentId']}"), "getReportDocument", 200)
    assert doc["compressionAlgorithm"] == "GZIP"
    download = sandbox.http.get(doc["url"])
    assert download.status_code == 200
    assert download.charset_encoding is not None and download.charset_encoding.lower() == "utf-8"
    text = gzip.decompress(download.content).decode("utf-8")
    titles = {x.title for x in sandbox.backend.sellers[seller.creds.seller_id].listings.values()}
    non_ascii = {t for t in titles if not t.isascii()}
    assert non_ascii and all(t in text for t in non_ascii)


def test_given_a_published_settlement_when_reading_rows_then_only_the_summary_row_has_period_and_total(
        sandbox, seller):
    seller_id = seller.creds.seller_id
    for order_id in _orders(sandbox, seller, 3, fba=False) + _orders(sandbox, seller, 2, fba=True):
        ship(sandbox, seller_id, order_id)
    sandbox.advance(14 * 86400)
    seller.token = sandbox.access_token(seller.creds)
    reports = checked(seller.get(f"{BASE}/reports", params={"reportTypes": SETTLEMENT}), "getReports", 200)
    [report] = reports["reports"]
    doc = checked(seller.get(f"{BASE}/documents/{report['reportDocumentId']}"), "getReportDocument", 200)
    lines = gzip.decompress(sandbox.http.get(doc["url"]).content).decode("utf-8").splitlines()
    header, summary, *details = [line.split("\t") for line in lines]
    summary, details = dict(zip(header, summary, strict=True)), [dict(zip(header, d, strict=True)) for d in details]
    summary_only = ["settlement-start-date", "settlement-end-date", "deposit-date", "total-amount", "currency"]
    assert all(summary[c] for c in [*summary_only, "settlement-id"])
    assert summary["transaction-type"] == summary["amount"] == ""
    assert len(details) > 5
    for row in details:
        assert row["settlement-id"] == summary["settlement-id"] and row["amount"]
        assert [row[c] for c in summary_only] == [""] * len(summary_only), row
