"""The shipment CSV (C1, H1): line-numbered errors, nothing valid lost, the encodings and delimiters
warehouses write."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sellerbridge.domain.shipments.csv_import import CsvMapping, parse_csv, parse_ship_date, sniff_delimiter

HEADER = "shipment_id,amazon_order_id,order_item_id,sku,quantity,carrier,ship_method,tracking_number,ship_date\n"


def lines_of(parsed) -> dict[int, str]:
    return {e.line: e.code for e in parsed.errors}


def test_c1_rows_group_into_shipments_and_packages():
    parsed = parse_csv((HEADER
                        + "S1,111-1,ITEM-1,,1,UPS,Ground,1Z999AA10123456784,2026-03-01\n"
                        + "S1,111-1,ITEM-2,,2,UPS,Ground,1Z999AA10123456784,2026-03-01\n"
                        + "S1,111-1,,SB-003,1,UPS,Ground,1Z12345E6605272234,2026-03-01\n"
                        + ",111-2,ITEM-9,,1,USPS,,9405511899223197428490,2026-03-01T10:00:00Z\n").encode())
    assert parsed.errors == ()
    first, second = parsed.shipments
    assert first.draft.idempotency_key == "S1" and first.lines == (2, 3, 4)
    assert [len(p.items) for p in first.draft.packages] == [2, 1]
    assert second.draft.idempotency_key == "111-2/9405511899223197428490"
    assert second.draft.ship_date == datetime(2026, 3, 1, 10, tzinfo=UTC)


def test_c1_bom_semicolons_quoted_newline_and_emoji_with_exact_line_numbers():
    text = ("\ufeffshipment_id;amazon_order_id;sku;quantity;carrier;ship_method;tracking_number;ship_date\r\n"
            'S1;111-1;SB-001;1;"Speedy (R) 🚀 Couriers®";"Next day;\r\nbefore noon";SPEEDY0001;2026-03-01\r\n'  # 2-3
            "S2;111-1;SB-002;x;UPS;;1Z999AA10123456784;2026-03-01\r\n"  # 4: bad quantity
            "S3;111-1;SB-002;1;UPS;;1Z999AA10123456784;01.03.2026\r\n"  # 5: ambiguous date
            "\r\n"  # 6: blank
            "S4;111-2;SB-001;1;DHL;;3318810025;2026-02-30\r\n"  # 7: no such day
            "S5;111-3;SB-001;2;Royal Mail;;RR123456785GB;2026-03-01\r\n")  # 8
    parsed = parse_csv(text.encode("utf-8"))
    assert (parsed.encoding, parsed.delimiter) == ("utf-8-sig", ";")
    assert lines_of(parsed) == {4: "bad_quantity", 5: "bad_date", 7: "bad_date"}
    assert [s.lines for s in parsed.shipments] == [(2,), (8,)]
    package = parsed.shipments[0].draft.packages[0]
    assert package.carrier == "Speedy (R) 🚀 Couriers®" and package.ship_method == "Next day;\r\nbefore noon"


def test_c1_a_bad_row_refuses_its_whole_shipment_and_names_the_line():
    parsed = parse_csv((HEADER
                        + "S1,111-1,ITEM-1,,1,UPS,,1Z999AA10123456784,2026-03-01\n"
                        + "S1,111-1,ITEM-2,,0,UPS,,1Z999AA10123456784,2026-03-01\n"
                        + "S2,111-2,ITEM-1,,1,UPS,,1Z999AA10123456784,2026-03-01\n").encode())
    assert lines_of(parsed) == {2: "shipment_refused", 3: "bad_quantity"}
    assert "line 3" in parsed.errors[0].message
    assert [s.draft.idempotency_key for s in parsed.shipments] == ["S2"]


def test_c1_cp1252_is_read_and_said():
    text = ("amazon_order_id\tsku\tquantity\tcarrier\ttracking_number\tship_date\n"
            "111-1\tSB-001\t1\tCorreos España\tPQ123456789\t2026-03-01\n")
    parsed = parse_csv(text.encode("cp1252"))
    assert (parsed.encoding, parsed.delimiter, parsed.errors) == ("cp1252", "\t", ())
    assert parsed.shipments[0].draft.packages[0].carrier == "Correos España"


def test_c1_a_mapping_names_the_warehouses_columns_and_date_order():
    mapping = CsvMapping.from_dict({"columns": {"Order #": "amazon_order_id", "Item": "sku", "Qty": "quantity",
                                                "Ship Via": "carrier", "Tracking": "tracking_number",
                                                "Shipped": "ship_date"}, "date_order": "mdy"})
    text = "Order #,Item,Qty,Ship Via,Tracking,Shipped,Picker\n111-1,SB-001,2,UPS,1Z999AA10123456784,03/01/2026,Ann\n"
    parsed = parse_csv(text.encode(), mapping)
    assert parsed.errors == ()
    assert parsed.shipments[0].draft.ship_date == date(2026, 3, 1)


@pytest.mark.parametrize(("data", "said"), [
    ({"columns": {"x": "nope"}}, "unknown columns"),
    ({"date_order": "ymd"}, "mdy or dmy"),
    ({"colums": {}}, "unknown mapping keys"),
    ({"columns": ["a"]}, "map the file's header"),
])
def test_c1_a_bad_mapping_says_what_is_wrong(data, said):
    with pytest.raises(ValueError, match=said):
        CsvMapping.from_dict(data)


@pytest.mark.parametrize(("content", "line", "said"), [
    (b"", 0, "empty"),
    (b"amazon_order_id,quantity\n111-1,1\n", 1, "missing columns"),
    (b"amazon_order_id,amazon_order_id,sku,quantity,carrier,tracking_number,ship_date\n", 1, "two columns"),
])
def test_c1_a_file_that_cannot_be_read_says_so_on_its_line(content, line, said):
    parsed = parse_csv(content)
    (error,) = parsed.errors
    assert error.line == line and said in error.message and parsed.shipments == ()


def test_c1_a_row_with_too_many_values_is_refused():
    parsed = parse_csv((HEADER + "S1,111-1,ITEM-1,,1,UPS,,1Z999AA10123456784,2026-03-01,extra\n").encode())
    assert lines_of(parsed) == {2: "bad_row"}


def test_c1_shipment_rows_for_two_orders_are_refused_together():
    parsed = parse_csv((HEADER + "S1,111-1,ITEM-1,,1,UPS,,1Z999AA10123456784,2026-03-01\n"
                        + "S1,111-2,ITEM-1,,1,UPS,,1Z12345E6605272234,2026-03-01\n").encode())
    assert lines_of(parsed) == {2: "inconsistent_shipment", 3: "inconsistent_shipment"}


@pytest.mark.parametrize(("text", "order", "expected"), [
    ("2026-03-01", None, date(2026, 3, 1)),
    ("2026-03-01T14:05:00Z", None, datetime(2026, 3, 1, 14, 5, tzinfo=UTC)),
    ("2026-03-01 14:05", None, datetime(2026, 3, 1, 14, 5, tzinfo=UTC)),
    ("2026-03-01T16:05:00+02:00", None, datetime(2026, 3, 1, 14, 5, tzinfo=UTC)),
    ("03/04/2026", "mdy", date(2026, 3, 4)),
    ("03/04/2026", "dmy", date(2026, 4, 3)),
    ("03.04.2026", "dmy", date(2026, 4, 3)),
])
def test_c1_ship_date_forms(text, order, expected):
    assert parse_ship_date(text, order) == expected


@pytest.mark.parametrize("text", ["03/04/2026", "yesterday", "2026-13-01", "1.3.26"])
def test_c1_ship_dates_that_are_ambiguous_or_wrong_are_refused(text):
    with pytest.raises(ValueError):
        parse_ship_date(text)


def test_c1_the_delimiter_is_sniffed_outside_quotes():
    assert sniff_delimiter('a;b;"c,d,e"') == ";"
    assert sniff_delimiter("a\tb\tc") == "\t"
    assert sniff_delimiter("single") == ","


# --- properties: no file breaks the parser; no valid row is lost -------------------------------------------

NAMES = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20) \
    .map(str.strip).filter(bool)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_c1_no_bytes_make_the_parser_fail(content):
    parsed = parse_csv(content)
    assert all(e.line >= 0 and e.message for e in parsed.errors)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(NAMES, st.booleans(), st.booleans()), min_size=1, max_size=12),
       st.sampled_from([",", ";", "\t"]), st.booleans())
def test_c1_every_valid_row_is_kept_and_every_bad_row_named_by_its_line(rows, delimiter, bom):
    """Rows with any carrier name (quoted, with the delimiter, quotes, emoji or a line break in it), some
    with a bad quantity: the bad ones are refused on their line, every other one is a shipment."""
    header = delimiter.join(["shipment_id", "amazon_order_id", "sku", "quantity", "carrier", "tracking_number",
                             "ship_date"])
    lines, line, expected_good, expected_bad = [header], 2, [], []
    for n, (carrier, bad, newline) in enumerate(rows):
        name = carrier + ("\nsecond line" if newline else "")
        quoted = '"' + name.replace('"', '""') + '"'
        lines.append(delimiter.join([f"S{n}", "111-1", "SB-001", "x" if bad else "1", quoted, f"TRACK{n:06d}",
                                     "2026-03-01"]))
        (expected_bad if bad else expected_good).append((f"S{n}", line, name))
        line += 1 + name.count("\n") + name.count("\r")
    content = ("\ufeff" if bom else "") + "\n".join(lines) + "\n"
    parsed = parse_csv(content.encode("utf-8"))
    assert [(e.line, e.code) for e in parsed.errors] == [(ln, "bad_quantity") for _, ln, _ in expected_bad]
    assert [(s.draft.idempotency_key, s.lines[0], s.draft.packages[0].carrier) for s in parsed.shipments] == \
        [(key, ln, name.strip()) for key, ln, name in expected_good]
