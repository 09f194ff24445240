"""An Amazon order draft -> the order the hub stores and the warehouse receives (B5, B6, B8, B10, B11, B13).

Rules:

- Items (B6): each line is matched to an internal item by the connection's channel SKU mapping
  (Amazon SKU -> item) first, else by the connection's product code: the item whose SKU is the Amazon
  SKU, or the item with the line's ASIN. The line's product code is the internal item's SKU, or the
  ASIN when the connection uses ASINs. A missing product title is the item's description. A line with
  no matching item makes the whole order a ``DomainError("unknown_sku")`` naming every such line: the
  order waits in the error log until the mapping is fixed and it is reprocessed (B11).
- Customer (B5): matched by the buyer's e-mail (Amazon's stable per-seller relay address, compared as
  a hash: the e-mail itself is PII) among the connection's own customers (the store's
  ``CustomerView`` is per connection: a relay address means nothing to another seller account),
  else created; without an e-mail (FBA) or without the connection's PII grant (it may not know the
  buyer, so it may not recognise one either) the order goes to the anonymous Amazon customer.
- PII (B13): only with the connection's grant does the mapped order keep the buyer's name and e-mail,
  the recipient's personal address fields and gift messages (the one list: ``domain/common/pii.py``);
  without it they are dropped here, before anything is stored. City, region, country and company stay.
- Warehouse (B3, B8): an order goes to the warehouse when it is merchant-fulfilled, not imported as
  completed, its programs leave a parcel to the warehouse (``programs.py``: not an in-store pick-up
  or an order Amazon delivers), and it has something to ship now (Unshipped or PartiallyShipped). A
  Pending order is not sent yet (Amazon says not to ship it: it may still be cancelled); a cancelled
  one never. A pre-order goes with its release time (``ship_not_before``).
- Ship method (B7): chosen for merchant-fulfilled orders that will reach the warehouse (pending or
  open) as the hub's parcel; FBA, completed, pick-up and Amazon-carried (Easy Ship) orders need none,
  so their levels need no mapping.
- Holds (B10): merchant-fulfilled orders imported as normal or purchase orders hold their open
  quantity (ordered - shipped - cancelled) while Pending, Unshipped or PartiallyShipped, when the
  warehouse's stock is what ships (``Handling.holds_stock``). FBA stock is Amazon's (D1) and
  completed orders are accounting only: no holds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from ..common.errors import DomainError
from ..common.money import Money
from ..common.pii import redact_address
from .filters import ImportMode, OrderImportSettings, ProductCode
from .model import Address, Fulfillment, OrderDraft, OrderLineDraft, OrderStatus, ServiceLevel
from .programs import Handling, handling_of, is_preorder

UNKNOWN_SKU = "unknown_sku"
UNKNOWN_ASIN = "unknown_asin"

# Statuses with something the warehouse can ship now.
SHIPPABLE = frozenset({OrderStatus.UNSHIPPED, OrderStatus.PARTIALLY_SHIPPED})
# Statuses whose open quantity is committed stock (B10): Amazon has sold it, nobody has shipped it.
HOLDING = SHIPPABLE | {OrderStatus.PENDING, OrderStatus.PENDING_AVAILABILITY}

ItemId = int | str
CustomerId = int | str


@dataclass(frozen=True, slots=True)
class CatalogItem:
    """An internal item as order mapping needs it."""

    item_id: ItemId
    sku: str  # the hub's (and the warehouse's) SKU
    description: str | None = None


class CatalogView(Protocol):
    """The connection's catalog, implemented by the store."""

    def by_channel_sku(self, amazon_sku: str) -> CatalogItem | None:
        """The item the connection's channel listing maps this Amazon SKU to (B6), if any."""

    def by_sku(self, sku: str) -> CatalogItem | None: ...

    def by_asin(self, asin: str) -> CatalogItem | None: ...


class CustomerView(Protocol):
    def by_email_hash(self, email_hash: str) -> CustomerId | None:
        """The customer whose buyer e-mail hashes to ``email_hash``."""


class ShipMethods(Protocol):
    def choose(self, level: ServiceLevel | None, country: str | None) -> str: ...


