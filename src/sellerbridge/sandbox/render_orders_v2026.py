"""A sandbox ``state.Order`` as an Orders API 2026-01-01 ``Order`` object (I4, B13).

Pure functions: no backend, no HTTP. What is rendered follows Amazon's documentation of the API:

- Always: ``orderId``, ``orderAliases``, ``createdTime``, ``lastUpdatedTime``, ``programs``,
  ``salesChannel`` and ``orderItems`` with their ``product``. Everything else is a dataset the caller
  asks for in ``includedData``; ``FULFILLMENT`` brings both ``Order.fulfillment`` (the status!) and
  ``orderItems[].fulfillment``, so a client that wants the order status must ask for it.
- Status: the sandbox keeps v0's vocabulary; :data:`FULFILLMENT_STATUS` maps it. ``InvoiceUnconfirmed``
  (business NET-30: every item shipped, invoice not yet confirmed) has no 2026-01-01 value; it is
  rendered ``SHIPPED`` because that is what it is physically.
- Amounts are written with their currency's ISO 4217 decimals (JPY ``"19940"``, USD ``"19.99"``).
- ``programs``: PRIME/AMAZON_BUSINESS/PREMIUM from the order's flags, then the order's scripted ones.
- ``packages``: a package is ``DELIVERED`` once the carrier's delivery scan is in (``POST
  /_sandbox/sellers/{id}/orders/{order_id}/deliver``), else ``SHIPPED``.
- Money while ``Pending``: as v0's getOrderItems does, no prices or proceeds until payment is
  authorized (the order is not final yet). A ``CANCELLED`` order has no proceeds.

PII (B13) is role-based in this API; no Restricted Data Token is needed or used. The rules, from
Amazon's "Access Orders PII" guide:

- ``buyer.buyerEmail``: role DirectToConsumerShipping, merchant-fulfilled order, status UNSHIPPED,
  PARTIALLY_SHIPPED or SHIPPED.
- ``buyer.buyerName``: same statuses; a merchant-fulfilled order with DirectToConsumerShipping,
  TaxInvoicing or TaxRemittance; an Amazon-fulfilled one with TaxInvoicing or TaxRemittance, except
  that in the US, JP and SG marketplaces the tax roles never open the buyer's name.
- ``recipient.deliveryAddress`` name, address lines, postal code and phone, and an item's gift
  message: DirectToConsumerShipping, same statuses. Without it the address keeps only city, state,
  country, company and address type. The phone is never given for Amazon-fulfilled orders, nor for a
  shipped order after its latest delivery date.
"""

from __future__ import annotations

from collections.abc import Iterable
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
    ROLE_DIRECT_TO_CONSUMER_SHIPPING,
    ROLE_TAX_INVOICING,
    SHIPPED,
    UNFULFILLABLE,
    UNSHIPPED,
    Order,
    OrderLine,
)
from .timefmt import iso_z

# Not among state.py's constants: Amazon's third PII role ("Tax Remittance (Restricted)").
ROLE_TAX_REMITTANCE = "TaxRemittance"

FULFILLMENT_STATUS = {
    PENDING_AVAILABILITY: "PENDING_AVAILABILITY",
    PENDING: "PENDING",
    UNSHIPPED: "UNSHIPPED",
    PARTIALLY_SHIPPED: "PARTIALLY_SHIPPED",
    SHIPPED: "SHIPPED",
    INVOICE_UNCONFIRMED: "SHIPPED",  # no 2026 value; all items have shipped
    CANCELED: "CANCELLED",
    UNFULFILLABLE: "UNFULFILLABLE",
}
FULFILLMENT_STATUSES = ("PENDING_AVAILABILITY", "PENDING", "UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED",
                        "CANCELLED", "UNFULFILLABLE")
SERVICE_LEVEL = {
    "Standard": "STANDARD", "Expedited": "EXPEDITED", "SecondDay": "SECOND_DAY", "NextDay": "NEXT_DAY",
    "Scheduled": "SCHEDULED", "FreeEconomy": "FREE_ECONOMY", "SameDay": "SAME_DAY", "Priority": "PRIORITY",
}
FULFILLED_BY = {"MFN": "MERCHANT", "AFN": "AMAZON"}
DATASETS = ("BUYER", "RECIPIENT", "PROCEEDS", "EXPENSE", "PROMOTION", "CANCELLATION", "FULFILLMENT",
            "PACKAGES", "TAX", "PAYMENT", "FULFILLMENT_ORDERS")

PII_STATUSES = frozenset({UNSHIPPED, PARTIALLY_SHIPPED, SHIPPED, INVOICE_UNCONFIRMED})
TAX_ROLES = frozenset({ROLE_TAX_INVOICING, ROLE_TAX_REMITTANCE})
NO_TAX_ROLE_NAME_COUNTRIES = frozenset({"US", "JP", "SG"})


