"""Applying a seller's shipment to an order, the one rule behind confirmShipment and fulfillment feeds (C1, C2, I4).

Amazon takes shipment confirmations three ways (Orders v0 ``confirmShipment``, the XML
``POST_ORDER_FULFILLMENT_DATA`` feed and the ``POST_FLAT_FILE_FULFILLMENT_DATA`` flat file) and judges
them by the same rules, so the sandbox has one :func:`confirm` that every entry point calls. A
violated rule raises :class:`ShipmentRejected` *before* anything changes: a package is applied whole
or not at all.

The rules (Amazon's where its answers are known, listed in docs/amazon-quirks.md; otherwise the
sandbox's reading of the Orders v0 model):

- only merchant-fulfilled (MFN) orders can be confirmed by the seller; Amazon ships AFN orders itself;
- the order must be ``Unshipped`` or ``PartiallyShipped``: ``Pending`` (payment not yet authorized),
  ``Canceled`` and ``Shipped`` orders are refused with their own messages;
- ``packageReferenceId`` is a positive number (as a string) and unique within the order;
- every ``orderItemId`` belongs to the order, once per package, with 1 <= quantity <= the line's
  unshipped quantity (ordered - shipped - cancelled);
- ``carrierCode`` is one of Amazon's carrier codes, matched without regard to case; ``Other`` needs a
  ``carrierName``;
- the ship date is neither before the purchase date nor in the future (give or take 15 minutes of
  clock skew).

On success the order gains a :class:`~.state.Shipment`, each line's shipped quantity grows, the order
becomes ``PartiallyShipped`` or ``Shipped``, and ``backend.touch_order`` records the change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from .state import (
    CANCELED,
    INVOICE_UNCONFIRMED,
    PARTIALLY_SHIPPED,
    PENDING,
    SHIPPED,
    UNSHIPPED,
    Order,
    Seller,
    Shipment,
    ShipmentItem,
)
from .timefmt import parse_iso_datetime

if TYPE_CHECKING:
    from .backend import Backend

# Amazon's carrier codes for shipment confirmation (a representative part of the list Amazon
# publishes for confirmShipment and the OrderFulfillment feed's CarrierCode). "Other" plus a carrier
# name covers every carrier not listed.
CARRIER_CODES: tuple[str, ...] = (
    "USPS", "UPS", "UPS Mail Innovations", "FedEx", "FedEx SmartPost", "DHL", "DHL eCommerce",
    "DHL Global Mail", "DHL Express", "OnTrac", "LaserShip", "Amazon Shipping", "Amazon Logistics",
    "Newgistics", "Pitney Bowes", "Streamlite", "Lone Star Overnight", "Estes", "Old Dominion",
    "R+L Carriers", "Saia", "XPO Freight", "Yellow Freight", "Canada Post", "Purolator", "Canpar",
    "Dicom", "Loomis", "Estafeta", "Correos de Mexico", "Royal Mail", "Parcelforce", "Hermes", "Evri",
    "Yodel", "DPD", "GLS", "Deutsche Post", "Hermes Logistik Gruppe", "Chronopost", "Colissimo",
    "La Poste", "Mondial Relay", "Colis Prive", "Poste Italiane", "BRT", "SDA", "Nexive", "Correos",
    "SEUR", "MRW", "Nacex", "PostNL", "Bpost", "PostNord", "InPost", "Poczta Polska", "Japan Post",
    "Yamato Transport", "Sagawa Express", "Seino Transportation", "Australia Post", "StarTrack",
    "Couriers Please", "Aramex", "Singapore Post", "Ninja Van", "TNT", "China Post", "SF Express",
    "Other",
)
_CARRIERS_BY_KEY = {code.casefold(): code for code in CARRIER_CODES}

SHIPPABLE = (UNSHIPPED, PARTIALLY_SHIPPED)

# Clients stamp ship dates with their own clock, which may run a few minutes ahead of or behind
# Amazon's: within this allowance a ship date is neither "future" nor "before the purchase".
CLOCK_SKEW_ALLOWANCE = timedelta(minutes=15)


class ShipmentRejected(Exception):
    """A shipment Amazon refuses. ``code`` is a stable name; ``message`` is Amazon-like text."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def canonical_carrier(carrier_code: str | None) -> str | None:
    """Amazon's spelling of a carrier code (matched without regard to case), or None if unknown."""
    if carrier_code is None:
        return None
    return _CARRIERS_BY_KEY.get(carrier_code.strip().casefold())


def whole_number(text: str | None) -> int | None:
    """``text`` as a non-negative integer in ASCII digits, else None.

    ASCII only ("²".isdigit() is true) and at most 18 digits (a Java ``long``, as Amazon parses it;
    Python also refuses to convert very long digit strings).
    """
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def next_package_reference_id(order: Order) -> str:
    """The package number Amazon assigns when a feed names none: one above the highest so far."""
    numbers = [n for s in order.shipments if (n := whole_number(s.package_reference_id)) is not None]
    return str(max(numbers, default=0) + 1)


def parse_feed_date(text: str, now: datetime) -> datetime | None:
    """A feed's ship date: a date-time, or a bare ``YYYY-MM-DD`` as the flat files allow.

    A bare date of today or earlier means "shipped that day": the sandbox takes the end of that day,
    capped at now, so a same-day date never looks earlier than the purchase; a bare future date
    stays at its midnight and is refused as future.
    """
    moment = parse_iso_datetime(text)
    if moment is not None:
        return moment
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return None
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    if day > now.date():
        return start
    return min(start + timedelta(days=1, microseconds=-1), now)


