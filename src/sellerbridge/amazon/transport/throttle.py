"""Amazon's usage plans and the hub's token buckets (G1).

Amazon meters each SP-API operation per selling partner and application with a token bucket:
``burst`` calls at once, then ``rate`` calls per second. The hub keeps its own bucket for every
(seller, region, operation) so its calls fit the plan and Amazon never has to throttle them; a
429 that happens anyway (another tool on the same account, a plan lowered) is waited out by the
gateway. Every job and worker of one seller must share one budget: the :class:`BucketStore`
interface is that budget, in this process (:class:`InProcessBucketStore`, embedded mode) or in
Redis for several workers and machines (``throttle_redis.RedisBucketStore``, distributed mode).

Inside one budget, urgent work goes first (G1): a call that is less urgent than its operation's
usual callers (a catalog feed through ``createFeed``, which stock and shipment feeds use too) only
takes a token while the bucket keeps a reserve for them (:data:`RESERVE_SHARE`).

Amazon raises plans for large sellers and says so in ``x-amzn-RateLimit-Limit`` (requests per
second) on successful answers; the gateway then passes that rate here instead of the table's.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal, Protocol

Priority = Literal["high", "normal", "low"]


@dataclass(frozen=True, slots=True)
class UsagePlan:
    rate: float  # tokens per second
    burst: int  # bucket size


# Amazon's published default (rate per second, burst) for the operations the hub uses, as written
# in each operation's description in Amazon's models (tests/amazon/models, August 2026).
# Orders v0 and 2026-01-01 both have a ``getOrder``: the v0 one is ``getOrderV0`` here.
USAGE_PLANS: dict[str, UsagePlan] = {name: UsagePlan(rate, burst) for name, (rate, burst) in {
    # Orders 2026-01-01
    "searchOrders": (0.0056, 20),  # one call per ~178 s after the burst
    "getOrder": (0.5, 30),
    # Orders v0: shipment confirmation, and the deprecated reads (baseline, RDT paths)
    "getOrders": (0.0167, 20),
    "getOrderV0": (0.5, 30),
    "getOrderItems": (0.5, 30),
    "getOrderAddress": (0.5, 30),
    "getOrderBuyerInfo": (0.5, 30),
    "getOrderItemsBuyerInfo": (0.5, 30),
    "confirmShipment": (2, 10),
    "updateShipmentStatus": (5, 15),
    # Reports 2021-06-30
    "createReport": (0.0167, 15),
    "getReport": (2, 15),
    "getReports": (0.0222, 10),
    "cancelReport": (0.0222, 10),
    "getReportDocument": (0.0167, 15),
    # Feeds 2021-06-30
    "createFeedDocument": (0.5, 15),
    "createFeed": (0.0083, 15),
    "getFeed": (2, 15),
    "getFeeds": (0.0222, 10),
    "cancelFeed": (2, 15),
    "getFeedDocument": (0.0222, 10),
    # Listings Items 2021-08-01
    "getListingsItem": (5, 10),
    "patchListingsItem": (5, 5),
    "putListingsItem": (5, 10),
    "deleteListingsItem": (5, 5),
    "searchListingsItems": (5, 5),
    # Tokens 2021-03-01
    "createRestrictedDataToken": (1, 10),
    # Notifications v1
    "getSubscription": (1, 5),
    "createSubscription": (1, 5),
    "deleteSubscriptionById": (1, 5),
    "getDestinations": (1, 5),
    "createDestination": (1, 5),
    "deleteDestination": (1, 5),
}.items()}


# G1, priorities inside one seller's budget: shipment confirmation, stock and price before order
# reads, order reads before catalog and reports. Amazon meters every operation on its own bucket,
# so this table names the most urgent purpose each operation serves: a call made for that purpose
# (or without saying) keeps no reserve, and a call made for a less urgent purpose through the same
# operation passes its own priority (``AmazonGateway._call(priority=...)``) and leaves a reserve.
OPERATION_PRIORITIES: dict[str, Priority] = {
    # writes that move stock, prices and shipments: what buyers and Amazon's metrics see first
    "confirmShipment": "high", "updateShipmentStatus": "high",
    "createFeedDocument": "high", "createFeed": "high",
    "patchListingsItem": "high", "putListingsItem": "high", "deleteListingsItem": "high",
    # order reads, their PII token, feed results and subscriptions
    "searchOrders": "normal", "getOrder": "normal", "getOrders": "normal", "getOrderV0": "normal",
    "getOrderItems": "normal", "getOrderAddress": "normal", "getOrderBuyerInfo": "normal",
    "getOrderItemsBuyerInfo": "normal", "createRestrictedDataToken": "normal",
    "getFeed": "normal", "getFeeds": "normal", "cancelFeed": "normal", "getFeedDocument": "normal",
    "getSubscription": "normal", "createSubscription": "normal", "deleteSubscriptionById": "normal",
    "getDestinations": "normal", "createDestination": "normal", "deleteDestination": "normal",
    # reports (settlements, backlog imports) and catalog reads: hours of slack
    "createReport": "low", "getReport": "low", "getReports": "low", "cancelReport": "low",
    "getReportDocument": "low", "getListingsItem": "low", "searchListingsItems": "low",
}

# Share of the burst a call of this priority leaves in the bucket for more urgent ones (G1): a
# low call goes only while half the burst stays, so a stock feed arriving behind a catalog backlog
# still finds tokens at once (and gets ahead of about that many queued low calls).
RESERVE_SHARE: dict[str, float] = {"high": 0.0, "normal": 0.2, "low": 0.5}
_RANK: dict[str, int] = {"high": 0, "normal": 1, "low": 2}


def usage_plan(operation: str) -> UsagePlan:
    """Amazon's published plan for ``operation``; KeyError for an operation the hub does not know."""
    try:
        return USAGE_PLANS[operation]
    except KeyError:
        raise KeyError(f"no usage plan for SP-API operation {operation!r}: add Amazon's published one") from None


