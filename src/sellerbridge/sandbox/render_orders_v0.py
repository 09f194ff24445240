"""A sandbox ``state.Order`` in Orders v0 shapes (deprecated reads, still served until 2027) (I4, B13).

``Order``, ``OrderItem``, ``OrderAddress``, ``OrderBuyerInfo`` and ``OrderItemBuyerInfo`` with v0's
PascalCase names and ``Money {CurrencyCode, Amount}`` (Amount a string). Pure functions.

What Amazon does, copied here:

- PII needs a Restricted Data Token (v0 predates the role-based 2026-01-01 API). The caller says what
  the token opens: ``buyer_info`` / ``shipping_address`` flags come from the RDT's ``dataElements``
  (getOrders, getOrder, getOrderItems) or from the RDT covering the path at all (getOrderAddress,
  getOrderBuyerInfo, getOrderItemsBuyerInfo).
- Without it, ``ShippingAddress`` keeps only City, StateOrRegion, PostalCode and CountryCode, and
  ``BuyerInfo`` is empty.
- ``ShippingAddress`` exists only for Unshipped, PartiallyShipped, Shipped and InvoiceUnconfirmed
  orders. The phone is suppressed for FBA orders and for shipped orders past the latest delivery date.
- A Pending order has no ``OrderTotal``, counts 0 items unshipped (Amazon's own example), and its
  items carry no prices, taxes, shipping charges, gift data or promotions. A Canceled order has no
  ``OrderTotal`` either.
- ``PaymentMethod`` is only ``COD``, ``CVS`` or ``Other``; NET-30 invoicing shows in
  ``PaymentMethodDetails`` as ``Invoice``.
- Ship dates are returned for seller-fulfilled orders only; delivery dates for seller-fulfilled orders
  that are not Pending, PendingAvailability or Canceled (model descriptions).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from . import marketplaces
from .state import (
    CANCELED,
    INVOICE_UNCONFIRMED,
    PARTIALLY_SHIPPED,
    PENDING,
    PENDING_AVAILABILITY,
    SHIPPED,
    UNSHIPPED,
    Order,
    OrderLine,
)
from .timefmt import iso_z

ORDER_STATUSES = ("PendingAvailability", "Pending", "Unshipped", "PartiallyShipped", "Shipped",
                  "InvoiceUnconfirmed", "Canceled", "Unfulfillable")
FULFILLMENT_CHANNELS = ("AFN", "MFN")
PAYMENT_METHODS = ("COD", "CVS", "Other")
ADDRESS_STATUSES = frozenset({UNSHIPPED, PARTIALLY_SHIPPED, SHIPPED, INVOICE_UNCONFIRMED})
UNPRICED_STATUSES = frozenset({PENDING, PENDING_AVAILABILITY})


def money(value: Decimal, currency: str) -> dict[str, str]:
    return {"CurrencyCode": currency, "Amount": str(Decimal(value).quantize(marketplaces.quantum(currency)))}


def payment_method(order: Order) -> str:
    """v0's ``PaymentMethod`` enum knows only COD, CVS and Other."""
    return order.payment_method if order.payment_method in PAYMENT_METHODS else "Other"


def _marketplace_name(order: Order) -> str:
    mp = marketplaces.MARKETPLACES.get(order.marketplace_id)
    return mp.name if mp else order.marketplace_id


def _country(order: Order) -> str:
    mp = marketplaces.MARKETPLACES.get(order.marketplace_id)
    return mp.country if mp else order.ship_to.country_code


def _phone_suppressed(order: Order, now: datetime) -> bool:
    return (not order.is_mfn) or (order.status in (SHIPPED, INVOICE_UNCONFIRMED) and now > order.latest_delivery)


# --- order ----------------------------------------------------------------------------------------

