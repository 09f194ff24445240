"""A circuit breaker per receiver (B14): a receiver that is down is not hammered, and is probed back.

- closed: every due delivery is sent. ``FAILURE_THRESHOLD`` failed attempts in a row open it.
- open: nothing is sent until ``retry_at``; the cool-down is ``COOL_DOWN_FIRST`` doubling with every
  trip in a row up to ``COOL_DOWN_MAX``.
- half open (``retry_at`` passed): one delivery is sent as a probe. Its success closes the breaker
  (and resets the trips); its failure opens it again, for a longer cool-down.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

FAILURE_THRESHOLD = 5
COOL_DOWN_FIRST = timedelta(minutes=1)
COOL_DOWN_MAX = timedelta(minutes=30)


class State(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True, slots=True)
class Breaker:
    state: State = State.CLOSED
    failures: int = 0  # failed attempts in a row
    trips: int = 0  # times it opened in a row (grows the cool-down)
    retry_at: datetime | None = None  # open: the moment a probe may go


def allows(breaker: Breaker, now: datetime) -> bool:
    """Whether something may be sent now (closed; or open with its cool-down over: a probe)."""
    return breaker.state is not State.OPEN or (breaker.retry_at is not None and now >= breaker.retry_at)


def probing(breaker: Breaker, now: datetime) -> Breaker:
    """The breaker as a probe goes out (open, cool-down over -> half open)."""
    if breaker.state is State.OPEN and allows(breaker, now):
        return replace(breaker, state=State.HALF_OPEN)
    return breaker


def cool_down(trips: int) -> timedelta:
    return min(COOL_DOWN_MAX, COOL_DOWN_FIRST * 2 ** min(max(trips, 1) - 1, 20))


def on_success(breaker: Breaker) -> Breaker:
    return Breaker()


def on_failure(breaker: Breaker, now: datetime) -> Breaker:
    failures = breaker.failures + 1
    if breaker.state is State.HALF_OPEN or failures >= FAILURE_THRESHOLD:
        trips = breaker.trips + 1
        return Breaker(State.OPEN, failures, trips, now + cool_down(trips))
    return replace(breaker, failures=failures)