class CustomerAction(StrEnum):
    MATCH = "match"  # an existing customer
    CREATE = "create"  # a new customer from the buyer's details
    ANONYMOUS = "anonymous"  # no e-mail to match by: the connection's generic Amazon customer


@dataclass(frozen=True, slots=True)
class CustomerInstruction:
    action: CustomerAction
    customer_id: CustomerId | None = None
    email_hash: str | None = None
    # PII (B13), only with the grant; kept out of repr so that a logged object leaks nothing.
    email: str | None = field(default=None, repr=False)
    name: str | None = field(default=None, repr=False)
    company: str | None = None


@dataclass(frozen=True, slots=True)
class MappedLine:
    order_item_id: str
    item_id: ItemId
    product_code: str  # what the warehouse sees: internal SKU, or the ASIN (B6)
    amazon_sku: str | None
    asin: str | None
    title: str | None
    quantity: int
    quantity_shipped: int
    quantity_cancelled: int
    hold_quantity: int  # committed stock (B10)
    unit_price: Money | None
    item_tax: Money | None
    shipping_price: Money | None
    shipping_tax: Money | None
    promotion_discount: Money | None
    gift_message: str | None = field(repr=False)  # PII: only with the grant
    buyer_cancel_requested: bool
    cancel_reason: str | None
    gift_wrap_level: str | None = None


@dataclass(frozen=True, slots=True)
class MappedOrder:
    amazon_order_id: str
    marketplace_id: str
    seller_order_id: str | None
    status: OrderStatus
    fulfillment: Fulfillment
    import_mode: ImportMode
    send_to_warehouse: bool
    ship_method: str | None
    service_level: ServiceLevel | None
    customer: CustomerInstruction
    ship_to: Address | None = field(repr=False)  # PII; without the grant: city, region, country, company only
    lines: tuple[MappedLine, ...]
    purchase_date: datetime
    last_updated: datetime
    latest_ship_date: datetime | None
    latest_delivery_date: datetime | None
    currency: str | None
    order_total: Money | None
    is_prime: bool
    is_business: bool
    purchase_order_number: str | None
    payment_terms: str | None
    cancelled_by: str | None
    cancel_reason: str | None
    buyer_cancel_requested: bool  # surfaced for the merchant's decision (B9)
    pii: bool  # whether buyer/recipient PII was kept
    programs: tuple[str, ...] = ()  # Amazon's programs, lower case (programs.py)
    handling: Handling = Handling.PARCEL  # who moves the goods (programs.py)
    ship_not_before: datetime | None = None  # a pre-order's release: the warehouse keeps it until then

    @property
    def cancelled(self) -> bool:
        return self.status is OrderStatus.CANCELLED

    @property
    def holds(self) -> dict[ItemId, int]:
        """Committed quantity per internal item (B10); lines of one item add up."""
        out: dict[ItemId, int] = {}
        for line in self.lines:
            if line.hold_quantity:
                out[line.item_id] = out.get(line.item_id, 0) + line.hold_quantity
        return out


def normalize_email(email: str) -> str:
    return email.strip().lower()


def hash_email(email: str) -> str:
    """A plain SHA-256 of the normalised e-mail; the store passes a keyed hash in production."""
    return hashlib.sha256(normalize_email(email).encode()).hexdigest()


