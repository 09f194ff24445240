"""Small builders of domain order drafts for the unit tests of filters and mapping."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sellerbridge.domain.common.money import Money
from sellerbridge.domain.orders.model import (
    Address,
    Buyer,
    Fulfillment,
    OrderDraft,
    OrderLineDraft,
    OrderStatus,
    ServiceLevel,
)

PLACED = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


def line(n: int = 1, **kw: Any) -> OrderLineDraft:
    values: dict[str, Any] = {
        "order_item_id": f"item-{n}", "sku": f"SKU-{n}", "asin": f"B00000000{n}", "title": f"Product {n}",
        "quantity": 2, "unit_price": usd("10.00"), "item_tax": usd("1.60"),
    }
    values.update(kw)
    return OrderLineDraft(**values)


ADDRESS = Address(name="Zoë Müller", line1="Königstraße 12", line2="3. OG", line3=None, city="München",
                  state_or_region="Bayern", postal_code="80331", country_code="DE", phone="+49 89 1234567",
                  company="Ærøskøbing Handel GmbH", address_type="commercial")
BUYER = Buyer(email="Zoe.Mueller@marketplace.amazon.de", name="Zoë Müller", company="Ærøskøbing Handel GmbH",
              purchase_order_number="PO-4711")


def draft(*lines: OrderLineDraft, **kw: Any) -> OrderDraft:
    values: dict[str, Any] = {
        "amazon_order_id": "111-0000001-0000001", "marketplace_id": "ATVPDKIKX0DER",
        "status": OrderStatus.UNSHIPPED, "fulfillment": Fulfillment.MERCHANT, "purchase_date": PLACED,
        "last_updated": PLACED, "service_level": ServiceLevel.STANDARD, "ship_service_level": "STANDARD",
        "lines": lines or (line(1),), "currency": "USD", "buyer": BUYER, "ship_to": ADDRESS,
    }
    values.update(kw)
    return OrderDraft(**values)


def with_status(d: OrderDraft, status: OrderStatus) -> OrderDraft:
    return replace(d, status=status)
