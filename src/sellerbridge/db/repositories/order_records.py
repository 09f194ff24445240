"""What the order repository hands out and takes in: plain frozen records, no ORM objects.

Buyer data (the personal address fields of ``domain/common/pii.py``, gift messages) is in a record
only when the caller asked for it with the key (``box``), even where a column is clear text (the
postal code); such fields never show in a repr (B13).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sellerbridge.domain.common.money import Money
from sellerbridge.domain.common.pii import ADDRESS_PII_FIELDS
from sellerbridge.domain.orders.model import Fulfillment, OrderStatus, ServiceLevel

from ..crypto import SecretBox
from ..tables import order_addresses
from ._sql import to_money

# The column of each personal address field (B13), and whether it holds ciphertext: ``<field>_enc``
# where the table has one; the postal code has none yet and is a clear column.
PII_ADDRESS_COLUMNS: dict[str, tuple[str, bool]] = {
    name: (f"{name}_enc", True) if f"{name}_enc" in order_addresses.c else (name, False)
    for name in ADDRESS_PII_FIELDS
}
NO_PII: dict[str, None] = {column: None for column, _ in PII_ADDRESS_COLUMNS.values()}


@dataclass(frozen=True, slots=True)
class LineMapping:
    """How the hub mapped one Amazon line (B6): the internal item, and the title to show."""

    item_id: int | None = None
    title: str | None = None  # None: keep Amazon's title (or the stored one on update)


@dataclass(frozen=True, slots=True)
class OrderMapping:
    """The hub's decisions for an order, from the mapping rules (B5-B8, B13)."""

    customer_id: int | None = None
    ship_method_id: int | None = None
    import_mode: str = "normal"  # normal | purchase_order | completed (B8)
    send_to_warehouse: bool = True  # False for FBA (B3) and "completed" imports (B8)
    handling: str = "parcel"  # domain.orders.programs.Handling: who moves the goods
    ship_not_before: datetime | None = None  # a pre-order's release
    store_pii: bool = True  # False without the connection's PII grant (B13)
    lines: Mapping[str, LineMapping] = field(default_factory=dict)  # by Amazon order item id


@dataclass(frozen=True, slots=True)
class OrderRecord:
    id: int
    connection_id: int
    amazon_order_id: str
    marketplace_id: str
    seller_order_id: str | None
    status: OrderStatus
    fulfillment: Fulfillment
    purchase_date: datetime
    amazon_last_updated: datetime
    service_level: ServiceLevel | None
    ship_service_level: str | None
    ship_method_id: int | None
    customer_id: int | None
    import_mode: str
    send_to_warehouse: bool
    is_prime: bool
    is_business: bool
    is_premium: bool
    payment_terms: str | None
    purchase_order_number: str | None
    currency: str | None
    order_total: Money | None
    latest_ship_date: datetime | None
    latest_delivery_date: datetime | None
    buyer_cancel_requested: bool
    cancelled_at: datetime | None
    cancel_reason: str | None
    cancelled_by: str | None
    shipped_at: datetime | None
    pii_purged_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    delivered_at: datetime | None = None
    programs: tuple[str, ...] = ()
    handling: str = "parcel"
    ship_not_before: datetime | None = None

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None or self.status is OrderStatus.CANCELLED


@dataclass(frozen=True, slots=True)
class LineRecord:
    id: int
    order_id: int
    order_item_id: str
    sku: str | None
    asin: str | None
    item_id: int | None
    title: str | None
    quantity: int
    quantity_shipped: int
    quantity_cancelled: int
    unit_price: Money | None
    item_tax: Money | None
    shipping_price: Money | None
    shipping_tax: Money | None
    promotion_discount: Money | None
    has_gift_message: bool
    gift_message: str | None = field(default=None, repr=False)
    gift_wrap_level: str | None = None

    @property
    def quantity_open(self) -> int:
        return max(0, self.quantity - self.quantity_shipped - self.quantity_cancelled)


