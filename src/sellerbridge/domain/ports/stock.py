"""What the stock push flow needs of the store (D2, D5, D8, D9, G2): ``db/stores/stock_push.py``.

Each call is its own short transaction, never held across a call to Amazon. The store works on one
seller account and region (a unified account's connections share its quantities: pushed once, by the
owner connection).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from .listings import ListingAnswer


@dataclass(frozen=True, slots=True)
class Ensured:
    added: int = 0  # SKUs new to the push state
    refused: int = 0  # AFN or ASIN-only listings, marked refused (never sent)


@dataclass(frozen=True, slots=True)
class Claim:
    """A SKU claimed for one update to Amazon, its figure computed in the claim's own transaction."""

    sku: str
    item_id: int
    version: int  # the version this update carries (``in_flight_version``)
    quantity: int
    lead_time_days: int | None
    urgent: bool
    cause: str | None
    why: Mapping[str, Any] = field(default_factory=dict, compare=False)
    message_id: int = 0  # inside its feed
    marketplace_id: str = ""  # where it is told: the owner's marketplace, else one of the region where it is listed


@dataclass(frozen=True, slots=True)
class Claimed:
    claims: list[Claim]
    unchanged: int = 0  # dirty SKUs whose figure is what Amazon has already: settled without a call


@dataclass(frozen=True, slots=True)
class Recorded:
    """What recording Amazon's answer did: ``applied`` (the claim was current) or ``stale`` (it had moved on)."""

    applied: bool
    status: str  # accepted | warning | invalid | retry | stale


@dataclass(frozen=True, slots=True)
class ToVerify:
    sku: str
    quantity: int
    lead_time_days: int | None


@dataclass(frozen=True, slots=True)
class OpenFeed:
    """A listings feed of this seller account and region still out: its request row and its SKUs' count."""

    request_id: int
    submitted_at: datetime
    skus: int


class StockPushStore(Protocol):
    """One connection's view of its seller account's quantity push state (``quantity_pushes``)."""

    seller_id: str
    region: str
    marketplace_id: str

    def is_owner(self) -> bool:
        """This connection pushes its seller account's quantities in its region (``stock_marks.owner_connection``)."""

    def patch_max(self) -> int: ...

    def full_refresh_minutes(self) -> int: ...

    def ensure(self, *, now: datetime) -> Ensured:
        """Rows for every mapped listing of the seller account's connections in the region."""

    def dirty_count(self) -> int:
        """SKUs waiting: version > sent_version, nothing in flight, not refused."""

    def claim(self, limit: int, *, channel: str, now: datetime, urgent_only: bool = False) -> Claimed:
        """Claim up to ``limit`` dirty SKUs, oldest first, their figures computed in the same transaction;
        those whose figure Amazon has already are settled, not claimed (D5)."""

    def set_feed(self, claims: Sequence[Claim], feed_request_id: int) -> None:
        """The claims went out in this feed (their message ids)."""

    def in_feed(self, feed_request_id: int) -> list[Claim]:
        """The SKUs whose current claim is in this feed."""

    def open_feeds(self) -> list[OpenFeed]: ...

    def feed_times(self, since: datetime) -> list[datetime]:
        """Submission times of this seller account and region's stock feeds since ``since`` (the window)."""

    def answered(self, claim: Claim, answer: ListingAnswer, *, channel: str, feed_request_id: int | None,
                 now: datetime) -> Recorded:
        """Amazon's answer for one claim (D8): taken -> sent_*; unknown SKU -> warning; invalid -> the error
        log; retry -> released, still dirty. A claim no longer current never overwrites newer sent_* values."""

    def release(self, claims: Sequence[Claim], *, now: datetime) -> int:
        """Give claims back (still dirty): a feed cancelled or stuck, a call not decided."""

    def late(self, claim: Claim, answer: ListingAnswer, *, now: datetime) -> bool:
        """A late answer for a claim that moved on: if Amazon took it, Amazon may now hold that older figure;
        the SKU is marked dirty so the newest goes again. True when marked."""

    def release_stale(self, *, older_than: datetime, now: datetime) -> int:
        """Claims with no answer since ``older_than`` (a crash between the call and the record) go back, sent
        again; a claim in a submitted feed is the watchdog's, never released here."""

    def refresh(self, *, now: datetime) -> int:
        """The full refresh (D5): recompute every SKU, mark dirty only those Amazon does not have."""

    def unverified(self, limit: int, *, sent_before: datetime) -> list[ToVerify]:
        """SKUs Amazon took (before ``sent_before``: its changes show a little later) not read back since."""

    def verified(self, sku: str, quantity: int | None, *, equal: bool, now: datetime) -> None:
        """The read-back: equal -> verified; different -> the error log (stock_mismatch) and dirty again."""

    def note_error(self, kind: str, key: str, code: str, message: str, *, now: datetime,
                   payload: Any = None) -> None:
        """An error-log row (a stuck feed, a refused document) for a person."""
