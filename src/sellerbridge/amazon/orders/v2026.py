"""Orders API 2026-01-01 ``Order`` -> domain ``OrderDraft`` (B1-B13).

The rules, from Amazon's model (orders_2026-01-01.json) and docs/amazon-quirks.md:

- The status is ``fulfillment.fulfillmentStatus`` and comes only with ``includedData=FULFILLMENT``;
  an order without it cannot be filtered (B2), so it is a ``MappingError``, as is a status the hub
  does not know: guessing would import or drop orders wrongly (the words: ``statuses.py``).
- ``fulfilledBy`` decides MFN/FBA (B3). It is required too: an Amazon-fulfilled order must never reach
  the warehouse by a default.
- ``fulfillmentServiceLevel`` values Amazon adds later map to ``None``: ship-method mapping decides
  what to do with them (B7), the download does not fail on them.
- Every dataset but the items is optional (``buyer``, ``recipient``, ``proceeds``...): Amazon leaves
  out what the app's roles do not open (B13) and what the order does not have yet (no money while
  Pending, no proceeds once cancelled).
- Money is Amazon's decimal strings, read into ``Money`` (never float). A line's money comes from its
  ``proceeds`` breakdowns: ``SHIPPING`` is the shipping charge, ``TAX`` is split by its detailed
  breakdowns into item tax and shipping tax (tax not attributed to shipping counts as item tax, so the
  line still adds up), ``DISCOUNT`` is negative at Amazon and kept positive as the amount taken off.
  The unit price is ``product.price.unitPrice``.
- Cancellations (B9): ``cancellationRequest`` from the buyer marks the line ``buyer_cancel_requested``
  (a decision for the merchant); ``cancellationExecution`` says who cancelled and why.
- ``programs`` are kept (lower case) and decide what the warehouse gets (``domain/orders/programs.py``);
  a pre-order's release is ``shipByWindow.earliestDateTime``.
- ``packages`` (``PACKAGES`` dataset, merchant-fulfilled orders) give Amazon's ship time and the
  delivery: the purge clock (B13, ``domain/orders/purge_clock.py``). A package status the hub does not
  know reads as None (the package then counts as not delivered), never as a guess.
- The address keeps ``districtOrCounty``, ``municipality`` and Brazil's ``extendedFields`` (street name,
  number, complement, neighbourhood); the item's ``giftOption.giftWrapLevel`` is kept as written.
"""

from __future__ import annotations

from typing import Any

from ...domain.common.money import Money
from ...domain.orders.model import (
    Address,
    Buyer,
    OrderDraft,
    OrderLineDraft,
    PackageDraft,
    PackageStatus,
    ServiceLevel,
)
from ..wire import BAD_PAYLOAD, BAD_QUANTITY, CURRENCY_MISMATCH, UNKNOWN_FULFILLMENT, UNKNOWN_STATUS, MappingError, Node
from .statuses import FULFILLED_BY_2026, FULFILLMENT_STATUS_2026

SERVICE_LEVEL = {
    "STANDARD": ServiceLevel.STANDARD,
    "EXPEDITED": ServiceLevel.EXPEDITED,
    "SECOND_DAY": ServiceLevel.SECOND_DAY,
    "NEXT_DAY": ServiceLevel.NEXT_DAY,
    "SCHEDULED": ServiceLevel.SCHEDULED,
    "FREE_ECONOMY": ServiceLevel.FREE_ECONOMY,
    "SAME_DAY": ServiceLevel.SAME_DAY,
    "PRIORITY": ServiceLevel.PRIORITY,
}
SELLER_ORDER_ID = "SELLER_ORDER_ID"