def render_order(order: Order, *, buyer_info: bool, shipping_address: bool, now: datetime) -> dict[str, Any]:
    """v0 ``Order``; ``buyer_info``/``shipping_address`` say what restricted data the RDT opens."""
    shipped = sum(ln.quantity_shipped for ln in order.lines)
    unshipped = 0 if order.status in UNPRICED_STATUSES else sum(ln.quantity_unshipped for ln in order.lines)
    out: dict[str, Any] = {"AmazonOrderId": order.order_id}
    if order.seller_order_id:
        out["SellerOrderId"] = order.seller_order_id
    out.update({
        "PurchaseDate": iso_z(order.purchase_date),
        "LastUpdateDate": iso_z(order.last_updated),
        "OrderStatus": order.status,
        "FulfillmentChannel": order.fulfillment_channel,
        "SalesChannel": _marketplace_name(order),
        "ShipServiceLevel": order.ship_service_level,
    })
    if order.status not in UNPRICED_STATUSES and order.status != CANCELED:
        out["OrderTotal"] = money(order.order_total(), order.currency)
    out.update({
        "NumberOfItemsShipped": shipped,
        "NumberOfItemsUnshipped": unshipped,
        "PaymentMethod": payment_method(order),
        "PaymentMethodDetails": ["Invoice"] if order.payment_method == "Invoice" else ["Standard"],
        "MarketplaceId": order.marketplace_id,
        "ShipmentServiceLevelCategory": order.service_level,
        "OrderType": "Preorder" if "PREORDER" in order.programs else "StandardOrder",
    })
    if "AMAZON_EASY_SHIP" in order.programs and order.is_mfn:
        out["EasyShipShipmentStatus"] = "PendingSchedule" if order.status in (PENDING, UNSHIPPED) else "PickedUp"
    if order.is_mfn:
        out["EarliestShipDate"] = iso_z(order.earliest_ship)
        out["LatestShipDate"] = iso_z(order.latest_ship)
        if order.status not in UNPRICED_STATUSES and order.status != CANCELED:
            out["EarliestDeliveryDate"] = iso_z(order.earliest_delivery)
            out["LatestDeliveryDate"] = iso_z(order.latest_delivery)
    out.update({
        "IsBusinessOrder": order.is_business,
        "IsPrime": order.is_prime,
        "IsPremiumOrder": order.is_premium,
        "IsGlobalExpressEnabled": False,
        "IsReplacementOrder": False,
        "IsSoldByAB": False,
        "IsISPU": "IN_STORE_PICK_UP" in order.programs,
        "IsAccessPointOrder": False,
        "HasRegulatedItems": False,
    })
    address = render_address(order, pii=shipping_address, now=now)
    if address is not None:
        out["ShippingAddress"] = address
    out["BuyerInfo"] = render_buyer(order) if buyer_info else {}
    return out


def render_address(order: Order, *, pii: bool, now: datetime) -> dict[str, str] | None:
    """v0 ``Address`` of the ship-to; None for statuses that have none."""
    if order.status not in ADDRESS_STATUSES:
        return None
    a = order.ship_to
    out: dict[str, str] = {}
    if pii:
        out["Name"] = a.name
        if a.company:
            out["CompanyName"] = a.company
        out["AddressLine1"] = a.line1
        if a.line2:
            out["AddressLine2"] = a.line2
    out["City"] = a.city
    if a.state_or_region:
        out["StateOrRegion"] = a.state_or_region
    out["PostalCode"] = a.postal_code
    out["CountryCode"] = a.country_code
    if pii:
        if a.district_or_county:
            out["District"] = a.district_or_county
        if a.municipality:
            out["Municipality"] = a.municipality
        if a.phone and not _phone_suppressed(order, now):
            out["Phone"] = a.phone
        extended = {key: value for key, value in (("StreetName", a.street_name), ("StreetNumber", a.street_number),
                                                  ("Complement", a.complement), ("Neighborhood", a.neighborhood))
                    if value}
        if extended:
            out["ExtendedFields"] = extended
        out["AddressType"] = a.address_type
    return out


