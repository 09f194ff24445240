"""What the stock push sends, by which path, and when a feed is stuck (D1, D5, D7, G2): pure.

- Changed-only (D5): a SKU goes when the quantity or lead time it would be told differs from what Amazon
  was last told, or Amazon was never told; a dirty SKU whose figure came back to what Amazon has is
  settled without a call.
- Refused (D1, D7): a listing Amazon fulfils (``AFN``: FBA stock is Amazon's) or one mapped by ASIN only
  is never pushed; its push state says why.
- The path by volume (G2): up to ``patch_max`` dirty SKUs go by ``patchListingsItem`` one each (latency);
  more go by ``JSON_LISTINGS_FEED`` documents (volume).
- The feed window: Amazon takes at most ``FEED_SUBMISSIONS_PER_WINDOW`` listings feeds per
  ``FEED_WINDOW_SECONDS`` per seller account and region; beyond it the SKUs wait for the window to
  reopen, except the urgent few (``availability.is_urgent``: down to 0 or by more than the buffer), which
  go by patch at once.
- Stuck: a feed Amazon has not finished :data:`STUCK_AFTER` after it was submitted (Amazon's time) is
  stuck: flagged, cancelled, its urgent SKUs patched now, the others sent again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ..ports.listings import FEED_SUBMISSIONS_PER_WINDOW, FEED_WINDOW_SECONDS

STUCK_AFTER = timedelta(minutes=15)  # a listings feed not DONE this long after its submission is stuck
VERIFY_PER_RUN = 5  # SKUs read back per run (getListingsItem)
CLAIM_TIMEOUT = timedelta(hours=1)  # a claim with no answer this old (a crash mid-call) is released

REFUSED_AFN = "fulfilled by Amazon (FBA): its stock is Amazon's, never pushed (D1)"
REFUSED_ASIN = "mapped by ASIN only: stock is pushed by Amazon SKU only (D7)"


class Path(StrEnum):
    PATCH = "patch"
    FEED = "feed"


def refusal(fulfillment_channel: str | None, mapped_by: str | None) -> str | None:
    """Why a listing's quantity is never sent (D1, D7); None: it is sent."""
    if (fulfillment_channel or "MFN").upper() == "AFN":
        return REFUSED_AFN
    if (mapped_by or "sku").lower() == "asin":
        return REFUSED_ASIN
    return None


def needs_send(quantity: int, lead_time_days: int | None, *, sent_quantity: int | None,
               sent_lead_time: int | None, ever_sent: bool) -> bool:
    """Changed-only (D5): Amazon was never told, or is told another quantity or lead time.

    A lead time of None is not sent (Amazon keeps its own), so it never makes a SKU differ."""
    if not ever_sent or sent_quantity is None:
        return True
    if quantity != sent_quantity:
        return True
    return lead_time_days is not None and lead_time_days != sent_lead_time


def choose_path(dirty: int, patch_max: int) -> Path:
    """G2: few dirty SKUs one call each; more than ``patch_max`` by feed."""
    return Path.PATCH if dirty <= patch_max else Path.FEED


@dataclass(frozen=True, slots=True)
class FeedWindow:
    """How many listings feeds may still be submitted now, and when the next slot opens."""

    remaining: int
    reopens_at: datetime | None  # None: a slot is free now


def feed_window(submitted_at: Iterable[datetime], now: datetime, *,
                limit: int = FEED_SUBMISSIONS_PER_WINDOW,
                window: timedelta = timedelta(seconds=FEED_WINDOW_SECONDS)) -> FeedWindow:
    """The feed window of a seller account and region, from its feeds' submission times."""
    inside = sorted(at for at in submitted_at if now - at < window)
    remaining = max(0, limit - len(inside))
    if remaining:
        return FeedWindow(remaining, None)
    # the slot of the oldest submission still counted opens when it leaves the window
    return FeedWindow(0, inside[len(inside) - limit] + window)


def is_stuck(submitted_at: datetime, now: datetime, *, after: timedelta = STUCK_AFTER) -> bool:
    """A feed not done ``after`` its submission (Amazon's time): the watchdog's rule."""
    return now - submitted_at >= after
