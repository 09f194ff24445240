"""When a failed delivery is tried again, and when it is given up (B14, H1).

Exponential backoff with full jitter (AWS's "full jitter": a uniform draw between 0 and the doubled
cap), so that a receiver coming back after an outage is not hit by every delivery at the same second:
attempt ``n`` waits ``uniform(0, min(MAX_DELAY, BASE_DELAY * 2**(n-1)))``, at least ``MIN_DELAY``.
A receiver's ``Retry-After`` (429/503) is honoured, up to ``MAX_DELAY``. A delivery is retried for
``RETRY_FOR`` (26 hours: "at least 24 hours", with room for the last wait) from its first attempt; then
it is ``failed`` and goes to the error log, where a person redelivers it (``deliveries redeliver``).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)
MIN_DELAY = timedelta(seconds=5)
RETRY_FOR = timedelta(hours=26)


@dataclass(frozen=True, slots=True)
class Retry:
    at: datetime


@dataclass(frozen=True, slots=True)
class GiveUp:
    reason: str


def backoff(attempts: int, *, draw: Callable[[float, float], float] = random.uniform) -> timedelta:
    """The wait after the ``attempts``-th failed attempt (1 = the first): full jitter, capped."""
    cap = min(MAX_DELAY.total_seconds(), BASE_DELAY.total_seconds() * 2 ** min(max(attempts, 1) - 1, 20))
    return max(MIN_DELAY, timedelta(seconds=draw(0.0, cap)))


def after_failure(*, attempts: int, first_attempt_at: datetime, now: datetime, retry_after: float | None = None,
                  draw: Callable[[float, float], float] = random.uniform) -> Retry | GiveUp:
    """The next attempt, or the end: ``attempts`` counts the attempt that just failed."""
    if now - first_attempt_at >= RETRY_FOR:
        hours = RETRY_FOR.total_seconds() / 3600
        return GiveUp(f"not delivered after {attempts} attempts over {hours:g} hours")
    wait = backoff(attempts, draw=draw)
    if retry_after is not None and retry_after > 0:
        wait = max(wait, min(MAX_DELAY, timedelta(seconds=retry_after)))
    return Retry(now + wait)
