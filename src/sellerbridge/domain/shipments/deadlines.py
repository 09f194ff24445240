"""Late shipment (Amazon measures it): an order nearing its ``latestShipDate`` with nothing shipped (C2).

An order is at risk when it is the warehouse's (merchant-fulfilled, sent to the warehouse), still
``unshipped``, has no package on its way to Amazon (queued, sending, confirmed, verified: a held or failed
one does not count, a person must act on it) and its latest ship date is within :data:`LATE_MARGIN`; it
is past due once that date has passed. The flow ``ship_deadlines`` flags each such order once
(``orders.late_flagged_at``) and tells a person; ``/metrics`` counts both states per connection.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

LATE_MARGIN = timedelta(hours=12)  # half a working day: enough for a warehouse to pick, pack and hand over
SHIPPING_PACKAGE_STATUSES = ("queued", "sending", "confirmed", "verified")  # on their way to Amazon
WATCHED_STATUSES = ("unshipped",)  # nothing shipped; partially shipped orders have shipped something


class LateState(StrEnum):
    AT_RISK = "at_risk"
    PAST_DUE = "past_due"


def late_state(latest_ship_date: datetime | None, now: datetime, *, status: str, shipping: bool,
               margin: timedelta = LATE_MARGIN) -> LateState | None:
    """The order's state against its latest ship date, or None when it is not at risk (module's rules)."""
    if latest_ship_date is None or status not in WATCHED_STATUSES or shipping:
        return None
    if latest_ship_date <= now:
        return LateState.PAST_DUE
    if latest_ship_date <= now + margin:
        return LateState.AT_RISK
    return None
