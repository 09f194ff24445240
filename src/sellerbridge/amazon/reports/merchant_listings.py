"""``GET_MERCHANT_LISTINGS_ALL_DATA``: every listing of one marketplace, as items and SKUs for the hub (I5).

The report is a tab-separated flat file (``flatfile.py``: no quoting, one header row of Amazon's column
names, columns found by name). The hub reads ``seller-sku`` (required), ``item-name`` (the item's
description), ``asin1`` (else ``product-id`` when ``product-id-type`` is 1, an ASIN),
``fulfillment-channel`` (``DEFAULT``: the seller ships, MFN; ``AMAZON_NA``, ``AMAZON_EU``, ``AMAZON_FE``...:
Amazon ships, AFN) and ``status``. ``price`` and ``quantity`` are read past, never kept: the hub's price
and stock win (E2, D1).

Encodings, as Amazon writes them per marketplace: UTF-8 (with or without a byte-order mark), windows-1252
from NA/EU legacy tools, Shift_JIS for JP (read as Microsoft's superset cp932). :func:`decode_listings`
takes the charset the download names first; none named, it tries UTF-8 strictly, then the marketplace's
legacy encoding (cp932 for JP, else cp1252), and says which it used. cp1252 maps almost every byte, so a
file is never refused for its bytes: an undefined byte becomes U+FFFD and the answer says so.

A line that cannot be read (wrong number of fields, no SKU, a SKU too long) is a :class:`RowError` with its
line number; the other lines are imported.
"""

from __future__ import annotations

import gzip
import re
import zlib
from dataclasses import dataclass, field

from ...domain.ports.prices import ImportedListing
from ..transport.documents import CHARSET_ALIASES, DocumentError
from .flatfile import Row, RowError, read_rows

REPORT_TYPE = "GET_MERCHANT_LISTINGS_ALL_DATA"
REQUIRED = ("seller-sku",)
MAX_SKU = 64  # channel_listings.amazon_sku
MAX_TITLE = 2000
JP = "A1VC38T7YXB528"
MFN_CHANNEL = "DEFAULT"
_CHARSET = re.compile(r"charset\s*=\s*\"?([^\";\s]+)", re.IGNORECASE)


@dataclass(slots=True)
class MerchantListings:
    """The report read: its listings, the lines that could not be read, and how its bytes were decoded."""

    listings: list[ImportedListing]
    errors: list[RowError]
    encoding: str = "utf-8"
    notes: list[str] = field(default_factory=list)


def decode_listings(data: bytes, *, charset: str | None = None, marketplace_id: str | None = None) -> tuple[str, str]:
    """The report's text and the codec used (see the module)."""
    if charset:
        codec = CHARSET_ALIASES.get(charset.strip().lower(), charset)  # Shift_JIS read as cp932, Latin-1 as cp1252
        try:
            return data.decode(codec).removeprefix("\ufeff"), "utf-8" if codec == "utf-8-sig" else codec
        except (LookupError, UnicodeDecodeError):
            pass  # a label Amazon got wrong: read it the way its marketplace writes
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    legacy = "cp932" if marketplace_id == JP else "cp1252"
    try:
        return data.decode(legacy), legacy
    except UnicodeDecodeError:
        return data.decode(legacy, errors="replace"), f"{legacy} (undecodable bytes replaced)"


class ListingsDecoder:
    """The download's decoder for this report (``SpApiSession._document(decode=...)``): gunzipped when GZIP,
    then :func:`decode_listings` with the charset the Content-Type names, if any; ``codec`` says which."""

    def __init__(self, marketplace_id: str | None) -> None:
        self.marketplace_id = marketplace_id
        self.codec = "utf-8"

    def __call__(self, raw: bytes, compression: str | None, content_type: str | None) -> str:
        if (compression or "").upper() == "GZIP":
            try:
                raw = gzip.decompress(raw)
            except (OSError, EOFError, zlib.error) as exc:
                raise DocumentError(f"the GZIP document is cut short or damaged ({type(exc).__name__})") from None
        match = _CHARSET.search(content_type or "")
        text, self.codec = decode_listings(raw, charset=match.group(1) if match else None,
                                           marketplace_id=self.marketplace_id)
        return text


def parse_merchant_listings(document: str | bytes, *, charset: str | None = None,
                            marketplace_id: str | None = None, encoding: str = "text") -> MerchantListings:
    """The report's listings (see the module's rules); MappingError when it has no header or no seller-sku.
    ``encoding``: how a text ``document`` was decoded (:class:`ListingsDecoder`)."""
    if isinstance(document, bytes):
        document, encoding = decode_listings(document, charset=charset, marketplace_id=marketplace_id)
    _, rows = read_rows(document, REQUIRED)
    listings: list[ImportedListing] = []
    errors: list[RowError] = []
    for row in rows:
        if isinstance(row, RowError):
            errors.append(row)
            continue
        listing = _listing(row)
        if isinstance(listing, RowError):
            errors.append(listing)
        else:
            listings.append(listing)
    notes = [f"decoded as {encoding}"] if encoding not in ("text", "utf-8", "utf-8-sig") else []
    return MerchantListings(listings, errors, encoding, notes)


def _listing(row: Row) -> ImportedListing | RowError:
    sku = row.text("seller-sku")
    if sku is None:
        return RowError(row.number, "seller-sku", "seller-sku is empty", row.raw)
    if len(sku) > MAX_SKU:
        return RowError(row.number, "seller-sku", f"seller-sku is longer than {MAX_SKU} characters", row.raw)
    if "\ufffd" in sku:
        return RowError(row.number, "seller-sku", "seller-sku has bytes that are not text in the report's encoding",
                        row.raw)
    asin = row.text("asin1")
    if asin is None and row.text("product-id-type") == "1":
        asin = row.text("product-id")
    if asin is not None and (len(asin) > 16 or not asin.isalnum()):
        return RowError(row.number, "asin1", f"asin1 is not an ASIN: {asin!r:.40}", row.raw)
    channel = (row.text("fulfillment-channel") or MFN_CHANNEL).upper()
    title = row.text("item-name")
    return ImportedListing(line=row.number, sku=sku, title=title[:MAX_TITLE] if title else None, asin=asin,
                           fulfillment_channel="MFN" if channel == MFN_CHANNEL else "AFN",
                           status=row.text("status"))