def operation_priority(operation: str) -> Priority:
    """The most urgent purpose ``operation`` serves (:data:`OPERATION_PRIORITIES`, G1)."""
    try:
        return OPERATION_PRIORITIES[operation]
    except KeyError:
        raise KeyError(f"no priority for SP-API operation {operation!r}: add it next to its usage plan") from None


def bucket_priority(operation: str, priority: Priority | None) -> Priority | None:
    """The priority a call of ``operation`` takes its token with (G1).

    None (no reserve, Amazon's whole burst) unless the caller said the call is less urgent than the
    operation's usual callers: a reserve kept in a bucket that only one kind of caller uses would
    just shrink its burst (and slow a backlog import) for nobody's benefit.
    """
    if priority is None:
        return None
    return priority if _RANK[priority] > _RANK[operation_priority(operation)] else None


def reserve_tokens(burst: int, priority: Priority | None) -> float:
    """Tokens a call of ``priority`` leaves in a bucket of ``burst`` (0 for None and high)."""
    if priority is None:
        return 0.0
    try:
        return RESERVE_SHARE[priority] * burst
    except KeyError:
        raise ValueError(f"priority must be one of {sorted(RESERVE_SHARE)}, not {priority!r}") from None


def bucket_key(seller_id: str, region: str, operation: str) -> str:
    """One budget per (seller account, region, operation), shared by every worker (G1)."""
    return f"{seller_id}:{region}:{operation}"


def ready_in(store: BucketStore, key: str, rate: float, burst: int, now: float, *,
             priority: Priority | None = None) -> float:
    """Seconds until a call of ``key`` could go without waiting, reserving nothing (plans a flow's next
    run for when Amazon's budget has room, instead of waiting for it in a worker, G1)."""
    return store.reserve(key, rate, burst, now, max_wait=-1.0, priority=priority)


class BucketStore(Protocol):
    """Shared token buckets. ``now`` is epoch seconds of the caller's clock."""

    def reserve(self, key: str, rate: float, burst: int, now: float, *, max_wait: float | None = None,
                priority: Priority | None = None) -> float:
        """Take the next token of ``key``'s bucket: the seconds to wait before the call may go (0 = now).

        The token is reserved even when it lies in the future, so concurrent callers queue up one
        token interval apart. With ``max_wait``, a wait longer than that reserves nothing and is
        returned as is (the caller gives up instead of queueing). A ``priority`` of normal or low
        takes the token only when :func:`reserve_tokens` stay behind it, else it waits until they
        would (G1); None and high may take the last token. A negative ``max_wait`` is a look: the
        wait is returned and nothing is reserved (:func:`ready_in`).
        """
        ...

    def drain(self, key: str, rate: float, burst: int, now: float) -> None:
        """Amazon said 429: its bucket is empty, so ours is too (reservations already made stay)."""
        ...


class InProcessBucketStore:
    """Buckets in this process, thread-safe: for the embedded mode (one process, many threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, list[float]] = {}  # key -> [tokens, updated]; tokens < 0: reserved ahead

    def _refilled(self, key: str, rate: float, burst: int, now: float) -> list[float]:
        state = self._buckets.get(key)
        if state is None:
            state = self._buckets[key] = [float(burst), now]  # Amazon's buckets start full
        elif now > state[1]:
            state[0] = min(float(burst), state[0] + (now - state[1]) * rate)
            state[1] = now
        return state

    def reserve(self, key: str, rate: float, burst: int, now: float, *, max_wait: float | None = None,
                priority: Priority | None = None) -> float:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        need = 1.0 + reserve_tokens(burst, priority)  # RedisBucketStore's script mirrors these steps
        with self._lock:
            state = self._refilled(key, rate, burst, now)
            wait = 0.0 if state[0] >= need else (need - state[0]) / rate
            if max_wait is not None and wait > max_wait:
                return wait
            state[0] -= 1.0
            return wait

    def drain(self, key: str, rate: float, burst: int, now: float) -> None:
        with self._lock:
            state = self._refilled(key, rate, burst, now)
            state[0] = min(state[0], 0.0)
