"""How long Amazon takes: the sandbox's assumed timings (I4).

Amazon publishes none of these as guarantees; they are what sellers observe, chosen as defaults
and documented in docs/sandbox.md. Each can be changed per sandbox (``POST /_sandbox/config``) and
so per test.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass
class Timings:
    report_queue_seconds: float = 60.0  # a report waits this long IN_QUEUE
    report_seconds_per_1000_rows: float = 1.0  # then takes this long IN_PROGRESS
    feed_queue_seconds: float = 0.0  # JSON_LISTINGS_FEED: queue part of the 120 s base
    feed_base_seconds: float = 120.0  # processing time of any feed, plus per message below
    feed_seconds_per_message: float = 0.010
    patch_visible_seconds: float = 5.0  # patchListingsItem: ACCEPTED now, visible after this
    search_lag_seconds: float = 120.0  # an order change shows in searchOrders this much later
    access_token_seconds: int = 3600  # LWA access token lifetime (expires_in)
    rdt_seconds: int = 3600  # Restricted Data Token lifetime
    presigned_url_seconds: float = 300.0  # feed upload / document download URLs
    page_token_seconds: float = 24 * 3600.0  # searchOrders paginationToken validity
    pending_seconds: float = 600.0  # a new order stays Pending (payment) this long
    settlement_period_days: float = 14.0  # Amazon publishes a settlement every 14 days
    fba_ship_seconds: float = 4 * 3600.0  # Amazon ships an FBA order after this long
    feed_submissions_per_5_minutes: int = 5  # JSON_LISTINGS_FEED createFeed cap per region

    def update(self, values: dict[str, Any]) -> None:
        known = {f.name: f.type for f in fields(self)}
        for key, value in values.items():
            if key not in known:
                raise KeyError(key)
            current = getattr(self, key)
            setattr(self, key, type(current)(value))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
