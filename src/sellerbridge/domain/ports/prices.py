"""What the price push and the item import need of the store (E1-E3, I5): ``db/stores/prices.py``,
``db/stores/item_import.py``.

Each call its own short transaction, never held across a call to Amazon.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from ..listings.prices import Hold, Offer, PriceFacts, Refused, SentState
from .listings import ListingAnswer


@dataclass(frozen=True, slots=True)
class DirtyPrice:
    """One SKU whose price may have to go to Amazon: what decides it and what Amazon was told."""

    push_id: int
    sku: str
    item_id: int
    version: int
    facts: PriceFacts
    state: SentState
    fulfillment_channel: str  # FBA listings' prices are pushed too: the price is the seller's


@dataclass(frozen=True, slots=True)
class PriceInFlight:
    """A price sent and not yet answered (a feed's message, or a patch a crashed run left)."""

    push_id: int
    sku: str
    message_id: int
    price: Decimal
    currency: str
    minimum: Decimal | None
    maximum: Decimal | None


class PriceStore(Protocol):
    """One connection's prices: what to send per marketplace, what was sent, what waits for approval."""

    def guard_percent(self) -> Decimal | None:
        """E3: ``stock_settings.price_guard_percent`` (default 20; None: the guard is off)."""

    def patch_max(self) -> int:
        """G2: up to this many dirty SKUs go by ``patchListingsItem``; more by a feed."""

    def discover(self, *, now: datetime) -> int:
        """Add the push state of mapped listings that have none yet (dirty: never sent); how many."""

    def release_patches(self, *, now: datetime) -> int:
        """Patches a crashed run left in flight go back to dirty (sending a price twice is harmless)."""

    def dirty(self, limit: int) -> list[DirtyPrice]:
        """Up to ``limit`` SKUs with ``version > sent_version`` and nothing in flight, oldest change first."""

    def settle(self, push_id: int, version: int, *, now: datetime) -> None:
        """Nothing to send for this version (Amazon has the price: changed-only, E1)."""

    def hold(self, push_id: int, version: int, offer: Offer, hold: Hold, *, now: datetime) -> None:
        """E3: held for approval (the price, the one it would replace, the reason); not sent."""

    def refuse(self, push_id: int, version: int, sku: str, refused: Refused, *, now: datetime) -> None:
        """The hub will not send it: ``amazon_status`` refused, the reason in the error log."""

    def claim(self, push_id: int, version: int, offer: Offer, *, channel: str, now: datetime,
              message_id: int = 0) -> bool:
        """Mark it in flight with the offer sent (at most one update per SKU out); False: a racing run has it."""

    def set_feed(self, push_ids: Sequence[int], feed_submission_id: int) -> None: ...

    def in_feed(self, feed_submission_id: int) -> list[PriceInFlight]: ...

    def answered(self, push_id: int, sku: str, answer: ListingAnswer, *, channel: str, now: datetime) -> None:
        """Amazon's answer (D8 as for stock): taken -> ``sent_*``; INVALID -> the error log (kind
        ``price_push``) with Amazon's code and text; UNKNOWN_SKU -> a warning; RETRY -> dirty again."""

    def requeue(self, push_id: int, *, now: datetime) -> None:
        """Nothing of it reached Amazon (a feed cancelled before it ran): dirty again."""


@dataclass(frozen=True, slots=True)
class ImportedListing:
    """One line of Amazon's merchant listings report, as the import keeps it (its price and quantity are
    read but never kept: the hub's price and stock win, E2, D1)."""

    line: int
    sku: str
    title: str | None
    asin: str | None
    fulfillment_channel: str  # MFN | AFN
    status: str | None


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """What one line did: ``created`` (a new item), ``mapped`` (an existing item mapped), ``updated``,
    ``unchanged``, or ``kept`` (the SKU is mapped to another item: the mapping is kept and reported)."""

    sku: str
    result: str
    item_id: int | None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line of the report that could not be read: its line number (the header is 1) and why."""

    line: int
    column: str | None
    message: str
    raw: str = field(repr=False, default="")


@dataclass(frozen=True, slots=True)
class ListingsReport:
    """Amazon's merchant listings report, read (``amazon/reports/merchant_listings.py``)."""

    listings: list[ImportedListing]
    bad_lines: list[BadLine]
    encoding: str  # how its bytes were decoded (I5: UTF-8, windows-1252, Shift_JIS)


class MerchantListingsSource(Protocol):
    def read_merchant_listings(self, document_id: str) -> ListingsReport:
        """The ``GET_MERCHANT_LISTINGS_ALL_DATA`` document; its prices and quantities are not read (E2, D1)."""


class ItemImportStore(Protocol):
    """Items and SKU mappings from Amazon's merchant listings report (I5)."""

    def upsert(self, listings: Sequence[ImportedListing], *, now: datetime) -> list[ImportOutcome]:
        """Items upserted by SKU (title -> description), the connection's listings upserted (ASIN, fulfillment
        channel); newly mapped items are marked dirty for the quantity and price pushes. One transaction."""

    def bad_line(self, line: int, code: str, message: str, *, raw: str | None, now: datetime) -> None:
        """A line that could not be read: the error log (kind ``items_import``) with its line number."""
