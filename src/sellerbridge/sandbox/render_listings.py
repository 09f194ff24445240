"""A sandbox listing as Listings Items 2021-08-01 renders it: the ``Item`` object (I4).

One ``Item`` per SKU, built from the seller's listings of that SKU in the requested marketplaces;
``includedData`` picks the parts (``summaries`` by default). Attribute entries are Amazon's own
shape (``[{"value": ..., "marketplace_id": ...}]``); prices are ``Money`` with a string amount.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from . import marketplaces
from .listings_validation import is_fba, is_number
from .state import Listing
from .timefmt import iso_ms

INCLUDED_DATA = ("summaries", "attributes", "issues", "offers", "fulfillmentAvailability", "procurement",
                 "relationships", "productTypes")
CONDITION_TYPES = (
    "new_new", "new_open_box", "new_oem", "refurbished_refurbished", "used_like_new", "used_very_good",
    "used_good", "used_acceptable", "collectible_like_new", "collectible_very_good", "collectible_good",
    "collectible_acceptable", "club_club",
)
AUDIENCE_NAMES = {"ALL": "Sell on Amazon", "B2B": "Amazon Business"}


def price_amount(value: Any) -> str:
    """A stored price as Amazon's Decimal string ("24.99")."""
    return format(Decimal(str(value)), "f")


def _entries(listing: Listing, name: str) -> list[Any]:
    found = listing.attributes.get(name)
    return found if isinstance(found, list) else []


def _first_value(listing: Listing, name: str) -> Any:
    for entry in _entries(listing, name):
        if isinstance(entry, dict) and entry.get("marketplace_id") in (None, listing.marketplace_id):
            return entry.get("value")
    return None


def fn_sku(listing: Listing) -> str:
    return "X00" + hashlib.sha256(f"{listing.asin}/{listing.sku}".encode()).hexdigest()[:7].upper()


def summary(listing: Listing) -> dict[str, Any]:
    out: dict[str, Any] = {
        "marketplaceId": listing.marketplace_id,
        "asin": listing.asin,
        "productType": listing.product_type,
        "status": list(listing.status),
        "itemName": _first_value(listing, "item_name") or listing.title,
        "createdDate": iso_ms(listing.created),
        "lastUpdatedDate": iso_ms(listing.last_updated),
    }
    condition = _first_value(listing, "condition_type")
    if condition in CONDITION_TYPES:
        out["conditionType"] = condition
    if is_fba(listing.fulfillment_channel):
        out["fnSku"] = fn_sku(listing)
    for entry in _entries(listing, "main_product_image_locator"):
        link = entry.get("media_location") if isinstance(entry, dict) else None
        if isinstance(link, str) and link:
            out["mainImage"] = {"link": link, "height": 500, "width": 500}
            break
    if not isinstance(out["itemName"], str):
        out["itemName"] = listing.title
    return out


def offers(listing: Listing) -> list[dict[str, Any]]:
    mp = marketplaces.MARKETPLACES.get(listing.marketplace_id)
    out = []
    for offer in _entries(listing, "purchasable_offer"):
        if not isinstance(offer, dict) or offer.get("marketplace_id") not in (None, listing.marketplace_id):
            continue
        price = None
        ours = offer.get("our_price")
        for our in ours if isinstance(ours, list) else []:
            schedule = our.get("schedule") if isinstance(our, dict) else None
            for row in schedule if isinstance(schedule, list) else []:
                if isinstance(row, dict) and is_number(row.get("value_with_tax")):
                    price = row["value_with_tax"]
                    break
            if price is not None:
                break
        if price is None:
            continue  # an offer without a price is not shown as an offer
        audience = offer.get("audience") if offer.get("audience") in AUDIENCE_NAMES else "ALL"
        currency = offer.get("currency") if isinstance(offer.get("currency"), str) else (mp.currency if mp else "")
        out.append({
            "marketplaceId": listing.marketplace_id,
            "offerType": "B2B" if audience == "B2B" else "B2C",
            "price": {"currencyCode": currency, "amount": price_amount(price)},
            "audience": {"value": audience, "displayName": AUDIENCE_NAMES[audience]},
        })
    return out


def fulfillment_availability(listing: Listing) -> list[dict[str, Any]]:
    out = []
    for entry in _entries(listing, "fulfillment_availability"):
        code = entry.get("fulfillment_channel_code") if isinstance(entry, dict) else None
        if not isinstance(code, str):
            continue
        item: dict[str, Any] = {"fulfillmentChannelCode": code}
        qty = entry.get("quantity")
        # Amazon shows no quantity for FBA channels: FBA stock is in the FBA inventory API.
        if not is_fba(code) and isinstance(qty, int) and not isinstance(qty, bool) and qty >= 0:
            item["quantity"] = qty
        out.append(item)
    return out


def procurement(listing: Listing) -> list[dict[str, Any]]:
    """Vendor cost price (``cost_price`` attribute); sellers have none."""
    out = []
    for entry in _entries(listing, "cost_price"):
        if isinstance(entry, dict) and is_number(entry.get("value")) and isinstance(entry.get("currency"), str):
            out.append({"costPrice": {"currencyCode": entry["currency"], "amount": price_amount(entry["value"])}})
    return out


def _merged_attributes(listings: list[Listing]) -> dict[str, Any]:
    """Attributes of several marketplaces' listings of one SKU: entries concatenated, duplicates dropped."""
    out: dict[str, list[Any]] = {}
    for listing in listings:
        for name, entries in listing.attributes.items():
            bucket = out.setdefault(name, [])
            for entry in entries if isinstance(entries, list) else [entries]:
                if entry not in bucket:
                    bucket.append(copy.deepcopy(entry))
    return out


def _unique(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def render_item(sku: str, listings: list[Listing], included: Iterable[str]) -> dict[str, Any]:
    """The ``Item`` for ``sku`` from its listings (one per marketplace), with the ``included`` parts."""
    included = set(included)
    item: dict[str, Any] = {"sku": sku}
    if "summaries" in included:
        item["summaries"] = [summary(x) for x in listings]
    if "attributes" in included:
        item["attributes"] = _merged_attributes(listings)
    if "issues" in included:
        item["issues"] = _unique(copy.deepcopy(i) for x in listings for i in x.issues)
    if "offers" in included:
        item["offers"] = [o for x in listings for o in offers(x)]
    if "fulfillmentAvailability" in included:
        item["fulfillmentAvailability"] = _unique(f for x in listings for f in fulfillment_availability(x))
    if "procurement" in included:
        item["procurement"] = [p for x in listings for p in procurement(x)]
    if "relationships" in included:
        item["relationships"] = [{"marketplaceId": x.marketplace_id, "relationships": []} for x in listings]
    if "productTypes" in included:
        item["productTypes"] = [{"marketplaceId": x.marketplace_id, "productType": x.product_type}
                                for x in listings]
    return item