@dataclass(frozen=True, slots=True)
class AddressRecord:
    city: str | None
    state_or_region: str | None
    country_code: str | None
    company: str | None
    address_type: str | None
    has_pii: bool  # a personal field is stored (B13)
    # the personal fields (ADDRESS_PII_FIELDS): only when read with the key
    name: str | None = field(default=None, repr=False)
    line1: str | None = field(default=None, repr=False)
    line2: str | None = field(default=None, repr=False)
    line3: str | None = field(default=None, repr=False)
    postal_code: str | None = field(default=None, repr=False)
    phone: str | None = field(default=None, repr=False)
    street_name: str | None = field(default=None, repr=False)
    street_number: str | None = field(default=None, repr=False)
    complement: str | None = field(default=None, repr=False)
    neighborhood: str | None = field(default=None, repr=False)
    district_or_county: str | None = field(default=None, repr=False)
    municipality: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class OrderDetail:
    order: OrderRecord
    lines: tuple[LineRecord, ...]
    address: AddressRecord | None


@dataclass(frozen=True, slots=True)
class OrderPage:
    items: list[OrderRecord]
    total: int
    limit: int
    offset: int


def order_from(m: Mapping[str, Any]) -> OrderRecord:
    service_level = m["service_level"]
    return OrderRecord(
        id=m["id"],
        connection_id=m["connection_id"],
        amazon_order_id=m["amazon_order_id"],
        marketplace_id=m["marketplace_id"],
        seller_order_id=m["seller_order_id"],
        status=OrderStatus(m["status"]),
        fulfillment=Fulfillment(m["fulfillment"]),
        purchase_date=m["purchase_date"],
        amazon_last_updated=m["amazon_last_updated"],
        service_level=ServiceLevel(service_level) if service_level else None,
        ship_service_level=m["ship_service_level"],
        ship_method_id=m["ship_method_id"],
        customer_id=m["customer_id"],
        import_mode=m["import_mode"],
        send_to_warehouse=bool(m["send_to_warehouse"]),
        is_prime=bool(m["is_prime"]),
        is_business=bool(m["is_business"]),
        is_premium=bool(m["is_premium"]),
        payment_terms=m["payment_terms"],
        purchase_order_number=m["purchase_order_number"],
        currency=m["currency"],
        order_total=to_money(m["order_total"], m["currency"]),
        latest_ship_date=m["latest_ship_date"],
        latest_delivery_date=m["latest_delivery_date"],
        buyer_cancel_requested=bool(m["buyer_cancel_requested"]),
        cancelled_at=m["cancelled_at"],
        cancel_reason=m["cancel_reason"],
        cancelled_by=m["cancelled_by"],
        shipped_at=m["shipped_at"],
        pii_purged_at=m["pii_purged_at"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        version=m["version"],
        delivered_at=m["delivered_at"],
        programs=tuple(m["programs"] or ()),
        handling=m["handling"],
        ship_not_before=m["ship_not_before"],
    )


def line_from(m: Mapping[str, Any], currency: str | None, box: SecretBox | None) -> LineRecord:
    gift = m["gift_message_enc"]
    return LineRecord(
        id=m["id"],
        order_id=m["order_id"],
        order_item_id=m["order_item_id"],
        sku=m["sku"],
        asin=m["asin"],
        item_id=m["item_id"],
        title=m["title"],
        quantity=m["quantity"],
        quantity_shipped=m["quantity_shipped"],
        quantity_cancelled=m["quantity_cancelled"],
        unit_price=to_money(m["unit_price"], currency),
        item_tax=to_money(m["item_tax"], currency),
        shipping_price=to_money(m["shipping_price"], currency),
        shipping_tax=to_money(m["shipping_tax"], currency),
        promotion_discount=to_money(m["promotion_discount"], currency),
        has_gift_message=gift is not None,
        gift_message=box.decrypt(gift) if box is not None else None,
        gift_wrap_level=m["gift_wrap_level"],
    )


def address_from(m: Mapping[str, Any], box: SecretBox | None) -> AddressRecord:
    stored = {name: (m[column], encrypted) for name, (column, encrypted) in PII_ADDRESS_COLUMNS.items()}
    personal = {}
    if box is not None:
        personal = {name: box.decrypt(value) if encrypted else value for name, (value, encrypted) in stored.items()}
    return AddressRecord(
        city=m["city"],
        state_or_region=m["state_or_region"],
        country_code=m["country_code"],
        company=m["company"],
        address_type=m["address_type"],
        has_pii=any(value is not None for value, _ in stored.values()),
        **personal,
    )
