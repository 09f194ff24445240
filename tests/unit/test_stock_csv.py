"""The stock CSV (I5, H1): counts or deltas, line-numbered errors, the rest kept; hostile files never raise."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sellerbridge.domain.stock.csv_import import (
    MAX_UNITS,
    file_digest,
    is_stock_file,
    parse_stock_csv,
    parse_units,
    row_of_raw,
)


def test_i5_a_count_file_gives_rows_with_refs_from_the_file_hash_and_line() -> None:
    content = b"sku,warehouse,on_hand\nA,WH1,7\nB,WH1,0\n"
    parsed = parse_stock_csv(content)
    digest = file_digest(content)
    assert parsed.kind == "count" and parsed.errors == ()
    assert [(r.line, r.sku, r.warehouse, r.quantity, r.reason, r.ref) for r in parsed.rows] == [
        (2, "A", "WH1", 7, "count", f"file:{digest}:line:2"), (3, "B", "WH1", 0, "count", f"file:{digest}:line:3")]


def test_i5_a_delta_file_with_refs_bom_crlf_semicolons_and_any_column_order() -> None:
    content = "\ufeffReason;SKU;delta;Warehouse;ref\r\nreceipt;A;+5;WH1;PO-1\r\n\r\nadjustment;B;-2;WH2;ADJ-9\r\n"
    parsed = parse_stock_csv(content.encode())
    assert (parsed.kind, parsed.encoding, parsed.delimiter, parsed.errors) == ("delta", "utf-8-sig", ";", ())
    assert [(r.line, r.sku, r.quantity, r.reason, r.ref) for r in parsed.rows] == [
        (2, "A", 5, "receipt", "PO-1"), (4, "B", -2, "adjustment", "ADJ-9")]


@pytest.mark.parametrize(("row", "code", "field"), [
    ("A,WH1,seven", "not_integer", "on_hand"), ("A,WH1,1.5", "not_integer", "on_hand"),
    ("A,WH1,1e3", "not_integer", "on_hand"), ("A,WH1,-1", "negative_count", "on_hand"),
    (f"A,WH1,{MAX_UNITS + 1}", "out_of_range", "on_hand"), ("A,WH1,99999999999999999999", "not_integer", "on_hand"),
    (",WH1,1", "bad_sku", "sku"), ("A,,1", "bad_warehouse", "warehouse"), ("A,WH1,1,extra", "bad_row", None),
    ("A,WH1,\u0663", "not_integer", "on_hand"),  # an Arabic-Indic three is a digit to Python, not to us
])
def test_i5_a_bad_count_line_is_refused_with_its_number_and_the_rest_kept(row, code, field) -> None:
    parsed = parse_stock_csv(f"sku,warehouse,on_hand\nGOOD,WH1,1\n{row}\nLAST,WH1,2\n".encode())
    assert [(e.line, e.code, e.field) for e in parsed.errors] == [(3, code, field)]
    assert [r.sku for r in parsed.rows] == ["GOOD", "LAST"] and 3 in parsed.refused


@pytest.mark.parametrize(("row", "code"), [
    ("A,WH1,-1,receipt", "negative_receipt"), ("A,WH1,1,shipment", "bad_reason"), ("A,WH1,1,", "bad_reason")])
def test_i5_a_bad_delta_line_is_refused(row, code) -> None:
    parsed = parse_stock_csv(f"sku,warehouse,delta,reason\n{row}\n".encode())
    assert [(e.line, e.code) for e in parsed.errors] == [(2, code)] and parsed.rows == ()


def test_i5_duplicate_lines_are_refused_the_first_kept() -> None:
    counts = parse_stock_csv(b"sku,warehouse,on_hand\nA,WH1,1\na,wh1,2\nA,WH2,3\n")
    assert [(e.line, e.code) for e in counts.errors] == [(3, "duplicate_line")]
    assert "line 2" in counts.errors[0].message and [r.quantity for r in counts.rows] == [1, 3]
    deltas = parse_stock_csv(b"sku,warehouse,delta,reason,ref\nA,WH1,1,receipt,R1\nB,WH1,1,receipt,R1\n"
                             b"A,WH1,1,receipt,\nA,WH1,1,receipt,\n")
    assert [(e.line, e.code) for e in deltas.errors] == [(3, "duplicate_line")]
    assert len(deltas.rows) == 3  # two receipts of A without refs are two lines: their refs differ by line


@pytest.mark.parametrize(("content", "code"), [
    (b"", "empty_file"), (b"sku,qty\nA,1\n", "bad_header"), (b"sku,warehouse,on_hand,delta\n", "bad_header"),
    (b"sku,warehouse,on_hand\nA,WH1,\x001\n", "bad_csv"), (b"\x89PNG\r\n\x1a\n\x00\x00", "bad_csv"),
])
def test_i5_a_file_that_is_no_stock_csv_is_one_error(content, code) -> None:
    parsed = parse_stock_csv(content)
    assert [e.code for e in parsed.errors] == [code] and parsed.rows == ()


def test_i5_a_cp1252_file_is_read_and_said() -> None:
    parsed = parse_stock_csv("sku,warehouse,on_hand\nCAFÉ-1,WH1,4\n".encode("cp1252"))
    assert parsed.encoding == "cp1252" and parsed.rows[0].sku == "CAFÉ-1"


def test_i5_a_quoted_line_break_keeps_the_editor_line_numbers() -> None:
    parsed = parse_stock_csv(b'sku,warehouse,on_hand\n"A\nB",WH1,1\nC,WH1,x\n')
    assert [(e.line, e.code) for e in parsed.errors] == [(4, "not_integer")]


def test_i5_a_10000_line_file_parses_whole() -> None:
    body = "".join(f"SKU-{n},WH{n % 3},{n}\n" for n in range(10_000))
    parsed = parse_stock_csv(("sku,warehouse,on_hand\n" + body).encode())
    assert len(parsed.rows) == 10_000 and parsed.errors == () and parsed.rows[-1].line == 10_001


def test_i5_stock_files_are_told_from_shipment_files() -> None:
    assert is_stock_file("stock-2026-12-03.csv", b"anything")
    assert is_stock_file("in/StockCounts.csv", b"")
    assert is_stock_file("daily.csv", b"\xef\xbb\xbfSKU;Warehouse;On_Hand\r\n")
    assert is_stock_file("moves.csv", b"sku,warehouse,delta,reason\n")
    assert not is_stock_file("ship-1.csv", b"amazon_order_id,quantity,carrier,tracking_number,ship_date\n")
    assert not is_stock_file("empty.csv", b"")


def test_h1_a_row_from_the_error_log_comes_back_with_the_same_ref() -> None:
    parsed = parse_stock_csv(b"sku,warehouse,on_hand\nA,WH1,7\n")
    row = parsed.rows[0]
    again, problem = row_of_raw(row.line, row.raw, "count", parsed.digest)
    assert problem is None and again == row
    assert row_of_raw(2, {"sku": "A"}, "other", "x")[0] is None


@pytest.mark.parametrize(("text", "value"), [("7", 7), (" +7 ", 7), ("-3", -3), ("", None), ("+", None),
                                             ("1_000", None), ("0x10", None), ("1 000", None)])
def test_i5_whole_numbers_as_people_write_them(text, value) -> None:
    assert parse_units(text) == value


@settings(max_examples=200)
@given(st.binary(max_size=400))
def test_i5_any_bytes_give_rows_or_line_errors_never_an_exception(content: bytes) -> None:
    parse_stock_csv(b"sku,warehouse,on_hand\n" + content)
    parse_stock_csv(content)


@settings(max_examples=200)
@given(st.text(max_size=300))
def test_i5_any_text_lines_give_rows_or_line_errors(text: str) -> None:
    parsed = parse_stock_csv(("sku,warehouse,delta,reason\n" + text).encode("utf-8", "surrogatepass"))
    assert all(e.line >= 0 for e in parsed.errors)
    assert all(-MAX_UNITS <= r.quantity <= MAX_UNITS for r in parsed.rows)
