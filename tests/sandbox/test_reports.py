"""Reports API 2021-06-30 in the sandbox: lifecycle, documents, restricted reports (I4, G2, B13).

Every answer is validated against Amazon's model (reports_2021-06-30.json). Time moves only with
``sandbox.advance``.
"""

from __future__ import annotations

import gzip
import zlib
from decimal import Decimal

import jsonschema
import pytest

from tests.sandbox.reports_support import (
    ACTIONABLE,
    ALL_ORDERS,
    BASE,
    LISTINGS,
    US,
    checked,
    create_orders,
    create_report,
    document_bytes,
    get_report,
    insert_rdt,
    outbox_payloads,
    parse_tsv,
    report_rows,
    run_report,
    subscribe,
)
from tests.support.models import load_schema


def test_i4_given_orders_when_report_runs_then_in_queue_in_progress_done_and_rows_match_state(sandbox, seller):
    sandbox.config(report_seconds_per_1000_rows=10_000)  # 10 s per row: IN_PROGRESS is observable
    order_ids = create_orders(sandbox, seller.creds.seller_id, 6)
    report_id = create_report(seller)
    assert get_report(seller, report_id)["processingStatus"] == "IN_QUEUE"
    sandbox.advance(59)
    assert get_report(seller, report_id)["processingStatus"] == "IN_QUEUE"
    sandbox.advance(1)
    running = get_report(seller, report_id)
    assert running["processingStatus"] == "IN_PROGRESS" and "processingStartTime" in running
    assert "reportDocumentId" not in running
    state = sandbox.backend.sellers[seller.creds.seller_id]
    lines = {(o.order_id, ln.sku): (o, ln) for o in state.orders.values() for ln in o.lines}
    sandbox.advance(10 * len(lines) - 1)
    assert get_report(seller, report_id)["processingStatus"] == "IN_PROGRESS"
    sandbox.advance(1)
    done = get_report(seller, report_id)
    assert done["processingStatus"] == "DONE" and done["processingEndTime"] > done["processingStartTime"]

    header, rows = report_rows(sandbox, seller, done)
    assert header[:5] == ["amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date",
                          "order-status"]
    assert {r["amazon-order-id"] for r in rows} == set(order_ids)
    assert len(rows) == len(lines)
    for row in rows:
        order, line = lines[(row["amazon-order-id"], row["sku"])]
        assert row["product-name"] == line.title  # accents, (R), CJK and emoji survive
        assert row["quantity"] == str(line.quantity)
        assert Decimal(row["item-price"]) == line.unit_price * line.quantity
        assert row["order-status"] == "Unshipped" and row["currency"] == "USD"
        assert row["fulfillment-channel"] == ("Merchant" if order.is_mfn else "Amazon")
        assert row["purchase-date"].endswith("+00:00")


def test_i4_report_data_is_the_state_when_processing_started(sandbox, seller):
    sandbox.config(report_seconds_per_1000_rows=100_000)
    first = set(create_orders(sandbox, seller.creds.seller_id, 2))
    report_id = create_report(seller)
    sandbox.advance(60)  # IN_PROGRESS: content taken now
    later = set(create_orders(sandbox, seller.creds.seller_id, 2))
    sandbox.advance(1000)
    _, rows = report_rows(sandbox, seller, get_report(seller, report_id))
    ids = {r["amazon-order-id"] for r in rows}
    assert ids == first and not ids & later


def test_i4_report_covers_only_orders_updated_in_the_data_range(sandbox, seller):
    old = set(create_orders(sandbox, seller.creds.seller_id, 2))
    sandbox.advance(2 * 86400)
    seller.token = sandbox.access_token(seller.creds)  # the old one expired an hour in
    new = set(create_orders(sandbox, seller.creds.seller_id, 2))
    now = sandbox.http.get("/_sandbox/clock").json()["now"]
    report = run_report(sandbox, seller, dataStartTime=now.replace("+00:00", "+01:00"))  # an hour before
    _, rows = report_rows(sandbox, seller, report)
    assert {r["amazon-order-id"] for r in rows} == new and not old & new


def test_i4_dates_come_back_in_utc_written_plus_zero(sandbox, seller):
    report_id = create_report(seller, dataStartTime="2026-01-01T00:00:01-07:00",
                              dataEndTime="2026-01-05T23:00:00-07:00")
    report = get_report(seller, report_id)
    assert report["dataStartTime"] == "2026-01-01T07:00:01+00:00"
    assert report["dataEndTime"] == "2026-01-06T06:00:00+00:00"


