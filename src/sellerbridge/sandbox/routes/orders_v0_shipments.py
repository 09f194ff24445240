"""Orders v0 shipment operations: ``confirmShipment`` and ``updateShipmentStatus`` (C1, C2, I4).

Both answer 204 with no body on success and 400 ``InvalidInput`` in Amazon's error shape otherwise
(404 ``NotFound`` for an order the seller does not have). The body is checked the way Amazon's
request parser does it: required fields, JSON types (a number where the model says string is refused,
as Amazon has refused a numeric ``packageReferenceId`` since January 2026), enums, ISO 8601
date-times. Fields Amazon does not know are ignored: the community client adds ``marketplaceIds`` and
``MarketplaceIds`` to every POST body. The rules of applying a package live in ``shipping``; the same
rules serve the fulfillment feeds.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from .. import errors, marketplaces, shipping
from ..operation import Ctx, operation
from ..state import CANCELED, PENDING, Order, Seller
from ..timefmt import parse_iso_datetime

ORDER_ID = re.compile(r"^\d{3}-\d{7}-\d{7}$")
SHIPMENT_STATUSES = ("ReadyForPickup", "PickedUp", "RefusedPickup")


def _invalid_type(path: str) -> errors.SpApiError:
    return errors.invalid_input(
        f"The input you have submitted is not valid. Please check the fields with invalid type [{path}].")


def _missing(path: str) -> errors.SpApiError:
    return errors.invalid_input(f"Missing required field: {path}.")


def _string(obj: dict[str, Any], key: str, path: str, *, required: bool) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise _missing(path)
        return None
    if not isinstance(value, str):
        raise _invalid_type(path)
    if required and not value.strip():
        raise errors.invalid_input(f"{path} must not be empty.")
    return value


def _integer(obj: dict[str, Any], key: str, path: str, *, required: bool) -> int | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise _missing(path)
        return None
    # JSON true/false are bools in Python, and bool is an int: not a quantity.
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid_type(path)
    return value


def _order(seller: Seller, order_id: str) -> Order:
    if not ORDER_ID.match(order_id):
        raise errors.invalid_input(f"Invalid orderId '{order_id}': expected the 3-7-7 format, "
                                   "e.g. 123-1234567-1234567.")
    order = seller.orders.get(order_id)
    if order is None:
        raise errors.not_found(f"Order {order_id} was not found.")
    return order


def _check_marketplace(marketplace_id: str, seller: Seller, order: Order) -> None:
    if marketplace_id not in marketplaces.MARKETPLACES:
        raise errors.invalid_input(f"Invalid marketplaceId '{marketplace_id}'.")
    if marketplace_id not in seller.marketplace_ids or marketplace_id != order.marketplace_id:
        raise errors.invalid_input(
            f"The marketplaceId {marketplace_id} does not match the marketplace of order {order.order_id}.")


def _confirm_items(package: dict[str, Any]) -> list[tuple[str, int]]:
    raw = package.get("orderItems")
    if raw is None:
        raise _missing("packageDetail.orderItems")
    if not isinstance(raw, list):
        raise _invalid_type("packageDetail.orderItems")
    if not raw:
        raise errors.invalid_input("packageDetail.orderItems must contain at least one item.")
    items: list[tuple[str, int]] = []
    for n, item in enumerate(raw):
        path = f"packageDetail.orderItems[{n}]"
        if not isinstance(item, dict):
            raise _invalid_type(path)
        order_item_id = _string(item, "orderItemId", f"{path}.orderItemId", required=True)
        quantity = _integer(item, "quantity", f"{path}.quantity", required=True)
        codes = item.get("transparencyCodes")
        if codes is not None and (not isinstance(codes, list) or not all(isinstance(c, str) for c in codes)):
            raise _invalid_type(f"{path}.transparencyCodes")
        items.append((order_item_id.strip(), quantity))  # type: ignore[union-attr, arg-type]
    return items


@operation("confirmShipment")
async def confirm_shipment(ctx: Ctx) -> Response:
    seller = ctx.require_seller()
    body = await ctx.json_body()
    marketplace_id = _string(body, "marketplaceId", "marketplaceId", required=True)
    cod = _string(body, "codCollectionMethod", "codCollectionMethod", required=False)
    package = body.get("packageDetail")
    if package is None:
        raise _missing("packageDetail")
    if not isinstance(package, dict):
        raise _invalid_type("packageDetail")
    ref = _string(package, "packageReferenceId", "packageDetail.packageReferenceId", required=True)
    carrier_code = _string(package, "carrierCode", "packageDetail.carrierCode", required=True)
    carrier_name = _string(package, "carrierName", "packageDetail.carrierName", required=False)
    method = _string(package, "shippingMethod", "packageDetail.shippingMethod", required=False)
    tracking = _string(package, "trackingNumber", "packageDetail.trackingNumber", required=True)
    raw_date = _string(package, "shipDate", "packageDetail.shipDate", required=True)
    _string(package, "shipFromSupplySourceId", "packageDetail.shipFromSupplySourceId", required=False)
    ship_date = parse_iso_datetime(raw_date or "")
    if ship_date is None:
        raise errors.invalid_input(
            f"Invalid shipDate '{raw_date}': it must be an ISO 8601 date-time, e.g. 2026-01-02T15:04:05Z.")
    items = _confirm_items(package)

    order = _order(seller, ctx.path["orderId"])
    _check_marketplace(marketplace_id or "", seller, order)
    if cod is not None:
        if cod != "DirectPayment":
            raise errors.invalid_input(f"Invalid codCollectionMethod '{cod}': the only value is DirectPayment.")
        if marketplaces.MARKETPLACES[order.marketplace_id].country != "JP":
            raise errors.invalid_input("codCollectionMethod is only supported in the JP marketplace.")
    try:
        shipping.confirm(ctx.backend, seller, order, package_reference_id=ref or "", carrier_code=carrier_code,
                         carrier_name=carrier_name, shipping_method=method, tracking_number=tracking,
                         ship_date=ship_date, items=items, source="confirmShipment", now=ctx.now)
    except shipping.ShipmentRejected as exc:
        raise errors.invalid_input(exc.message) from None
    return Response(status_code=204)


def _status_items(body: dict[str, Any], order: Order) -> None:
    raw = body.get("orderItems")
    if raw is None:
        return
    if not isinstance(raw, list):
        raise _invalid_type("orderItems")
    for n, item in enumerate(raw):
        path = f"orderItems[{n}]"
        if not isinstance(item, dict):
            raise _invalid_type(path)
        order_item_id = _string(item, "orderItemId", f"{path}.orderItemId", required=True) or ""
        quantity = _integer(item, "quantity", f"{path}.quantity", required=False)
        line = order.line(order_item_id.strip())
        if line is None:
            raise errors.invalid_input(f"OrderItemId {order_item_id} is invalid for order {order.order_id}.")
        if quantity is not None and not 1 <= quantity <= line.quantity:
            raise errors.invalid_input(
                f"Quantity {quantity} for OrderItemId {order_item_id} must be between 1 and {line.quantity}.")


@operation("updateShipmentStatus")
async def update_shipment_status(ctx: Ctx) -> Response:
    seller = ctx.require_seller()
    body = await ctx.json_body()
    marketplace_id = _string(body, "marketplaceId", "marketplaceId", required=True)
    status = _string(body, "shipmentStatus", "shipmentStatus", required=True)
    if status not in SHIPMENT_STATUSES:
        raise errors.invalid_input(
            f"Unsupported ShipmentStatus '{status}': expected one of {', '.join(SHIPMENT_STATUSES)}.")
    order = _order(seller, ctx.path["orderId"])
    _check_marketplace(marketplace_id or "", seller, order)
    if not order.is_mfn:
        raise errors.invalid_input(
            f"Order {order.order_id} is fulfilled by Amazon; its shipment status cannot be updated by the seller.")
    if order.status in (PENDING, CANCELED):
        raise errors.invalid_input(
            f"Order {order.order_id} is {order.status}; its shipment status cannot be updated.")
    _status_items(body, order)
    order.shipment_status = status
    ctx.backend.touch_order(seller, order, ctx.now)
    return Response(status_code=204)


routes = [
    Route("/orders/v0/orders/{orderId}/shipmentConfirmation", confirm_shipment, methods=["POST"]),
    Route("/orders/v0/orders/{orderId}/shipment", update_shipment_status, methods=["POST"]),
]
