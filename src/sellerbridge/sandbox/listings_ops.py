"""The rules for changing a listing, shared by the Listings Items API and JSON_LISTINGS_FEED (I4, D1, D8, E1).

Amazon validates a submission at once and answers with ``Issue`` objects (``ACCEPTED``, ``INVALID``
or, in ``VALIDATION_PREVIEW`` mode, ``VALID``); problems in the data are never HTTP errors. An
accepted change is not visible at once: it waits in ``listing.pending`` and becomes the listing's
attributes ``timings.patch_visible_seconds`` (5 s) later, by an event in simulated time. Feeds pass
``delay=0``: their processing time already is Amazon's delay.

Issue codes: 4000001 (invalid value), 90000900 (unknown attribute), 90220 (required value missing),
13013 (SKU not in the catalog) and BAD_REQUEST (malformed operation) are codes Amazon answers for
the same problems; the English messages are the sandbox's own.
"""

from __future__ import annotations

import copy
import hashlib
import math
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import marketplaces
from .state import Listing, Seller

if TYPE_CHECKING:
    from .backend import Backend

Issue = dict[str, Any]

CODE_INVALID_VALUE = "4000001"
CODE_INVALID_ATTRIBUTES = "90000900"
CODE_REQUIRED = "90220"
CODE_NOT_IN_CATALOG = "13013"
CODE_BAD_REQUEST = "BAD_REQUEST"

OPS = ("add", "replace", "merge", "delete")
REQUIREMENTS = ("LISTING", "LISTING_PRODUCT_ONLY", "LISTING_OFFER_ONLY")
_ATTR_NAME = re.compile(r"^[a-z][a-z0-9_]*$")  # Amazon's names are snake_case; camelCase is unknown
_PATH = re.compile(r"^/attributes/([^/]+)$")  # only top-level attributes can be patched
# Keys that tell one entry of an attribute from another (merge and delete match on them).
SELECTORS = ("marketplace_id", "language_tag", "fulfillment_channel_code", "audience")
_SELECTOR_DEFAULTS = {"audience": "ALL"}
MAX_DEPTH = 32  # deeper values are refused before anything recursive (deepcopy, JSON) touches them
MAX_LEAD_DAYS = 30
PRICE_KEYS = ("our_price", "discounted_price", "minimum_seller_allowed_price", "maximum_seller_allowed_price")


def issue(code: str, message: str, *, severity: str = "ERROR", attributes: list[str] | tuple = (),
          categories: list[str] | tuple = (), marketplace_ids: list[str] | None = None) -> Issue:
    out: Issue = {"code": code, "message": message, "severity": severity,
                  "attributeNames": list(attributes), "categories": list(categories)}
    if marketplace_ids:
        out["marketplaceIds"] = list(marketplace_ids)
    return out


def has_errors(issues: list[Issue]) -> bool:
    return any(i["severity"] == "ERROR" for i in issues)


def _bad_request(detail: str, attribute: str | None = None) -> Issue:
    return issue(CODE_BAD_REQUEST, f"Invalid parameters provided. {detail}",
                 attributes=[attribute] if attribute else [])


def _invalid(attribute: str, label: str, detail: str, category: str = "INVALID_ATTRIBUTE") -> Issue:
    return issue(CODE_INVALID_VALUE, f"The provided value for '{label}' is invalid. {detail}",
                 attributes=[attribute], categories=[category])


def _required(attribute: str, field_name: str, category: str = "MISSING_ATTRIBUTE") -> Issue:
    return issue(CODE_REQUIRED, f"'[{field_name}]' is required but not supplied.",
                 attributes=[attribute], categories=[category])


def not_in_catalog(sku: str, marketplace_id: str) -> Issue:
    return issue(CODE_NOT_IN_CATALOG,
                 f"SKU '{sku}' is not in your catalog for marketplace {marketplace_id}, or it has been "
                 "deleted. Only putListingsItem (or an UPDATE feed message) can create a listing.",
                 marketplace_ids=[marketplace_id])


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def is_number(v: Any) -> bool:
    return (_is_int(v) or isinstance(v, float)) and math.isfinite(v)


