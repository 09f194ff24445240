"""The gateway's clock: every wait and every expiry goes through it (G1, A2).

Throttling waits, retry backoff, LWA and RDT expiry and the two-minute clamp of ``searchOrders``
all read ``now()`` and wait with ``sleep()`` of an injected :class:`Clock`, so the same gateway
runs in production (:class:`SystemClock`), against a time-scaled sandbox (:class:`ScaledClock`:
Amazon's real rate limits in simulated time) and in tests with a clock that steps the sandbox's.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """Aware-UTC wall clock and a way to wait on it."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of this clock's time."""
        ...


class SystemClock:
    """Real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class ScaledClock:
    """K simulated seconds per real second, from ``start`` (default: the real now).

    Matches a sandbox served with ``--time-scale K`` started at the same moment; ``sleep(s)``
    sleeps ``s / K`` real seconds, so a wait of one ``searchOrders`` token (178 s) takes 3 s at K=60.
    """

    def __init__(self, scale: float, start: datetime | None = None) -> None:
        if scale <= 0:
            raise ValueError("scale must be > 0 (K simulated seconds per real second)")
        if start is not None and start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self.scale = float(scale)
        self._origin = (start or datetime.now(UTC)).astimezone(UTC)
        self._mono_origin = time.monotonic()

    def now(self) -> datetime:
        return self._origin + timedelta(seconds=(time.monotonic() - self._mono_origin) * self.scale)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds / self.scale)
