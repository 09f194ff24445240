"""Amazon's asynchronous side, as a queue of timed events in simulated time (I4).

Feeds and reports move through their lifecycles, orders are born and change, the search index
catches up, settlements are published: each is an event due at a simulated time. The backend runs
every due event at the start of each request, when a test advances the clock, and from a
background loop when served, so state never depends on who happened to look first.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(order=True)
class _Event:
    due: datetime
    seq: int
    action: Callable[[datetime], None] = field(compare=False)
    label: str = field(compare=False, default="")


class EventQueue:
    def __init__(self) -> None:
        self._heap: list[_Event] = []
        self._seq = itertools.count()

    def at(self, due: datetime, action: Callable[[datetime], None], label: str = "") -> None:
        """Run ``action(due)`` once simulated time reaches ``due``."""
        heapq.heappush(self._heap, _Event(due, next(self._seq), action, label))

    def run_due(self, now: datetime) -> int:
        """Run every event due by ``now``, oldest first, each at its own due time. Returns the count.

        An event may schedule further events; those run too if they are already due.
        """
        ran = 0
        while self._heap and self._heap[0].due <= now:
            event = heapq.heappop(self._heap)
            event.action(event.due)
            ran += 1
        return ran

    def next_due(self) -> datetime | None:
        return self._heap[0].due if self._heap else None

    def clear(self) -> None:
        self._heap.clear()

    def __len__(self) -> int:
        return len(self._heap)