def test_i4_given_no_data_when_report_runs_then_amazon_cancels_it_without_document(sandbox, seller):
    subscribe(sandbox, seller.creds)
    report = run_report(sandbox, seller)
    assert report["processingStatus"] == "CANCELLED"
    assert "reportDocumentId" not in report and "processingEndTime" in report
    [note] = outbox_payloads(sandbox)
    jsonschema.Draft7Validator(load_schema("ReportProcessingFinishedNotification.json")).validate(note)
    body = note["payload"]["reportProcessingFinishedNotification"]
    assert body["processingStatus"] == "CANCELLED" and "reportDocumentId" not in body


def test_i4_done_report_notifies_report_processing_finished(sandbox, seller):
    subscribe(sandbox, seller.creds)
    create_orders(sandbox, seller.creds.seller_id, 1)
    report = run_report(sandbox, seller)
    [note] = outbox_payloads(sandbox)
    jsonschema.Draft7Validator(load_schema("ReportProcessingFinishedNotification.json")).validate(note)
    body = note["payload"]["reportProcessingFinishedNotification"]
    assert body == {"sellerId": seller.creds.seller_id, "accountId": f"amzn1.merchant.o.{seller.creds.seller_id}",
                    "reportId": report["reportId"], "reportType": ALL_ORDERS, "processingStatus": "DONE",
                    "reportDocumentId": report["reportDocumentId"]}


def test_i4_listings_report_lists_every_sku_with_price_and_quantity(sandbox, seller):
    report = run_report(sandbox, seller, LISTINGS)
    header, rows = report_rows(sandbox, seller, report)
    assert header[0] == "item-name" and header[-1] == "status" and len(header) == 29
    listings = {v.sku: v for v in sandbox.backend.sellers[seller.creds.seller_id].listings.values()}
    assert {r["seller-sku"] for r in rows} == set(listings)
    for row in rows:
        listing = listings[row["seller-sku"]]
        offer = listing.attributes["purchasable_offer"][0]["our_price"][0]["schedule"][0]["value_with_tax"]
        assert Decimal(row["price"]) == Decimal(str(offer)).quantize(Decimal("0.01"))
        assert row["asin1"] == listing.asin and row["item-name"] == listing.title
        assert row["fulfillment-channel"] == listing.fulfillment_channel
        if listing.fulfillment_channel == "DEFAULT":
            assert row["quantity"] == str(listing.attributes["fulfillment_availability"][0]["quantity"])
        else:
            assert row["quantity"] == ""  # Amazon's quantity of an FBA listing is not the seller's
        assert row["open-date"].endswith(("PST", "PDT"))


# --- restricted report (PII) --------------------------------------------------------------------

def _actionable_report(sandbox, seller) -> tuple[dict, set[str]]:
    mfn = set(create_orders(sandbox, seller.creds.seller_id, 3, fba=False))
    create_orders(sandbox, seller.creds.seller_id, 2, fba=True)
    return run_report(sandbox, seller, ACTIONABLE), mfn


def test_b13_given_plain_token_when_getting_restricted_document_then_403(sandbox, seller):
    report, _ = _actionable_report(sandbox, seller)
    r = seller.get(f"{BASE}/documents/{report['reportDocumentId']}")
    assert checked(r, "getReportDocument", 403)["errors"][0]["code"] == "Unauthorized"


def test_b13_given_rdt_for_the_document_when_getting_it_then_pii_rows_of_unshipped_mfn_items(sandbox, seller):
    report, mfn = _actionable_report(sandbox, seller)
    doc_id = report["reportDocumentId"]
    token = insert_rdt(sandbox, seller.creds, f"{BASE}/documents/{doc_id}")
    header, rows = parse_tsv(document_bytes(sandbox, seller, doc_id, token=token))
    assert header[:7] == ["order-id", "order-item-id", "purchase-date", "payments-date", "reporting-date",
                          "promise-date", "days-past-promise"]
    assert {r["order-id"] for r in rows} == mfn  # FBA orders are Amazon's to ship: not actionable
    orders = sandbox.backend.sellers[seller.creds.seller_id].orders
    for row in rows:
        order = orders[row["order-id"]]
        assert row["buyer-email"] == order.buyer.email and row["recipient-name"] == order.ship_to.name
        assert row["ship-address-1"] == order.ship_to.line1
        assert row["quantity-to-ship"] == row["quantity-purchased"]


