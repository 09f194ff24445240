"""Applying listing changes, shared by the Listings Items API and JSON_LISTINGS_FEED (I4, D1, D8, E1).

A submission is checked at once by ``listings_validation`` and answered with its issues
(``ACCEPTED``, ``INVALID`` or, in ``VALIDATION_PREVIEW`` mode, ``VALID``). An accepted change is not
visible at once: it waits in ``listing.pending`` and becomes the listing's attributes
``timings.patch_visible_seconds`` (5 s) later, by an event in simulated time. Feeds pass
``delay=0``: their processing time already is Amazon's delay.

Unified accounts (D2, docs/amazon-quirks.md): a seller's merchant-fulfilled quantity is one number per
seller account and *region*, not per marketplace. When an accepted change sets
``fulfillment_availability`` of a SKU in one marketplace, the seller's merchant-fulfilled listings of
the same SKU in the other marketplaces of that region (NA, EU, FE as ``marketplaces`` groups them) show
the same entry from the same moment. Prices (``purchasable_offer``) stay per marketplace.
"""

from __future__ import annotations

import copy
import hashlib
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from . import marketplaces
from .listings_validation import (
    Issue,
    PatchOp,
    Target,
    has_errors,
    is_fba,
    is_int,
    is_number,
    not_in_catalog,
    parse_patches,
    required,
    validate_attribute,
    validate_attributes,
)
from .state import Listing, Seller

if TYPE_CHECKING:
    from .backend import Backend

# Keys that tell one entry of an attribute from another (merge and delete match on them).
SELECTORS = ("marketplace_id", "language_tag", "fulfillment_channel_code", "audience")
_SELECTOR_DEFAULTS = {"audience": "ALL"}


# --- applying ------------------------------------------------------------------------------------


def _matches(existing: dict[str, Any], probe: dict[str, Any]) -> bool:
    keys = [k for k in SELECTORS if k in probe]
    return all(existing.get(k, _SELECTOR_DEFAULTS.get(k)) == probe[k] for k in keys)


def _for_marketplace(entries: list[dict[str, Any]], marketplace_id: str) -> list[dict[str, Any]]:
    return [copy.deepcopy(e) for e in entries if e.get("marketplace_id") in (None, marketplace_id)]


def apply_ops(attributes: dict[str, Any], ops: list[PatchOp], marketplace_id: str) -> dict[str, Any]:
    """The attributes after ``ops``, for one marketplace's listing (entries for others are skipped)."""
    attrs = dict(attributes)  # shallow: an attribute is copied only where it is changed in place
    for op in ops:
        value = _for_marketplace(op.value or [], marketplace_id)
        if op.value and not value:
            continue  # every entry names another marketplace
        if op.op in ("add", "replace"):
            if value:
                attrs[op.name] = value
            else:
                attrs.pop(op.name, None)
        elif op.op == "merge":
            current = copy.deepcopy(attrs.get(op.name)) if isinstance(attrs.get(op.name), list) else []
            attrs[op.name] = current
            for entry in value:
                match = next((c for c in current if isinstance(c, dict) and _matches(c, entry)), None)
                if match is None:
                    current.append(entry)
                else:
                    match.update(entry)
        elif not value:  # delete the whole attribute
            attrs.pop(op.name, None)
        else:  # delete the entries the value selects
            current = attrs.get(op.name) if isinstance(attrs.get(op.name), list) else []
            kept = [c for c in current if not (isinstance(c, dict) and any(_matches(c, probe) for probe in value))]
            if kept:
                attrs[op.name] = kept
            else:
                attrs.pop(op.name, None)
    return attrs


def _has_price(attributes: dict[str, Any]) -> bool:
    def rows(value: Any, key: str) -> list[Any]:
        found = value.get(key) if isinstance(value, dict) else None
        return found if isinstance(found, list) else []

    for offer in rows(attributes, "purchasable_offer"):
        for price in rows(offer, "our_price"):
            for row in rows(price, "schedule"):
                if isinstance(row, dict) and is_number(row.get("value_with_tax")) and row["value_with_tax"] > 0:
                    return True
    return False


def first_entry(attributes: dict[str, Any], name: str) -> dict[str, Any]:
    entries = attributes.get(name)
    return entries[0] if isinstance(entries, list) and entries and isinstance(entries[0], dict) else {}


