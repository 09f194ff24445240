"""Amazon's GET_MERCHANT_LISTINGS_ALL_DATA read (I5): columns by name, encodings per marketplace, bad lines
line-numbered while the rest is read, prices and quantities never taken (E2, D1)."""

from __future__ import annotations

import pytest

from sellerbridge.amazon.reports.merchant_listings import decode_listings, parse_merchant_listings
from sellerbridge.amazon.wire import MappingError
from sellerbridge.sandbox.report_builders import LISTINGS_COLUMNS

JP = "A1VC38T7YXB528"


def report(*lines: dict[str, str]) -> str:
    rows = ["\t".join(LISTINGS_COLUMNS)]
    for line in lines:
        rows.append("\t".join(line.get(c, "") for c in LISTINGS_COLUMNS))
    return "\r\n".join(rows) + "\r\n"


def line(sku: str, title: str, *, channel: str = "DEFAULT", asin: str = "B000TEST01") -> dict[str, str]:
    return {"item-name": title, "seller-sku": sku, "price": "19.99", "quantity": "7", "asin1": asin,
            "fulfillment-channel": channel, "status": "Active"}


def test_i5_columns_by_name_and_the_fulfillment_channel():
    parsed = parse_merchant_listings(report(line("A-1", "Mug"), line("A-2", "Pan", channel="AMAZON_NA")))
    assert [(x.sku, x.title, x.asin, x.fulfillment_channel, x.status) for x in parsed.listings] == [
        ("A-1", "Mug", "B000TEST01", "MFN", "Active"), ("A-2", "Pan", "B000TEST01", "AFN", "Active")]
    assert parsed.errors == []
    assert not hasattr(parsed.listings[0], "price") and not hasattr(parsed.listings[0], "quantity")  # E2, D1


def test_i5_a_windows_1252_report_with_registered_sign_and_accents():
    text = report(line("CAFÉ-1", "Café crème Brand® 12\" Skillet"))
    parsed = parse_merchant_listings(text.encode("cp1252"))
    assert parsed.encoding == "cp1252" and parsed.notes == ["decoded as cp1252"]
    [listing] = parsed.listings
    assert (listing.sku, listing.title) == ("CAFÉ-1", "Café crème Brand® 12\" Skillet")


def test_i5_a_utf8_report_with_a_byte_order_mark_and_cjk():
    text = report(line("JP-1", "日本茶 Brand® café"), line("DE-ü", "Größe ÄÖÜ"))
    parsed = parse_merchant_listings("\ufeff".encode() + text.encode("utf-8"))
    assert parsed.encoding == "utf-8"
    assert [(x.sku, x.title) for x in parsed.listings] == [("JP-1", "日本茶 Brand® café"), ("DE-ü", "Größe ÄÖÜ")]


def test_i5_a_shift_jis_report_of_the_jp_marketplace():
    text = report(line("JP-2", "抹茶ラテ ①"))
    data = text.encode("cp932")
    parsed = parse_merchant_listings(data, marketplace_id=JP)
    assert parsed.encoding == "cp932" and parsed.listings[0].title == "抹茶ラテ ①"
    named, codec = decode_listings(data, charset="Shift_JIS")
    assert codec == "cp932" and "抹茶ラテ ①" in named  # Shift_JIS as Microsoft writes it


def test_i5_a_wrong_charset_label_is_read_the_marketplaces_way():
    data = report(line("X-1", "Crème")).encode("cp1252")
    text, codec = decode_listings(data, charset="utf-8")
    assert codec == "cp1252" and "Crème" in text
    assert decode_listings(data, charset="ISO-8859-1")[1] == "cp1252"


def test_i5_a_bad_line_is_line_numbered_and_the_rest_is_read():
    text = report(line("OK-1", "Fine"), line("", "No SKU"), line("OK-2", "Also fine"), line("X" * 80, "Long"))
    text += "only\ttwo\r\n"
    parsed = parse_merchant_listings(text)
    assert [x.sku for x in parsed.listings] == ["OK-1", "OK-2"]
    assert [(e.row_number, e.column) for e in parsed.errors] == [(3, "seller-sku"), (5, "seller-sku"), (6, None)]
    assert "fields" in parsed.errors[-1].message


def test_i5_a_report_without_the_sku_column_is_refused_as_a_whole():
    with pytest.raises(MappingError, match="seller-sku"):
        parse_merchant_listings("item-name\tprice\nMug\t1.00\n")


def test_i5_the_downloads_decoder_reads_gzip_and_a_label_or_none():
    import gzip

    from sellerbridge.amazon.reports.merchant_listings import ListingsDecoder

    data = report(line("CAFÉ-2", "Crème®")).encode("cp1252")
    unnamed = ListingsDecoder("ATVPDKIKX0DER")
    assert "Crème®" in unnamed(gzip.compress(data), "GZIP", "text/tab-separated-values") and unnamed.codec == "cp1252"
    named = ListingsDecoder(JP)
    jp = report(line("JP-3", "抹茶")).encode("cp932")
    assert "抹茶" in named(jp, None, "text/plain;charset=Shift_JIS") and named.codec == "cp932"
    utf8 = ListingsDecoder(None)
    utf8(report(line("U-1", "日本")).encode(), None, "text/plain; charset=UTF-8")
    assert utf8.codec == "utf-8"
    parsed = parse_merchant_listings(unnamed(data, None, None), encoding=unnamed.codec)
    assert parsed.notes == ["decoded as cp1252"] and parsed.listings[0].sku == "CAFÉ-2"
