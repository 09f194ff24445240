"""The warehouse message, version 1 (B14, B13, B9): an order snapshot -> one JSON document.

The shape is ``docs/schemas/warehouse-message-v1.json`` (JSON Schema, draft 2020-12), documented in
``docs/warehouse.md``; every message built here is validated against it in the tests.

Rules:

- Buyer data (B13, Amazon's Data Protection Policy): the ship-to address and the buyer's name go only to
  a receiver an admin allowed to receive them (``pii_allowed``); otherwise ``ship_to`` and ``buyer`` are
  null and ``"pii": "withheld"`` says so. The builder enforces it whatever the snapshot holds.
- Orders that never go out (B3, B8): FBA orders, completed-mode (accounting-only) imports, and any
  order the hub does not send to the warehouse (``send_to_warehouse`` false) give no message
  (:func:`goes_out`): the order flow emits no event for them, and this is the second check.
- Money is a string with the currency's digits; times are ISO 8601 UTC with ``Z``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

SCHEMA = "sellerbridge.warehouse.order/1"
BATCH_SCHEMA = "sellerbridge.warehouse.batch/1"
PING_SCHEMA = "sellerbridge.warehouse.ping/1"

ORDER_CREATED = "order.created"
ORDER_UPDATED = "order.updated"
ORDER_CANCELLED = "order.cancelled"
ORDER_CANCEL_REQUESTED = "order.cancel_requested"
PING = "ping"
# The outbox topics that go to the warehouse (other topics in the outbox are for other readers).
WAREHOUSE_TOPICS = frozenset({ORDER_CREATED, ORDER_UPDATED, ORDER_CANCELLED, ORDER_CANCEL_REQUESTED})

PII_INCLUDED, PII_WITHHELD = "included", "withheld"
SHIP_TO_FIELDS = ("name", "line1", "line2", "line3", "city", "state_or_region", "postal_code", "country_code",
                  "phone", "company", "address_type")


@dataclass(frozen=True, slots=True)
class LineSnapshot:
    order_item_id: str
    sku: str | None
    asin: str | None
    title: str | None
    quantity: int
    quantity_shipped: int = 0
    quantity_cancelled: int = 0
    unit_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class OrderSnapshot:
    """An order as the warehouse sees it; ``ship_to``/``buyer_name`` are set only when read with PII."""

    id: int
    amazon_order_id: str
    version: int
    status: str
    fulfillment: str  # MFN | AFN
    import_mode: str  # normal | purchase_order | completed
    send_to_warehouse: bool
    purchase_date: datetime
    latest_ship_date: datetime | None = None
    latest_delivery_date: datetime | None = None
    service_level: str | None = None
    ship_method: str | None = None
    handling: str = "parcel"
    ship_not_before: datetime | None = None
    is_prime: bool = False
    is_business: bool = False
    is_premium: bool = False
    purchase_order_number: str | None = None
    currency: str | None = None
    order_total: Decimal | None = None
    cancel_reason: str | None = None
    lines: tuple[LineSnapshot, ...] = ()
    ship_to: Mapping[str, str | None] | None = field(default=None, repr=False)
    buyer_name: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class ConnectionRef:
    id: int
    name: str
    marketplace_id: str


def goes_out(order: OrderSnapshot) -> bool:
    """Whether the order may reach the warehouse at all (B3, B8): merchant-fulfilled, not an
    accounting-only (completed) import, and marked for the warehouse."""
    return order.send_to_warehouse and order.fulfillment == "MFN" and order.import_mode != "completed"


def build_message(order: OrderSnapshot, *, topic: str, message_id: str, occurred_at: datetime,
                  connection: ConnectionRef, pii_allowed: bool) -> dict[str, Any]:
    """The message body (see the module's rules); ``ValueError`` for an order that never goes out."""
    if not goes_out(order):
        raise ValueError(f"order {order.id} never goes to the warehouse")
    include = pii_allowed and (order.ship_to is not None or order.buyer_name is not None)
    return {
        "schema": SCHEMA,
        "message_id": message_id,
        "topic": topic,
        "occurred_at": iso(occurred_at),
        "connection": {"id": connection.id, "name": connection.name, "marketplace_id": connection.marketplace_id},
        "pii": PII_INCLUDED if include else PII_WITHHELD,
        "order": {
            "id": order.id, "amazon_order_id": order.amazon_order_id, "version": order.version,
            "status": order.status, "purchase_date": iso(order.purchase_date),
            "latest_ship_date": iso(order.latest_ship_date), "latest_delivery_date": iso(order.latest_delivery_date),
            "service_level": order.service_level, "ship_method": order.ship_method, "handling": order.handling,
            "ship_not_before": iso(order.ship_not_before), "is_prime": order.is_prime,
            "is_business": order.is_business, "is_premium": order.is_premium,
            "purchase_order_number": order.purchase_order_number, "currency": order.currency,
            "order_total": money(order.order_total), "cancel_reason": order.cancel_reason,
            "lines": [_line(line) for line in order.lines],
            "ship_to": _ship_to(order.ship_to) if include and order.ship_to is not None else None,
            "buyer": {"name": order.buyer_name} if include and order.buyer_name is not None else None,
        },
    }


def build_ping(*, message_id: str, at: datetime, connection: ConnectionRef, receiver_name: str) -> dict[str, Any]:
    """The signed test message of ``receivers test``: no order, no buyer data."""
    return {"schema": PING_SCHEMA, "message_id": message_id, "topic": PING, "occurred_at": iso(at),
            "connection": {"id": connection.id, "name": connection.name, "marketplace_id": connection.marketplace_id},
            "receiver": receiver_name}


def _line(line: LineSnapshot) -> dict[str, Any]:
    return {"order_item_id": line.order_item_id, "sku": line.sku, "asin": line.asin, "title": line.title,
            "quantity": line.quantity, "quantity_shipped": line.quantity_shipped,
            "quantity_cancelled": line.quantity_cancelled, "unit_price": money(line.unit_price)}


def _ship_to(address: Mapping[str, str | None]) -> dict[str, str | None]:
    return {name: address.get(name) for name in SHIP_TO_FIELDS}


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") + (
        f".{moment.microsecond // 1000:03d}Z" if moment.microsecond else "Z")


def money(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")
