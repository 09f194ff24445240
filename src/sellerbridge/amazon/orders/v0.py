"""Orders API v0 (``getOrder`` + ``getOrderItems`` [+ address, buyer info]) -> ``OrderDraft`` (B12).

The hub downloads with Orders 2026-01-01; v0 is read only where an old tool's order has to be shown the
way the hub would import it (preview, B12) and by the baseline benchmark. Differences from 2026-01-01
that matter here (docs/amazon-quirks.md):

- v0 writes PascalCase, its own status words (``Canceled``, ``InvoiceUnconfirmed``) and
  ``ShipmentServiceLevelCategory`` in CamelCase (``SecondDay``).
- ``ItemPrice`` is the line total (unit price x quantity); ``PromotionDiscount`` is positive.
- PII comes only with a Restricted Data Token: without it the address is reduced and ``BuyerInfo`` empty.
- Programs are flags of their own: ``IsISPU`` (in-store pick-up), ``OrderType: Preorder``,
  ``EasyShipShipmentStatus`` (present on Easy Ship orders only), ``IsPrime``/``IsBusinessOrder``/
  ``IsPremiumOrder``, and the items' ``AmazonPrograms`` (``FBM_SHIP_PLUS``); they become the 2026-01-01
  words, lower case, so ``domain/orders/programs.py`` reads one vocabulary.
- The address has ``County`` and ``District`` apart (2026-01-01 has one ``districtOrCounty``: the
  district when both are given, the finer one) and ``ExtendedFields`` in PascalCase.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ...domain.common.money import Money
from ...domain.orders.model import Address, Buyer, OrderDraft, OrderLineDraft, ServiceLevel
from ..wire import BAD_PAYLOAD, BAD_QUANTITY, UNKNOWN_FULFILLMENT, UNKNOWN_STATUS, Node
from .statuses import FULFILLMENT_CHANNEL_V0, ORDER_STATUS_V0

SERVICE_LEVEL = {level.value: level for level in ServiceLevel}


def to_order_draft_from_v0(order: dict[str, Any], items: list[dict[str, Any]], address: dict[str, Any] | None = None,
                           buyer: dict[str, Any] | None = None) -> OrderDraft:
    """Map a v0 ``Order`` with its ``OrderItem`` list; ``address``/``buyer`` from the RDT calls if made.

    ``address`` is a v0 ``Address`` (getOrderAddress's ``ShippingAddress``), ``buyer`` a v0
    ``OrderBuyerInfo``; when absent, the order's own ``ShippingAddress``/``BuyerInfo`` are used.
    """
    root = Node(order)
    root.obj(required=True)
    status_node = root["OrderStatus"]
    status = ORDER_STATUS_V0.get(status_node.req_text())
    if status is None:
        raise status_node.fail(UNKNOWN_STATUS, f"unknown order status {status_node.value!r:.40}")
    channel_node = root["FulfillmentChannel"]
    channel = FULFILLMENT_CHANNEL_V0.get(channel_node.req_text())
    if channel is None:
        raise channel_node.fail(UNKNOWN_FULFILLMENT, f"unknown fulfillment channel {channel_node.value!r:.40}")
    item_nodes = list(Node(items, "orderItems").items(required=True))
    if not item_nodes:
        raise Node(items, "orderItems").fail(BAD_PAYLOAD, "an order without items")
    lines = tuple(_line(node) for node in item_nodes)
    level = root["ShipmentServiceLevelCategory"].text()
    total = root["OrderTotal"].money()
    details = [d.req_text() for d in root["PaymentMethodDetails"].items()]
    buyer_node = Node(buyer, "buyer") if buyer is not None else root["BuyerInfo"]
    address_node = Node(address, "address") if address is not None else root["ShippingAddress"]
    currency = total.currency if total else next((ln.unit_price.currency for ln in lines if ln.unit_price), None)
    programs = _programs(root, item_nodes)
    return OrderDraft(
        amazon_order_id=root["AmazonOrderId"].req_text(),
        marketplace_id=root["MarketplaceId"].req_text(),
        status=status,
        fulfillment=channel,
        purchase_date=root["PurchaseDate"].req_moment(),
        last_updated=root["LastUpdateDate"].req_moment(),
        service_level=SERVICE_LEVEL.get(level or ""),
        ship_service_level=root["ShipServiceLevel"].text(),
        lines=lines,
        currency=currency,
        buyer=_buyer(buyer_node),
        ship_to=_address(address_node),
        is_prime=root["IsPrime"].flag(),
        is_business=root["IsBusinessOrder"].flag(),
        is_premium=root["IsPremiumOrder"].flag(),
        payment_terms="Invoice" if "Invoice" in details else None,
        latest_ship_date=root["LatestShipDate"].moment(),
        earliest_ship_date=root["EarliestShipDate"].moment(),
        programs=programs,
        latest_delivery_date=root["LatestDeliveryDate"].moment(),
        seller_order_id=root["SellerOrderId"].text(),
        order_total=total,
    )


def _line(item: Node) -> OrderLineDraft:
    item.obj(required=True)
    quantity = item["QuantityOrdered"].integer(required=True) or 0
    shipped = item["QuantityShipped"].integer(default=0) or 0
    if shipped > quantity:
        raise item["QuantityShipped"].fail(BAD_QUANTITY, f"{shipped} shipped of {quantity} ordered")
    line_total = item["ItemPrice"].money()
    unit = Money(line_total.amount / Decimal(quantity), line_total.currency) if line_total and quantity else None
    cancel = item["BuyerRequestedCancel"]
    requested = cancel["IsBuyerRequestedCancel"].flag()
    return OrderLineDraft(
        order_item_id=item["OrderItemId"].req_text(),
        sku=item["SellerSKU"].text(),
        asin=item["ASIN"].text(),
        title=item["Title"].text(),
        quantity=quantity,
        quantity_shipped=shipped,
        unit_price=unit,
        item_tax=item["ItemTax"].money(),
        shipping_price=item["ShippingPrice"].money(),
        shipping_tax=item["ShippingTax"].money(),
        promotion_discount=item["PromotionDiscount"].money(),
        gift_message=item["BuyerInfo"]["GiftMessageText"].text(),
        gift_wrap_level=item["BuyerInfo"]["GiftWrapLevel"].text(),
        buyer_cancel_requested=requested,
        cancel_reason=cancel["BuyerCancelReason"].text() if requested else None,
    )


def _buyer(node: Node) -> Buyer | None:
    if node.obj() is None:
        return None
    out = Buyer(email=node["BuyerEmail"].text(), name=node["BuyerName"].text(),
                company=node["BuyerTaxInfo"]["CompanyLegalName"].text() or node["BuyerCompanyName"].text(),
                purchase_order_number=node["PurchaseOrderNumber"].text())
    return out if any((out.email, out.name, out.company, out.purchase_order_number)) else None


def _address(node: Node) -> Address | None:
    if node.obj() is None:
        return None
    kind = node["AddressType"].text()
    extended = node["ExtendedFields"]
    extended.obj()  # an object or absent (Brazil only)
    return Address(
        name=node["Name"].text(), line1=node["AddressLine1"].text(), line2=node["AddressLine2"].text(),
        line3=node["AddressLine3"].text(), city=node["City"].text(), state_or_region=node["StateOrRegion"].text(),
        postal_code=node["PostalCode"].text(), country_code=node["CountryCode"].text(), phone=node["Phone"].text(),
        company=node["CompanyName"].text(), address_type=kind.lower() if kind else None,
        district_or_county=node["District"].text() or node["County"].text(),
        municipality=node["Municipality"].text(),
        street_name=extended["StreetName"].text(), street_number=extended["StreetNumber"].text(),
        complement=extended["Complement"].text(), neighborhood=extended["Neighborhood"].text(),
    )


def _programs(root: Node, items: list[Node]) -> tuple[str, ...]:
    """v0's program flags in the 2026-01-01 words (lower case), in a stable order."""
    found: list[str] = []
    flags = (("IsISPU", "in_store_pick_up"), ("IsPrime", "prime"), ("IsBusinessOrder", "amazon_business"),
             ("IsPremiumOrder", "premium"))
    found += [program for key, program in flags if root[key].flag()]
    if root["OrderType"].text() == "Preorder":
        found.append("preorder")
    if root["EasyShipShipmentStatus"].text() is not None:
        found.append("amazon_easy_ship")
    for item in items:
        for program in item["AmazonPrograms"]["Programs"].items():
            word = program.req_text().lower()
            if word == "fbm_ship_plus" and word not in found:
                found.append(word)
    return tuple(found)
