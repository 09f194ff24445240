"""What storing an Amazon order changes in the hub: holds, outbox events, the warehouse flag (B1, B9, B10, B14).

Pure planning. The store reads what it needs of a stored order (:class:`OrderState`), asks
:func:`plan_insert` or :func:`plan_update` for an :class:`OrderWrite` and executes it, for one order
or for a page alike (``db/stores/orders.py``). The rules:

- Holds, insert (B10): a new order holds each line's ``hold_quantity`` (the mapping's committed
  stock: the open quantity of a merchant-fulfilled, non-completed order in a holding status), for
  the lines where it is above zero.
- Holds, update (B10): in a holding status (Pending, PendingAvailability, Unshipped,
  PartiallyShipped) a line with no hold yet (new, or never held) is held; a line that has a hold,
  in any state, keeps it. While nothing has shipped (Pending, PendingAvailability, Unshipped) every
  held line follows its ``hold_quantity`` (Amazon cancelled some units). Once something shipped the
  shipments flow consumes holds (C3): the quantities are left alone.
- Cancellation (B9): when Amazon cancels an order the hub has not seen cancelled, every hold of the
  order is released, and ``order.cancelled`` tells the warehouse, if the warehouse had the order.
  The outcome is ``CANCELLED`` for that write only; a cancelled order updated again is ``UPDATED``
  and changes nothing else.
- Warehouse: once the warehouse has an order it keeps it (``send_to_warehouse`` stays true), so that
  its cancellation reaches the warehouse too.
- Outbox (B14): ``order.created`` when an order is stored as, or becomes, one the warehouse ships
  (Pending -> Unshipped); ``order.cancel_requested`` when the buyer newly asks to cancel (a person
  decides, B9); ``order.updated`` when Amazon cancelled some units of an open order the warehouse
  has (a held line's open quantity went down while nothing shipped: the warehouse must pick fewer),
  or when the ship-to of such an order changed (a field Amazon now gives differs from the stored one;
  a field it leaves out keeps the stored value and is no change) (issue 10). At most one event per
  topic per write.
- Customer (B5): a new order finds or creates its customer; an update does so only while the stored
  order has none (imported Pending, before Amazon gave buyer data).

:class:`Outcome` is how one order's write ended, for the run's counts and the flow's decisions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .mapping import HOLDING, ItemId, MappedLine, MappedOrder
from .model import OrderStatus

__all__ = [
    "NOTHING_SHIPPED",
    "ORDER_CANCELLED",
    "ORDER_CANCEL_REQUESTED",
    "ORDER_CREATED",
    "ORDER_UPDATED",
    "HoldChange",
    "LineHold",
    "OrderState",
    "OrderWrite",
    "Outcome",
    "plan_insert",
    "plan_update",
]

# Outbox topics of order changes (B14); payloads carry ids only (B13).
ORDER_CREATED = "order.created"
ORDER_CANCELLED = "order.cancelled"
ORDER_CANCEL_REQUESTED = "order.cancel_requested"
ORDER_UPDATED = "order.updated"

# Statuses in which nothing has shipped yet: a hold follows the open quantity exactly (B10).
NOTHING_SHIPPED = frozenset({OrderStatus.PENDING, OrderStatus.PENDING_AVAILABILITY, OrderStatus.UNSHIPPED})


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    CANCELLED = "cancelled"  # this write cancelled the order (B9)
    UNCHANGED = "unchanged"  # a racing worker stored this state, or a newer one, first
    ALREADY_STORED = "already_stored"  # an insert lost the race for the unique key: update instead


@dataclass(frozen=True, slots=True)
class LineHold:
    """A line's stock hold as stored: its quantity, and whether it still holds (not released or consumed)."""

    quantity: int
    held: bool = True


@dataclass(frozen=True, slots=True)
class OrderState:
    """What the planner needs of an order already stored.

    ``holds``: the stored lines that have a hold, by Amazon order item id (a line without one is
    absent). ``status`` is the stored status, given for completeness: no rule reads it today
    (``cancelled`` also covers an order the hub dated cancelled).
    """

    status: OrderStatus
    cancelled: bool
    send_to_warehouse: bool
    buyer_cancel_requested: bool = False
    customer_known: bool = True
    holds: Mapping[str, LineHold] = field(default_factory=dict)
    # The stored ship-to as read with the key (any object with the address's field names), for an open
    # order at the warehouse; None when not read or none is stored (then no ship-to change is seen).
    ship_to: Any = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class HoldChange:
    """Hold ``quantity`` of the internal item for the order line of ``order_item_id``."""

    order_item_id: str
    item_id: ItemId
    quantity: int