def derive_status(attributes: dict[str, Any]) -> list[str]:
    """BUYABLE needs a price and stock; a merchant listing at quantity 0 is only DISCOVERABLE."""
    availability = first_entry(attributes, "fulfillment_availability")
    if is_fba(availability.get("fulfillment_channel_code")):
        in_stock = True  # Amazon's FBA stock is not modelled by the sandbox
    else:
        qty = availability.get("quantity")
        in_stock = is_int(qty) and qty > 0
    return ["BUYABLE", "DISCOVERABLE"] if in_stock and _has_price(attributes) else ["DISCOVERABLE"]


def refresh(listing: Listing) -> None:
    """Keep the listing's derived fields (title, channel, status) in step with its attributes."""
    attrs = listing.attributes
    names = [e for e in attrs.get("item_name") or []
             if isinstance(e, dict) and e.get("marketplace_id") in (None, listing.marketplace_id)]
    if names and isinstance(names[0].get("value"), str):
        listing.title = names[0]["value"]
    channel = first_entry(attrs, "fulfillment_availability").get("fulfillment_channel_code")
    if isinstance(channel, str) and channel:
        listing.fulfillment_channel = channel
    listing.status = derive_status(attrs)


def _apply_change(seller: Seller, listing: Listing, change: dict[str, Any], at: datetime) -> None:
    key = (listing.sku, listing.marketplace_id)
    if change["kind"] == "delete":
        if seller.listings.get(key) is listing:
            del seller.listings[key]
        return
    if change["kind"] == "patch":
        listing.attributes = apply_ops(listing.attributes, change["ops"], listing.marketplace_id)
    else:  # "replace" (an existing listing) or "create"
        listing.attributes = {name: kept for name, entries in change["attributes"].items()
                              if (kept := _for_marketplace(entries, listing.marketplace_id))}
    if change.get("product_type"):
        listing.product_type = change["product_type"]
    refresh(listing)
    listing.last_updated = at
    if change["kind"] == "create":
        seller.listings[key] = listing
    if _sets_availability(change):
        _share_in_region(seller, listing, at)


def _sets_availability(change: dict[str, Any]) -> bool:
    if change["kind"] == "patch":
        return any(op.name == "fulfillment_availability" for op in change["ops"])
    return "fulfillment_availability" in (change.get("attributes") or {})


def _share_in_region(seller: Seller, listing: Listing, at: datetime) -> None:
    """Unified accounts: the region's other merchant listings of the SKU get the same availability."""
    region = marketplaces.MARKETPLACES[listing.marketplace_id].region
    if is_fba(listing.fulfillment_channel):
        return  # FBA stock is Amazon's, per fulfilment network
    for mp in seller.marketplace_ids:
        sibling = seller.listings.get((listing.sku, mp))
        if sibling is None or sibling is listing or is_fba(sibling.fulfillment_channel) \
                or marketplaces.MARKETPLACES[mp].region != region:
            continue
        entries = listing.attributes.get("fulfillment_availability")
        if entries:
            sibling.attributes = {**sibling.attributes, "fulfillment_availability": copy.deepcopy(entries)}
        else:
            sibling.attributes = {k: v for k, v in sibling.attributes.items() if k != "fulfillment_availability"}
        refresh(sibling)
        sibling.last_updated = at


def schedule_change(backend: Backend, seller: Seller, listing: Listing, change: dict[str, Any],
                    now: datetime, delay: float | None = None) -> None:
    """Apply ``change`` after ``delay`` seconds (default: Amazon's patch delay); 0 applies it now."""
    delay = backend.timings.patch_visible_seconds if delay is None else delay
    if delay <= 0:
        _apply_change(seller, listing, change, now)
        return
    item = (now + timedelta(seconds=delay), change)
    listing.pending.append(item)

    def due(at: datetime, listing: Listing = listing, item: tuple = item) -> None:
        listing.pending = [p for p in listing.pending if p is not item]
        _apply_change(seller, listing, item[1], at)

    backend.events.at(item[0], due, f"listing {listing.sku} {change['kind']}")


# --- submissions -----------------------------------------------------------------------------------


@dataclass
class Submission:
    sku: str
    status: str  # ACCEPTED | INVALID | VALID
    issues: list[Issue]
    identifiers: list[dict[str, str]] = field(default_factory=list)
    submission_id: str = field(default_factory=lambda: uuid.uuid4().hex)


