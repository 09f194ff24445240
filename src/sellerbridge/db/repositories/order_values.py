"""Column values of an order, its lines and its address, from an Amazon draft and the hub's mapping.

Pure functions (no queries) shared by inserts and updates. ``check_draft`` turns what the tables
would refuse into a reprocessable ``DomainError`` (B11) before anything is written.

The address's personal fields are the one list of ``domain/common/pii.py`` (B13): written only with
the PII grant, encrypted where the table has an ``<field>_enc`` column. The postal code has none yet
(a clear column), so it is written in clear, but, like the others, only with the grant.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sellerbridge.domain.common.errors import DomainError
from sellerbridge.domain.orders.model import OrderDraft, OrderLineDraft, OrderStatus
from sellerbridge.domain.orders.purge_clock import amazon_delivered_at, first_seen, shipped_at_to_keep

from ..crypto import SecretBox
from ._sql import amount
from .order_records import NO_PII, PII_ADDRESS_COLUMNS, LineMapping, OrderRecord


def check_draft(draft: OrderDraft) -> str | None:
    """Reject documents the tables would refuse, as a reprocessable DomainError (B11); return the currency."""
    seen: set[str] = set()
    for line in draft.lines:
        if line.order_item_id in seen:
            raise DomainError("duplicate_line", "the order lists one order item twice", where=line.order_item_id)
        seen.add(line.order_item_id)
        if min(line.quantity, line.quantity_shipped, line.quantity_cancelled) < 0:
            raise DomainError("bad_quantity", "a line quantity is negative", where=line.order_item_id)
    currencies = {
        money.currency
        for line in draft.lines
        for money in (line.unit_price, line.item_tax, line.shipping_price, line.shipping_tax, line.promotion_discount)
        if money is not None
    }
    if draft.order_total is not None:
        currencies.add(draft.order_total.currency)
    if draft.currency:
        currencies.add(draft.currency.upper())
    if len(currencies) > 1:
        raise DomainError("mixed_currencies", f"amounts in {', '.join(sorted(currencies))} in one order")
    return next(iter(currencies), None)


def order_values(draft: OrderDraft, currency: str | None) -> dict[str, Any]:
    buyer = draft.buyer
    return {
        "marketplace_id": draft.marketplace_id,
        "seller_order_id": draft.seller_order_id,
        "status": draft.status.value,
        "fulfillment": draft.fulfillment.value,
        "purchase_date": draft.purchase_date,
        "amazon_last_updated": draft.last_updated,
        "service_level": draft.service_level.value if draft.service_level else None,
        "ship_service_level": draft.ship_service_level,
        "is_prime": draft.is_prime,
        "is_business": draft.is_business,
        "is_premium": draft.is_premium,
        "payment_terms": draft.payment_terms,
        "purchase_order_number": buyer.purchase_order_number if buyer else None,
        "currency": currency,
        "order_total": amount(draft.order_total),
        "latest_ship_date": draft.latest_ship_date,
        "latest_delivery_date": draft.latest_delivery_date,
        "buyer_cancel_requested": draft.buyer_cancel_requested,
        "cancel_reason": draft.cancel_reason,
        "cancelled_by": draft.cancelled_by,
        "programs": list(draft.programs),
    }


def line_values(line: OrderLineDraft, mapped: LineMapping | None) -> dict[str, Any]:
    return {
        "order_item_id": line.order_item_id,
        "sku": line.sku,
        "asin": line.asin,
        "item_id": mapped.item_id if mapped else None,
        "title": mapped.title if mapped and mapped.title is not None else line.title,
        "quantity": line.quantity,
        "quantity_shipped": line.quantity_shipped,
        "quantity_cancelled": line.quantity_cancelled,
        "unit_price": amount(line.unit_price),
        "item_tax": amount(line.item_tax),
        "shipping_price": amount(line.shipping_price),
        "shipping_tax": amount(line.shipping_tax),
        "promotion_discount": amount(line.promotion_discount),
        "gift_wrap_level": line.gift_wrap_level,
    }


def address_values(draft: OrderDraft, box: SecretBox, store_pii: bool) -> dict[str, Any] | None:
    """Every column of the draft's address; the personal ones None unless ``store_pii`` (B13)."""
    to = draft.ship_to
    if to is None:
        return None
    values: dict[str, Any] = {
        "city": to.city,
        "state_or_region": to.state_or_region,
        "country_code": to.country_code,
        "company": to.company,
        "address_type": to.address_type,
        **NO_PII,
    }
    if store_pii:
        for name, (column, encrypted) in PII_ADDRESS_COLUMNS.items():
            value = getattr(to, name)
            values[column] = box.encrypt(value) if encrypted else value
    return values


def milestones(draft: OrderDraft, now: datetime, current: OrderRecord | None) -> dict[str, Any]:
    """When the hub learned of a cancellation (its clock: Amazon's payload has no cancel time), and
    Amazon's own ship and delivery times (the purge clock, B13: ``domain/orders/purge_clock.py``)."""
    values: dict[str, Any] = {}
    if draft.status is OrderStatus.CANCELLED and (current is None or current.cancelled_at is None):
        values["cancelled_at"] = now
    shipped = shipped_at_to_keep(current.shipped_at if current else None, draft)
    if shipped is not None:
        values["shipped_at"] = shipped
    delivered = first_seen(current.delivered_at if current else None, amazon_delivered_at(draft))
    if delivered is not None:
        values["delivered_at"] = delivered
    return values
