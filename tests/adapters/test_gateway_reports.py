"""Reports through the gateway: round trip, restricted documents via RDT, broken downloads (G2, B13, F1)."""

from __future__ import annotations

import gzip

import pytest

from sellerbridge.amazon.errors import AmazonError
from sellerbridge.amazon.transport import documents
from tests.adapters.test_gateway_support import GENEROUS_PLANS, CallLog, create_orders, make_gateway, served_sandbox

LISTINGS = "GET_MERCHANT_LISTINGS_ALL_DATA"
ACTIONABLE = "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING"


@pytest.fixture
def live():
    with served_sandbox() as (sandbox, base):
        creds = sandbox.create_seller(marketplaces=["US"], catalog_size=12, usage_plans=GENEROUS_PLANS)
        yield sandbox, base, creds


def _done_report(sandbox, gateway, report_type: str) -> dict:
    report_id = gateway.create_report(report_type)
    assert gateway.get_report(report_id)["processingStatus"] == "IN_QUEUE"
    sandbox.advance(120)
    report = gateway.get_report(report_id)
    assert report["processingStatus"] == "DONE"
    return report


@pytest.mark.server
def test_g2_report_round_trip_creates_polls_downloads_and_decodes(live):
    sandbox, base, creds = live
    log = CallLog()
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        report = _done_report(sandbox, gateway, LISTINGS)
        text = gateway.download_report_document(report["reportDocumentId"])
    rows = text.rstrip("\n").split("\n")
    assert "seller-sku" in rows[0].split("\t")
    assert len(rows) - 1 == len(sandbox.backend.sellers[creds.seller_id].listings)
    [download] = log.of("downloadDocument")
    assert download.status == 200 and download.path.startswith("/_documents/")
    assert "bytes" in download.response_excerpt  # the size, never the content
    assert "Signature" not in download.request_summary and "?[signature removed]" in download.request_summary


@pytest.mark.server
def test_b13_a_restricted_report_document_is_read_with_a_restricted_data_token(live):
    sandbox, base, creds = live
    order_ids = create_orders(sandbox, creds.seller_id, 3, status="Unshipped", fba=False)
    buyer_names = {sandbox.backend.sellers[creds.seller_id].orders[o].buyer.name for o in order_ids}
    log = CallLog()
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        report = _done_report(sandbox, gateway, ACTIONABLE)
        document_id = report["reportDocumentId"]
        with pytest.raises(AmazonError) as caught:  # Amazon refuses the plain access token (a quirk)
            gateway.download_report_document(document_id)
        assert caught.value.status == 403 and not caught.value.retryable
        text = gateway.download_report_document(document_id, restricted=True)
    assert all(name in text for name in buyer_names)  # the buyers' names are in the document ...
    assert all(name not in log.text() for name in buyer_names)  # ... and never in the call log
    assert log.statuses("createRestrictedDataToken") == [200]
    assert log.statuses("getReportDocument") == [403, 200]


@pytest.mark.server
def test_g2_a_truncated_download_is_fetched_again_from_a_fresh_url(live):
    sandbox, base, creds = live
    log = CallLog()
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        report = _done_report(sandbox, gateway, LISTINGS)
        sandbox.fault(operation="downloadDocument", kind="truncate", count=1, seller_id=creds.seller_id)
        text = gateway.download_report_document(report["reportDocumentId"])
        assert log.statuses("getReportDocument") == [200, 200]  # a second, fresh URL
        assert [(r.status, r.attempt) for r in log.of("downloadDocument")] == [(200, 1), (200, 2)]
        assert text == gateway.download_report_document(report["reportDocumentId"])  # the whole document


@pytest.mark.server
def test_g2_a_download_damaged_twice_is_a_retryable_error(live):
    sandbox, base, creds = live
    with make_gateway(sandbox, base, creds) as gateway:
        report = _done_report(sandbox, gateway, LISTINGS)
        sandbox.fault(operation="downloadDocument", kind="corrupt", count=2, seller_id=creds.seller_id)
        with pytest.raises(AmazonError) as caught:
            gateway.download_report_document(report["reportDocumentId"])
    assert caught.value.retryable is True and "damaged" in str(caught.value)


@pytest.mark.server
def test_g2_get_reports_pages_with_next_token_alone(live):
    sandbox, base, creds = live
    log = CallLog()
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        created = {gateway.create_report(LISTINGS) for _ in range(12)}
        reports = gateway.get_reports([LISTINGS], page_size=5)
    assert {r["reportId"] for r in reports} == created and len(reports) == 12
    first, *later = log.of("getReports")
    assert len(later) == 2 and all(r.status == 200 for r in log.of("getReports"))
    assert "reportTypes=" in first.request_summary
    for record in later:  # Amazon's rule: nextToken must be the only parameter
        assert record.request_summary.split("?")[1].startswith("nextToken=") and "&" not in record.request_summary


# --- decoding (documents.py) -------------------------------------------------------------------------

def test_g2_documents_are_decoded_with_the_charset_their_content_type_names():
    text = "sku\tname\nSB-1\tCafé Crème® 250 g\n"
    assert documents.decode(text.encode("cp1252"), None, "text/plain; charset=windows-1252") == text
    assert documents.decode(text.encode("cp1252"), None, "text/plain;charset=ISO-8859-1") == text
    japanese = "sku\tname\nSB-2\t東京の緑茶 ① ＜限定＞\n"  # ① is Microsoft's Shift_JIS (cp932)
    raw = gzip.compress(japanese.encode("cp932"))
    assert documents.decode(raw, "GZIP", 'text/tab-separated-values; charset="Shift_JIS"') == japanese
    assert documents.decode("\ufeff".encode() + text.encode(), None, None) == text  # UTF-8 by default, BOM dropped


def test_g2_a_cut_or_damaged_document_is_a_document_error():
    raw = gzip.compress(("x" * 1000 + "\n").encode())
    with pytest.raises(documents.DocumentError, match="cut short or damaged"):
        documents.decode(raw[: len(raw) // 2], "GZIP", None)
    flipped = bytes(b ^ 0x5A if i % 7 == 3 else b for i, b in enumerate(raw))
    with pytest.raises(documents.DocumentError):
        documents.decode(flipped, "GZIP", None)
    with pytest.raises(documents.DocumentError, match="not valid"):
        documents.decode("Café".encode("cp1252"), None, "text/plain; charset=UTF-8")
