"""Small builders of domain order drafts, mapped orders and stored states for the unit tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sellerbridge.domain.common.money import Money
from sellerbridge.domain.orders.changes import LineHold, OrderState
from sellerbridge.domain.orders.filters import ImportMode, OrderImportSettings
from sellerbridge.domain.orders.mapping import CatalogItem, MappedOrder, map_order
from sellerbridge.domain.orders.model import (
    Address,
    Buyer,
    Fulfillment,
    OrderDraft,
    OrderLineDraft,
    OrderStatus,
    ServiceLevel,
)
from sellerbridge.domain.orders.ship_methods import ShipMethodChooser, ShipMethodOption

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


# --- mapped orders and stored states, for the order-change rules (domain/orders/changes.py) ---------

class Listed:
    """A catalog where every ``SKU-n`` is internal item ``n`` (``CatalogView``)."""

    def by_channel_sku(self, amazon_sku: str) -> CatalogItem | None:
        return None

    def by_sku(self, sku: str) -> CatalogItem | None:
        number = sku.rpartition("-")[2]
        return CatalogItem(int(number), sku, f"Internal {sku}") if number.isdigit() else None

    def by_asin(self, asin: str) -> CatalogItem | None:
        return None


class NoCustomers:
    def by_email_hash(self, email_hash: str) -> None:
        return None


SHIP_METHODS = ShipMethodChooser({level: [ShipMethodOption("UPS Ground")] for level in ServiceLevel})


def mapped_order(*lines: OrderLineDraft, import_mode: ImportMode = ImportMode.NORMAL, pii: bool = True,
                 **kw: Any) -> MappedOrder:
    """``draft(*lines, **kw)`` mapped by the real rules (items ``SKU-n`` -> ``n``, one ship method)."""
    settings = OrderImportSettings(import_mode=import_mode, pii_grant=pii)
    return map_order(draft(*lines, **kw), settings, Listed(), NoCustomers(), SHIP_METHODS)


def stored_state(*, status: OrderStatus = OrderStatus.UNSHIPPED, cancelled: bool = False, sent: bool = True,
                 cancel_requested: bool = False, customer: bool = True,
                 holds: dict[str, LineHold] | None = None, ship_to=None) -> OrderState:
    """A stored order as the planner sees it; by default Unshipped, at the warehouse, ``item-1`` holding 2."""
    return OrderState(status=status, cancelled=cancelled, send_to_warehouse=sent,
                      buyer_cancel_requested=cancel_requested, customer_known=customer,
                      holds={"item-1": LineHold(2)} if holds is None else holds, ship_to=ship_to)