def statuses_for(fulfillment_statuses: Iterable[str]) -> set[str]:
    """The v0 statuses (the sandbox's own) that render as any of these 2026-01-01 statuses."""
    wanted = set(fulfillment_statuses)
    return {v0 for v0, new in FULFILLMENT_STATUS.items() if new in wanted}


def amount(value: Decimal, currency: str = "USD") -> str:
    return str(Decimal(value).quantize(marketplaces.quantum(currency)))


def money(value: Decimal, currency: str) -> dict[str, str]:
    return {"amount": amount(value, currency), "currencyCode": currency}


def _country(order: Order) -> str:
    mp = marketplaces.MARKETPLACES.get(order.marketplace_id)
    return mp.country if mp else order.ship_to.country_code


# --- PII (B13) ---------------------------------------------------------------------------------

def may_see_buyer_email(order: Order, roles: set[str]) -> bool:
    return (order.is_mfn and ROLE_DIRECT_TO_CONSUMER_SHIPPING in roles and order.status in PII_STATUSES)


def may_see_buyer_name(order: Order, roles: set[str]) -> bool:
    if order.status not in PII_STATUSES:
        return False
    if order.is_mfn and ROLE_DIRECT_TO_CONSUMER_SHIPPING in roles:
        return True
    return bool(roles & TAX_ROLES) and _country(order) not in NO_TAX_ROLE_NAME_COUNTRIES


def may_see_address(order: Order, roles: set[str]) -> bool:
    return ROLE_DIRECT_TO_CONSUMER_SHIPPING in roles and order.status in PII_STATUSES


def phone_suppressed(order: Order, now: datetime) -> bool:
    """Amazon hides the phone of FBA orders and of shipped orders past their latest delivery date."""
    return (not order.is_mfn) or (order.status in (SHIPPED, INVOICE_UNCONFIRMED) and now > order.latest_delivery)


# --- the order ----------------------------------------------------------------------------------

def render_order(order: Order, included: Iterable[str], roles: Iterable[str], now: datetime) -> dict[str, Any]:
    """The ``Order`` object for ``order`` with the ``included`` datasets, as ``roles`` may see it."""
    inc, roles = set(included), set(roles)
    mp = marketplaces.MARKETPLACES.get(order.marketplace_id)
    out: dict[str, Any] = {"orderId": order.order_id}
    if order.seller_order_id:
        out["orderAliases"] = [{"aliasId": order.seller_order_id, "aliasType": "SELLER_ORDER_ID"}]
    out["createdTime"] = iso_z(order.purchase_date)
    out["lastUpdatedTime"] = iso_z(order.last_updated)
    out["programs"] = programs(order)
    out["salesChannel"] = {"channelName": "AMAZON", "marketplaceId": order.marketplace_id,
                           "marketplaceName": mp.name if mp else order.marketplace_id}
    if "BUYER" in inc and (buyer := render_buyer(order, roles)):
        out["buyer"] = buyer
    if "RECIPIENT" in inc:
        out["recipient"] = {"deliveryAddress": render_address(order, roles, now)}
    if "PROCEEDS" in inc and order.status not in (PENDING, PENDING_AVAILABILITY, CANCELED):
        out["proceeds"] = order_proceeds(order)
    if "PAYMENT" in inc and order.status not in (PENDING, PENDING_AVAILABILITY):
        method = "Invoice" if order.payment_method == "Invoice" else "Other"
        out["payment"] = {"paymentExecutions": [
            {"paymentMethod": method, "paymentAmount": money(order.order_total(), order.currency)}]}
    if "TAX" in inc and (tax := order_tax(order, roles)):
        out["tax"] = tax
    if "FULFILLMENT" in inc:
        out["fulfillment"] = order_fulfillment(order)
    out["orderItems"] = [render_item(order, line, inc, roles) for line in order.lines]
    if "PACKAGES" in inc and order.is_mfn:  # "Only available for merchant-fulfilled (FBM) orders."
        out["packages"] = packages(order, now)
    # FULFILLMENT_ORDERS: only Easy Ship orders have them, and the sandbox has none.
    return out


def programs(order: Order) -> list[str]:
    out = []
    if order.is_prime:
        out.append("PRIME")
    if order.is_business:
        out.append("AMAZON_BUSINESS")
    if order.is_premium:
        out.append("PREMIUM")
    return out + [p for p in order.programs if p not in out]


