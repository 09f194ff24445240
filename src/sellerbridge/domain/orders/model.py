"""An Amazon order as the hub sees it, before it is stored: ``OrderDraft`` (B1-B13).

``amazon/`` maps Amazon's wire payloads (Orders 2026-01-01, v0, the actionable-orders report) to
drafts; ``domain`` rules filter and map them; ``sync/orders`` stores them. Amazon's CamelCase never
appears here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from ..common.money import Money
from ..common.pii import carries_address_pii


class OrderStatus(StrEnum):
    """Amazon's order statuses, in the hub's words."""

    PENDING = "pending"
    PENDING_AVAILABILITY = "pending_availability"
    UNSHIPPED = "unshipped"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"
    UNFULFILLABLE = "unfulfillable"
    INVOICE_UNCONFIRMED = "invoice_unconfirmed"


class Fulfillment(StrEnum):
    MERCHANT = "MFN"  # the merchant ships (sent to the warehouse)
    AMAZON = "AFN"  # FBA: recorded for stock and accounting, never sent to the warehouse (B3)


class ServiceLevel(StrEnum):
    """Amazon's shipping service level categories (B7)."""

    STANDARD = "Standard"
    EXPEDITED = "Expedited"
    SECOND_DAY = "SecondDay"
    NEXT_DAY = "NextDay"
    SCHEDULED = "Scheduled"
    FREE_ECONOMY = "FreeEconomy"
    SAME_DAY = "SameDay"
    PRIORITY = "Priority"


@dataclass(frozen=True, slots=True)
class Address:
    """A delivery address. Name, lines, postal code, phone and the street-level parts (Brazil's
    extended fields, district, municipality) are PII (B13: ``domain/common/pii.py``)."""

    name: str | None
    line1: str | None
    line2: str | None
    line3: str | None
    city: str | None
    state_or_region: str | None
    postal_code: str | None
    country_code: str | None
    phone: str | None = None
    company: str | None = None
    address_type: str | None = None
    district_or_county: str | None = None
    municipality: str | None = None
    # Amazon's extendedFields (Brazil): the street split as a Brazilian carrier label wants it
    street_name: str | None = None
    street_number: str | None = None
    complement: str | None = None  # floor / unit
    neighborhood: str | None = None

    @property
    def has_pii(self) -> bool:
        """Whether a personal field (the one list, B13) has a value."""
        return carries_address_pii(self)


@dataclass(frozen=True, slots=True)
class Buyer:
    """Who bought. E-mail is Amazon's per-seller relay address; name and e-mail are PII (B13)."""

    email: str | None
    name: str | None
    company: str | None = None
    purchase_order_number: str | None = None


@dataclass(frozen=True, slots=True)
class OrderLineDraft:
    order_item_id: str
    sku: str | None
    asin: str | None
    title: str | None
    quantity: int
    quantity_shipped: int = 0
    unit_price: Money | None = None  # None while the order is Pending (Amazon sends no money then)
    item_tax: Money | None = None
    shipping_price: Money | None = None
    shipping_tax: Money | None = None
    promotion_discount: Money | None = None  # positive: the amount taken off the line (as v0 writes it)
    gift_message: str | None = None
    gift_wrap_level: str | None = None  # Amazon's wrap service level as written ("PREMIUM"); not PII
    buyer_cancel_requested: bool = False
    cancel_reason: str | None = None
    quantity_cancelled: int = 0  # units Amazon cancelled on this line (never shipped, never held)

    @property
    def quantity_open(self) -> int:
        return max(0, self.quantity - self.quantity_shipped - self.quantity_cancelled)


class PackageStatus(StrEnum):
    """Amazon's package statuses (Orders 2026-01-01 ``PackageStatus.status``)."""

    PENDING = "PENDING"
    IN_TRANSIT = "IN_TRANSIT"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"
    UNDELIVERABLE = "UNDELIVERABLE"


@dataclass(frozen=True, slots=True)
class PackageDraft:
    """A shipping package as Amazon reports it (``PACKAGES`` dataset, merchant-fulfilled orders only):
    what the purge clock reads (B13, ``domain/orders/purge_clock.py``)."""

    reference_id: str
    status: PackageStatus | None  # None: a status word the hub does not know (never guessed)
    ship_time: datetime | None = None  # handed to the carrier, Amazon's clock
    carrier: str | None = None
    tracking_number: str | None = None


@dataclass(frozen=True, slots=True)
class OrderDraft:
    amazon_order_id: str
    marketplace_id: str
    status: OrderStatus
    fulfillment: Fulfillment
    purchase_date: datetime
    last_updated: datetime
    service_level: ServiceLevel | None
    ship_service_level: str | None  # Amazon's free text ("Std US D2D Dom")
    lines: tuple[OrderLineDraft, ...]
    currency: str | None = None
    buyer: Buyer | None = None
    ship_to: Address | None = None
    is_prime: bool = False
    is_business: bool = False
    is_premium: bool = False
    payment_terms: str | None = None  # "Invoice" for business NET-30
    latest_ship_date: datetime | None = None
    latest_delivery_date: datetime | None = None
    cancelled_by: str | None = None
    cancel_reason: str | None = None
    programs: tuple[str, ...] = field(default_factory=tuple)  # Amazon's words, lower case ("in_store_pick_up")
    earliest_ship_date: datetime | None = None  # a pre-order's release: not to be shipped before
    packages: tuple[PackageDraft, ...] = field(default_factory=tuple)
    seller_order_id: str | None = None  # the merchant's own number for the order, when set on Amazon
    order_total: Money | None = None  # what the buyer pays (Amazon's grand total); None while Pending
    # Amazon's document as read, opaque to the hub's rules: what the error log keeps when the order
    # cannot be mapped (B11). Never compared, never shown (it may hold buyer data, B13).
    source: Any = field(default=None, repr=False, compare=False)

    @property
    def buyer_cancel_requested(self) -> bool:
        return any(line.buyer_cancel_requested for line in self.lines)

    @property
    def is_mfn(self) -> bool:
        return self.fulfillment is Fulfillment.MERCHANT
