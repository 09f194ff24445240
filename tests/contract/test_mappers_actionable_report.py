"""The actionable-orders report -> drafts: the sandbox's document, a golden file with bad rows (G2, B1, B11, B13)."""

from __future__ import annotations

import gzip

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sellerbridge.amazon.orders.v2026 import to_order_draft
from sellerbridge.amazon.reports.actionable_orders import left_out_reasons, parse_actionable_orders
from sellerbridge.amazon.reports.flatfile import decode_report
from sellerbridge.amazon.wire import MappingError
from sellerbridge.domain.orders.model import Fulfillment, OrderStatus, ServiceLevel
from tests.contract.mapper_support import assert_golden, load_text, plain
from tests.contract.test_mappers_orders_v2026 import get_order
from tests.sandbox.reports_support import (
    ACTIONABLE,
    create_orders,
    document_bytes,
    insert_rdt,
    run_report,
    ship,
)

US = "ATVPDKIKX0DER"
GOLDEN_TSV = "actionable_orders_malformed.tsv"


def download(sandbox, seller, report: dict) -> str:
    """The restricted document: RDT for its path, pre-signed URL, gunzip, charset from the content type."""
    document_id = report["reportDocumentId"]
    token = insert_rdt(sandbox, seller.creds, f"/reports/2021-06-30/documents/{document_id}")
    doc = seller.get(f"/reports/2021-06-30/documents/{document_id}", token=token).json()
    raw = sandbox.http.get(doc["url"])
    assert raw.status_code == 200
    assert gzip.decompress(raw.content) == gzip.decompress(document_bytes(sandbox, seller, document_id, token))
    return decode_report(gzip.decompress(raw.content), raw.headers.get("content-type"))


def test_g2_the_sandboxs_actionable_report_maps_to_one_draft_per_open_merchant_order(sandbox, seller):
    seller_id = seller.creds.seller_id
    mfn = create_orders(sandbox, seller_id, 20, fba=False)
    create_orders(sandbox, seller_id, 5, fba=True)
    state = sandbox.backend.sellers[seller_id].orders
    partial = next(i for i in mfn if len(state[i].lines) > 1 or state[i].lines[0].quantity > 1)
    first = state[partial].lines[0]
    ship(sandbox, seller_id, partial, {first.order_item_id: 1})
    done = next(i for i in mfn if i != partial)
    ship(sandbox, seller_id, done)

    parsed = parse_actionable_orders(download(sandbox, seller, run_report(sandbox, seller, ACTIONABLE)),
                                     marketplace_id=US)
    assert parsed.errors == [] and parsed.left_out == []
    drafts = {d.amazon_order_id: d for d in parsed.drafts}
    assert set(drafts) == set(mfn) - {done}  # FBA and fully shipped orders are not actionable
    for order_id, d in drafts.items():
        live = state[order_id]
        open_lines = [ln for ln in live.lines if ln.quantity_unshipped > 0]
        assert [(ln.order_item_id, ln.sku, ln.quantity, ln.quantity_shipped) for ln in d.lines] == [
            (ln.order_item_id, ln.sku, ln.quantity, ln.quantity_shipped) for ln in open_lines]
        assert [ln.title for ln in d.lines] == [ln.title for ln in open_lines]  # ™, ♻, accents survive
        assert d.fulfillment is Fulfillment.MERCHANT and d.marketplace_id == US
        assert d.service_level is ServiceLevel(live.service_level)
        assert (d.buyer.name, d.buyer.email) == (live.buyer.name, live.buyer.email)
        assert (d.ship_to.name, d.ship_to.line1, d.ship_to.city, d.ship_to.postal_code, d.ship_to.country_code) == (
            live.ship_to.name, live.ship_to.line1, live.ship_to.city, live.ship_to.postal_code,
            live.ship_to.country_code)
        assert d.purchase_date == live.purchase_date.replace(microsecond=0)
        assert d.latest_ship_date == live.latest_ship.replace(microsecond=0)
        assert d.is_prime == live.is_prime and d.is_business == live.is_business
        expected = OrderStatus.PARTIALLY_SHIPPED if order_id == partial else OrderStatus.UNSHIPPED
        assert d.status is expected


def test_g2_a_report_draft_agrees_with_the_api_on_lines_buyer_and_address(sandbox, seller):
    ids = create_orders(sandbox, seller.creds.seller_id, 5, fba=False)
    parsed = parse_actionable_orders(download(sandbox, seller, run_report(sandbox, seller, ACTIONABLE)),
                                     marketplace_id=US)
    for from_report in parsed.drafts:
        from_api = to_order_draft(get_order(sandbox, seller, from_report.amazon_order_id))
        assert from_report.amazon_order_id in ids
        assert [(ln.order_item_id, ln.sku, ln.quantity) for ln in from_report.lines] == [
            (ln.order_item_id, ln.sku, ln.quantity) for ln in from_api.lines]
        assert from_report.buyer.email == from_api.buyer.email
        assert from_report.ship_to.line1 == from_api.ship_to.line1
        # The report has no last-update time: its draft is never newer than what the API says.
        assert from_report.last_updated <= from_api.last_updated