def to_order_draft(payload: dict[str, Any], *, marketplace_id: str | None = None) -> OrderDraft:
    """Map one 2026-01-01 ``Order``; raises ``MappingError`` (code, where) when it cannot.

    ``marketplace_id`` is used when ``salesChannel.marketplaceId`` is absent (the connection knows it).
    """
    root = Node(payload)
    root.obj(required=True)
    order_id = root.req_text("orderId")
    fulfillment = root["fulfillment"]
    status_node = fulfillment["fulfillmentStatus"]
    raw_status = status_node.text()
    if raw_status is None:
        raise status_node.fail(BAD_PAYLOAD, "no order status: the order must be read with includedData=FULFILLMENT")
    status = FULFILLMENT_STATUS_2026.get(raw_status)
    if status is None:
        raise status_node.fail(UNKNOWN_STATUS, f"unknown order status {raw_status!r:.40}")
    by_node = fulfillment["fulfilledBy"]
    fulfilled_by = FULFILLED_BY_2026.get(by_node.req_text())
    if fulfilled_by is None:
        raise by_node.fail(UNKNOWN_FULFILLMENT, f"unknown fulfilledBy {by_node.value!r:.40}")
    level_text = fulfillment.text("fulfillmentServiceLevel")

    channel = root["salesChannel"]
    marketplace = channel.text("marketplaceId") or marketplace_id
    if marketplace is None:
        raise channel["marketplaceId"].fail(BAD_PAYLOAD, "no marketplace id")

    programs = tuple(p.req_text() for p in root["programs"].items())
    executions: list[Node] = []  # the items' cancellation executions, in item order
    lines = tuple(_line(node, executions) for node in root["orderItems"].items(required=True))
    if not lines:
        raise root["orderItems"].fail(BAD_PAYLOAD, "an order without items")
    seller_order_id = None
    for alias in root["orderAliases"].items():
        alias.obj(required=True)
        if alias.text("aliasType") == SELLER_ORDER_ID:
            seller_order_id = alias.text("aliasId")

    total = root["proceeds"].money("grandTotal")
    currency = _one_currency(root, total, lines)
    cancel_by, cancel_reason = _order_cancellation(executions)
    draft = OrderDraft(
        amazon_order_id=order_id,
        marketplace_id=marketplace,
        status=status,
        fulfillment=fulfilled_by,
        purchase_date=root.req_moment("createdTime"),
        last_updated=root.req_moment("lastUpdatedTime"),
        service_level=SERVICE_LEVEL.get(level_text or ""),
        ship_service_level=level_text,
        lines=lines,
        currency=currency,
        buyer=_buyer(root["buyer"]),
        ship_to=_address(root.at("recipient", "deliveryAddress")),
        is_prime="PRIME" in programs,
        is_business="AMAZON_BUSINESS" in programs,
        is_premium="PREMIUM" in programs,
        payment_terms=_payment_terms(root["payment"]),
        latest_ship_date=fulfillment["shipByWindow"].moment("latestDateTime"),
        earliest_ship_date=fulfillment["shipByWindow"].moment("earliestDateTime"),
        latest_delivery_date=fulfillment["deliverByWindow"].moment("latestDateTime"),
        cancelled_by=cancel_by,
        cancel_reason=cancel_reason,
        programs=tuple(p.lower() for p in programs),
        seller_order_id=seller_order_id,
        order_total=total,
        packages=tuple(_package(node) for node in root["packages"].items()),
        source=payload,  # what the error log keeps should the store refuse the draft (B11)
    )
    return draft


def _line(item: Node, executions: list[Node]) -> OrderLineDraft:
    item.obj(required=True)
    product = item["product"]
    product.obj(required=True)
    quantity = item.integer("quantityOrdered", required=True) or 0
    fulfilled = item["fulfillment"]
    shipped = fulfilled.integer("quantityFulfilled", default=0) or 0
    unshipped = fulfilled.integer("quantityUnfulfilled")
    if shipped > quantity:
        raise fulfilled["quantityFulfilled"].fail(BAD_QUANTITY, f"{shipped} fulfilled of {quantity} ordered")
    # What is neither shipped nor still to ship was cancelled (Amazon has no cancelled count).
    cancelled = 0
    if unshipped is not None:
        if shipped + unshipped > quantity:
            raise fulfilled["quantityUnfulfilled"].fail(
                BAD_QUANTITY, f"{shipped} fulfilled + {unshipped} unfulfilled > {quantity} ordered")
        cancelled = quantity - shipped - unshipped
    shipping, item_tax, shipping_tax, discount = _line_proceeds(item["proceeds"])
    gift = fulfilled.at("packing", "giftOption")
    cancellation = item["cancellation"]
    request = cancellation["cancellationRequest"]
    execution = cancellation["cancellationExecution"]
    requested = request.obj() is not None and (request.text("requester") or "BUYER") == "BUYER"
    reason = request.text("cancelReason") if requested else None
    if execution.obj() is not None:
        reason = execution.text("cancelReason") or reason
        executions.append(execution)
    return OrderLineDraft(
        order_item_id=item.req_text("orderItemId"),
        sku=product.text("sellerSku"),
        asin=product.text("asin"),
        title=product.text("title"),
        quantity=quantity,
        quantity_shipped=shipped,
        quantity_cancelled=cancelled,
        unit_price=product["price"].money("unitPrice"),
        item_tax=item_tax,
        shipping_price=shipping,
        shipping_tax=shipping_tax,
        promotion_discount=discount,
        gift_message=gift.text("giftMessage"),
        gift_wrap_level=gift.text("giftWrapLevel"),
        buyer_cancel_requested=requested,
        cancel_reason=reason,
    )


