"""Flat-file report contents built from a seller's live state (I4, G2, B1, I5).

Each builder takes the seller, the report (type, marketplaces, data range) and the moment the report
starts processing, and returns Amazon's header row and the data rows. :func:`to_tsv` joins them the
way Amazon writes flat files: tab-separated, one header row with Amazon's column names, ``\\n`` line
ends, no quoting (a tab or line break inside a value is replaced by a space), UTF-8 without BOM.

Amazon's own files are not always UTF-8 (some JP/EU reports arrive as Shift_JIS or windows-1252,
docs/amazon-quirks.md); the sandbox always writes UTF-8 and says so in the document's content type,
so accents, (R), CJK and emoji survive.

Report types built here:

- ``GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL``: one row per order item of every order
  whose last update falls in [dataStartTime, dataEndTime] (default: the last 30 days), no PII;
- ``GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING``: every unshipped merchant-fulfilled order item
  with buyer and address (PII: its document needs a Restricted Data Token), date range ignored;
- ``GET_MERCHANT_LISTINGS_ALL_DATA``: every listing of the *first* requested marketplace.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import marketplaces
from .state import (
    CANCELED,
    INVOICE_UNCONFIRMED,
    PARTIALLY_SHIPPED,
    PENDING,
    PENDING_AVAILABILITY,
    SHIPPED,
    UNFULFILLABLE,
    UNSHIPPED,
    Listing,
    Order,
    Report,
    Seller,
)
from .timefmt import iso_offset

Rows = tuple[list[str], list[list[str]]]
Builder = Callable[[Seller, Report, datetime], Rows]

ALL_ORDERS = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
ACTIONABLE_SHIPPING = "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING"
LISTINGS_ALL = "GET_MERCHANT_LISTINGS_ALL_DATA"

# Report types whose documents carry PII: getReportDocument needs a Restricted Data Token (B13).
RESTRICTED_TYPES = frozenset({ACTIONABLE_SHIPPING})
# Role the app must hold for the seller to request a restricted report at all.
REQUIRED_ROLE = {ACTIONABLE_SHIPPING: "DirectToConsumerShipping"}
# Where dataStartTime defaults to something other than "now" when the caller omits it.
DEFAULT_WINDOW = {ALL_ORDERS: timedelta(days=30)}

CONTENT_TYPE = "text/tab-separated-values;charset=UTF-8"

ALL_ORDERS_COLUMNS = [
    # Amazon's header has a "url" column (always empty) between order-channel and ship-service-level.
    "amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date", "order-status",
    "fulfillment-channel", "sales-channel", "order-channel", "url", "ship-service-level", "product-name",
    "sku", "asin", "item-status", "quantity", "currency", "item-price", "item-tax", "shipping-price",
    "shipping-tax", "gift-wrap-price", "gift-wrap-tax", "item-promotion-discount", "ship-promotion-discount",
    "ship-city", "ship-state", "ship-postal-code", "ship-country", "promotion-ids", "is-business-order",
    "purchase-order-number", "price-designation",
]

ACTIONABLE_COLUMNS = [
    "order-id", "order-item-id", "purchase-date", "payments-date", "reporting-date", "promise-date",
    "days-past-promise", "buyer-email", "buyer-name", "buyer-phone-number", "sku", "product-name",
    "quantity-purchased", "quantity-shipped", "quantity-to-ship", "ship-service-level", "recipient-name",
    "ship-address-1", "ship-address-2", "ship-address-3", "ship-city", "ship-state", "ship-postal-code",
    "ship-country", "is-business-order", "purchase-order-number", "price-designation", "is-prime",
]

LISTINGS_COLUMNS = [
    "item-name", "item-description", "listing-id", "seller-sku", "price", "quantity", "open-date",
    "image-url", "item-is-marketplace", "product-id-type", "zshop-shipping-fee", "item-note",
    "item-condition", "zshop-category1", "zshop-browse-path", "zshop-storefront-feature", "asin1", "asin2",
    "asin3", "will-ship-internationally", "expedited-shipping", "zshop-boldface", "product-id",
    "bid-for-featured-placement", "add-delete", "pending-quantity", "fulfillment-channel",
    "merchant-shipping-group", "status",
]

# The flat-file order reports spell statuses their own way ("Cancelled", "Shipping").
FLAT_ORDER_STATUS = {
    PENDING: "Pending", PENDING_AVAILABILITY: "Pending", UNSHIPPED: "Unshipped",
    PARTIALLY_SHIPPED: "Shipping", SHIPPED: "Shipped", INVOICE_UNCONFIRMED: "Shipped",
    CANCELED: "Cancelled", UNFULFILLABLE: "Cancelled",
}

# condition_type attribute -> the listings report's numeric item-condition.
ITEM_CONDITION = {
    "used_like_new": "1", "used_very_good": "2", "used_good": "3", "used_acceptable": "4",
    "collectible_like_new": "5", "collectible_very_good": "6", "collectible_good": "7",
    "collectible_acceptable": "8", "refurbished": "10", "new_new": "11", "new_open_box": "11",
}

# open-date in the listings report is local time with a zone abbreviation, not ISO 8601.
OPEN_DATE_ZONE = {
    "US": "America/Los_Angeles", "CA": "America/Los_Angeles", "MX": "America/Los_Angeles",
    "BR": "America/Los_Angeles", "GB": "Europe/London", "JP": "Asia/Tokyo", "AU": "Australia/Sydney",
    "SG": "Asia/Singapore",
}

# Currencies without minor units.
ZERO_DECIMAL = frozenset({"JPY"})


def money(amount: Decimal, currency: str) -> str:
    exp = Decimal("1") if currency in ZERO_DECIMAL else Decimal("0.01")
    return str(amount.quantize(exp))


def clean(value: object) -> str:
    if value is None:
        return ""
    return str(value).replace("\t", " ").replace("\r", " ").replace("\n", " ")


def to_tsv(header: list[str], rows: list[list[str]]) -> bytes:
    lines = ["\t".join(header)] + ["\t".join(clean(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _bool(flag: bool) -> str:
    return "true" if flag else "false"


def _in_marketplaces(order: Order, report: Report) -> bool:
    return order.marketplace_id in report.marketplace_ids


# --- GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL ------------------------------------------

def _item_status(order: Order, line) -> str:
    if line.quantity_cancelled >= line.quantity:
        return "Cancelled"
    if line.quantity_shipped >= line.quantity - line.quantity_cancelled:
        return "Shipped"
    return "Unshipped"


def _amount(value: Decimal, order: Order, priced: bool, *, blank_zero: bool = False, negate: bool = False) -> str:
    if not priced or (blank_zero and value == 0):
        return ""
    return money(-value if negate else value, order.currency)


def all_orders(seller: Seller, report: Report, now: datetime) -> Rows:
    start = report.data_start or now - DEFAULT_WINDOW[ALL_ORDERS]
    end = report.data_end or now
    orders = [o for o in seller.orders.values()
              if _in_marketplaces(o, report) and start <= o.last_updated <= end]
    orders.sort(key=lambda o: (o.purchase_date, o.order_id))
    rows = []
    for order in orders:
        mp = marketplaces.MARKETPLACES[order.marketplace_id]
        # Amazon prices a Pending order only once payment is authorized: its price columns are empty.
        priced = order.status not in (PENDING, PENDING_AVAILABILITY)
        for line in order.lines:
            rows.append([
                order.order_id, order.seller_order_id or "", iso_offset(order.purchase_date),
                iso_offset(order.last_updated), FLAT_ORDER_STATUS.get(order.status, order.status),
                "Amazon" if order.fulfillment_channel == "AFN" else "Merchant", mp.name, "", "",
                order.service_level, line.title, line.sku, line.asin, _item_status(order, line),
                str(line.quantity), order.currency, _amount(line.unit_price * line.quantity, order, priced),
                _amount(line.item_tax, order, priced), _amount(line.shipping_price, order, priced),
                _amount(line.shipping_tax, order, priced), "", "",
                _amount(line.promotion_discount, order, priced, blank_zero=True, negate=True), "",
                order.ship_to.city, order.ship_to.state_or_region or "", order.ship_to.postal_code,
                order.ship_to.country_code, ",".join(line.promotion_ids), _bool(order.is_business),
                order.buyer.purchase_order_number or "", "BusinessPrice" if order.is_business else "",
            ])
    return ALL_ORDERS_COLUMNS, rows


# --- GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING --------------------------------------------------

def actionable_shipping(seller: Seller, report: Report, now: datetime) -> Rows:
    orders = [o for o in seller.orders.values()
              if o.is_mfn and o.status in (UNSHIPPED, PARTIALLY_SHIPPED) and _in_marketplaces(o, report)]
    orders.sort(key=lambda o: (o.purchase_date, o.order_id))
    rows = []
    for order in orders:
        # Negative while the promise (latest ship date) is still ahead, as Amazon counts it.
        days_past = int((now - order.latest_ship).total_seconds() // 86400)
        addr, buyer = order.ship_to, order.buyer
        for line in order.lines:
            if line.quantity_unshipped <= 0:
                continue
            rows.append([
                order.order_id, line.order_item_id, iso_offset(order.purchase_date),
                iso_offset(order.purchase_date), iso_offset(order.purchase_date),
                iso_offset(order.latest_ship), str(days_past), buyer.email, buyer.name, addr.phone or "",
                line.sku, line.title, str(line.quantity), str(line.quantity_shipped),
                str(line.quantity_unshipped), order.service_level, addr.name, addr.line1, addr.line2 or "", "",
                addr.city, addr.state_or_region or "", addr.postal_code, addr.country_code,
                _bool(order.is_business), buyer.purchase_order_number or "",
                "BusinessPrice" if order.is_business else "", _bool(order.is_prime),
            ])
    return ACTIONABLE_COLUMNS, rows


# --- GET_MERCHANT_LISTINGS_ALL_DATA ------------------------------------------------------------------

def _listing_id(seller: Seller, listing: Listing) -> str:
    digest = hashlib.sha256(f"{seller.seller_id}|{listing.sku}|{listing.marketplace_id}".encode()).hexdigest()
    return "0" + format(int(digest[:16], 16), "X")[:9]


def _open_date(moment: datetime, marketplace_id: str) -> str:
    country = marketplaces.MARKETPLACES[marketplace_id].country
    try:
        local = moment.astimezone(ZoneInfo(OPEN_DATE_ZONE.get(country, "Europe/Berlin")))
    except ZoneInfoNotFoundError:  # no tz database on this machine: stay in UTC
        local = moment.astimezone(UTC)
    return local.strftime("%Y-%m-%d %H:%M:%S ") + (local.tzname() or "UTC")


def _price(listing: Listing, currency: str) -> str:
    try:
        value = listing.attributes["purchasable_offer"][0]["our_price"][0]["schedule"][0]["value_with_tax"]
        return money(Decimal(str(value)), currency)
    except (KeyError, IndexError, TypeError, ArithmeticError, ValueError):
        return ""


def _mfn_quantity(listing: Listing) -> int | None:
    try:
        value = listing.attributes["fulfillment_availability"][0].get("quantity")
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    return value if isinstance(value, int) else None


def _condition(listing: Listing) -> str:
    try:
        value = listing.attributes["condition_type"][0]["value"]
    except (KeyError, IndexError, TypeError):
        return "11"
    return ITEM_CONDITION.get(value, "11")


def merchant_listings(seller: Seller, report: Report, now: datetime) -> Rows:
    # Amazon answers a multi-marketplace request for this report with one marketplace only; the
    # sandbox picks the first one requested, deterministically.
    mp_id = report.marketplace_ids[0]
    currency = marketplaces.MARKETPLACES[mp_id].currency
    pending: dict[str, int] = {}
    for order in seller.orders.values():
        if order.marketplace_id == mp_id and order.status in (PENDING, PENDING_AVAILABILITY):
            for line in order.lines:
                pending[line.sku] = pending.get(line.sku, 0) + line.quantity
    rows = []
    for listing in sorted((v for v in seller.listings.values() if v.marketplace_id == mp_id),
                          key=lambda v: v.sku):
        mfn = listing.fulfillment_channel == "DEFAULT"
        quantity = _mfn_quantity(listing) if mfn else None
        active = "BUYABLE" in listing.status and (not mfn or (quantity or 0) > 0)
        rows.append([
            listing.title, "", _listing_id(seller, listing), listing.sku, _price(listing, currency),
            "" if quantity is None else str(quantity), _open_date(listing.created, mp_id), "", "y", "1", "",
            "", _condition(listing), "", "", "", listing.asin, "", "", "", "", "", listing.asin, "", "",
            str(pending.get(listing.sku, 0)) if mfn else "", listing.fulfillment_channel, "Migrated Template",
            "Active" if active else "Inactive",
        ])
    return LISTINGS_COLUMNS, rows


BUILDERS: dict[str, Builder] = {
    ALL_ORDERS: all_orders,
    ACTIONABLE_SHIPPING: actionable_shipping,
    LISTINGS_ALL: merchant_listings,
}