def map_order(draft: OrderDraft, settings: OrderImportSettings, catalog: CatalogView, customers: CustomerView,
              ship_methods: ShipMethods, *, email_hash: Callable[[str], str] = hash_email) -> MappedOrder:
    """Map one (filtered) draft; raises ``DomainError`` when it cannot be (B11). See the module's rules."""
    merchant = draft.fulfillment is Fulfillment.MERCHANT
    completed = settings.import_mode is ImportMode.COMPLETED
    handling = handling_of(draft.programs)
    warehouse = merchant and not completed and handling.to_warehouse
    holding = warehouse and handling.holds_stock and draft.status in HOLDING
    lines = _lines(draft, settings, catalog, holding)
    ship_to = draft.ship_to
    ship_method = None
    if holding and handling.needs_ship_method:
        ship_method = ship_methods.choose(draft.service_level, ship_to.country_code if ship_to else None)
    buyer = draft.buyer
    return MappedOrder(
        amazon_order_id=draft.amazon_order_id,
        marketplace_id=draft.marketplace_id,
        seller_order_id=draft.seller_order_id,
        status=draft.status,
        fulfillment=draft.fulfillment,
        import_mode=settings.import_mode,
        send_to_warehouse=warehouse and draft.status in SHIPPABLE,
        ship_method=ship_method,
        service_level=draft.service_level,
        customer=_customer(draft, settings, customers, email_hash),
        ship_to=ship_to if settings.pii_grant or ship_to is None else redact_address(ship_to),
        lines=lines,
        purchase_date=draft.purchase_date,
        last_updated=draft.last_updated,
        latest_ship_date=draft.latest_ship_date,
        latest_delivery_date=draft.latest_delivery_date,
        currency=draft.currency,
        order_total=draft.order_total,
        is_prime=draft.is_prime,
        is_business=draft.is_business,
        purchase_order_number=buyer.purchase_order_number if buyer else None,
        payment_terms=draft.payment_terms,
        cancelled_by=draft.cancelled_by,
        cancel_reason=draft.cancel_reason,
        buyer_cancel_requested=draft.buyer_cancel_requested and draft.status is not OrderStatus.CANCELLED,
        pii=settings.pii_grant,
        programs=draft.programs,
        handling=handling,
        ship_not_before=draft.earliest_ship_date if is_preorder(draft.programs) else None,
    )


def _lines(draft: OrderDraft, settings: OrderImportSettings, catalog: CatalogView,
           holding: bool) -> tuple[MappedLine, ...]:
    by_asin = settings.product_code is ProductCode.ASIN
    what = "ASIN" if by_asin else "SKU"
    out: list[MappedLine] = []
    unknown: list[str] = []
    for number, line in enumerate(draft.lines, start=1):
        item = _find_item(line, by_asin, catalog)
        if item is None:
            unknown.append(f"line {number} ({what} {(line.asin if by_asin else line.sku) or '-'})")
            continue
        out.append(MappedLine(
            order_item_id=line.order_item_id,
            item_id=item.item_id,
            product_code=(line.asin or "") if by_asin else item.sku,
            amazon_sku=line.sku,
            asin=line.asin,
            title=line.title or item.description,
            quantity=line.quantity,
            quantity_shipped=line.quantity_shipped,
            quantity_cancelled=line.quantity_cancelled,
            hold_quantity=line.quantity_open if holding else 0,
            unit_price=line.unit_price,
            item_tax=line.item_tax,
            shipping_price=line.shipping_price,
            shipping_tax=line.shipping_tax,
            promotion_discount=line.promotion_discount,
            gift_message=line.gift_message if settings.pii_grant else None,
            buyer_cancel_requested=line.buyer_cancel_requested,
            cancel_reason=line.cancel_reason,
            gift_wrap_level=line.gift_wrap_level,
        ))
    if unknown:
        code = UNKNOWN_ASIN if by_asin else UNKNOWN_SKU
        raise DomainError(code, f"no internal item for {what}: {', '.join(unknown)}; map it, then reprocess",
                          where=unknown[0])
    return tuple(out)


def _find_item(line: OrderLineDraft, by_asin: bool, catalog: CatalogView) -> CatalogItem | None:
    if line.sku:
        mapped = catalog.by_channel_sku(line.sku)
        if mapped is not None:
            return mapped
    if by_asin:
        return catalog.by_asin(line.asin) if line.asin else None
    return catalog.by_sku(line.sku) if line.sku else None


def _customer(draft: OrderDraft, settings: OrderImportSettings, customers: CustomerView,
              email_hash: Callable[[str], str]) -> CustomerInstruction:
    buyer = draft.buyer
    company = buyer.company if buyer else None
    if buyer is None or not buyer.email or not settings.pii_grant:
        # no grant: the connection may not know the buyer, so it matches nobody by their e-mail (B13)
        return CustomerInstruction(CustomerAction.ANONYMOUS, company=company)
    digest = email_hash(normalize_email(buyer.email))
    found = customers.by_email_hash(digest)
    if found is not None:
        return CustomerInstruction(CustomerAction.MATCH, customer_id=found, email_hash=digest, company=company)
    return CustomerInstruction(CustomerAction.CREATE, email_hash=digest, email=buyer.email, name=buyer.name,
                               company=company)
