"""Reports and feeds through the gateway: the ``ReportSource``/``FeedSource`` ports, the open-orders document,
restricted documents via RDT, broken downloads (G2, B1, B11, B13, F1, H2; domain/ports/documents.py)."""

from __future__ import annotations

import gzip

import pytest

from sellerbridge.amazon.errors import AmazonError
from sellerbridge.amazon.reports.lifecycle import PROCESSING_STATUS, REPORT_TYPES, document_state
from sellerbridge.amazon.transport import documents
from sellerbridge.domain.documents import DocumentStatus, ReportPurpose
from sellerbridge.domain.orders.model import Fulfillment, OrderStatus
from sellerbridge.domain.ports.documents import FeedSource, ReportSource
from tests.adapters.test_gateway_support import GENEROUS_PLANS, CallLog, create_orders, make_gateway, served_sandbox
from tests.sandbox.test_feeds import submit, xml_feed

LISTINGS = "GET_MERCHANT_LISTINGS_ALL_DATA"
ACTIONABLE = "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING"
FULFILLMENT_FEED = "POST_ORDER_FULFILLMENT_DATA"


@pytest.fixture
def live():
    with served_sandbox() as (sandbox, base):
        creds = sandbox.create_seller(marketplaces=["US"], catalog_size=12, usage_plans=GENEROUS_PLANS)
        yield sandbox, base, creds


def _done_report(sandbox, gateway, report_type: str) -> str:
    """A report of ``report_type`` Amazon has finished: its document id."""
    report_id = gateway._create_report(report_type)
    assert gateway.report_state(report_id).status is DocumentStatus.QUEUED
    sandbox.advance(120)
    state = gateway.report_state(report_id)
    assert state.status is DocumentStatus.DONE and state.document_id
    return state.document_id


# --- the ReportSource port -----------------------------------------------------------------------------

@pytest.mark.server
def test_g2_an_open_orders_report_is_requested_followed_and_read_in_the_hubs_words(live):
    sandbox, base, creds = live
    mfn = create_orders(sandbox, creds.seller_id, 4, status="Unshipped", fba=False)
    create_orders(sandbox, creds.seller_id, 2, status="Unshipped", fba=True)  # not actionable: FBA
    buyer_names = {sandbox.backend.sellers[creds.seller_id].orders[o].buyer.name for o in mfn}
    log = CallLog()
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        reports: ReportSource = gateway
        asked = reports.request_report(ReportPurpose.OPEN_ORDERS)
        assert (asked.amazon_type, asked.status, asked.document_id) == (ACTIONABLE, DocumentStatus.REQUESTED, None)
        queued = reports.report_state(asked.amazon_id)
        assert (queued.amazon_id, queued.amazon_type, queued.status) == (asked.amazon_id, ACTIONABLE,
                                                                         DocumentStatus.QUEUED)
        sandbox.advance(120)
        done = reports.report_state(asked.amazon_id)
        assert done.status is DocumentStatus.DONE and done.document_id
        document = gateway.read_open_orders(done.document_id)
    assert sorted(d.amazon_order_id for d in document.drafts) == sorted(mfn) and document.left_out == []
    for draft in document.drafts:
        assert (draft.status, draft.fulfillment, draft.marketplace_id) == (
            OrderStatus.UNSHIPPED, Fulfillment.MERCHANT, creds.marketplace_ids[0])
        assert draft.buyer is not None and draft.buyer.name in buyer_names  # the document's PII reached the draft
    # the restricted document was read with an RDT at once (a plain token is refused), never logged
    assert log.statuses("getReportDocument") == [200] and log.statuses("createRestrictedDataToken") == [200]
    assert all(name not in log.text() for name in buyer_names)
    created = log.of("createReport")[0].request_summary
    assert ACTIONABLE in created and creds.marketplace_ids[0] in created


@pytest.mark.server
def test_h2_report_state_names_the_report_and_type_amazon_answered_for(live):
    sandbox, base, creds = live
    with make_gateway(sandbox, base, creds) as gateway:
        listings = gateway._create_report(LISTINGS)
        state = gateway.report_state(listings)
    # Amazon's own reportId and reportType, read from the answer: the lifecycle compares them with its row
    report = sandbox.backend.sellers[creds.seller_id].reports[listings]
    assert (state.amazon_id, state.amazon_type) == (report.report_id, report.report_type) == (listings, LISTINGS)


@pytest.mark.server
def test_g2_a_report_without_data_ends_cancelled_with_no_document(live):
    sandbox, base, creds = live  # no orders: nothing is actionable, and Amazon cancels the report
    with make_gateway(sandbox, base, creds) as gateway:
        asked = gateway.request_report(ReportPurpose.OPEN_ORDERS)
        sandbox.advance(300)
        state = gateway.report_state(asked.amazon_id)
    assert state.status is DocumentStatus.CANCELLED and state.document_id is None


@pytest.mark.server
def test_h2_a_queued_report_is_cancelled_and_one_past_cancelling_is_let_go(live):
    sandbox, base, creds = live
    create_orders(sandbox, creds.seller_id, 2, status="Unshipped", fba=False)
    log = CallLog()
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        queued = gateway.request_report(ReportPurpose.OPEN_ORDERS)
        gateway.cancel_report(queued.amazon_id)
        assert gateway.report_state(queued.amazon_id).status is DocumentStatus.CANCELLED
        gateway.cancel_report(queued.amazon_id)  # Amazon: 400, only IN_QUEUE reports cancel; not an error here
        done = gateway.request_report(ReportPurpose.OPEN_ORDERS)
        sandbox.advance(120)
        gateway.cancel_report(done.amazon_id)
        assert gateway.report_state(done.amazon_id).status is DocumentStatus.DONE  # it ended on its own
        with pytest.raises(AmazonError) as caught:  # an id Amazon does not know is a real error
            gateway.cancel_report("99999")
    assert log.statuses("cancelReport") == [200, 400, 400, 404]
    assert (caught.value.status, caught.value.retryable) == (404, False)


