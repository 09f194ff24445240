"""When an order's buyer data must be gone: Amazon's clock, never the hub's import time (B13).

Amazon's Data Protection Policy keeps buyer data "no longer than 30 days after order delivery". The
rule, on the times Amazon reports (``PACKAGES`` dataset, merchant-fulfilled orders):

- ``shipped_at`` is when the order's last package was handed to the carrier (the latest package
  ``shipTime``; cancelled packages do not count). An order Amazon says is shipped but whose packages
  carry no ship time (no ``PACKAGES`` dataset, a v0 read) takes the ``lastUpdatedTime`` of the first
  payload that said so: Amazon's time of that change.
- ``delivered_at`` is when every package (cancelled ones aside) was DELIVERED. Amazon's model has no
  delivery timestamp, so it is the ``lastUpdatedTime`` of the first payload in which the last
  package reads DELIVERED: the change Amazon recorded for the delivery.
- The purge is due ``retention`` after ``delivered_at``; without a delivery, ``transit allowance +
  retention`` after ``shipped_at`` (the allowance is a setting: the longest a parcel may take to
  arrive); an order never shipped is not due by this rule (cancelled before shipment: untouched,
  as before).

The hub's first sight of these facts is kept (:func:`first_seen`): a later payload that repeats them
does not move the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from .model import OrderDraft, OrderStatus, PackageDraft, PackageStatus

DEFAULT_TRANSIT_ALLOWANCE = timedelta(days=14)


def _live(packages: Sequence[PackageDraft]) -> list[PackageDraft]:
    return [p for p in packages if p.status is not PackageStatus.CANCELLED]


def amazon_shipped_at(draft: OrderDraft) -> datetime | None:
    """When Amazon says the order left (see the module's rule); None while it has not."""
    times = [p.ship_time for p in _live(draft.packages) if p.ship_time is not None]
    if times:
        return max(times)
    if draft.status is OrderStatus.SHIPPED:
        return draft.last_updated
    return None


def amazon_delivered_at(draft: OrderDraft) -> datetime | None:
    """When Amazon says the last package was delivered; None while one is not (or there are none)."""
    live = _live(draft.packages)
    if live and all(p.status is PackageStatus.DELIVERED for p in live):
        return draft.last_updated
    return None


def first_seen(stored: datetime | None, reported: datetime | None) -> datetime | None:
    """The stored moment if there is one, else the reported one: the clock starts once."""
    return stored if stored is not None else reported


def shipped_at_to_keep(stored: datetime | None, draft: OrderDraft) -> datetime | None:
    """``shipped_at`` after reading ``draft``: a package's ship time is Amazon's own record of the
    hand-over and replaces the fallback; the fallback (status change) only starts the clock once."""
    if any(p.ship_time is not None for p in _live(draft.packages)):
        return amazon_shipped_at(draft)
    return first_seen(stored, amazon_shipped_at(draft))


def purge_due_at(*, delivered_at: datetime | None, shipped_at: datetime | None, retention: timedelta,
                 transit_allowance: timedelta = DEFAULT_TRANSIT_ALLOWANCE) -> datetime | None:
    """When the order's buyer data is due for the purge (B13); None: not by this rule (not shipped)."""
    if delivered_at is not None:
        return delivered_at + retention
    if shipped_at is not None:
        return shipped_at + transit_allowance + retention
    return None
