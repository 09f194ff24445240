"""Checking a listing submission, shared by the Listings Items API and JSON_LISTINGS_FEED (I4, D8, E1).

Amazon validates a submission at once and answers problems in the data as ``Issue`` objects inside
a 200 response (status ``INVALID``; ``ACCEPTED`` or, in ``VALIDATION_PREVIEW`` mode, ``VALID`` when
nothing is an error): they are never HTTP errors, and nothing here raises on bad input. Applying
what passes is ``listings_ops``' job.

Issue codes: 4000001 (invalid value), 90000900 (unknown attribute), 90220 (required value missing),
13013 (SKU not in the catalog) and BAD_REQUEST (malformed operation) are codes Amazon answers for
the same problems; the English messages are the sandbox's own.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass
from typing import Any

from . import marketplaces

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


def required(attribute: str, field_name: str, category: str = "MISSING_ATTRIBUTE") -> Issue:
    return issue(CODE_REQUIRED, f"'[{field_name}]' is required but not supplied.",
                 attributes=[attribute], categories=[category])


def not_in_catalog(sku: str, marketplace_id: str) -> Issue:
    return issue(CODE_NOT_IN_CATALOG,
                 f"SKU '{sku}' is not in your catalog for marketplace {marketplace_id}, or it has been "
                 "deleted. Only putListingsItem (or an UPDATE feed message) can create a listing.",
                 marketplace_ids=[marketplace_id])


def is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def is_number(v: Any) -> bool:
    return (is_int(v) or isinstance(v, float)) and math.isfinite(v)


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
                issues.append(required(name, "value"))
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
            issues.append(required(attr, "fulfillment_channel_code"))
            continue
        if code != "DEFAULT" and not is_fba(code):
            issues.append(_invalid(attr, "Fulfillment Channel Code", f"'{code}' is not DEFAULT or AMAZON_*."))
        elif (is_fba(code) and "quantity" in e) or (target.fba and code == "DEFAULT"):
            # FBA stock is counted by Amazon from its warehouses (D1): a seller cannot set it, and a
            # DEFAULT quantity on an FBA listing would silently turn it merchant-fulfilled.
            issues.append(_invalid(attr, "Quantity", "The listing is fulfilled by Amazon; Amazon sets its "
                                   "quantity from its fulfillment centres and a seller cannot set it."))
        if "quantity" in e and not (is_int(e["quantity"]) and e["quantity"] >= 0):
            issues.append(_invalid(attr, "Quantity", f"{e['quantity']!r} is not a whole number of 0 or more."))
        lead = e.get("lead_time_to_ship_max_days")
        if lead is not None and not (is_int(lead) and 0 <= lead <= MAX_LEAD_DAYS):
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
            issues.append(required(attr, "currency", "MISSING_PRICE"))
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
            return [required(f"{attr}.{key}", "schedule", "MISSING_PRICE")]
        for row in schedule:
            value = row.get("value_with_tax") if isinstance(row, dict) else None
            if value is None:
                return [required(f"{attr}.{key}", "value_with_tax", "MISSING_PRICE")]
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
