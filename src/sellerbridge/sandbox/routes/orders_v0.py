"""Orders v0 reads (deprecated, removed by Amazon on 2027-03-27, served until then) (I4, B1, B13).

getOrders, getOrder (usage-plan key ``getOrderV0``), getOrderItems, getOrderAddress, getOrderBuyerInfo
and getOrderItemsBuyerInfo, with v0's parameter rules:

- ``MarketplaceIds`` is required (max 50, the seller's own); exactly one of ``CreatedAfter`` and
  ``LastUpdatedAfter`` unless ``AmazonOrderIds`` names the orders; ``CreatedBefore`` only with
  ``CreatedAfter``, ``LastUpdatedBefore`` only with ``LastUpdatedAfter``, each at least two minutes
  before the request; ``SellerOrderId`` excludes FulfillmentChannels, OrderStatuses, PaymentMethods,
  LastUpdatedAfter/Before and BuyerEmail; ``MaxResultsPerPage`` 1..100 (default 100).
- ``NextToken`` "doesn't affect any filters": the next page continues the first request's search,
  whatever else the page request says.
- Searches read the two-minute-lagged index, single-order reads the live order (``order_search``).
- PII only through a Restricted Data Token (``render_orders_v0``): getOrders/getOrder/getOrderItems by
  the RDT's ``dataElements`` (``buyerInfo``, ``shippingAddress``); getOrderAddress, getOrderBuyerInfo
  and getOrderItemsBuyerInfo when an RDT covers their path. A plain access token still gets a 200,
  with the PII left out, as Amazon answers.

confirmShipment and updateShipmentStatus live in ``orders_v0_shipments``.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from .. import errors
from .. import order_search as search
from .. import render_orders_v0 as render
from ..operation import Ctx, operation
from ..state import Order, Seller
from ..timefmt import iso_z

ITEMS_PAGE_SIZE = 30  # Amazon does not publish its getOrderItems page size; orders rarely reach it


def _order(ctx: Ctx) -> tuple[Seller, Order]:
    seller = ctx.require_seller()
    order_id = ctx.path["orderId"]
    order = seller.orders.get(order_id)
    if order is None:
        raise errors.not_found(f"Order {order_id} was not found.", "Check the orderId and try again.")
    return seller, order


def _rdt(ctx: Ctx) -> set[str] | None:
    return search.rdt_data_elements(ctx.token, ctx.request.method, ctx.request.url.path)


def _query(ctx: Ctx, seller: Seller, marketplace_ids: frozenset[str]) -> tuple[search.Window | None, search.Criteria]:
    q = ctx.request.query_params
    ca, cb, ua, ub = (q.get(n) for n in ("CreatedAfter", "CreatedBefore", "LastUpdatedAfter", "LastUpdatedBefore"))
    order_ids = ctx.query_list("AmazonOrderIds")
    if order_ids and len(order_ids) > 50:
        raise errors.invalid_input("Invalid AmazonOrderIds: at most 50 values are allowed.")
    if ca is not None and (ua is not None or ub is not None):
        raise errors.invalid_input("LastUpdatedAfter and LastUpdatedBefore cannot be set when CreatedAfter is set.")
    if ua is not None and cb is not None:
        raise errors.invalid_input("CreatedAfter or CreatedBefore cannot be set when LastUpdatedAfter is set.")
    if ca is None and ua is None and (cb is not None or ub is not None or not order_ids):
        raise errors.invalid_input("Either the CreatedAfter parameter or the LastUpdatedAfter parameter is required.",
                                   "Both cannot be empty.")
    seller_order_id, buyer_email = q.get("SellerOrderId"), q.get("BuyerEmail")
    statuses = search.check_enum("OrderStatuses", ctx.query_list("OrderStatuses"), render.ORDER_STATUSES)
    channels = search.check_enum("FulfillmentChannels", ctx.query_list("FulfillmentChannels"),
                                 render.FULFILLMENT_CHANNELS)
    payments = search.check_enum("PaymentMethods", ctx.query_list("PaymentMethods"), render.PAYMENT_METHODS)
    if seller_order_id is not None and (channels or statuses or payments or ua is not None or ub is not None
                                        or buyer_email is not None):
        raise errors.invalid_input(
            "If SellerOrderId is specified, then FulfillmentChannels, OrderStatuses, PaymentMethod, "
            "LastUpdatedAfter, LastUpdatedBefore, and BuyerEmail cannot be specified.")
    window = None
    if ca is not None:
        window = search.make_window(ctx.now, "created", search.parse_datetime("CreatedAfter", ca),
                                    search.parse_datetime("CreatedBefore", cb) if cb is not None else None,
                                    "CreatedAfter", "CreatedBefore")
    elif ua is not None:
        window = search.make_window(ctx.now, "updated", search.parse_datetime("LastUpdatedAfter", ua),
                                    search.parse_datetime("LastUpdatedBefore", ub) if ub is not None else None,
                                    "LastUpdatedAfter", "LastUpdatedBefore")
    criteria = search.Criteria(
        marketplace_ids=marketplace_ids, statuses=statuses, channels=channels,
        order_ids=frozenset(order_ids) if order_ids else None, seller_order_id=seller_order_id,
        buyer_email=buyer_email, payment_methods=payments)
    return window, criteria


@operation("getOrders")
async def get_orders(ctx: Ctx) -> dict[str, Any]:
    seller = ctx.require_seller()
    q = ctx.request.query_params
    marketplace_ids = search.check_marketplaces("MarketplaceIds", ctx.query_list("MarketplaceIds"), seller,
                                                required=True)
    page_size = search.parse_int("MaxResultsPerPage", q.get("MaxResultsPerPage"), 1, 100, 100)
    elements = _rdt(ctx) or set()
    token = q.get("NextToken")
    if token is not None:
        state = search.redeem_token(ctx.backend, "getOrders", seller.seller_id, token, ctx.now, "NextToken")
        window, criteria, cursor = state["window"], state["criteria"], state["cursor"]
    else:
        window, criteria = _query(ctx, seller, marketplace_ids)
        cursor = None
    orders, next_cursor = search.search(seller, window, criteria, limit=page_size, after=cursor)
    payload: dict[str, Any] = {"Orders": [
        render.render_order(o, buyer_info="buyerInfo" in elements, shipping_address="shippingAddress" in elements,
                            now=ctx.now) for o in orders]}
    if next_cursor is not None:
        payload["NextToken"] = search.issue_token(
            ctx.backend, "getOrders", seller.seller_id,
            {"window": window, "criteria": criteria, "cursor": next_cursor}, ctx.now)
    if window is not None:
        payload["CreatedBefore" if window.field == "created" else "LastUpdatedBefore"] = iso_z(window.before)
    return {"payload": payload}


@operation("getOrderV0")
async def get_order(ctx: Ctx) -> dict[str, Any]:
    _, order = _order(ctx)
    elements = _rdt(ctx) or set()
    return {"payload": render.render_order(order, buyer_info="buyerInfo" in elements,
                                           shipping_address="shippingAddress" in elements, now=ctx.now)}


def _item_page(ctx: Ctx, seller: Seller, order: Order, kind: str) -> tuple[list, str | None]:
    """This page of the order's lines and the NextToken for the rest (bound to this order)."""
    token = ctx.query("NextToken")
    start = 0
    if token is not None:
        state = search.redeem_token(ctx.backend, kind, seller.seller_id, token, ctx.now, "NextToken")
        if state["order_id"] != order.order_id:
            raise errors.invalid_input("Invalid NextToken.", "The token was issued for another order.")
        start = state["offset"]
    end = start + ITEMS_PAGE_SIZE
    next_token = None
    if end < len(order.lines):
        next_token = search.issue_token(ctx.backend, kind, seller.seller_id,
                                        {"order_id": order.order_id, "offset": end}, ctx.now)
    return order.lines[start:end], next_token