def render_buyer(order: Order, roles: set[str]) -> dict[str, str]:
    buyer = order.buyer
    out: dict[str, str] = {}
    if may_see_buyer_name(order, roles):
        out["buyerName"] = buyer.name
    if may_see_buyer_email(order, roles):
        out["buyerEmail"] = buyer.email
    # Company and PO number are business data, not on Amazon's PII list: no role needed.
    if buyer.company:
        out["buyerCompanyName"] = buyer.company
    if buyer.purchase_order_number:
        out["buyerPurchaseOrderNumber"] = buyer.purchase_order_number
    return out


def render_address(order: Order, roles: set[str], now: datetime) -> dict[str, str]:
    a = order.ship_to
    out: dict[str, str] = {}
    pii = may_see_address(order, roles)
    if pii:
        out["name"] = a.name
    if a.company:
        out["companyName"] = a.company
    if pii:
        out["addressLine1"] = a.line1
        if a.line2:
            out["addressLine2"] = a.line2
    out["city"] = a.city
    if a.state_or_region:
        out["stateOrRegion"] = a.state_or_region
    if pii:
        out["postalCode"] = a.postal_code
    if pii and a.district_or_county:
        out["districtOrCounty"] = a.district_or_county
    if pii and a.municipality:
        out["municipality"] = a.municipality
    out["countryCode"] = a.country_code
    if pii and a.phone and not phone_suppressed(order, now):
        out["phone"] = a.phone
    extended = {key: value for key, value in (("streetName", a.street_name), ("streetNumber", a.street_number),
                                              ("complement", a.complement), ("neighborhood", a.neighborhood))
                if value}
    if pii and extended:  # "Only available with Brazil shipping addresses"; street-level data is PII
        out["extendedFields"] = extended
    out["addressType"] = a.address_type.upper()
    return out


def order_fulfillment(order: Order) -> dict[str, Any]:
    return {
        "fulfillmentStatus": FULFILLMENT_STATUS.get(order.status, "PENDING"),
        "fulfilledBy": FULFILLED_BY.get(order.fulfillment_channel, "MERCHANT"),
        "fulfillmentServiceLevel": SERVICE_LEVEL.get(order.service_level, "STANDARD"),
        "shipByWindow": {"earliestDateTime": iso_z(order.earliest_ship), "latestDateTime": iso_z(order.latest_ship)},
        "deliverByWindow": {"earliestDateTime": iso_z(order.earliest_delivery),
                            "latestDateTime": iso_z(order.latest_delivery)},
    }