def _line_proceeds(proceeds: Node) -> tuple[Money | None, Money | None, Money | None, Money | None]:
    """(shipping, item tax, shipping tax, discount taken off) of one item's proceeds breakdowns."""
    shipping = item_tax = shipping_tax = discount = None
    for part in proceeds["breakdowns"].items():
        part.obj(required=True)
        kind = part.req_text("type")
        subtotal = part.req_money("subtotal")
        if kind == "SHIPPING":
            shipping = _add(shipping, subtotal, part)
        elif kind == "DISCOUNT":
            discount = _add(discount, -subtotal, part)  # Amazon writes it negative
        elif kind == "TAX":
            on_shipping = None
            for detail in part["detailedBreakdowns"].items():
                detail.obj(required=True)
                if detail.text("subtype") == "SHIPPING":
                    on_shipping = _add(on_shipping, detail.req_money("value"), detail)
            shipping_tax = _add(shipping_tax, on_shipping, part) if on_shipping is not None else shipping_tax
            on_item = subtotal - on_shipping if on_shipping is not None else subtotal
            item_tax = _add(item_tax, on_item, part)
        # ITEM is unit price x quantity (read from the product); GIFT_WRAP, COD_FEE, OTHER are not
        # order-line money the hub keeps (settlements carry them, F3).
    return shipping, item_tax, shipping_tax, discount


def _add(total: Money | None, amount: Money, where: Node) -> Money:
    if total is None:
        return amount
    if total.currency != amount.currency:
        raise where.fail(CURRENCY_MISMATCH, f"{total.currency} and {amount.currency} in one order")
    return total + amount


def _one_currency(root: Node, total: Money | None, lines: tuple[OrderLineDraft, ...]) -> str | None:
    seen = {total.currency} if total else set()
    for line in lines:
        for money in (line.unit_price, line.item_tax, line.shipping_price, line.shipping_tax,
                      line.promotion_discount):
            if money is not None:
                seen.add(money.currency)
    if len(seen) > 1:
        raise root["orderItems"].fail(CURRENCY_MISMATCH, f"several currencies in one order: {sorted(seen)}")
    return next(iter(seen), None)


def _buyer(node: Node) -> Buyer | None:
    if node.obj() is None:
        return None
    buyer = Buyer(email=node.text("buyerEmail"), name=node.text("buyerName"), company=node.text("buyerCompanyName"),
                  purchase_order_number=node.text("buyerPurchaseOrderNumber"))
    return buyer if any((buyer.email, buyer.name, buyer.company, buyer.purchase_order_number)) else None


def _address(node: Node) -> Address | None:
    if node.obj() is None:
        return None
    kind = node.text("addressType")
    text = node.text
    extended = node["extendedFields"]
    extended.obj()  # an object or absent (Brazil only)
    return Address(
        name=text("name"), line1=text("addressLine1"), line2=text("addressLine2"), line3=text("addressLine3"),
        city=text("city"), state_or_region=text("stateOrRegion"), postal_code=text("postalCode"),
        country_code=text("countryCode"), phone=text("phone"), company=text("companyName"),
        address_type=kind.lower() if kind else None,
        district_or_county=text("districtOrCounty"), municipality=text("municipality"),
        street_name=extended.text("streetName"), street_number=extended.text("streetNumber"),
        complement=extended.text("complement"), neighborhood=extended.text("neighborhood"),
    )


def _package(node: Node) -> PackageDraft:
    node.obj(required=True)
    status = node["packageStatus"]
    word = status.text("status")
    return PackageDraft(
        reference_id=node.req_text("packageReferenceId"),
        status=PackageStatus.__members__.get(word) if word else None,
        ship_time=node.moment("shipTime"),
        carrier=node.text("carrier"),
        tracking_number=node.text("trackingNumber"),
    )


def _payment_terms(node: Node) -> str | None:
    """"Invoice" for business NET-30 orders (B2: InvoiceUnconfirmed has no 2026-01-01 status)."""
    for execution in node["paymentExecutions"].items():
        execution.obj(required=True)
        if execution.text("paymentMethod") == "Invoice":
            return "Invoice"
    return None


def _order_cancellation(executions: list[Node]) -> tuple[str | None, str | None]:
    """Who cancelled the order and why, from the first item with a cancellation execution."""
    if not executions:
        return None, None
    first = executions[0]
    return first.text("cancelledBy"), first.text("cancelReason")


def order_id_of(payload: Any) -> str | None:
    """The order id of a payload, for error-log keys, even when the rest cannot be mapped."""
    try:
        return Node(payload).text("orderId")
    except MappingError:
        return None