@dataclass(frozen=True, slots=True)
class OrderWrite:
    """What one write of an order does beyond its own columns (see the module's rules).

    ``send_to_warehouse`` is the value to store; ``resolve_customer`` whether the order's customer is
    to be found or created (B5); ``place_holds`` holds for lines without one; ``resize_holds`` new
    quantities of held lines; ``release_holds`` release every hold of the order (B9); ``events`` the
    outbox topics to emit, in order (B14).
    """

    outcome: Outcome
    send_to_warehouse: bool
    resolve_customer: bool
    place_holds: tuple[HoldChange, ...] = ()
    resize_holds: tuple[HoldChange, ...] = ()
    release_holds: bool = False
    events: tuple[str, ...] = ()


def plan_insert(mapped: MappedOrder) -> OrderWrite:
    """A new order (B5, B10, B14): its customer, a hold per line with ``hold_quantity > 0``, and
    ``order.created`` when the warehouse ships it."""
    return OrderWrite(
        outcome=Outcome.CREATED,
        send_to_warehouse=mapped.send_to_warehouse,
        resolve_customer=True,
        place_holds=_holds(mapped.lines),
        events=(ORDER_CREATED,) if mapped.send_to_warehouse else (),
    )


def plan_update(current: OrderState, mapped: MappedOrder) -> OrderWrite:
    """A newer Amazon state of a stored order (B5, B9, B10, B14); see the module's rules.

    Whether ``mapped`` is newer than what is stored is the store's check (``UNCHANGED``), not a rule here.
    """
    sent_before = current.send_to_warehouse
    # Once the warehouse has the order it keeps it: its cancellation must reach the warehouse too.
    send = mapped.send_to_warehouse or sent_before
    resolve_customer = not current.customer_known
    if mapped.cancelled:
        if current.cancelled:  # cancelled before: holds released and the warehouse told then
            return OrderWrite(Outcome.UPDATED, send, resolve_customer)
        return OrderWrite(Outcome.CANCELLED, send, resolve_customer, release_holds=True,
                          events=(ORDER_CANCELLED,) if sent_before else ())
    place: tuple[HoldChange, ...] = ()
    resize: tuple[HoldChange, ...] = ()
    if mapped.status in HOLDING:
        place = tuple(hold for hold in _holds(mapped.lines) if hold.order_item_id not in current.holds)
        if mapped.status in NOTHING_SHIPPED:  # Amazon cancelled some units: hold what is open
            resize = tuple(
                HoldChange(line.order_item_id, line.item_id, line.hold_quantity) for line in mapped.lines
                if _resized(current.holds.get(line.order_item_id), line.hold_quantity))
    events: list[str] = []
    if mapped.send_to_warehouse and not sent_before:
        events.append(ORDER_CREATED)  # Pending -> Unshipped: now the warehouse may ship it
    if mapped.buyer_cancel_requested and not current.buyer_cancel_requested:
        events.append(ORDER_CANCEL_REQUESTED)  # a person decides (B9)
    fewer = any(change.quantity < current.holds[change.order_item_id].quantity for change in resize)
    if sent_before and (fewer or ship_to_changed(current.ship_to, mapped.ship_to)):
        events.append(ORDER_UPDATED)  # the warehouse picks fewer, or ships elsewhere
    return OrderWrite(Outcome.UPDATED, send, resolve_customer, place_holds=place, resize_holds=resize,
                      events=tuple(events))


# The ship-to fields the warehouse message carries (domain/deliveries/message.py SHIP_TO_FIELDS).
SHIP_TO_COMPARED = ("name", "line1", "line2", "line3", "city", "state_or_region", "postal_code", "country_code",
                    "phone")


def ship_to_changed(stored: Any, given: Any) -> bool:
    """Whether Amazon's ship-to differs from the stored one in a field it gives (a field left out,
    None, keeps the stored value: the store writes the address field by field)."""
    if stored is None or given is None:
        return False
    return any((new := getattr(given, name, None)) is not None and new != getattr(stored, name, None)
               for name in SHIP_TO_COMPARED)


def _holds(lines: Iterable[MappedLine]) -> tuple[HoldChange, ...]:
    return tuple(HoldChange(line.order_item_id, line.item_id, line.hold_quantity)
                 for line in lines if line.hold_quantity > 0)


def _resized(hold: LineHold | None, quantity: int) -> bool:
    # Only a hold that still holds follows the line; setting the quantity it has is no change.
    return hold is not None and hold.held and hold.quantity != quantity