def _line_money(line: OrderLine) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(item, shipping, tax, discount) of one line; discount is negative so the parts add up."""
    return (line.unit_price * line.quantity, line.shipping_price, line.item_tax + line.shipping_tax,
            -line.promotion_discount)


def order_proceeds(order: Order) -> dict[str, Any]:
    item = shipping = tax = discount = Decimal("0")
    for line in order.lines:
        i, s, t, d = _line_money(line)
        item, shipping, tax, discount = item + i, shipping + s, tax + t, discount + d
    cur = order.currency
    breakdowns = [{"type": "ITEM", "subtotal": money(item, cur)}]
    if shipping:
        breakdowns.append({"type": "SHIPPING", "subtotal": money(shipping, cur)})
    breakdowns.append({"type": "TAX", "subtotal": money(tax, cur)})
    if discount:
        breakdowns.append({"type": "DISCOUNT", "subtotal": money(discount, cur)})
    return {"grandTotal": money(item + shipping + tax + discount, cur), "breakdowns": breakdowns}


def item_proceeds(order: Order, line: OrderLine) -> dict[str, Any]:
    cur = order.currency
    item, shipping, tax, discount = _line_money(line)
    breakdowns: list[dict[str, Any]] = [{"type": "ITEM", "subtotal": money(item, cur)}]
    if shipping:
        breakdowns.append({"type": "SHIPPING", "subtotal": money(shipping, cur)})
    tax_parts = [{"subtype": "ITEM", "value": money(line.item_tax, cur)}]
    if line.shipping_tax:
        tax_parts.append({"subtype": "SHIPPING", "value": money(line.shipping_tax, cur)})
    breakdowns.append({"type": "TAX", "subtotal": money(tax, cur), "detailedBreakdowns": tax_parts})
    if discount:
        breakdowns.append({"type": "DISCOUNT", "subtotal": money(discount, cur),
                           "detailedBreakdowns": [{"subtype": "ITEM", "value": money(discount, cur)}]})
    return {"proceedsTotal": money(item + shipping + tax + discount, cur), "breakdowns": breakdowns}


def order_tax(order: Order, roles: set[str]) -> dict[str, Any] | None:
    buyer = order.buyer
    if not buyer.tax_id or not roles & TAX_ROLES:
        return None
    eu = (marketplaces.MARKETPLACES.get(order.marketplace_id) or marketplaces.BY_COUNTRY["US"]).region == "EU"
    registration: dict[str, Any] = {"entityType": "BUYER", "taxRegistrationType": "VAT" if eu else "BUSINESS",
                                    "taxRegistrationNumber": buyer.tax_id}
    if buyer.company:
        registration["legalName"] = buyer.company
    return {"taxRegistrations": [registration]}


def packages(order: Order, now: datetime) -> list[dict[str, Any]]:
    out = []
    for s in order.shipments:
        delivered = s.delivered_at is not None and s.delivered_at <= now
        pkg: dict[str, Any] = {
            "packageReferenceId": s.package_reference_id,
            "createdTime": iso_z(s.confirmed_at),
            "packageStatus": {"status": "DELIVERED", "detailedStatus": "DELIVERED"} if delivered
            else {"status": "SHIPPED"},
            "carrier": s.carrier_name if s.carrier_code == "Other" and s.carrier_name else s.carrier_code,
            "shipTime": iso_z(s.ship_date),
            "trackingNumber": s.tracking_number,
            "packageItems": [{"orderItemId": i.order_item_id, "quantity": i.quantity} for i in s.items],
        }
        if s.shipping_method:
            pkg["shippingService"] = s.shipping_method
        if s.ship_from_postal_code:
            pkg["shipFromAddress"] = {"postalCode": s.ship_from_postal_code}
        out.append(pkg)
    return out


# --- one item ------------------------------------------------------------------------------------

def render_item(order: Order, line: OrderLine, inc: set[str], roles: set[str]) -> dict[str, Any]:
    priced = order.status not in (PENDING, PENDING_AVAILABILITY)
    product: dict[str, Any] = {"asin": line.asin, "title": line.title, "sellerSku": line.sku,
                               "condition": {"conditionType": line.condition.upper(),
                                             "conditionSubtype": line.condition.upper()}}
    if priced:
        price: dict[str, Any] = {"unitPrice": money(line.unit_price, order.currency)}
        if order.is_business:
            price["priceDesignation"] = "BUSINESS_PRICE"
        product["price"] = price
    out: dict[str, Any] = {"orderItemId": line.order_item_id, "quantityOrdered": line.quantity, "product": product}
    if "PROCEEDS" in inc and priced and order.status != CANCELED:
        out["proceeds"] = item_proceeds(order, line)
    if "EXPENSE" in inc and priced and _country(order) == "JP":
        # Amazon Points exist only in JP: 1% of the price, one point per yen.
        points = int(line.unit_price * line.quantity / 100)
        out["expense"] = {"pointsCost": {"pointsGranted": {
            "pointsNumber": points, "pointsMonetaryValue": money(Decimal(points), order.currency)}}}
    if "PROMOTION" in inc and priced and line.promotion_ids:
        out["promotion"] = {"breakdowns": [{"promotionId": p} for p in line.promotion_ids]}
    if "CANCELLATION" in inc and (cancellation := item_cancellation(order, line)):
        out["cancellation"] = cancellation
    if "FULFILLMENT" in inc:
        out["fulfillment"] = item_fulfillment(order, line, roles)
    if "TAX" in inc and _country(order) == "US":
        out["tax"] = {"taxCollections": [{"model": "MARKETPLACE_FACILITATOR",
                                          "responsibleParty": "Amazon Services, Inc."}]}
    return out


def item_cancellation(order: Order, line: OrderLine) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    if order.buyer_cancel_reason:
        out["cancellationRequest"] = {"requester": "BUYER", "cancelReason": order.buyer_cancel_reason}
    if line.quantity_cancelled > 0 or order.status == CANCELED:
        execution = {"cancelledBy": order.cancelled_by or "AMAZON"}
        if order.cancel_reason:
            execution["cancelReason"] = order.cancel_reason
        out["cancellationExecution"] = execution
    return out or None


def item_fulfillment(order: Order, line: OrderLine, roles: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"quantityFulfilled": line.quantity_shipped, "quantityUnfulfilled": line.quantity_unshipped}
    if line.gift_message and order.status not in (PENDING, PENDING_AVAILABILITY):
        # The message is PII; without the role the gift option still says "this is a gift".
        pii = order.is_mfn and may_see_address(order, roles)
        gift = {"giftMessage": line.gift_message} if pii else {}
        if line.gift_wrap_level:  # the wrap service is no PII: it shows without the role
            gift["giftWrapLevel"] = line.gift_wrap_level
        out["packing"] = {"giftOption": gift}
    if order.service_level == "Scheduled":
        out["shipping"] = {"scheduledDeliveryWindow": {"earliestDateTime": iso_z(order.earliest_delivery),
                                                       "latestDateTime": iso_z(order.latest_delivery)}}
    return out
