"""A shipment as the warehouse posts it, and its check against the order as stored (C1, C2, H1).

:class:`ShipmentDraft` is what REST, the CSV, the inbox and the CLI hand in: an Amazon order, a ship date
and one or more packages (carrier, method, tracking number, the lines and quantities in the box).
:func:`plan_shipment` checks it against :class:`OrderSnapshot`, the order as stored, and answers either a
:class:`ShipmentPlan` (what to store) or the :class:`Refusal` list, each with a stable code and a message
for a person. Refused (nothing is stored, the error log gets the request):

- ``unknown_order``: no such order on the connection; ``order_cancelled``: cancelled (a shipment that
  arrives for an order cancelled meanwhile is a person's matter, never confirmed: B9);
  ``amazon_fulfilled``: Amazon ships FBA orders itself; ``not_for_warehouse``: a completed-mode or
  accounting-only order (B8) was never the warehouse's; ``order_not_shippable``: Pending (Amazon refuses
  a confirmation before payment) or already shipped in full;
- ``unknown_line``: a line (order item id or SKU) not of the order; ``bad_quantity``: 0 or less;
  ``over_quantity``: above what is left to ship = ordered - shipped - cancelled - already in packages
  not failed or cancelled (summed over the draft's packages);
- ``future_date``: a ship date later than now (give or take :data:`CLOCK_SKEW` of clock difference);
  ``before_purchase``: before the order's purchase (the same allowance);
- ``no_packages`` / ``no_items`` / ``no_tracking``: nothing to confirm.

Not refused but held: a tracking number that cannot be valid for its carrier (``tracking.py``): the
package is stored ``held`` with the reason and not sent until a person corrects it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from .carriers import carrier_code
from .tracking import MAX_LENGTH, check_tracking, normalise

CLOCK_SKEW = timedelta(minutes=15)  # as Amazon allows a client's clock (docs/amazon-quirks.md)
MAX_PACKAGES = 50  # boxes per shipment: a pallet's worth; more is a mistake in the file
MAX_ITEMS = 200  # lines per package
MAX_KEY = 128  # the idempotency key column
CANCELLED, PENDING, SHIPPED = "cancelled", "pending", "shipped"
UNSHIPPABLE = ("pending", "pending_availability", "shipped", "unfulfillable", "invoice_unconfirmed")


@dataclass(frozen=True, slots=True)
class ItemDraft:
    """A line in a box: by Amazon's order item id or by the SKU; ``quantity`` units."""

    quantity: int
    order_item_id: str | None = None
    sku: str | None = None

    @property
    def ref(self) -> str:
        return self.order_item_id or self.sku or "?"


@dataclass(frozen=True, slots=True)
class PackageDraft:
    carrier: str
    tracking_number: str
    items: tuple[ItemDraft, ...]
    ship_method: str | None = None


