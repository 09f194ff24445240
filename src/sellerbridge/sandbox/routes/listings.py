"""Listings Items API 2021-08-01: get, search, patch, put and delete a seller's listings (I4, D7, E1).

Parameters are checked as the model declares them (required ``marketplaceIds``, enums, ``pageSize``
at most 20, ``maxItems`` 1 for put/delete, ISO 8601 dates) and answer 400 InvalidInput. What Amazon
does that a reader of the model would not guess (docs/amazon-quirks.md):

- a ``sellerId`` other than the token's seller is 403 Unauthorized, not 404;
- an unknown SKU in getListingsItem is 404 with code ``NOT_FOUND`` (not ``NotFound``) and
  "SKU '<sku>' not found in marketplace <id>";
- a write with bad *data* answers 200 with status ``INVALID`` and issues; only a body that cannot be
  parsed is 400 ("Request has missing or invalid parameters and cannot be parsed.");
- patchListingsItem and deleteListingsItem declare no 404: an unknown SKU is 200 ``INVALID`` with
  issue 13013 (a patch never creates a listing; putListingsItem does);
- ``ACCEPTED`` is not "done": the change shows in getListingsItem 5 s later (listings_ops).
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime
from typing import Any

from starlette.routing import Route

from .. import errors, listings_ops, listings_validation, marketplaces
from ..operation import Ctx, operation
from ..render_listings import INCLUDED_DATA, render_item
from ..state import Listing, Seller
from ..timefmt import parse_iso_datetime

BASE = "/listings/2021-08-01/items"
UNPARSABLE = "Request has missing or invalid parameters and cannot be parsed."
WRITE_INCLUDED = ("identifiers", "issues")
IDENTIFIER_TYPES = ("ASIN", "EAN", "FNSKU", "GTIN", "ISBN", "JAN", "MINSAN", "SKU", "UPC")
SORT_BY = {"sku": lambda x: x[0], "createdDate": lambda x: x[1], "lastUpdatedDate": lambda x: x[2]}
MAX_PAGE_SIZE = 20
MAX_PAGEABLE = 1000  # Amazon pages through at most 1000 SKUs (ItemSearchResults.numberOfResults)


# --- shared parameter checks --------------------------------------------------------------------


def _seller(ctx: Ctx) -> Seller:
    seller = ctx.require_seller()
    if ctx.path.get("sellerId") != seller.seller_id:
        raise errors.unauthorized("The sellerId in the path is not the selling partner of the access token.")
    return seller


def _sku(ctx: Ctx) -> str:
    sku = ctx.path.get("sku", "")
    if not sku:  # ".../items/{sellerId}/" matches the item route with an empty SKU
        raise errors.invalid_input("Missing required parameter: sku.")
    return sku


def _marketplaces(ctx: Ctx, *, max_items: int | None = None, own: bool = False) -> list[str]:
    ids = ctx.query_list("marketplaceIds")
    if not ids:
        raise errors.invalid_input("Missing required parameter: marketplaceIds.")
    ids = list(dict.fromkeys(ids))
    if max_items is not None and len(ids) > max_items:
        raise errors.invalid_input(f"marketplaceIds accepts at most {max_items} value(s).")
    unknown = [m for m in ids if m not in marketplaces.MARKETPLACES]
    if unknown:
        raise errors.invalid_input(f"Invalid marketplaceIds: {', '.join(unknown)}.")
    if own:
        seller = ctx.require_seller()
        foreign = [m for m in ids if m not in seller.marketplace_ids]
        if foreign:
            raise errors.invalid_input(f"The seller is not registered in marketplace(s) {', '.join(foreign)}.")
    return ids


def _list_enum(ctx: Ctx, name: str, allowed: tuple[str, ...], default: list[str] | None) -> list[str] | None:
    values = ctx.query_list(name)
    if values is None:
        return default
    bad = [v for v in values if v not in allowed]
    if bad:
        raise errors.invalid_input(f"Invalid {name}: {', '.join(bad)}. Allowed: {', '.join(allowed)}.")
    return list(dict.fromkeys(values)) or default


def _enum(ctx: Ctx, name: str, allowed: tuple[str, ...] | Any, default: str | None = None) -> str | None:
    value = ctx.query(name)
    if value is None:
        return default
    if value not in allowed:
        raise errors.invalid_input(f"Invalid {name}: {value!r}. Allowed: {', '.join(allowed)}.")
    return value


def _preview_and_included(ctx: Ctx) -> tuple[bool, list[str]]:
    preview = _enum(ctx, "mode", ("VALIDATION_PREVIEW",)) == "VALIDATION_PREVIEW"
    included = _list_enum(ctx, "includedData", WRITE_INCLUDED, ["issues"]) or ["issues"]
    if "identifiers" in included and not preview:
        raise errors.invalid_input("includedData 'identifiers' can only be requested when mode is "
                                   "VALIDATION_PREVIEW.")
    return preview, included


def _product_type(body: dict[str, Any]) -> str:
    product_type = body.get("productType")
    if not isinstance(product_type, str) or not product_type.strip():
        raise errors.invalid_input(UNPARSABLE, "productType is required.")
    return product_type


def _submission(sub: listings_ops.Submission, included: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"sku": sub.sku, "status": sub.status, "submissionId": sub.submission_id}
    if "issues" in included:
        out["issues"] = sub.issues
    if "identifiers" in included and sub.status == "VALID":
        out["identifiers"] = sub.identifiers
    return out


# --- operations ---------------------------------------------------------------------------------


@operation("getListingsItem")
async def get_listings_item(ctx: Ctx) -> dict[str, Any]:
    seller = _seller(ctx)
    mps = _marketplaces(ctx)
    included = _list_enum(ctx, "includedData", INCLUDED_DATA, ["summaries"]) or ["summaries"]
    sku = _sku(ctx)
    listings = [seller.listings[(sku, mp)] for mp in mps if (sku, mp) in seller.listings]
    if not listings:
        raise errors.SpApiError(404, "NOT_FOUND", f"SKU '{sku}' not found in marketplace {','.join(mps)}")
    return render_item(sku, listings, included)


@operation("patchListingsItem")
async def patch_listings_item(ctx: Ctx) -> dict[str, Any]:
    seller = _seller(ctx)
    mps = _marketplaces(ctx, own=True)
    preview, included = _preview_and_included(ctx)
    body = await ctx.json_body()
    product_type = _product_type(body)
    patches = body.get("patches")
    if not isinstance(patches, list) or not patches or not all(
            isinstance(p, dict) and p.get("op") in listings_validation.OPS and isinstance(p.get("path"), str)
            and (p.get("value") is None or isinstance(p["value"], list)) for p in patches):
        raise errors.invalid_input(UNPARSABLE, "patches must be a non-empty list of {op, path, value}.")
    sub = listings_ops.submit_patch(ctx.backend, seller, _sku(ctx), mps, product_type, patches, ctx.now,
                                    preview=preview)
    return _submission(sub, included)


@operation("putListingsItem")
async def put_listings_item(ctx: Ctx) -> dict[str, Any]:
    seller = _seller(ctx)
    mps = _marketplaces(ctx, max_items=1, own=True)
    preview, included = _preview_and_included(ctx)
    body = await ctx.json_body()
    product_type = _product_type(body)
    requirements = body.get("requirements")
    if requirements is not None and requirements not in listings_validation.REQUIREMENTS:
        raise errors.invalid_input(UNPARSABLE,
                                   f"requirements must be one of {', '.join(listings_validation.REQUIREMENTS)}.")
    if not isinstance(body.get("attributes"), dict):
        raise errors.invalid_input(UNPARSABLE, "attributes must be an object.")
    sub = listings_ops.submit_put(ctx.backend, seller, _sku(ctx), mps[0], product_type, requirements,
                                  body["attributes"], ctx.now, preview=preview)
    return _submission(sub, included)


@operation("deleteListingsItem")
async def delete_listings_item(ctx: Ctx) -> dict[str, Any]:
    seller = _seller(ctx)
    mps = _marketplaces(ctx, max_items=1, own=True)
    sub = listings_ops.submit_delete(ctx.backend, seller, _sku(ctx), mps, ctx.now)
    return _submission(sub, ["issues"])


# --- search -------------------------------------------------------------------------------------


def _date(ctx: Ctx, name: str) -> datetime | None:
    raw = ctx.query(name)
    if raw is None:
        return None
    value = parse_iso_datetime(raw)  # also reads a '+' that arrived as a space (not percent-encoded)
    if value is None:
        raise errors.invalid_input(f"Invalid {name}: {raw!r} is not an ISO 8601 date-time.")
    return value


def _page_size(ctx: Ctx) -> int:
    raw = ctx.query("pageSize")
    if raw is None:
        return 10
    try:
        size = int(raw)
    except ValueError:
        raise errors.invalid_input(f"Invalid pageSize: {raw!r} is not an integer.") from None
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise errors.invalid_input(f"Invalid pageSize: {size}; it must be from 1 to {MAX_PAGE_SIZE}.")
    return size


def _fingerprint(ctx: Ctx) -> str:
    # A page token belongs to one query: the same filters, sort and page size.
    params = sorted((k, v) for k, v in ctx.request.query_params.multi_items()
                    if k not in ("pageToken", "includedData", "issueLocale"))
    return hashlib.sha256(json.dumps(params).encode()).hexdigest()[:16]


def _token(offset: int, fingerprint: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "q": fingerprint}).encode()).decode().rstrip("=")


def _offset(ctx: Ctx, fingerprint: str) -> int:
    raw = ctx.query("pageToken")
    if raw is None:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        offset, query = data["o"], data["q"]
    except (ValueError, TypeError, KeyError):
        raise errors.invalid_input("Invalid pageToken.") from None
    if query != fingerprint or not isinstance(offset, int) or not 0 <= offset < MAX_PAGEABLE:
        raise errors.invalid_input("Invalid pageToken: it does not belong to this query.")
    return offset


def _search_filters(ctx: Ctx) -> dict[str, Any]:
    identifiers = ctx.query_list("identifiers")
    identifiers_type = _enum(ctx, "identifiersType", IDENTIFIER_TYPES)
    if (identifiers is None) != (identifiers_type is None):
        raise errors.invalid_input("identifiers and identifiersType must be given together.")
    if identifiers is not None and len(identifiers) > 20:
        raise errors.invalid_input("identifiers accepts at most 20 values.")
    exclusive = [n for n, v in (("identifiers", identifiers), ("variationParentSku", ctx.query("variationParentSku")),
                                ("packageHierarchySku", ctx.query("packageHierarchySku"))) if v is not None]
    if len(exclusive) > 1:
        raise errors.invalid_input(f"{' and '.join(exclusive)} cannot be used together.")
    status_enum = ("BUYABLE", "DISCOVERABLE")
    return {
        "identifiers": set(identifiers) if identifiers is not None else None, "type": identifiers_type,
        "family": bool(exclusive) and identifiers is None,  # the sandbox models no variation families
        "created": (_date(ctx, "createdAfter"), _date(ctx, "createdBefore")),
        "updated": (_date(ctx, "lastUpdatedAfter"), _date(ctx, "lastUpdatedBefore")),
        "severity": _list_enum(ctx, "withIssueSeverity", ("WARNING", "ERROR"), None),
        "with": _list_enum(ctx, "withStatus", status_enum, None),
        "without": _list_enum(ctx, "withoutStatus", status_enum, None),
    }


def _identifier_values(listing: Listing, id_type: str) -> set[str]:
    if id_type == "SKU":
        return {listing.sku}
    if id_type == "ASIN":
        return {listing.asin}
    out = set()
    entries = listing.attributes.get("externally_assigned_product_identifier")
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and str(entry.get("type", "")).upper() == id_type:
            out.add(str(entry.get("value")))
    return out


def _in_range(value: datetime, bounds: tuple[datetime | None, datetime | None]) -> bool:
    after, before = bounds
    return (after is None or value >= after) and (before is None or value <= before)


def _matches(listing: Listing, f: dict[str, Any]) -> bool:
    if f["family"]:
        return False
    if f["identifiers"] is not None and not _identifier_values(listing, f["type"]) & f["identifiers"]:
        return False
    if not _in_range(listing.created, f["created"]) or not _in_range(listing.last_updated, f["updated"]):
        return False
    if f["severity"] and not any(i.get("severity") in f["severity"] for i in listing.issues):
        return False
    if f["with"] and not all(s in listing.status for s in f["with"]):
        return False
    return not (f["without"] and any(s in listing.status for s in f["without"]))


@operation("searchListingsItems")
async def search_listings_items(ctx: Ctx) -> dict[str, Any]:
    seller = _seller(ctx)
    mps = _marketplaces(ctx)
    included = _list_enum(ctx, "includedData", INCLUDED_DATA, ["summaries"]) or ["summaries"]
    filters = _search_filters(ctx)
    sort_by = _enum(ctx, "sortBy", tuple(SORT_BY), "lastUpdatedDate")
    descending = _enum(ctx, "sortOrder", ("ASC", "DESC"), "DESC") == "DESC"
    size = _page_size(ctx)
    fingerprint = _fingerprint(ctx)
    offset = _offset(ctx, fingerprint)

    groups: dict[str, list[Listing]] = {}
    for (sku, mp), listing in seller.listings.items():
        if mp in mps:
            groups.setdefault(sku, []).append(listing)
    rows = [(sku, min(x.created for x in ls), max(x.last_updated for x in ls), ls)
            for sku, ls in groups.items() if any(_matches(x, filters) for x in ls)]
    key = SORT_BY[sort_by]
    rows.sort(key=lambda r: r[0])  # ties in dates keep SKU order, whatever the direction
    rows.sort(key=key, reverse=descending)
    page = rows[offset:offset + size]
    body: dict[str, Any] = {
        "numberOfResults": len(rows),
        "items": [render_item(sku, sorted(ls, key=lambda x: mps.index(x.marketplace_id)), included)
                  for sku, _, _, ls in page],
    }
    pagination = {}
    if offset + size < min(len(rows), MAX_PAGEABLE):
        pagination["nextToken"] = _token(offset + size, fingerprint)
    if offset > 0:
        pagination["previousToken"] = _token(max(0, offset - size), fingerprint)
    if pagination:
        body["pagination"] = pagination
    return body


ITEM = BASE + "/{sellerId}/{sku:path}"
routes = [
    Route(BASE + "/{sellerId}", search_listings_items, methods=["GET"]),
    Route(ITEM, get_listings_item, methods=["GET"]),
    Route(ITEM, patch_listings_item, methods=["PATCH"]),
    Route(ITEM, put_listings_item, methods=["PUT"]),
    Route(ITEM, delete_listings_item, methods=["DELETE"]),
]
