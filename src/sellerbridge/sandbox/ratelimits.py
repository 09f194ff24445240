"""Amazon's usage plans: a token bucket per (seller, operation) (I4, G1).

Default rate (requests per second) and burst are those published in each operation's description
in Amazon's models (``tests/amazon/models``, August 2026); a test checks this table against
them. Amazon raises limits for large sellers, so a seller may carry overrides.

A bucket starts full (burst tokens), refills at ``rate`` tokens per simulated second, and a request
takes one token or is answered 429 QuotaExceeded. Time is the sandbox clock, so a time-scaled run
gets Amazon's limits in simulated time.
"""

from __future__ import annotations

from dataclasses import dataclass

# operation -> (rate per second, burst)
DEFAULT_USAGE_PLANS: dict[str, tuple[float, int]] = {
    # Orders 2026-01-01
    "searchOrders": (0.0056, 20),
    "getOrder": (0.5, 30),
    # Orders v0 (reads deprecated, still served)
    "getOrders": (0.0167, 20),
    "getOrderV0": (0.5, 30),
    "getOrderBuyerInfo": (0.5, 30),
    "getOrderAddress": (0.5, 30),
    "getOrderItems": (0.5, 30),
    "getOrderItemsBuyerInfo": (0.5, 30),
    "updateShipmentStatus": (5, 15),
    "getOrderRegulatedInfo": (0.5, 30),
    "updateVerificationStatus": (0.5, 30),
    "confirmShipment": (2, 10),
    # Listings Items 2021-08-01
    "getListingsItem": (5, 10),
    "patchListingsItem": (5, 5),
    "putListingsItem": (5, 10),
    "deleteListingsItem": (5, 5),
    "searchListingsItems": (5, 5),
    # Feeds 2021-06-30
    "getFeeds": (0.0222, 10),
    "createFeed": (0.0083, 15),
    "cancelFeed": (2, 15),
    "getFeed": (2, 15),
    "createFeedDocument": (0.5, 15),
    "getFeedDocument": (0.0222, 10),
    # Reports 2021-06-30
    "getReports": (0.0222, 10),
    "createReport": (0.0167, 15),
    "cancelReport": (0.0222, 10),
    "getReport": (2, 15),
    "getReportSchedules": (0.0222, 10),
    "createReportSchedule": (0.0222, 10),
    "cancelReportSchedule": (0.0222, 10),
    "getReportSchedule": (0.0222, 10),
    "getReportDocument": (0.0167, 15),
    # Tokens 2021-03-01
    "createRestrictedDataToken": (1, 10),
    # Notifications v1
    "getSubscriptions": (1, 5),
    "getSubscription": (1, 5),
    "sendTestNotification": (1, 5),
    "createSubscription": (1, 5),
    "getSubscriptionById": (1, 5),
    "deleteSubscriptionById": (1, 5),
    "getDestinations": (1, 5),
    "createDestination": (1, 5),
    "getDestination": (1, 5),
    "deleteDestination": (1, 5),
}


# Times are epoch seconds in a float: at today's epoch one step of it is about 0.2 microseconds, so a bucket
# refilled for exactly 1/rate seconds can hold 0.9999996 of a token. A token is whole within this much.
WHOLE_TOKEN = 1.0 - 1e-6


@dataclass
class TokenBucket:
    """Classic token bucket in simulated seconds."""

    rate: float
    burst: int
    tokens: float
    updated: float  # simulated epoch seconds of the last refill

    @classmethod
    def full(cls, rate: float, burst: int, now: float) -> TokenBucket:
        return cls(rate=rate, burst=burst, tokens=float(burst), updated=now)

    def _refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(float(self.burst), self.tokens + (now - self.updated) * self.rate)
            self.updated = now

    def try_take(self, now: float) -> bool:
        self._refill(now)
        if self.tokens >= WHOLE_TOKEN:
            self.tokens = max(0.0, self.tokens - 1.0)
            return True
        return False

    def seconds_until_token(self, now: float) -> float:
        self._refill(now)
        return 0.0 if self.tokens >= WHOLE_TOKEN else (1.0 - self.tokens) / self.rate


class RateLimiter:
    """Buckets for every (seller, operation); counts what it refused, for tests and benchmarks."""

    def __init__(self) -> None:
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self.throttled: dict[tuple[str, str], int] = {}
        self.allowed: dict[tuple[str, str], int] = {}

    @staticmethod
    def plan(operation: str, overrides: dict[str, tuple[float, int]] | None = None) -> tuple[float, int]:
        if overrides and operation in overrides:
            return overrides[operation]
        return DEFAULT_USAGE_PLANS.get(operation, (1.0, 5))

    def take(self, seller_id: str, operation: str, now: float,
             overrides: dict[str, tuple[float, int]] | None = None) -> tuple[bool, float]:
        """Take one token. Returns (allowed, rate applied)."""
        rate, burst = self.plan(operation, overrides)
        key = (seller_id, operation)
        bucket = self._buckets.get(key)
        if bucket is None or bucket.rate != rate or bucket.burst != burst:
            bucket = TokenBucket.full(rate, burst, now)
            self._buckets[key] = bucket
        ok = bucket.try_take(now)
        counter = self.allowed if ok else self.throttled
        counter[key] = counter.get(key, 0) + 1
        return ok, rate

    def reset(self) -> None:
        self._buckets.clear()
        self.throttled.clear()
        self.allowed.clear()

    def stats(self) -> dict[str, dict[str, dict[str, int]]]:
        out: dict[str, dict[str, dict[str, int]]] = {}
        for (seller, op), n in self.allowed.items():
            out.setdefault(seller, {}).setdefault(op, {"allowed": 0, "throttled": 0})["allowed"] = n
        for (seller, op), n in self.throttled.items():
            out.setdefault(seller, {}).setdefault(op, {"allowed": 0, "throttled": 0})["throttled"] = n
        return out
