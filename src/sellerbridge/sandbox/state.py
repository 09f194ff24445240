"""What the sandbox Amazon knows: sellers, listings, orders, feeds, reports, documents (I4).

Plain dataclasses, keyed per seller, in the spirit of moto's ``models.py``. Order status values
are v0's (``Unshipped``, ``PartiallyShipped``, ``Canceled`` ...); the 2026-01-01 renderer maps
them to its own ``fulfillmentStatus`` enum. Money is ``Decimal``; datetimes are aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

# v0 OrderStatus values, the sandbox's internal vocabulary.
PENDING = "Pending"
UNSHIPPED = "Unshipped"
PARTIALLY_SHIPPED = "PartiallyShipped"
SHIPPED = "Shipped"
CANCELED = "Canceled"
UNFULFILLABLE = "Unfulfillable"
INVOICE_UNCONFIRMED = "InvoiceUnconfirmed"
PENDING_AVAILABILITY = "PendingAvailability"

# v0 ShipServiceLevelCategory values.
# Orders 2026-01-01 programs a scripted order may carry (PRIME, AMAZON_BUSINESS, PREMIUM come from flags)
ORDER_PROGRAMS = ("AMAZON_BAZAAR", "AMAZON_EASY_SHIP", "AMAZON_HAUL", "DELIVERY_BY_AMAZON", "FBM_SHIP_PLUS",
                  "INVOICE_BY_AMAZON", "IN_STORE_PICK_UP", "PREORDER")
SERVICE_LEVELS = ("Standard", "Expedited", "SecondDay", "NextDay", "Scheduled", "FreeEconomy", "SameDay")

# Roles an app can hold for a seller. Restricted roles decide what PII may be returned (B13).
ROLE_DIRECT_TO_CONSUMER_SHIPPING = "DirectToConsumerShipping"  # recipient address (restricted)
ROLE_TAX_INVOICING = "TaxInvoicing"  # buyer name/company/tax info (restricted)
ROLE_INVENTORY_AND_ORDER_TRACKING = "InventoryAndOrderTracking"
ROLE_PRICING = "Pricing"
ROLE_FINANCE = "FinanceAndAccounting"
DEFAULT_ROLES = (
    ROLE_INVENTORY_AND_ORDER_TRACKING, ROLE_PRICING, ROLE_FINANCE,
    ROLE_DIRECT_TO_CONSUMER_SHIPPING, ROLE_TAX_INVOICING,
)


@dataclass
class Address:
    name: str
    line1: str
    line2: str | None
    city: str
    state_or_region: str | None
    postal_code: str
    country_code: str
    phone: str | None = None
    company: str | None = None
    address_type: str = "Residential"  # or "Commercial"
    district_or_county: str | None = None
    municipality: str | None = None
    # Amazon's extendedFields, Brazil only: the street split as Brazilian carriers want it
    street_name: str | None = None
    street_number: str | None = None
    complement: str | None = None
    neighborhood: str | None = None


@dataclass
class Buyer:
    buyer_id: str
    name: str
    email: str  # Amazon's anonymized relay address
    company: str | None = None
    purchase_order_number: str | None = None
    tax_id: str | None = None


@dataclass
class OrderLine:
    order_item_id: str
    sku: str
    asin: str
    title: str
    quantity: int
    unit_price: Decimal
    item_tax: Decimal
    shipping_price: Decimal
    shipping_tax: Decimal
    promotion_discount: Decimal = Decimal("0")
    promotion_ids: list[str] = field(default_factory=list)
    gift_message: str | None = None
    gift_wrap_level: str | None = None  # "STANDARD" | "PREMIUM", with a gift message
    condition: str = "New"
    quantity_shipped: int = 0
    quantity_cancelled: int = 0

    @property
    def quantity_unshipped(self) -> int:
        return self.quantity - self.quantity_shipped - self.quantity_cancelled


@dataclass
class ShipmentItem:
    order_item_id: str
    quantity: int


@dataclass
class Shipment:
    """One confirmed package (confirmShipment, fulfillment feed, or Amazon's own FBA shipment)."""

    package_reference_id: str
    carrier_code: str
    carrier_name: str | None
    shipping_method: str | None
    tracking_number: str
    ship_date: datetime
    items: list[ShipmentItem]
    confirmed_at: datetime
    source: str  # "confirmShipment" | "POST_ORDER_FULFILLMENT_DATA" | "POST_FLAT_FILE_FULFILLMENT_DATA" | "AFN"
    ship_from_postal_code: str | None = None
    delivered_at: datetime | None = None  # the carrier's delivery scan (POST .../deliver)


@dataclass
class Order:
    order_id: str
    seller_id: str
    marketplace_id: str
    currency: str
    purchase_date: datetime
    last_updated: datetime
    status: str
    fulfillment_channel: str  # "MFN" | "AFN"
    service_level: str  # one of SERVICE_LEVELS
    ship_service_level: str  # free text, e.g. "Std US D2D Dom"
    buyer: Buyer
    ship_to: Address
    lines: list[OrderLine]
    earliest_ship: datetime
    latest_ship: datetime
    earliest_delivery: datetime
    latest_delivery: datetime
    is_prime: bool = False
    is_business: bool = False
    is_premium: bool = False
    payment_method: str = "Other"  # "Invoice" for business NET-30
    seller_order_id: str | None = None
    buyer_cancel_reason: str | None = None  # buyer asked to cancel (seller decides)
    cancelled_by: str | None = None  # "AMAZON" | "BUYER" | "SELLER"
    cancel_reason: str | None = None
    shipments: list[Shipment] = field(default_factory=list)
    shipment_status: str | None = None  # updateShipmentStatus: ReadyForPickup | PickedUp | RefusedPickup
    late: bool = False
    refunds: list[dict[str, Any]] = field(default_factory=list)
    # Amazon's programs beyond the prime/business/premium flags, in Amazon's words (ORDER_PROGRAMS)
    programs: list[str] = field(default_factory=list)

    @property
    def is_mfn(self) -> bool:
        return self.fulfillment_channel == "MFN"

    def line(self, order_item_id: str) -> OrderLine | None:
        return next((ln for ln in self.lines if ln.order_item_id == order_item_id), None)

    def order_total(self) -> Decimal:
        return sum(
            (ln.unit_price * ln.quantity + ln.item_tax + ln.shipping_price + ln.shipping_tax
             - ln.promotion_discount for ln in self.lines),
            Decimal("0"),
        )


@dataclass
class Listing:
    """A listing in Amazon's attribute shape (Listings Items 2021-08-01 / JSON_LISTINGS_FEED).

    ``attributes`` holds what Amazon shows now; ``pending`` holds accepted changes that become
    visible at their time (Amazon applies a patch a few seconds after ACCEPTED).
    """

    sku: str
    asin: str
    marketplace_id: str
    product_type: str
    title: str
    attributes: dict[str, Any]
    created: datetime
    last_updated: datetime
    status: list[str] = field(default_factory=lambda: ["BUYABLE", "DISCOVERABLE"])
    fulfillment_channel: str = "DEFAULT"  # "DEFAULT" (MFN) or e.g. "AMAZON_NA" (FBA)
    issues: list[dict[str, Any]] = field(default_factory=list)
    pending: list[tuple[datetime, dict[str, Any]]] = field(default_factory=list)


@dataclass
class Document:
    """A feed or report document behind a pre-signed URL."""

    document_id: str
    seller_id: str
    kind: str  # "feed" | "report"
    content_type: str
    created: datetime
    content: bytes | None = None  # feed documents are empty until uploaded
    compression: str | None = None  # "GZIP" for report documents
    corrupt: str | None = None  # "truncate" | "corrupt", a scripted fault on download


@dataclass
class Feed:
    feed_id: str
    seller_id: str
    feed_type: str
    marketplace_ids: list[str]
    input_document_id: str
    created: datetime
    status: str = "IN_QUEUE"  # IN_QUEUE | IN_PROGRESS | DONE | FATAL | CANCELLED
    processing_start: datetime | None = None
    processing_end: datetime | None = None
    result_document_id: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    stuck: bool = False


@dataclass
class Report:
    report_id: str
    seller_id: str
    report_type: str
    marketplace_ids: list[str]
    created: datetime
    data_start: datetime | None = None
    data_end: datetime | None = None
    status: str = "IN_QUEUE"  # IN_QUEUE | IN_PROGRESS | DONE | FATAL | CANCELLED
    processing_start: datetime | None = None
    processing_end: datetime | None = None
    document_id: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    schedule_id: str | None = None


@dataclass
class App:
    """A developer application registered with Login with Amazon."""

    client_id: str
    client_secret: str


@dataclass
class Seller:
    seller_id: str
    marketplace_ids: list[str]
    region: str
    roles: set[str]
    seed: int
    order_rate_per_hour: float
    catalog_size: int
    usage_plan_overrides: dict[str, tuple[float, int]] = field(default_factory=dict)
    listings: dict[tuple[str, str], Listing] = field(default_factory=dict)  # (sku, marketplace_id)
    orders: dict[str, Order] = field(default_factory=dict)
    search_index: dict[str, tuple[datetime, Order]] = field(default_factory=dict)  # lagged copies
    feeds: dict[str, Feed] = field(default_factory=dict)
    reports: dict[str, Report] = field(default_factory=dict)
    order_seq: int = 0
    item_seq: int = 0
    settlement_seq: int = 0
    last_settlement_end: datetime | None = None
    # createReportSchedule: reportScheduleId -> report_lifecycle.ReportSchedule
    report_schedules: dict[str, Any] = field(default_factory=dict)
    # mix knobs for the order stream, see generator.OrderMix
    mix: dict[str, float] = field(default_factory=dict)
    fba_share: float = 0.2  # of the catalog's SKUs fulfilled by Amazon
