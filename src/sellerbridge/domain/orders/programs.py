"""What the warehouse gets for an order in one of Amazon's programs (B3, B7, B10; issue 9).

Amazon tags an order with ``programs`` (Orders 2026-01-01; v0 says the same with ``IsISPU``,
``OrderType: Preorder``, ``EasyShipShipmentStatus`` and the items' ``AmazonPrograms``). Some of them
change who moves the parcel, so they decide the order's :class:`Handling`; the others are kept as
facts. The table (also in docs/amazon-quirks.md, "Order programs"):

============================  =================  ==========  ===========  ==========================
program                       handling           warehouse   stock hold   ship method
============================  =================  ==========  ===========  ==========================
IN_STORE_PICK_UP              pickup             no          no           none
DELIVERY_BY_AMAZON            amazon_delivers    no          no           none
AMAZON_EASY_SHIP              amazon_carrier     yes (pack)  yes          none: Amazon's carrier
PREORDER                      parcel             yes         yes          chosen; not before release
FBM_SHIP_PLUS, PRIME, ...     parcel             yes         yes          chosen (B7)
============================  =================  ==========  ===========  ==========================

- ``pickup``: the buyer collects the order at the seller's store; there is no parcel, and the stock is
  the store's, not the warehouse's. The order is recorded and marked, never sent.
- ``amazon_delivers``: Amazon's delivery network takes the order from the seller's location to the
  buyer; the warehouse has no parcel to ship and no carrier to book, so the same as a pick-up.
- ``amazon_carrier`` (Easy Ship): the warehouse picks and packs, Amazon schedules the carrier and the
  label, so the hub books no carrier method (and an unmapped service level is no error for it).
- ``PREORDER``: sold before release. It holds stock and goes to the warehouse with its release time
  (``ship_not_before``, Amazon's ``shipByWindow.earliestDateTime``): the warehouse keeps it until then.
- ``FBM_SHIP_PLUS`` (faster promise, Amazon's label discount), ``PRIME``, ``PREMIUM``,
  ``AMAZON_BUSINESS``, ``INVOICE_BY_AMAZON``, ``AMAZON_BAZAAR``, ``AMAZON_HAUL``: a normal parcel; the
  promise is already in the ship-by/deliver-by windows the hub keeps.

When an order carries several, the one that takes most from the warehouse wins (the order of
:data:`HANDLING_BY_PROGRAM`). A program Amazon adds later is kept and handled as a parcel.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

IN_STORE_PICK_UP = "in_store_pick_up"
DELIVERY_BY_AMAZON = "delivery_by_amazon"
AMAZON_EASY_SHIP = "amazon_easy_ship"
PREORDER = "preorder"
FBM_SHIP_PLUS = "fbm_ship_plus"


class Handling(StrEnum):
    """Who moves the goods of a merchant-fulfilled order."""

    PARCEL = "parcel"  # the warehouse picks, packs and ships with the hub's carrier method
    AMAZON_CARRIER = "amazon_carrier"  # the warehouse packs; Amazon's carrier collects (Easy Ship)
    AMAZON_DELIVERS = "amazon_delivers"  # Amazon delivers: nothing for the warehouse
    PICKUP = "pickup"  # the buyer collects in store: nothing for the warehouse

    @property
    def to_warehouse(self) -> bool:
        """Whether the warehouse gets the order at all."""
        return self in (Handling.PARCEL, Handling.AMAZON_CARRIER)

    @property
    def holds_stock(self) -> bool:
        """Whether the order commits the warehouse's stock (B10)."""
        return self.to_warehouse

    @property
    def needs_ship_method(self) -> bool:
        """Whether the hub books a carrier method (B7)."""
        return self is Handling.PARCEL


# strongest first: the first program of an order found here decides
HANDLING_BY_PROGRAM: dict[str, Handling] = {
    IN_STORE_PICK_UP: Handling.PICKUP,
    DELIVERY_BY_AMAZON: Handling.AMAZON_DELIVERS,
    AMAZON_EASY_SHIP: Handling.AMAZON_CARRIER,
}


def handling_of(programs: Iterable[str]) -> Handling:
    """The handling of an order with these programs (lower-case words; see the module's table)."""
    present = set(programs)
    for program, handling in HANDLING_BY_PROGRAM.items():
        if program in present:
            return handling
    return Handling.PARCEL


def is_preorder(programs: Iterable[str]) -> bool:
    """A pre-order: shipped no earlier than its release (``ship_not_before``)."""
    return PREORDER in set(programs)