def test_b13_given_rdt_for_another_path_when_getting_restricted_document_then_403(sandbox, seller):
    report, _ = _actionable_report(sandbox, seller)
    token = insert_rdt(sandbox, seller.creds, f"{BASE}/documents/amzn1.spdoc.1.4.na.other")
    r = seller.get(f"{BASE}/documents/{report['reportDocumentId']}", token=token)
    checked(r, "getReportDocument", 403)


def test_b13_given_app_without_shipping_role_when_requesting_restricted_report_then_403(sandbox):
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5, roles=["InventoryAndOrderTracking"])
    client = sandbox.client_for(creds)
    r = client.post(f"{BASE}/reports", json={"reportType": ACTIONABLE, "marketplaceIds": [US]})
    checked(r, "createReport", 403)


def test_i4_plain_report_document_needs_no_rdt(sandbox, seller):
    create_orders(sandbox, seller.creds.seller_id, 1)
    report = run_report(sandbox, seller)
    _, rows = report_rows(sandbox, seller, report)
    assert rows


# --- documents: pre-signed URL and faults -------------------------------------------------------

def test_i4_presigned_report_url_expires_after_five_minutes(sandbox, seller):
    create_orders(sandbox, seller.creds.seller_id, 1)
    report = run_report(sandbox, seller)
    doc = checked(seller.get(f"{BASE}/documents/{report['reportDocumentId']}"), "getReportDocument", 200)
    sandbox.advance(299)
    assert sandbox.http.get(doc["url"]).status_code == 200
    sandbox.advance(2)
    expired = sandbox.http.get(doc["url"])
    assert expired.status_code == 403
    assert expired.headers["content-type"].startswith("application/xml")
    assert "<Code>AccessDenied</Code>" in expired.text and "expired" in expired.text


@pytest.mark.parametrize("kind", ["truncate", "corrupt"])
def test_i4_damaged_download_fault_makes_gunzip_fail(sandbox, seller, kind):
    create_orders(sandbox, seller.creds.seller_id, 3)
    report = run_report(sandbox, seller)
    sandbox.fault(operation="downloadDocument", kind=kind)
    damaged = document_bytes(sandbox, seller, report["reportDocumentId"])
    with pytest.raises((EOFError, OSError, zlib.error)):
        gzip.decompress(damaged)
    intact = document_bytes(sandbox, seller, report["reportDocumentId"])
    assert gzip.decompress(intact)  # the fault fired once


@pytest.mark.parametrize("doc_id, status", [
    ("amzn1.spdoc.1.4.na.00000000-0000-0000-0000-000000000000.T1.1", 404),
    ("not-a-document-id", 400),
])
def test_i4_unknown_or_malformed_document_id(seller, doc_id, status):
    checked(seller.get(f"{BASE}/documents/{doc_id}"), "getReportDocument", status)


def test_i4_enable_content_encoding_flag_must_be_boolean(sandbox, seller):
    create_orders(sandbox, seller.creds.seller_id, 1)
    report = run_report(sandbox, seller)
    path = f"{BASE}/documents/{report['reportDocumentId']}"
    checked(seller.get(path, params={"enableContentEncodingUrlHeader": "true"}), "getReportDocument", 200)
    checked(seller.get(path, params={"enableContentEncodingUrlHeader": "maybe"}), "getReportDocument", 400)


def test_i4_another_sellers_report_and_document_are_not_found(sandbox, seller):
    create_orders(sandbox, seller.creds.seller_id, 1)
    report = run_report(sandbox, seller)
    other = sandbox.client_for(sandbox.create_seller(marketplaces=["US"], catalog_size=5, seed=99))
    checked(other.get(f"{BASE}/reports/{report['reportId']}"), "getReport", 404)
    checked(other.get(f"{BASE}/documents/{report['reportDocumentId']}"), "getReportDocument", 404)


def test_b13_rdt_from_the_tokens_api_opens_the_restricted_document(sandbox, seller):
    report, mfn = _actionable_report(sandbox, seller)
    path = f"{BASE}/documents/{report['reportDocumentId']}"
    r = seller.post("/tokens/2021-03-01/restrictedDataToken", json={"restrictedResources": [
        {"method": "GET", "path": path}]})
    assert r.status_code == 200, r.text
    token = r.json()["restrictedDataToken"]
    _, rows = parse_tsv(document_bytes(sandbox, seller, report["reportDocumentId"], token=token))
    assert {row["order-id"] for row in rows} == mfn
    # the RDT opens that path only
    checked(seller.get(f"{BASE}/reports/{report['reportId']}", token=token), "getReport", 403)
