"""Confirming shipments to Amazon exactly once, and what a confirmation changes in the hub (C2, C3, C4, H1).

**The path** (:func:`choose_path`). Amazon takes a package two ways:

- ``confirmShipment`` (Orders v0), one call per package: 2 calls/s, burst 10. ``n`` packages take
  ``max(0, n - 10) / 2`` seconds and each is answered at once (latency: the buyer sees "shipped" now).
- the ``POST_ORDER_FULFILLMENT_DATA`` feed, every package in one document: ``createFeedDocument`` (0.5/s,
  burst 15) + ``createFeed`` (1 per 2 min, burst 15), then Amazon processes it: about two minutes of queue
  and processing, more for big feeds, before the processing report can be read (``getFeedDocument``).

So a feed costs about :data:`FEED_LATENCY_SECONDS` (120 s) whatever its size, and ``confirmShipment``
costs half a second per package beyond the burst: they break even at ``10 + 2 x 120 = 250`` packages.
:data:`FEED_THRESHOLD` = 250: up to 250 waiting packages go one call each (done within two minutes, the
first ten at once); more go by one feed (10,000 packages: one feed of a few minutes instead of 83 minutes
of calls). ``bench/warehouse.py`` measures both sides.

**Exactly once** (C2). The package's id is its ``packageReferenceId`` at Amazon (and its feed
``MerchantFulfillmentID``): Amazon refuses the same reference twice on an order. A package is claimed
(``sending``) in its own commit *before* it is sent, so a crash between the call and the record leaves it
``sending``; the next run reads the order first (:func:`reconcile`) instead of sending it blindly. Amazon
answering "already shipped" / "duplicate package reference" is reconciled the same way, never retried for
ever: the order's packages show ours -> confirmed; they do not -> a person looks (failed, error log).

**Effects** (C3, :func:`plan_effects`): the lines' ``quantity_shipped`` grows by the package's quantities;
a line shipped whole has its hold consumed, a line shipped in part has its hold reduced to what is left;
one stock movement per package line (reason ``shipment``, ref ``package:<id>:line:<line id>``, delta
``-quantity``: its UNIQUE (reason, ref) makes it once); the order becomes PartiallyShipped or Shipped (the
next read of the order from Amazon stays the authority). All in one transaction with the status change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from ..orders.model import OrderStatus, PackageDraft

CONFIRM_SHIPMENT_RATE = 2.0  # Amazon's confirmShipment usage plan: calls per second
CONFIRM_SHIPMENT_BURST = 10
FEED_LATENCY_SECONDS = 120.0  # a fulfillment feed's queue + processing at Amazon, small feeds
# Break-even of the two paths (see the module): burst + rate x a feed's latency.
FEED_THRESHOLD = int(CONFIRM_SHIPMENT_BURST + CONFIRM_SHIPMENT_RATE * FEED_LATENCY_SECONDS)  # 250
# One feed carries at most this many packages (about 600 bytes each: ~6 MB, under Amazon's 10 MB advice).
FEED_MAX_PACKAGES = 10_000
# Orders read back per run (getOrder 0.5/s shared with the order flows): verification is the slow tail.
VERIFY_PER_RUN = 60

MOVEMENT_REASON = "shipment"
ALREADY_SHIPPED = "already_shipped"  # the hub's word for Amazon's "already shipped"/"duplicate reference"
ORDER_CANCELLED_SINCE = "order_cancelled_since"
NOT_APPLIED = "not_applied"  # a DONE feed (or a 204) whose package the order does not show
AMAZON_REFUSED = "amazon_refused"


class Path(StrEnum):
    CONFIRM_SHIPMENT = "confirm_shipment"
    FEED = "feed"


def choose_path(waiting: int) -> Path:
    """``confirmShipment`` per package up to :data:`FEED_THRESHOLD` waiting, the feed above (see module)."""
    return Path.CONFIRM_SHIPMENT if waiting <= FEED_THRESHOLD else Path.FEED


@dataclass(frozen=True, slots=True)
class AmazonAnswer:
    """Amazon's answer about one package (C4): ``ok``, or its code and text as Amazon wrote them."""

    ok: bool
    code: str | None = None
    message: str | None = None
    already_shipped: bool = False  # "already shipped" / "duplicate packageReferenceId": reconcile, not retry
    order_cancelled: bool = False  # the order was cancelled at Amazon: a person must look, never resent
    retryable: bool = False  # Amazon or the network failed the call: the package goes back to the queue


class Outcome(StrEnum):
    CONFIRMED = "confirmed"
    RECONCILE = "reconcile"  # read the order's packages, then decide (:func:`reconcile`)
    HELD = "held"  # the order was cancelled meanwhile: a person looks, never confirmed
    RETRY = "retry"  # back to the queue: the next run sends it again
    FAILED = "failed"  # Amazon refused it: the error log with Amazon's text


def outcome_of(answer: AmazonAnswer) -> Outcome:
    """What a package's status becomes after Amazon's answer (C2, C4)."""
    if answer.ok:
        return Outcome.CONFIRMED
    if answer.already_shipped:
        return Outcome.RECONCILE
    if answer.order_cancelled:
        return Outcome.HELD
    if answer.retryable:
        return Outcome.RETRY
    return Outcome.FAILED


class Reconciled(StrEnum):
    CONFIRMED = "confirmed"  # the order shows our package: Amazon has it
    RESEND = "resend"  # Amazon shows nothing of it and it may be sent (once)
    PERSON = "person"  # Amazon says shipped but shows no package of ours: a person looks