def render_buyer(order: Order) -> dict[str, Any]:
    """v0 ``BuyerInfo`` (restricted data: name, tax info, PO number, e-mail)."""
    b = order.buyer
    out: dict[str, Any] = {"BuyerEmail": b.email, "BuyerName": b.name}
    if b.company or b.tax_id:
        tax: dict[str, Any] = {}
        if b.company:
            tax["CompanyLegalName"] = b.company
        if b.tax_id:
            tax["TaxingRegion"] = order.ship_to.country_code
            tax["TaxClassifications"] = [{"Name": "VATNumber", "Value": b.tax_id}]
        out["BuyerTaxInfo"] = tax
    if b.purchase_order_number:
        out["PurchaseOrderNumber"] = b.purchase_order_number
    return out


def render_order_address(order: Order, *, pii: bool, now: datetime) -> dict[str, Any]:
    """getOrderAddress payload (``OrderAddress``)."""
    out: dict[str, Any] = {"AmazonOrderId": order.order_id}
    if order.buyer.company:
        out["BuyerCompanyName"] = order.buyer.company
    address = render_address(order, pii=pii, now=now)
    if address is not None:
        out["ShippingAddress"] = address
    return out


def render_order_buyer_info(order: Order, *, pii: bool) -> dict[str, Any]:
    """getOrderBuyerInfo payload (``OrderBuyerInfo``); without an RDT only the order id."""
    out: dict[str, Any] = {"AmazonOrderId": order.order_id}
    if pii:
        out.update(render_buyer(order))
    return out


# --- items ----------------------------------------------------------------------------------------

def render_item(order: Order, line: OrderLine, *, buyer_info: bool) -> dict[str, Any]:
    """v0 ``OrderItem``; ``buyer_info`` when the RDT carries the ``buyerInfo`` data element."""
    cur = order.currency
    out: dict[str, Any] = {
        "ASIN": line.asin, "SellerSKU": line.sku, "OrderItemId": line.order_item_id, "Title": line.title,
        "QuantityOrdered": line.quantity, "QuantityShipped": line.quantity_shipped,
        "ProductInfo": {"NumberOfItems": "1"},
    }
    if order.status not in UNPRICED_STATUSES:
        zero = Decimal("0")
        out.update({
            "ItemPrice": money(line.unit_price * line.quantity, cur),
            "ShippingPrice": money(line.shipping_price, cur),
            "ItemTax": money(line.item_tax, cur),
            "ShippingTax": money(line.shipping_tax, cur),
            "ShippingDiscount": money(zero, cur),
            "ShippingDiscountTax": money(zero, cur),
            "PromotionDiscount": money(line.promotion_discount, cur),
            "PromotionDiscountTax": money(zero, cur),
            "PromotionIds": list(line.promotion_ids),
            "IsGift": "true" if line.gift_message else "false",
        })
        if order.is_business:
            out["PriceDesignation"] = "BusinessPrice"
        if buyer_info and line.gift_message and order.is_mfn:
            out["BuyerInfo"] = {"GiftMessageText": line.gift_message}
            if line.gift_wrap_level:
                out["BuyerInfo"]["GiftWrapLevel"] = line.gift_wrap_level
    out["ConditionId"] = line.condition
    out["ConditionSubtypeId"] = line.condition
    out["IsTransparency"] = False
    if _country(order) == "US":
        out["TaxCollection"] = {"Model": "MarketplaceFacilitator", "ResponsibleParty": "Amazon Services, Inc."}
    if "FBM_SHIP_PLUS" in order.programs:
        out["AmazonPrograms"] = {"Programs": ["FBM_SHIP_PLUS"]}
    if order.is_mfn:
        requested = order.buyer_cancel_reason is not None
        out["BuyerRequestedCancel"] = {"IsBuyerRequestedCancel": "true" if requested else "false",
                                       "BuyerCancelReason": order.buyer_cancel_reason or ""}
    return out


def render_item_buyer_info(order: Order, line: OrderLine, *, pii: bool) -> dict[str, Any]:
    """getOrderItemsBuyerInfo entry (``OrderItemBuyerInfo``): gift data, only with an RDT."""
    out: dict[str, Any] = {"OrderItemId": line.order_item_id}
    if pii and line.gift_message and order.is_mfn and order.status not in UNPRICED_STATUSES:
        out["GiftMessageText"] = line.gift_message
        if line.gift_wrap_level:
            out["GiftWrapLevel"] = line.gift_wrap_level
    return out