@operation("getOrderItems")
async def get_order_items(ctx: Ctx) -> dict[str, Any]:
    seller, order = _order(ctx)
    buyer_info = "buyerInfo" in (_rdt(ctx) or set())
    lines, next_token = _item_page(ctx, seller, order, "getOrderItems")
    payload: dict[str, Any] = {"OrderItems": [render.render_item(order, ln, buyer_info=buyer_info) for ln in lines],
                               "AmazonOrderId": order.order_id}
    if next_token:
        payload["NextToken"] = next_token
    return {"payload": payload}


@operation("getOrderItemsBuyerInfo")
async def get_order_items_buyer_info(ctx: Ctx) -> dict[str, Any]:
    seller, order = _order(ctx)
    pii = _rdt(ctx) is not None
    lines, next_token = _item_page(ctx, seller, order, "getOrderItemsBuyerInfo")
    payload: dict[str, Any] = {"OrderItems": [render.render_item_buyer_info(order, ln, pii=pii) for ln in lines],
                               "AmazonOrderId": order.order_id}
    if next_token:
        payload["NextToken"] = next_token
    return {"payload": payload}


@operation("getOrderAddress")
async def get_order_address(ctx: Ctx) -> dict[str, Any]:
    _, order = _order(ctx)
    return {"payload": render.render_order_address(order, pii=_rdt(ctx) is not None, now=ctx.now)}


@operation("getOrderBuyerInfo")
async def get_order_buyer_info(ctx: Ctx) -> dict[str, Any]:
    _, order = _order(ctx)
    return {"payload": render.render_order_buyer_info(order, pii=_rdt(ctx) is not None)}


routes = [
    Route("/orders/v0/orders", get_orders, methods=["GET"]),
    Route("/orders/v0/orders/{orderId}", get_order, methods=["GET"]),
    Route("/orders/v0/orders/{orderId}/orderItems", get_order_items, methods=["GET"]),
    Route("/orders/v0/orders/{orderId}/orderItems/buyerInfo", get_order_items_buyer_info, methods=["GET"]),
    Route("/orders/v0/orders/{orderId}/address", get_order_address, methods=["GET"]),
    Route("/orders/v0/orders/{orderId}/buyerInfo", get_order_buyer_info, methods=["GET"]),
]