def _well_formed(value: Any) -> str | None:
    """Why a JSON value cannot be stored (too deep, NaN/Infinity), or None. Iterative on purpose."""
    stack = [(value, 0)]
    while stack:
        v, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"the value is nested deeper than {MAX_DEPTH} levels"
        if isinstance(v, float) and not math.isfinite(v):
            return "numbers must be finite"
        if isinstance(v, dict):
            stack.extend((x, depth + 1) for x in v.values())
        elif isinstance(v, list):
            stack.extend((x, depth + 1) for x in v)
    return None


def is_fba(channel: str | None) -> bool:
    return bool(channel) and str(channel).startswith("AMAZON_")


# --- parsing and validating -----------------------------------------------------------------------


@dataclass
class PatchOp:
    op: str
    name: str
    value: list[dict[str, Any]] | None


def parse_patches(patches: Any) -> tuple[list[PatchOp], list[Issue]]:
    """JSON-Patch-like operations -> PatchOps; anything malformed becomes an issue, never an exception."""
    if not isinstance(patches, list) or not patches:
        return [], [_bad_request("'patches' must be a non-empty list.")]
    ops: list[PatchOp] = []
    issues: list[Issue] = []
    for p in patches:
        if not isinstance(p, dict) or p.get("op") not in OPS or not isinstance(p.get("path"), str):
            issues.append(_bad_request("Each patch needs 'op' (add, replace, merge, delete) and 'path'."))
            continue
        m = _PATH.match(p["path"])
        name = m.group(1) if m else p["path"]
        if not m or not _ATTR_NAME.match(name):
            issues.append(issue(CODE_INVALID_ATTRIBUTES, "The attributes are invalid.", attributes=[name],
                                categories=["INVALID_ATTRIBUTE"]))
            continue
        value = p.get("value")
        if value is None:
            if p["op"] != "delete":
                issues.append(_required(name, "value"))
                continue
        elif not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
            issues.append(_bad_request("'value' must be a list of objects.", name))
            continue
        else:
            problem = _well_formed(value)
            if problem:
                issues.append(_bad_request(f"Unusable value: {problem}.", name))
                continue
        ops.append(PatchOp(p["op"], name, copy.deepcopy(value)))
    return ops, issues


@dataclass
class Target:
    """What a submission is checked against: its marketplaces and whether Amazon fulfils the listing."""

    marketplace_ids: list[str]
    fba: bool = False


def validate_attribute(name: str, entries: list[dict[str, Any]], target: Target) -> list[Issue]:
    issues: list[Issue] = []
    for e in entries:
        mp = e.get("marketplace_id")
        if mp is not None and mp not in target.marketplace_ids:
            issues.append(_invalid(name, "Marketplace Id",
                                   f"'{mp}' is not a marketplace of this submission "
                                   f"({', '.join(target.marketplace_ids)})."))
    if name == "fulfillment_availability":
        issues += _check_availability(entries, target)
    elif name == "purchasable_offer":
        issues += _check_offer(entries, target)
    return issues


def _check_availability(entries: list[dict[str, Any]], target: Target) -> list[Issue]:
    attr = "fulfillment_availability"
    issues: list[Issue] = []
    for e in entries:
        code = e.get("fulfillment_channel_code")
        if not isinstance(code, str) or not code:
            issues.append(_required(attr, "fulfillment_channel_code"))
            continue
        if code != "DEFAULT" and not is_fba(code):
            issues.append(_invalid(attr, "Fulfillment Channel Code", f"'{code}' is not DEFAULT or AMAZON_*."))
        elif (is_fba(code) and "quantity" in e) or (target.fba and code == "DEFAULT"):
            # FBA stock is counted by Amazon from its warehouses (D1): a seller cannot set it, and a
            # DEFAULT quantity on an FBA listing would silently turn it merchant-fulfilled.
            issues.append(_invalid(attr, "Quantity", "The listing is fulfilled by Amazon; Amazon sets its "
                                   "quantity from its fulfillment centres and a seller cannot set it."))
        if "quantity" in e and not (_is_int(e["quantity"]) and e["quantity"] >= 0):
            issues.append(_invalid(attr, "Quantity", f"{e['quantity']!r} is not a whole number of 0 or more."))
        lead = e.get("lead_time_to_ship_max_days")
        if lead is not None and not (_is_int(lead) and 0 <= lead <= MAX_LEAD_DAYS):
            issues.append(_invalid(attr, "Handling Time", f"{lead!r} is not a whole number of days from 0 "
                                   f"to {MAX_LEAD_DAYS}."))
    return issues


