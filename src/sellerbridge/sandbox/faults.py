"""Scripted faults, per operation (I4).

A test says "the next N answers of operation X (for seller S, or any seller) are F" through
``POST /_sandbox/faults``. Kinds:

- ``status``: answer ``status`` (500, 503, 429, ...) in Amazon's error shape.
- ``slow``: wait ``delay_seconds`` (real seconds) before answering normally.
- ``drop``: close the connection without an answer.
- ``malformed_json``: 200 with a body that is not JSON.
- ``truncate`` / ``corrupt``: applies to document downloads (operation ``downloadDocument``):
  the GZIP payload is cut in half, or bytes are flipped.
- ``feed_stuck``: the next N feeds created (any feed type, JSON_LISTINGS_FEED too) stay IN_QUEUE for ever
  (operation ``createFeed``), until cancelled or released (``POST /_sandbox/sellers/{seller_id}/feeds/
  {feed_id}/release``: it then runs as if just submitted and applies what it carried, late, as at Amazon).
- ``feed_skip``: the next N messages of a fulfillment feed (operation ``POST_ORDER_FULFILLMENT_DATA``) or
  of a listings feed (operation ``JSON_LISTINGS_FEED``) are counted successful in the processing report
  but not applied: a DONE feed that did not do what it says, for the hub's read-back to catch.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass

FAULT_KINDS = ("status", "slow", "drop", "malformed_json", "truncate", "corrupt", "feed_stuck", "feed_skip")


@dataclass
class Fault:
    operation: str
    kind: str
    remaining: int = 1
    status: int = 500
    delay_seconds: float = 0.0
    seller_id: str | None = None


class FaultBook:
    """Faults waiting to fire, in the order they were scripted."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.fired: dict[str, int] = {}

    def add(self, fault: Fault) -> None:
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}; one of {', '.join(FAULT_KINDS)}")
        if fault.remaining < 1:
            raise ValueError("count must be at least 1")
        if fault.kind == "status" and not 400 <= fault.status <= 599:
            raise ValueError("status must be a 4xx or 5xx code")
        with self._lock:
            self._faults.append(fault)

    def take(self, operation: str, seller_id: str | None, kinds: tuple[str, ...] | None = None) -> Fault | None:
        """The next fault for this call, consumed; None when none applies."""
        with self._lock:
            for fault in self._faults:
                if fault.operation not in (operation, "*"):
                    continue
                if fault.seller_id and fault.seller_id != seller_id:
                    continue
                if kinds and fault.kind not in kinds:
                    continue
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                self.fired[operation] = self.fired.get(operation, 0) + 1
                return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self.fired.clear()

    def pending(self) -> list[dict]:
        with self._lock:
            return [asdict(f) for f in self._faults]