def shows_package(packages: Iterable[PackageDraft], package_id: int) -> bool:
    """The order's packages (Orders 2026-01-01 ``packages``) include ours, by ``packageReferenceId``."""
    wanted = str(package_id)
    return any(p.reference_id.strip().lstrip("0") == wanted for p in packages)


def reconcile(packages: Sequence[PackageDraft], package_id: int, *, amazon_said_shipped: bool,
              may_resend: bool) -> Reconciled:
    """A package in doubt (a crash after sending, "already shipped", a DONE feed): read, then decide (C2).

    Our package on the order -> confirmed. Not there: when Amazon said it is already shipped (someone
    else confirmed the order, e.g. in Seller Central), a person decides; otherwise it is sent again once
    (``may_resend``), then a person.
    """
    if shows_package(packages, package_id):
        return Reconciled.CONFIRMED
    if amazon_said_shipped or not may_resend:
        return Reconciled.PERSON
    return Reconciled.RESEND


# --- the effects of a confirmation (C3) ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineState:
    """An order line as the effects need it (its hold included)."""

    order_line_id: int
    item_id: int | None
    quantity: int
    quantity_shipped: int
    quantity_cancelled: int
    hold_quantity: int | None = None  # None: no hold still held (none placed, or already consumed/released)

    @property
    def open_quantity(self) -> int:
        return max(0, self.quantity - self.quantity_shipped - self.quantity_cancelled)


@dataclass(frozen=True, slots=True)
class LineEffect:
    order_line_id: int
    quantity_shipped: int  # the line's new shipped quantity
    consume_hold: bool  # the whole line shipped: the hold becomes the movement
    hold_quantity: int | None  # partly shipped: the hold's new quantity (None: unchanged / no hold)
    movement: tuple[int, int, str] | None  # (item id, delta, ref); None for a line with no item


@dataclass(frozen=True, slots=True)
class Effects:
    lines: tuple[LineEffect, ...]
    order_status: OrderStatus


def movement_ref(package_id: int, order_line_id: int) -> str:
    return f"package:{package_id}:line:{order_line_id}"


def plan_effects(package_id: int, shipped: Mapping[int, int], lines: Sequence[LineState]) -> Effects:
    """What confirming ``package_id`` (``{order line id: quantity}``) changes (see the module, C3).

    A quantity above a line's open quantity is capped there (the intake refused it already; a line
    Amazon shipped meanwhile by another way is not shipped twice in the hub).
    """
    by_id = {line.order_line_id: line for line in lines}
    effects: list[LineEffect] = []
    after: dict[int, LineState] = dict(by_id)
    for line_id, quantity in sorted(shipped.items()):
        line = by_id.get(line_id)
        if line is None or quantity <= 0:
            continue
        moved = min(quantity, line.open_quantity)
        new_shipped = line.quantity_shipped + moved
        left = max(0, line.quantity - new_shipped - line.quantity_cancelled)
        held = line.hold_quantity is not None
        effects.append(LineEffect(
            order_line_id=line_id, quantity_shipped=new_shipped,
            consume_hold=held and left == 0,
            hold_quantity=left if held and left > 0 else None,
            movement=(line.item_id, -moved, movement_ref(package_id, line_id))
            if line.item_id is not None and moved > 0 else None))
        after[line_id] = LineState(line_id, line.item_id, line.quantity, new_shipped, line.quantity_cancelled,
                                   left if held and left > 0 else None)
    return Effects(tuple(effects), order_status_after(after.values()))


def order_status_after(lines: Iterable[LineState]) -> OrderStatus:
    """Shipped when nothing is left to ship (cancelled units aside), PartiallyShipped otherwise."""
    lines = list(lines)
    if all(line.open_quantity == 0 for line in lines) and any(line.quantity_shipped > 0 for line in lines):
        return OrderStatus.SHIPPED
    return OrderStatus.PARTIALLY_SHIPPED


# --- the warehouse cancelling lines (B9) --------------------------------------------------------

# Amazon's CancelReason values of the order acknowledgement feed (OrderAcknowledgement.xsd).
CANCEL_REASONS = ("NoInventory", "ShippingAddressUndeliverable", "CustomerExchange", "BuyerCanceled",
                  "GeneralAdjustment", "CarrierCreditDecision", "RiskAssessmentInformationNotValid",
                  "CarrierCoverageFailure", "CustomerReturn", "MerchandiseNotReceived")
ORDER_UPDATED = "order.updated"  # the outbox topic of a change the warehouse must hear (lines cancelled)


def cancel_refusal(line: LineState | None, quantity: int, reason: str) -> str | None:
    """Why a line may not be cancelled as asked, for a person (None: it may). An acknowledgement cancels
    a line's whole open quantity, so ``quantity`` must be exactly that (B9)."""
    if line is None:
        return "no such line on this order"
    if reason not in CANCEL_REASONS:
        return f"reason must be one of Amazon's CancelReason values: {', '.join(CANCEL_REASONS)}"
    if line.open_quantity == 0:
        return "the line has nothing left to cancel (shipped or cancelled already)"
    if line.quantity_shipped > 0:
        return "units of the line have shipped: Amazon cancels a whole line only"
    if quantity != line.open_quantity:
        return f"quantity must be the line's open quantity ({line.open_quantity}): Amazon cancels whole lines"
    return None


def order_after_cancel(lines: Iterable[LineState]) -> OrderStatus | None:
    """The order's status once lines are cancelled: Cancelled when nothing is left at all; None: unchanged."""
    lines = list(lines)
    if all(line.open_quantity == 0 for line in lines) and not any(line.quantity_shipped for line in lines):
        return OrderStatus.CANCELLED
    if all(line.open_quantity == 0 for line in lines):
        return OrderStatus.SHIPPED
    return None