def _check_offer(entries: list[dict[str, Any]], target: Target) -> list[Issue]:
    attr = "purchasable_offer"
    issues: list[Issue] = []
    for e in entries:
        mp = e.get("marketplace_id")
        mps = [mp] if mp in target.marketplace_ids else target.marketplace_ids
        currency = e.get("currency")
        if currency is None:
            issues.append(_required(attr, "currency", "MISSING_PRICE"))
        else:
            wanted = sorted({marketplaces.MARKETPLACES[m].currency for m in mps if m in marketplaces.MARKETPLACES})
            if wanted and currency not in wanted:
                issues.append(_invalid(attr, "Currency", f"'{currency}' is not the currency of marketplace "
                                       f"{', '.join(mps)} ({', '.join(wanted)}).", "INVALID_PRICE"))
        if e.get("audience", "ALL") not in ("ALL", "B2B"):
            issues.append(_invalid(attr, "Audience", f"{e.get('audience')!r} is not ALL or B2B."))
        for key in PRICE_KEYS:
            if key in e:
                issues += _check_schedule(attr, key, e[key])
    return issues


def _check_schedule(attr: str, key: str, prices: Any) -> list[Issue]:
    if not isinstance(prices, list) or not prices:
        return [issue("99022", f"The field '{key}' for the attribute '{attr}' does not have enough values. "
                      "The required minimum is '1' value(s).", attributes=[f"{attr}.{key}"],
                      categories=["INVALID_PRICE"])]
    for price in prices:
        schedule = price.get("schedule") if isinstance(price, dict) else None
        if not isinstance(schedule, list) or not schedule:
            return [_required(f"{attr}.{key}", "schedule", "MISSING_PRICE")]
        for row in schedule:
            value = row.get("value_with_tax") if isinstance(row, dict) else None
            if value is None:
                return [_required(f"{attr}.{key}", "value_with_tax", "MISSING_PRICE")]
            if not is_number(value) or value <= 0:
                return [_invalid(f"{attr}.{key}", "Price", f"{value!r} is not a number above 0.",
                                 "INVALID_PRICE")]
    return []


def validate_attributes(attributes: Any, target: Target) -> list[Issue]:
    """A whole attribute set (putListingsItem, UPDATE messages)."""
    if not isinstance(attributes, dict) or not attributes:
        return [_bad_request("'attributes' must be a non-empty object.")]
    issues: list[Issue] = []
    for name, entries in attributes.items():
        if not _ATTR_NAME.match(name):
            issues.append(issue(CODE_INVALID_ATTRIBUTES, "The attributes are invalid.", attributes=[name],
                                categories=["INVALID_ATTRIBUTE"]))
        elif not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            issues.append(_bad_request("Each attribute must be a list of objects.", name))
        elif problem := _well_formed(entries):
            issues.append(_bad_request(f"Unusable value: {problem}.", name))
        else:
            issues += validate_attribute(name, entries, target)
    return issues


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
        in_stock = _is_int(qty) and qty > 0
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
            issues.append(_required("merchant_suggested_asin", "merchant_suggested_asin"))
        if requirements != "LISTING_OFFER_ONLY" and "item_name" not in attributes:
            issues.append(_required("item_name", "item_name"))
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


def price_amount(value: Any) -> str:
    """A stored price as Amazon's Decimal string ("24.99")."""
    return format(Decimal(str(value)), "f")