# --- golden ----------------------------------------------------------------------------------------

def test_b11_golden_report_bad_rows_are_reported_and_the_other_orders_read():
    parsed = parse_actionable_orders(load_text(GOLDEN_TSV), marketplace_id="A1VC38T7YXB528")
    assert [d.amazon_order_id for d in parsed.drafts] == [
        "503-0000001-0000001", "112-0000002-0000002", "171-0000007-0000007"]
    assert [(e.row_number, e.column) for e in parsed.errors] == [
        (5, "quantity-purchased"), (7, "order-id"), (8, "purchase-date"), (9, None)]
    assert parsed.left_out == ["112-0000003-0000003", "112-0000005-0000005"]
    assert all(e.raw_line and e.raw_line not in repr(e) for e in parsed.errors)  # buyer data stays out of logs
    sushi, skillet, gift = parsed.drafts
    assert [ln.title for ln in sushi.lines] == ["Sushi Knife® 包丁 🔪", "Café crème – tasse ☕"]
    assert sushi.buyer.name == "山田 太郎" and sushi.ship_to.city == "東京都"
    assert skillet.status is OrderStatus.PARTIALLY_SHIPPED and skillet.lines[0].title == '12" Skillet – Gußeisen'
    assert skillet.service_level is ServiceLevel.SECOND_DAY and skillet.buyer.purchase_order_number == "PO-4711"
    assert gift.buyer.name == "Jürgen Groß 😀" and gift.ship_to.phone is None  # CRLF row, empty phone
    assert gift.service_level is ServiceLevel.FREE_ECONOMY
    assert_golden("actionable_orders_malformed.drafts.json", plain(parsed.drafts))


def test_b11_b13_each_order_left_out_says_which_of_its_rows_failed_and_never_quotes_a_row():
    parsed = parse_actionable_orders(load_text(GOLDEN_TSV), marketplace_id="A1VC38T7YXB528")
    reasons = dict(left_out_reasons(parsed))
    assert list(reasons) == parsed.left_out == ["112-0000003-0000003", "112-0000005-0000005"]
    assert reasons["112-0000003-0000003"].startswith("a malformed row in the actionable-orders report: row 5 (")
    assert "quantity-purchased" in reasons["112-0000003-0000003"]
    assert "row 8 (purchase-date" in reasons["112-0000005-0000005"]
    assert "row 5" not in reasons["112-0000005-0000005"]  # another order's row is not this order's reason
    for error in parsed.errors:  # the rows hold buyer names and addresses (B13)
        for reason in reasons.values():
            assert error.raw_line not in reason
            assert not any(len(cell) > 3 and cell in reason for cell in error.raw_line.split("\t")[7:12])


@pytest.mark.parametrize("text", [
    "",
    "\n\n",
    "order-id\tsku\n1\tA\n",  # required columns missing
])
def test_b11_a_report_without_its_header_is_one_error_for_the_document(text):
    with pytest.raises(MappingError) as caught:
        parse_actionable_orders(text)
    assert caught.value.where == "header"


def test_g2_columns_are_found_by_name_in_any_order_and_extra_columns_are_ignored():
    text = ("sku\tquantity-purchased\tverge-of-cancellation\torder-item-id\torder-id\tpurchase-date\n"
            "SB-1\t2\tfalse\t1\tA-1\t2026-03-01T00:00:00-08:00\n")
    (d,) = parse_actionable_orders(text).drafts
    assert (d.amazon_order_id, d.lines[0].sku, d.lines[0].quantity) == ("A-1", "SB-1", 2)
    assert d.purchase_date.isoformat() == "2026-03-01T08:00:00+00:00"


@pytest.mark.parametrize("content_type, data, expected", [
    ("text/tab-separated-values;charset=UTF-8", "Crème ®".encode(), "Crème ®"),
    ("text/plain; charset=windows-1252", "Crème ®".encode("cp1252"), "Crème ®"),
    ("text/plain;charset=Shift_JIS", "包丁".encode("shift_jis"), "包丁"),
    (None, "Crème ®".encode("cp1252"), "Crème ®"),  # no charset, not UTF-8: Amazon's legacy encoding
    (None, "\ufeff包丁 🔪".encode(), "包丁 🔪"),
])
def test_d8_report_bytes_decode_with_the_charset_amazon_names(content_type, data, expected):
    assert decode_report(data, content_type) == expected


cell = st.text(alphabet=st.characters(blacklist_characters="\t\n\r", blacklist_categories=("Cs",)), max_size=8)


@given(st.lists(st.lists(cell, min_size=5, max_size=6), max_size=6))
def test_b11_any_rows_give_drafts_or_row_errors_never_an_exception(rows):
    header = "order-id\torder-item-id\tpurchase-date\tsku\tquantity-purchased\n"
    parsed = parse_actionable_orders(header + "".join("\t".join(r) + "\n" for r in rows))
    assert len(parsed.errors) + sum(len(d.lines) for d in parsed.drafts) <= len(rows)
