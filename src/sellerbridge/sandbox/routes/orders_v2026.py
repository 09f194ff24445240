"""Orders API 2026-01-01: ``searchOrders`` and ``getOrder`` (I4, B1, B12, B13).

searchOrders follows every rule in the model's parameter descriptions:

- exactly one of ``createdAfter`` and ``lastUpdatedAfter``; ``createdBefore`` only with
  ``createdAfter``, ``lastUpdatedBefore`` only with ``lastUpdatedAfter``; a ``...Before`` is equal
  to or after its ``...After`` and at least two minutes before the request; dates are ISO 8601;
- ``fulfillmentStatuses``, ``fulfilledBy`` and ``includedData`` take only their enum values;
  ``marketplaceIds`` at most 50, each one of the seller's (absent: all of them);
- ``maxResultsPerPage`` 1..100, default 100;
- a page request carries ``paginationToken`` and *all other parameters with the same values* as the
  request that produced the token, except ``maxResultsPerPage`` and ``includedData`` which may
  change (400 otherwise). A ``...Before`` left out at first may be left out again or given as the
  value the first response echoed. Tokens expire after 24 hours (400).

Results come from the two-minute-lagged search index (``order_search``); getOrder reads the live
order, so it sees a new order or a change at once. PII follows the seller's roles (no Restricted Data
Token in this API version): see ``render_orders_v2026``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.routing import Route

from .. import errors
from .. import order_search as search
from .. import render_orders_v2026 as render
from ..operation import Ctx, operation
from ..timefmt import iso_z

FULFILLED_BY = {"MERCHANT": "MFN", "AMAZON": "AFN"}
# Amazon's own wording for a page request whose parameters differ from the first request's.
PAGE_MISMATCH = ("The paginationToken you have submitted is not valid. All parameters must match the original "
                 "request except maxResultsPerPage and includedData.")


@dataclass(frozen=True)
class _Filters:
    """The parameters a page request must repeat unchanged."""

    field: str
    after: datetime
    before: datetime | None
    statuses: frozenset[str] | None
    marketplace_ids: frozenset[str] | None
    fulfilled_by: frozenset[str] | None


def _included(ctx: Ctx) -> set[str]:
    return set(search.check_enum("includedData", ctx.query_list("includedData"), render.DATASETS) or ())


def _filters(ctx: Ctx) -> _Filters:
    q = ctx.request.query_params
    ca, cb, ua, ub = (q.get(n) for n in ("createdAfter", "createdBefore", "lastUpdatedAfter", "lastUpdatedBefore"))
    if ca is None and ua is None:
        raise errors.invalid_input("Exactly one of createdAfter and lastUpdatedAfter is required.",
                                   "Neither was provided.")
    if ca is not None and (ua is not None or ub is not None):
        raise errors.invalid_input("If createdAfter is provided, neither lastUpdatedAfter nor lastUpdatedBefore "
                                   "may be provided.")
    if ua is not None and cb is not None:
        raise errors.invalid_input("If lastUpdatedAfter is provided, neither createdAfter nor createdBefore "
                                   "may be provided.")
    if ca is not None:
        field, after = "created", search.parse_datetime("createdAfter", ca)
        before_at = search.parse_datetime("createdBefore", cb) if cb is not None else None
    else:
        field, after = "updated", search.parse_datetime("lastUpdatedAfter", ua)
        before_at = search.parse_datetime("lastUpdatedBefore", ub) if ub is not None else None
    statuses = search.check_enum("fulfillmentStatuses", ctx.query_list("fulfillmentStatuses"),
                                 render.FULFILLMENT_STATUSES)
    fulfilled_by = search.check_enum("fulfilledBy", ctx.query_list("fulfilledBy"), tuple(FULFILLED_BY))
    mps = ctx.query_list("marketplaceIds")
    return _Filters(field, after, before_at, statuses, frozenset(mps) if mps else None, fulfilled_by)


def _names(field: str) -> tuple[str, str]:
    return ("createdAfter", "createdBefore") if field == "created" else ("lastUpdatedAfter", "lastUpdatedBefore")


def _same_request(now: _Filters, first: _Filters, window: search.Window) -> bool:
    if now.before is not None and first.before is None and now.before == window.before:
        now = _Filters(now.field, now.after, None, now.statuses, now.marketplace_ids, now.fulfilled_by)
    return now == first


@operation("searchOrders")
async def search_orders(ctx: Ctx) -> dict[str, Any]:
    seller = ctx.require_seller()
    q = ctx.request.query_params
    included = _included(ctx)
    page_size = search.parse_int("maxResultsPerPage", q.get("maxResultsPerPage"), 1, 100, 100)
    if "paginationToken" in q and "createdAfter" not in q and "lastUpdatedAfter" not in q:
        # A page request is not the token alone: every other parameter must be sent again.
        raise errors.invalid_input(PAGE_MISMATCH, "A page request must repeat createdAfter or lastUpdatedAfter and "
                                   "the other parameters of the request that returned the token, with the same values.")
    filters = _filters(ctx)
    marketplace_ids = search.check_marketplaces("marketplaceIds", ctx.query_list("marketplaceIds"), seller,
                                                required=False)
    after_name, before_name = _names(filters.field)
    token = q.get("paginationToken")
    if token is not None:
        state = search.redeem_token(ctx.backend, "searchOrders", seller.seller_id, token, ctx.now,
                                    "paginationToken")
        window, cursor = state["window"], state["cursor"]
        if not _same_request(filters, state["filters"], window):
            raise errors.invalid_input(PAGE_MISMATCH, "All parameters other than maxResultsPerPage and includedData "
                                       "must be provided with the same values as in the request that generated "
                                       "the token.")
        first = state["filters"]
    else:
        window = search.make_window(ctx.now, filters.field, filters.after, filters.before, after_name, before_name)
        cursor, first = None, filters
    criteria = search.Criteria(
        marketplace_ids=marketplace_ids,
        statuses=frozenset(render.statuses_for(filters.statuses)) if filters.statuses else None,
        channels=frozenset(FULFILLED_BY[v] for v in filters.fulfilled_by) if filters.fulfilled_by else None)
    orders, next_cursor = search.search(seller, window, criteria, limit=page_size, after=cursor)
    body: dict[str, Any] = {"orders": [render.render_order(o, included, seller.roles, ctx.now) for o in orders]}
    if next_cursor is not None:
        next_token = search.issue_token(ctx.backend, "searchOrders", seller.seller_id,
                                        {"filters": first, "window": window, "cursor": next_cursor}, ctx.now)
        body["pagination"] = {"nextToken": next_token}
    body[before_name] = iso_z(window.before)
    return body


@operation("getOrder")
async def get_order(ctx: Ctx) -> dict[str, Any]:
    seller = ctx.require_seller()
    included = _included(ctx)
    order_id = ctx.path["orderId"]
    order = seller.orders.get(order_id)
    if order is None:
        raise errors.not_found(f"Order {order_id} was not found.", "Check the orderId and try again.")
    return {"order": render.render_order(order, included, seller.roles, ctx.now)}


routes = [
    Route("/orders/2026-01-01/orders", search_orders, methods=["GET"]),
    Route("/orders/2026-01-01/orders/{orderId}", get_order, methods=["GET"]),
]