@dataclass(frozen=True, slots=True)
class ShipmentDraft:
    """``ship_date``: a moment, or a day (a file without times): a day is taken as the moment of shipping
    within it that is neither before the purchase nor in the future."""

    amazon_order_id: str
    idempotency_key: str
    ship_date: datetime | date
    packages: tuple[PackageDraft, ...]

    def fingerprint(self) -> str:
        """``request_hash``: the same shipment (whatever the key, source or spacing) hashes the same, so a
        replay is told from a reuse of the key with another body (C2)."""
        body = {
            "order": self.amazon_order_id.strip(),
            "ship_date": self.ship_date.isoformat(),
            "packages": [{"carrier": " ".join(p.carrier.split()).casefold(), "tracking": normalise(p.tracking_number),
                          "method": (p.ship_method or "").strip(),
                          "items": sorted([i.order_item_id or "", i.sku or "", i.quantity] for i in p.items)}
                         for p in self.packages],
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def draft_from_body(body: dict[str, Any], idempotency_key: str, ship_date: datetime) -> ShipmentDraft:
    """A draft from a JSON body's packages (REST, the CLI's file, the error log's copy of a request);
    KeyError/TypeError/ValueError for a body that has not that shape."""
    return ShipmentDraft(
        amazon_order_id=str(body["amazon_order_id"]).strip(), idempotency_key=idempotency_key.strip(),
        ship_date=ship_date,
        packages=tuple(PackageDraft(
            carrier=str(p["carrier"]), tracking_number=str(p["tracking_number"]),
            ship_method=None if p.get("ship_method") is None else str(p["ship_method"]),
            items=tuple(ItemDraft(int(i["quantity"]), order_item_id=i.get("order_item_id"), sku=i.get("sku"))
                        for i in p.get("items") or ())) for p in body["packages"]))


@dataclass(frozen=True, slots=True)
class LineSnapshot:
    line_id: int
    order_item_id: str
    sku: str | None
    quantity: int
    shipped: int = 0
    cancelled: int = 0
    in_packages: int = 0  # in the connection's packages not failed or cancelled

    @property
    def left(self) -> int:
        return max(0, self.quantity - self.shipped - self.cancelled - self.in_packages)


@dataclass(frozen=True, slots=True)
class OrderSnapshot:
    """The order as stored, as the check needs it (``db/repositories/shipments.order_snapshot``)."""

    order_id: int
    amazon_order_id: str
    status: str  # domain.orders.OrderStatus values
    fulfillment: str  # MFN | AFN
    send_to_warehouse: bool
    purchase_date: datetime
    lines: tuple[LineSnapshot, ...]


@dataclass(frozen=True, slots=True)
class Refusal:
    code: str
    message: str
    field: str | None = None  # where in the request: "packages[1].items[0].quantity"


@dataclass(frozen=True, slots=True)
class PlannedPackage:
    carrier: str
    carrier_code: str
    carrier_name: str | None
    ship_method: str | None
    tracking_number: str  # normalised
    status: str  # queued | held
    hold_reason: str | None
    items: tuple[tuple[int, int], ...]  # (order line id, quantity)


@dataclass(frozen=True, slots=True)
class ShipmentPlan:
    order_id: int
    ship_date: datetime
    packages: tuple[PlannedPackage, ...]
    refusals: tuple[Refusal, ...] = field(default_factory=tuple)

    @property
    def held(self) -> int:
        return sum(1 for p in self.packages if p.status == "held")


def plan_shipment(draft: ShipmentDraft, order: OrderSnapshot | None, *, now: datetime,
                  carriers: dict[str, str] | None = None) -> ShipmentPlan | list[Refusal]:
    """What to store for ``draft``, or why not (the module's rules)."""
    refusals = _shape(draft)
    if order is None:
        return [*refusals, Refusal("unknown_order", f"order {draft.amazon_order_id} is not an order of this "
                                   "connection (not imported yet, or another seller's)", "amazon_order_id")]
    refusals += _order(order)
    ship_date = _ship_date(draft.ship_date, order, now, refusals)
    lines_by_item = {line.order_item_id: line for line in order.lines}
    lines_by_sku: dict[str, list[LineSnapshot]] = {}
    for line in order.lines:
        if line.sku:
            lines_by_sku.setdefault(line.sku, []).append(line)
    wanted: dict[int, int] = {}
    packages: list[PlannedPackage] = []
    for p, package in enumerate(draft.packages):
        items: dict[int, int] = {}
        for i, item in enumerate(package.items):
            where = f"packages[{p}].items[{i}]"
            line = _line(item, lines_by_item, lines_by_sku, order, where, refusals)
            if item.quantity < 1:
                refusals.append(Refusal("bad_quantity", f"quantity {item.quantity} of {item.ref}: at least 1",
                                        where + ".quantity"))
            elif line is not None:
                items[line.line_id] = items.get(line.line_id, 0) + item.quantity
                wanted[line.line_id] = wanted.get(line.line_id, 0) + item.quantity
        packages.append(_package(package, tuple(items.items()), carriers))
    for line in order.lines:
        if wanted.get(line.line_id, 0) > line.left:
            refusals.append(Refusal("over_quantity", f"line {line.order_item_id} ({line.sku or 'no SKU'}): "
                                    f"{wanted[line.line_id]} shipped, but only {line.left} of {line.quantity} "
                                    f"are left to ship ({line.shipped} shipped, {line.cancelled} cancelled, "
                                    f"{line.in_packages} in earlier packages)", "quantity"))
    if refusals:
        return refusals
    assert ship_date is not None
    return ShipmentPlan(order.order_id, ship_date, tuple(packages))


def _shape(draft: ShipmentDraft) -> list[Refusal]:
    out = []
    if not draft.idempotency_key or len(draft.idempotency_key) > MAX_KEY:
        out.append(Refusal("bad_key", f"the idempotency key needs 1 to {MAX_KEY} characters", "idempotency_key"))
    if not draft.packages:
        out.append(Refusal("no_packages", "a shipment needs at least one package", "packages"))
    if len(draft.packages) > MAX_PACKAGES:
        out.append(Refusal("too_many", f"at most {MAX_PACKAGES} packages per shipment", "packages"))
    for p, package in enumerate(draft.packages):
        if not package.items:
            out.append(Refusal("no_items", "a package needs at least one line", f"packages[{p}].items"))
        if len(package.items) > MAX_ITEMS:
            out.append(Refusal("too_many", f"at most {MAX_ITEMS} lines per package", f"packages[{p}].items"))
        if not normalise(package.tracking_number):
            out.append(Refusal("no_tracking", "a package needs its tracking number",
                               f"packages[{p}].tracking_number"))
        elif len(normalise(package.tracking_number)) > MAX_LENGTH:
            out.append(Refusal("bad_tracking", f"a tracking number has at most {MAX_LENGTH} characters",
                               f"packages[{p}].tracking_number"))
        if not package.carrier.strip():
            out.append(Refusal("no_carrier", "a package needs its carrier", f"packages[{p}].carrier"))
    trackings = [normalise(p.tracking_number) for p in draft.packages]
    if len(set(trackings)) != len(trackings):
        out.append(Refusal("duplicate_tracking", "two packages of the shipment have the same tracking number",
                           "packages"))
    return out


def _order(order: OrderSnapshot) -> list[Refusal]:
    where = "amazon_order_id"
    if order.status == CANCELLED:
        return [Refusal("order_cancelled", f"order {order.amazon_order_id} is cancelled: it must not be "
                        "confirmed; a person should check what was shipped", where)]
    if order.fulfillment != "MFN":
        return [Refusal("amazon_fulfilled", f"order {order.amazon_order_id} is fulfilled by Amazon (FBA): "
                        "Amazon ships it", where)]
    if not order.send_to_warehouse:
        return [Refusal("not_for_warehouse", f"order {order.amazon_order_id} was imported for the books only "
                        "(completed or accounting mode): it is not the warehouse's to ship", where)]
    if order.status in UNSHIPPABLE:
        why = "is waiting for payment (Pending)" if order.status.startswith(PENDING) else f"is {order.status}"
        return [Refusal("order_not_shippable", f"order {order.amazon_order_id} {why}: Amazon takes no "
                        "shipment for it", where)]
    return []


def _ship_date(value: datetime | date, order: OrderSnapshot, now: datetime, out: list[Refusal]) -> datetime | None:
    if not isinstance(value, datetime):  # a day: the moment in it nearest to now, not before the purchase
        start = datetime.combine(value, time(0), UTC)
        if value > now.astimezone(UTC).date():
            out.append(Refusal("future_date", f"ship date {value} is in the future", "ship_date"))
            return None
        if value < order.purchase_date.astimezone(UTC).date():
            out.append(Refusal("before_purchase", f"ship date {value} is before the order was placed "
                               f"({order.purchase_date:%Y-%m-%d})", "ship_date"))
            return None
        return min(now, max(start + timedelta(hours=12), order.purchase_date))
    moment = value.astimezone(UTC)
    if moment > now + CLOCK_SKEW:
        out.append(Refusal("future_date", f"ship date {moment:%Y-%m-%d %H:%M} UTC is in the future", "ship_date"))
        return None
    if moment < order.purchase_date - CLOCK_SKEW:
        out.append(Refusal("before_purchase", f"ship date {moment:%Y-%m-%d %H:%M} UTC is before the order was "
                           f"placed ({order.purchase_date:%Y-%m-%d %H:%M} UTC)", "ship_date"))
        return None
    return moment


def _line(item: ItemDraft, by_item: dict[str, LineSnapshot], by_sku: dict[str, list[LineSnapshot]],
          order: OrderSnapshot, where: str, out: list[Refusal]) -> LineSnapshot | None:
    if item.order_item_id:
        line = by_item.get(item.order_item_id.strip())
        if line is None:
            out.append(Refusal("unknown_line", f"order item {item.order_item_id} is not a line of order "
                               f"{order.amazon_order_id}", where + ".order_item_id"))
        return line
    if item.sku:
        matches = by_sku.get(item.sku.strip(), [])
        if len(matches) == 1:
            return matches[0]
        why = "is not on" if not matches else "is on several lines of"
        out.append(Refusal("unknown_line", f"SKU {item.sku} {why} order {order.amazon_order_id}"
                           + ("" if not matches else ": name the order item id"), where + ".sku"))
        return None
    out.append(Refusal("unknown_line", "a line needs its order item id or SKU", where))
    return None


def _package(package: PackageDraft, items: tuple[tuple[int, int], ...],
             carriers: dict[str, str] | None) -> PlannedPackage:
    code, name = carrier_code(package.carrier, carriers)
    verdict = check_tracking(package.tracking_number, code)
    return PlannedPackage(
        carrier=" ".join(package.carrier.split())[:100], carrier_code=code, carrier_name=name,
        ship_method=(package.ship_method or "").strip()[:100] or None, tracking_number=verdict.number,
        status="queued" if verdict.ok else "held",
        hold_reason=None if verdict.ok else f"tracking number not valid for {name or code}: {verdict.message}",
        items=items)