def test_h2_processing_status_words_map_once_and_an_unknown_word_is_never_guessed():
    assert {word: status.value for word, status in PROCESSING_STATUS.items()} == {
        "IN_QUEUE": "queued", "IN_PROGRESS": "processing", "DONE": "done", "CANCELLED": "cancelled",
        "FATAL": "fatal"}
    assert REPORT_TYPES[ReportPurpose.OPEN_ORDERS] == ACTIONABLE and set(REPORT_TYPES) == set(ReportPurpose)
    keys = {"operation": "getReport", "id_key": "reportId", "type_key": "reportType",
            "document_key": "reportDocumentId"}
    answer = {"reportId": "1", "reportType": LISTINGS, "processingStatus": "DONE", "reportDocumentId": "D"}
    assert document_state(answer, **keys).document_id == "D"
    with pytest.raises(AmazonError, match="ON_HOLD") as caught:
        document_state({**answer, "processingStatus": "ON_HOLD"}, **keys)
    assert not caught.value.retryable
    with pytest.raises(AmazonError, match="without reportId") as caught:
        document_state({"processingStatus": "DONE"}, **keys)
    assert caught.value.retryable


# --- the FeedSource port ---------------------------------------------------------------------------------

@pytest.mark.server
def test_h2_a_feed_is_followed_to_its_processing_report_and_only_a_queued_one_cancels(live):
    sandbox, base, creds = live
    seller = sandbox.client_for(creds)
    sandbox.config(feed_queue_seconds=60)
    done_id = submit(sandbox, seller, FULFILLMENT_FEED, xml_feed(1))
    queued_id = submit(sandbox, seller, FULFILLMENT_FEED, xml_feed(1))
    log = CallLog()
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        feeds: FeedSource = gateway
        gateway.cancel_feed(queued_id)
        assert feeds.feed_state(queued_id).status is DocumentStatus.CANCELLED
        first = feeds.feed_state(done_id)
        assert (first.amazon_id, first.amazon_type, first.status) == (done_id, FULFILLMENT_FEED,
                                                                      DocumentStatus.QUEUED)
        sandbox.advance(600)
        done = feeds.feed_state(done_id)
        assert done.status is DocumentStatus.DONE and done.document_id  # its processing report
        with pytest.raises(AmazonError) as caught:  # a feed Amazon did not cancel will run: the caller must know
            gateway.cancel_feed(done_id)
    assert (caught.value.status, caught.value.retryable) == (400, False)
    assert log.statuses("cancelFeed") == [200, 400]


# --- documents (lower level) ------------------------------------------------------------------------------


@pytest.mark.server
def test_g2_report_round_trip_creates_polls_downloads_and_decodes(live):
    sandbox, base, creds = live
    log = CallLog()
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        document_id = _done_report(sandbox, gateway, LISTINGS)
        text = gateway._download_report_document(document_id)
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
        document_id = _done_report(sandbox, gateway, ACTIONABLE)
        with pytest.raises(AmazonError) as caught:  # Amazon refuses the plain access token (a quirk)
            gateway._download_report_document(document_id)
        assert caught.value.status == 403 and not caught.value.retryable
        text = gateway._download_report_document(document_id, restricted=True)
    assert all(name in text for name in buyer_names)  # the buyers' names are in the document ...
    assert all(name not in log.text() for name in buyer_names)  # ... and never in the call log
    assert log.statuses("createRestrictedDataToken") == [200]
    assert log.statuses("getReportDocument") == [403, 200]


@pytest.mark.server
def test_g2_a_truncated_download_is_fetched_again_from_a_fresh_url(live):
    sandbox, base, creds = live
    log = CallLog()
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        document_id = _done_report(sandbox, gateway, LISTINGS)
        sandbox.fault(operation="downloadDocument", kind="truncate", count=1, seller_id=creds.seller_id)
        text = gateway._download_report_document(document_id)
        assert log.statuses("getReportDocument") == [200, 200]  # a second, fresh URL
        assert [(r.status, r.attempt) for r in log.of("downloadDocument")] == [(200, 1), (200, 2)]
        assert text == gateway._download_report_document(document_id)  # the whole document


@pytest.mark.server
def test_g2_a_download_damaged_twice_is_a_retryable_error(live):
    sandbox, base, creds = live
    with make_gateway(sandbox, base, creds) as gateway:
        document_id = _done_report(sandbox, gateway, LISTINGS)
        sandbox.fault(operation="downloadDocument", kind="corrupt", count=2, seller_id=creds.seller_id)
        with pytest.raises(AmazonError) as caught:
            gateway._download_report_document(document_id)
    assert caught.value.retryable is True and "damaged" in str(caught.value)


@pytest.mark.server
def test_g2_get_reports_pages_with_next_token_alone(live):
    sandbox, base, creds = live
    log = CallLog()
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        created = {gateway._create_report(LISTINGS) for _ in range(12)}
        reports = gateway._get_reports([LISTINGS], page_size=5)
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
