"""The sandbox's controllable clock (I4).

Simulated time = origin + (monotonic seconds since origin) x scale.

- ``scale=1``: real time (the default for ``sandbox serve``).
- ``scale=K``: K simulated seconds per real second, for demos and benchmarks (``--time-scale K``).
- ``scale=0``: stepped: time moves only when a test calls :meth:`advance`.

Every timed Amazon behaviour (token buckets, report/feed lifecycles, search lag, order streams,
pre-signed URL expiry, access-token expiry) reads this clock, so a test can step through hours in
milliseconds and a benchmark can run Amazon's real rate limits at a chosen speed.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class Clock:
    """Simulated wall clock, thread-safe."""

    def __init__(self, start: datetime | None = None, scale: float = 1.0) -> None:
        if scale < 0:
            raise ValueError("time scale must be >= 0")
        self._lock = threading.Lock()
        self._origin = (start or datetime.now(UTC)).astimezone(UTC)
        self._mono_origin = time.monotonic()
        self._scale = float(scale)

    @property
    def scale(self) -> float:
        return self._scale

    def now(self) -> datetime:
        with self._lock:
            elapsed = (time.monotonic() - self._mono_origin) * self._scale
            return self._origin + timedelta(seconds=elapsed)

    def timestamp(self) -> float:
        return self.now().timestamp()

    def _rebase(self) -> None:
        # Fold the elapsed simulated time into the origin so scale or offset changes keep continuity.
        mono = time.monotonic()
        self._origin += timedelta(seconds=(mono - self._mono_origin) * self._scale)
        self._mono_origin = mono

    def advance(self, seconds: float) -> datetime:
        """Jump forward (never backward: Amazon's time does not run back)."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._rebase()
            self._origin += timedelta(seconds=seconds)
            return self._origin

    def set_scale(self, scale: float) -> None:
        if scale < 0:
            raise ValueError("time scale must be >= 0")
        with self._lock:
            self._rebase()
            self._scale = float(scale)

    def real_seconds_for(self, simulated_seconds: float) -> float | None:
        """How long in real time a simulated span lasts (None when stepped)."""
        if self._scale == 0:
            return None
        return simulated_seconds / self._scale
