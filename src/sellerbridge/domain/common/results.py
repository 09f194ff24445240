"""How a run of a flow ends, and how each item in it did (H2; DESIGN.md section 5).

- :class:`ItemResult` ``(key, status, messages)``: one order, SKU, shipment or feed message. Per-item
  outcomes are values, never exceptions: one bad item does not sink a batch (karrio's
  ``Message(code, text, level)`` next to the result). A run keeps the items worth showing (errors and
  warnings), at most :data:`MAX_ITEMS`; its counts stay complete.
- :class:`Tally`: the counts of one run while it works. A flow declares the names it counts
  (``Flow.counts``); a name it did not declare is a bug and raises. A breakdown is a dotted name:
  ``add("skipped", reason="not_selected")`` counts ``skipped`` and ``skipped.not_selected``.
- :class:`RunReport`: the end of a run. ``done``, ``partial`` (some items failed, the rest went
  through), ``failed`` (the run as a whole could not go on; ``retryable`` says whether running again
  later can help, ``retry_after`` is the remote side's hint), or ``waiting`` (a stepping flow that is
  not finished: it continues at ``resume_at``; its state is kept with the run).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

MAX_ITEMS = 200  # items kept per run: enough to act on, small enough for a run row


class Level(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Message:
    """What the hub or the remote side said about an item; ``code`` is stable, ``text`` is for people."""

    code: str
    text: str
    level: Level = Level.ERROR

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "text": self.text, "level": self.level.value}


class ItemStatus(StrEnum):
    OK = "ok"
    WARNING = "warning"  # done, with something a person may want to know (e.g. a SKU Amazon does not know)
    ERROR = "error"  # not done; in the error log, reprocessable
    SKIPPED = "skipped"  # deliberately not done (filters)


@dataclass(frozen=True, slots=True)
class ItemResult:
    key: str  # the item's own id: Amazon order id, SKU, shipment id, feed message id
    status: ItemStatus
    messages: tuple[Message, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "status": self.status.value, "messages": [m.as_dict() for m in self.messages]}


class RunStatus(StrEnum):
    DONE = "done"
    PARTIAL = "partial"
    FAILED = "failed"
    WAITING = "waiting"  # not finished: a stepping flow continues at resume_at


class Tally:
    """The counts of one run (declared names only) and the items worth showing."""

    def __init__(self, names: Iterable[str], start: Mapping[str, int] | None = None) -> None:
        self._names = frozenset(names)
        self._counts: dict[str, int] = dict.fromkeys(sorted(self._names), 0)
        self.items: list[ItemResult] = []
        for name, value in (start or {}).items():
            if self._declared(name) and isinstance(value, int):
                self._counts[name] = value

    def _declared(self, name: str) -> bool:
        return name.split(".", 1)[0] in self._names

    def add(self, name: str, n: int = 1, *, reason: str | None = None) -> None:
        if name not in self._names:
            raise KeyError(f"{name!r} is not a count this flow declares ({', '.join(sorted(self._names))})")
        self._counts[name] += n
        if reason is not None:
            key = f"{name}.{reason}"
            self._counts[key] = self._counts.get(key, 0) + n

    def __getitem__(self, name: str) -> int:
        return self._counts.get(name, 0)

    def note(self, item: ItemResult) -> None:
        """Keep an item's result (the first MAX_ITEMS only; counts stay complete)."""
        if len(self.items) < MAX_ITEMS:
            self.items.append(item)

    def counts(self) -> dict[str, int]:
        return dict(self._counts)


@dataclass(frozen=True, slots=True)
class RunReport:
    """How one run of a flow ended (H2). ``error`` never carries secrets or buyer data."""

    flow: str
    connection_id: int | None
    status: RunStatus
    counts: Mapping[str, int] = field(default_factory=dict)
    run_id: int | None = None
    error: str | None = None
    retryable: bool = False
    retry_after: float | None = None  # seconds: the remote side's hint when it throttled (G1)
    items: tuple[ItemResult, ...] = ()
    resume_at: datetime | None = None  # WAITING: when the run continues; otherwise a hint to run again
    resumed: bool = False  # this run continued one that an earlier process or step started
    # The next scheduled run no earlier than this: Amazon's budget has no room before (G1). A person's
    # "run now" is not held back by it.
    not_before: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (CLI ``--json``, REST)."""
        return {"flow": self.flow, "connection_id": self.connection_id, "run_id": self.run_id,
                "status": self.status.value, "error": self.error, "retryable": self.retryable,
                "retry_after": self.retry_after, "counts": dict(self.counts),
                "items": [item.as_dict() for item in self.items],
                "resume_at": self.resume_at.isoformat() if self.resume_at else None, "resumed": self.resumed}