def _finish(sku: str, issues: list[Issue], preview: bool, identifiers: list[dict[str, str]]) -> Submission:
    if has_errors(issues):
        return Submission(sku, "INVALID", issues)
    return Submission(sku, "VALID" if preview else "ACCEPTED", issues, identifiers)


def submit_patch(backend: Backend, seller: Seller, sku: str, marketplace_ids: list[str], product_type: str,
                 patches: Any, now: datetime, *, preview: bool = False, delay: float | None = None) -> Submission:
    """patchListingsItem / PATCH and PARTIAL_UPDATE messages: the SKU must exist (a patch creates nothing)."""
    ops, issues = parse_patches(patches)
    listings = []
    for mp in marketplace_ids:
        listing = seller.listings.get((sku, mp))
        if listing is None:
            issues.append(not_in_catalog(sku, mp))
        else:
            listings.append(listing)
    target = Target(marketplace_ids, fba=any(is_fba(x.fulfillment_channel) for x in listings))
    for op in ops:
        if op.op != "delete" and op.value is not None:
            issues += validate_attribute(op.name, op.value, target)
    result = _finish(sku, issues, preview, [{"marketplaceId": x.marketplace_id, "asin": x.asin} for x in listings])
    if result.status == "ACCEPTED":
        for listing in listings:
            # The patch's productType describes the submission ("PRODUCT" for offer-only patches);
            # it does not change the listing's product type.
            schedule_change(backend, seller, listing, {"kind": "patch", "ops": ops,
                                                       "submission_id": result.submission_id}, now, delay)
    return result


def _suggested_asin(attributes: dict[str, Any]) -> str | None:
    entries = attributes.get("merchant_suggested_asin")
    first = entries[0] if isinstance(entries, list) and entries else None
    suggested = first.get("value") if isinstance(first, dict) else None
    if isinstance(suggested, str) and re.fullmatch(r"[A-Z0-9]{10}", suggested):
        return suggested
    return None


def submit_put(backend: Backend, seller: Seller, sku: str, marketplace_id: str, product_type: str,
               requirements: str | None, attributes: Any, now: datetime, *, preview: bool = False,
               delay: float | None = None) -> Submission:
    """putListingsItem / UPDATE messages: replace every attribute, or create the listing."""
    existing = seller.listings.get((sku, marketplace_id))
    target = Target([marketplace_id], fba=existing is not None and is_fba(existing.fulfillment_channel))
    issues = validate_attributes(attributes, target)
    requirements = requirements or "LISTING"
    asin = existing.asin if existing else None
    if existing is None and isinstance(attributes, dict):
        asin = _suggested_asin(attributes)
        if requirements == "LISTING_OFFER_ONLY" and asin is None:
            issues.append(required("merchant_suggested_asin", "merchant_suggested_asin"))
        if requirements != "LISTING_OFFER_ONLY" and "item_name" not in attributes:
            issues.append(required("item_name", "item_name"))
        if asin is None:  # a new product: Amazon assigns an ASIN (deterministic here)
            digest = hashlib.sha256(f"{seller.seller_id}/{sku}".encode()).hexdigest().upper()
            asin = "B0" + digest[:8]
    result = _finish(sku, issues, preview, [{"marketplaceId": marketplace_id, "asin": asin or ""}])
    if result.status != "ACCEPTED":
        return result
    change = {"kind": "replace", "attributes": copy.deepcopy(attributes), "product_type": product_type,
              "submission_id": result.submission_id}
    if existing is None:
        change["kind"] = "create"
        existing = Listing(sku=sku, asin=asin or "", marketplace_id=marketplace_id, product_type=product_type,
                           title=sku, attributes={}, created=now, last_updated=now)
    schedule_change(backend, seller, existing, change, now, delay)
    return result


def submit_delete(backend: Backend, seller: Seller, sku: str, marketplace_ids: list[str], now: datetime,
                  *, delay: float | None = None) -> Submission:
    """deleteListingsItem / DELETE messages: a SKU that is not there is an issue, not a 404."""
    issues = [not_in_catalog(sku, mp) for mp in marketplace_ids if (sku, mp) not in seller.listings]
    result = _finish(sku, issues, False, [])
    if result.status == "ACCEPTED":
        for mp in marketplace_ids:
            schedule_change(backend, seller, seller.listings[(sku, mp)],
                            {"kind": "delete", "submission_id": result.submission_id}, now, delay)
    return result
