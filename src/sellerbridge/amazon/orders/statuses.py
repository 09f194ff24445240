"""Amazon's order status and channel words, one table per vocabulary (B2, B3; docs/amazon-quirks.md).

Amazon writes the same facts in two vocabularies, and each is mapped here once, both ways where the
hub also asks Amazon in them:

- Orders 2026-01-01 ``fulfillment.fulfillmentStatus`` (and the ``fulfillmentStatuses`` search filter):
  :data:`FULFILLMENT_STATUS_2026`. 2026-01-01 has no word for ``InvoiceUnconfirmed`` (business NET-30
  with every item shipped): Amazon shows such an order as ``SHIPPED``, so a search for the hub's
  ``INVOICE_UNCONFIRMED`` asks for ``SHIPPED`` (:func:`search_statuses_2026`).
- Orders v0 ``OrderStatus``, also the ``Summary.OrderStatus`` of an ORDER_CHANGE notification:
  :data:`ORDER_STATUS_V0` (``Canceled`` with one l, ``InvoiceUnconfirmed`` of its own).
- Orders 2026-01-01 ``fulfillment.fulfilledBy`` (and the ``fulfilledBy`` filter): :data:`FULFILLED_BY_2026`.
- Orders v0 ``FulfillmentChannel``, also the notification's ``Summary.FulfillmentType``:
  :data:`FULFILLMENT_CHANNEL_V0` (``MFN``/``AFN``).

A word a table does not know is never guessed: the mappers make it a ``MappingError`` (B2: a guess
would import or drop orders wrongly) and a notification's hint reads as "no hint".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import TypeVar

from ...domain.orders.model import Fulfillment, OrderStatus

E = TypeVar("E", bound=Enum)

FULFILLMENT_STATUS_2026: Mapping[str, OrderStatus] = {
    "PENDING_AVAILABILITY": OrderStatus.PENDING_AVAILABILITY,
    "PENDING": OrderStatus.PENDING,
    "UNSHIPPED": OrderStatus.UNSHIPPED,
    "PARTIALLY_SHIPPED": OrderStatus.PARTIALLY_SHIPPED,
    "SHIPPED": OrderStatus.SHIPPED,
    "CANCELLED": OrderStatus.CANCELLED,
    "UNFULFILLABLE": OrderStatus.UNFULFILLABLE,
}
# The one status 2026-01-01 folds into another: what a search for it must ask for.
_FOLDED_2026 = {OrderStatus.INVOICE_UNCONFIRMED: OrderStatus.SHIPPED}

ORDER_STATUS_V0: Mapping[str, OrderStatus] = {
    "PendingAvailability": OrderStatus.PENDING_AVAILABILITY,
    "Pending": OrderStatus.PENDING,
    "Unshipped": OrderStatus.UNSHIPPED,
    "PartiallyShipped": OrderStatus.PARTIALLY_SHIPPED,
    "Shipped": OrderStatus.SHIPPED,
    "InvoiceUnconfirmed": OrderStatus.INVOICE_UNCONFIRMED,
    "Canceled": OrderStatus.CANCELLED,
    "Unfulfillable": OrderStatus.UNFULFILLABLE,
}

FULFILLED_BY_2026: Mapping[str, Fulfillment] = {"MERCHANT": Fulfillment.MERCHANT, "AMAZON": Fulfillment.AMAZON}

FULFILLMENT_CHANNEL_V0: Mapping[str, Fulfillment] = {"MFN": Fulfillment.MERCHANT, "AFN": Fulfillment.AMAZON}


def _inverse(table: Mapping[str, E]) -> dict[E, str]:
    inverse: dict[E, str] = {}
    for word, value in table.items():
        if value in inverse:
            raise ValueError(f"{value} has two words: {inverse[value]!r} and {word!r}")
        inverse[value] = word
    return inverse


_STATUS_WORD_2026 = _inverse(FULFILLMENT_STATUS_2026)
_FULFILLED_BY_WORD_2026 = _inverse(FULFILLED_BY_2026)


def _words(values: Iterable[E], words: Mapping[E, str]) -> list[str]:
    """Amazon's words for ``values``, in the order given, without repeats."""
    return list(dict.fromkeys(words[value] for value in values))


def search_statuses_2026(statuses: Iterable[OrderStatus]) -> list[str]:
    """The ``fulfillmentStatuses`` filter for the hub's statuses (INVOICE_UNCONFIRMED searches as SHIPPED)."""
    return _words((_FOLDED_2026.get(s, s) for s in statuses), _STATUS_WORD_2026)


def search_fulfilled_by_2026(channels: Iterable[Fulfillment]) -> list[str]:
    """The ``fulfilledBy`` filter for the hub's channels."""
    return _words(channels, _FULFILLED_BY_WORD_2026)
