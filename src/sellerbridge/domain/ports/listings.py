"""What stock and price up need of Amazon's listings (D1, D6-D8, E1, E3, G2, I5).

Amazon's side is ``amazon/listings/`` (a mixin of ``amazon.gateway.AmazonGateway``): ``patchListingsItem``
for a few SKUs (``merge`` on ``fulfillment_availability`` with quantity and lead time, on
``purchasable_offer`` with the price and the seller's minimum and maximum), ``JSON_LISTINGS_FEED`` documents
for many (through the document lifecycle: one marketplace per feed, at most 25,000 messages and under
10 MiB per document), the feed's JSON processing report read per message, and ``getListingsItem`` to read
a SKU back. Answers are these values; Amazon's words stay in ``amazon/listings``' status table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from ..documents import DocumentState


@dataclass(frozen=True, slots=True)
class ListingUpdate:
    """One SKU's change for one marketplace: quantity and lead time (D2, D6), price (E1), or both.

    ``message_id`` numbers it inside a feed (1..25,000); a patch ignores it. A None field is not sent.
    """

    sku: str
    marketplace_id: str
    quantity: int | None = None
    lead_time_days: int | None = None
    price: Decimal | None = None
    currency: str | None = None
    minimum_price: Decimal | None = None  # the seller's minimum allowed price (E3), when set
    maximum_price: Decimal | None = None
    message_id: int = 0
    product_type: str = "PRODUCT"  # offer-only changes: Amazon accepts the generic product type


class ListingOutcome(StrEnum):
    ACCEPTED = "accepted"  # Amazon took it (it becomes visible a few seconds later)
    WARNING = "warning"  # taken, with warnings
    UNKNOWN_SKU = "unknown_sku"  # D8: the seller has no such SKU on Amazon: a warning, not a failed run
    INVALID = "invalid"  # refused: Amazon's code and text go to the error log
    RETRY = "retry"  # not decided (Amazon's 5xx after the transport's retries): send again later


@dataclass(frozen=True, slots=True)
class ListingAnswer:
    outcome: ListingOutcome
    code: str | None = None  # Amazon's issue code, e.g. "90220" or "4000003"
    message: str | None = None  # Amazon's text, as it wrote it

    @property
    def taken(self) -> bool:
        return self.outcome in (ListingOutcome.ACCEPTED, ListingOutcome.WARNING)


@dataclass(frozen=True, slots=True)
class ListedOffer:
    """A SKU as Amazon shows it now (``getListingsItem``): for the read-back and the price guard."""

    sku: str
    marketplace_id: str
    quantity: int | None
    lead_time_days: int | None
    price: Decimal | None
    currency: str | None
    fulfillment_channel: str  # "MFN", or "AFN" when Amazon fulfils it (D1: never pushed)


@dataclass(frozen=True, slots=True)
class ListingsFeedReport:
    """A JSON_LISTINGS_FEED processing report: Amazon's summary and its answer per message id."""

    processed: int
    accepted: int
    invalid: int
    answers: dict[int, ListingAnswer]  # by message id; a message it does not name was accepted
    document_error: ListingAnswer | None = None  # the whole document was refused (FATAL)

    def answer_for(self, message_id: int) -> ListingAnswer:
        if self.document_error is not None:
            return self.document_error
        return self.answers.get(message_id, ListingAnswer(ListingOutcome.ACCEPTED))


class ListingsWriter(Protocol):
    """The gateway's listings family, for one connection (its seller account and region)."""

    def patch_listing(self, update: ListingUpdate) -> ListingAnswer:
        """``patchListingsItem`` (``merge`` of the fields given); Amazon's answer for the SKU."""

    def read_listing(self, sku: str, marketplace_id: str) -> ListedOffer | None:
        """``getListingsItem`` (summaries, attributes, fulfillmentAvailability); None: Amazon has no such SKU."""

    def submit_listings_feed(self, updates: Sequence[ListingUpdate], marketplace_id: str) -> DocumentState:
        """One ``JSON_LISTINGS_FEED`` (createFeedDocument, upload, createFeed) for one marketplace; the caller
        keeps within :data:`FEED_MAX_MESSAGES` and splits with ``amazon.listings.feed.split_documents``."""

    def read_listings_feed_report(self, document_id: str) -> ListingsFeedReport:
        """The processing report of a DONE feed, per message."""


FEED_MAX_MESSAGES = 25_000  # Amazon: messages per JSON_LISTINGS_FEED document
FEED_MAX_BYTES = 10 * 1024 * 1024  # Amazon: a feed document stays under 10 MiB
FEED_SUBMISSIONS_PER_WINDOW = 5  # Amazon: at most 5 JSON_LISTINGS_FEED submissions per 5 minutes per region
FEED_WINDOW_SECONDS = 300