def check_order_shippable(order: Order) -> None:
    """Raise if the seller may not confirm any shipment for ``order`` now."""
    if not order.is_mfn:
        raise ShipmentRejected(
            "FulfilledByAmazon",
            f"Order {order.order_id} is fulfilled by Amazon; Amazon confirms its shipments, the seller cannot.")
    if order.status in SHIPPABLE:
        return
    if order.status == PENDING:
        raise ShipmentRejected(
            "OrderPending",
            f"Order {order.order_id} is Pending: payment is not yet authorized, so it cannot be shipped. "
            "Wait until the order is Unshipped.")
    if order.status == CANCELED:
        raise ShipmentRejected("OrderCanceled", f"Order {order.order_id} has been canceled and cannot be shipped.")
    if order.status in (SHIPPED, INVOICE_UNCONFIRMED):
        raise ShipmentRejected("OrderAlreadyShipped",
                               f"Order {order.order_id} has already been shipped in full.")
    raise ShipmentRejected("OrderNotShippable",
                           f"Order {order.order_id} is in status {order.status} and cannot be confirmed.")


def _check_carrier(carrier_code: str | None, carrier_name: str | None) -> tuple[str, str | None]:
    name = (carrier_name or "").strip() or None
    if carrier_code is None or not carrier_code.strip():
        raise ShipmentRejected("MissingCarrier", "CarrierCode is required for all marketplaces.")
    code = canonical_carrier(carrier_code)
    if code is None:
        raise ShipmentRejected(
            "InvalidCarrierCode",
            f"CarrierCode '{carrier_code.strip()}' is not a valid carrier code. "
            "Use one of Amazon's carrier codes, or 'Other' together with a CarrierName.")
    if code == "Other" and name is None:
        raise ShipmentRejected("MissingCarrierName", "CarrierName is required when CarrierCode is 'Other'.")
    return code, name


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _check_ship_date(order: Order, ship_date: datetime, now: datetime) -> datetime:
    ship_date = _aware(ship_date).astimezone(UTC)
    if ship_date > now + CLOCK_SKEW_ALLOWANCE:
        raise ShipmentRejected("ShipDateInFuture",
                               f"ShipDate {ship_date.isoformat()} is in the future; it must not be after now.")
    if ship_date < order.purchase_date - CLOCK_SKEW_ALLOWANCE:
        raise ShipmentRejected(
            "ShipDateBeforePurchase",
            f"ShipDate {ship_date.isoformat()} is before the order's purchase date "
            f"{order.purchase_date.isoformat()}.")
    return ship_date


def _check_items(order: Order, items: list[tuple[str, int]]) -> list[ShipmentItem]:
    if not items:
        raise ShipmentRejected("MissingOrderItems", "At least one order item is required in a package.")
    seen: set[str] = set()
    out: list[ShipmentItem] = []
    for order_item_id, quantity in items:
        line = order.line(order_item_id)
        if line is None:
            raise ShipmentRejected(
                "InvalidOrderItemId",
                f"OrderItemId {order_item_id} is invalid for order {order.order_id}; use the value from "
                "getOrderItems or the Manage Orders page.")
        if order_item_id in seen:
            raise ShipmentRejected("DuplicateOrderItemId",
                                   f"OrderItemId {order_item_id} appears more than once in the package.")
        seen.add(order_item_id)
        if quantity <= 0:
            raise ShipmentRejected("InvalidQuantity",
                                   f"Quantity {quantity} for OrderItemId {order_item_id} must be at least 1.")
        if quantity > line.quantity_unshipped:
            raise ShipmentRejected(
                "QuantityExceedsUnshipped",
                f"Quantity {quantity} for OrderItemId {order_item_id} exceeds the unshipped quantity "
                f"{line.quantity_unshipped}.")
        out.append(ShipmentItem(order_item_id, quantity))
    return out


def confirm(backend: Backend, seller: Seller, order: Order, *, package_reference_id: str,
            carrier_code: str | None, carrier_name: str | None, shipping_method: str | None,
            tracking_number: str | None, ship_date: datetime, items: list[tuple[str, int]],
            source: str, now: datetime) -> None:
    """Apply one package to ``order`` or raise :class:`ShipmentRejected` leaving it untouched.

    ``tracking_number`` may be empty here: the feeds allow it (Amazon only scores it as missing
    tracking); ``confirmShipment`` requires it and checks that itself.
    """
    check_order_shippable(order)
    number = whole_number(package_reference_id)
    if number is None or number <= 0:
        raise ShipmentRejected(
            "InvalidPackageReferenceId",
            f"PackageReferenceId '{(package_reference_id or '').strip()}' is invalid; "
            "it must be a positive numeric value.")
    ref = str(number)  # "01" and "1" are the same package
    if any(s.package_reference_id == ref for s in order.shipments):
        raise ShipmentRejected(
            "DuplicatePackageReferenceId",
            f"PackageReferenceId {ref} has already been used for order {order.order_id}; "
            "each package needs its own PackageReferenceId.")
    code, name = _check_carrier(carrier_code, carrier_name)
    when = _check_ship_date(order, ship_date, now)
    shipment_items = _check_items(order, items)

    # Every rule passed: change the order.
    order.shipments.append(Shipment(
        package_reference_id=ref, carrier_code=code, carrier_name=name,
        shipping_method=(shipping_method or "").strip() or None,
        tracking_number=(tracking_number or "").strip(), ship_date=when, items=shipment_items,
        confirmed_at=now, source=source))
    for item in shipment_items:
        line = order.line(item.order_item_id)
        assert line is not None  # checked above
        line.quantity_shipped += item.quantity
    order.status = SHIPPED if all(ln.quantity_unshipped == 0 for ln in order.lines) else PARTIALLY_SHIPPED
    backend.touch_order(seller, order, now)
