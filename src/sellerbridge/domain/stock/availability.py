"""Available to sell, with its "why" (D2, D3, D4, D6, D9): pure, no database.

The rule (D2): on hand over the warehouses enabled for the connection, minus holds (open Amazon order
lines) and quantities committed elsewhere (other channels, as the OMS says), minus the buffer, never below 0.

Buffers (D3) are a fixed number or a percent, at two levels:

- per warehouse (a distribution centre keeps some back, UltraCart's "buffer per DC"): taken off that
  warehouse's positive on-hand before it counts;
- per item, else the connection's default: taken off the base (on hand counted - held - committed).

A percent buffer rounds *up* (12 % of 9 is 2, not 1): a buffer exists to keep us from telling Amazon more
than we have, so every rounding goes the safe way. A warehouse with negative on-hand (it owes units)
counts negative: what it owes comes off what the others have.

Untracked items and backorderable items (D4) are sent as the connection's configured quantity (default
1000), whatever the stock says. Handling time (D6) is the item's, else the connection's default, else
None (not sent: Amazon keeps what it has).

Every figure carries :class:`Why` (D9): what each warehouse had and counted, the holds by order, the
commitments by channel, the buffer rule and amount, the result, so the CLI, REST and the dashboard show
what Amazon was told and why.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

DEFAULT_UNTRACKED_QUANTITY = 1000  # D4: the seeds' "send 1000" for backorderable and untracked items


class BufferKind(StrEnum):
    FIXED = "fixed"
    PERCENT = "percent"


@dataclass(frozen=True, slots=True)
class Buffer:
    """A fixed number of units, or a percent of what it applies to (D3); ``source`` says whose rule it is."""

    kind: BufferKind
    value: Decimal
    source: str = "connection"  # "item", "warehouse CODE", "connection"

    def __post_init__(self) -> None:
        if self.value < 0:
            raise ValueError("a buffer is never negative")
        if self.kind is BufferKind.PERCENT and self.value > 100:
            raise ValueError("a percent buffer is at most 100")

    def amount(self, base: int) -> int:
        """Units kept back from ``base`` (rounded up: the safe way); nothing is kept from nothing."""
        if base <= 0:
            return 0
        if self.kind is BufferKind.FIXED:
            return min(base, math.ceil(self.value))
        return min(base, math.ceil(Decimal(base) * self.value / 100))

    def describe(self) -> str:
        value = f"{self.value.normalize():f}"
        return f"{value} units ({self.source})" if self.kind is BufferKind.FIXED else f"{value} % ({self.source})"


@dataclass(frozen=True, slots=True)
class WarehouseStock:
    warehouse_id: int
    code: str
    on_hand: int
    buffer: Buffer | None = None


@dataclass(frozen=True, slots=True)
class HeldFor:
    """Units held for one open Amazon order (B10), by the order's id as people know it."""

    order: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Committed:
    """Units committed elsewhere: another channel's open orders, as the OMS sent them."""

    source: str
    quantity: int


@dataclass(frozen=True, slots=True)
class StockFacts:
    """What the hub knows of one item, as read in one transaction."""

    item_id: int
    sku: str
    warehouses: Sequence[WarehouseStock] = ()
    holds: Sequence[HeldFor] = ()
    committed: Sequence[Committed] = ()
    track_stock: bool = True
    backorderable: bool = False
    buffer: Buffer | None = None  # the item's own (D3); None: the connection's default
    handling_days: int | None = None  # the item's own (D6); None: the connection's default


@dataclass(frozen=True, slots=True)
class StockPolicy:
    """A connection's stock settings (``stock_settings``; the defaults when it has no row)."""

    default_buffer: Buffer | None = None
    untracked_quantity: int = DEFAULT_UNTRACKED_QUANTITY
    handling_days: int | None = None
    warehouse_ids: frozenset[int] | None = None  # None: every warehouse is enabled

    def enabled(self, warehouse_id: int) -> bool:
        return self.warehouse_ids is None or warehouse_id in self.warehouse_ids


class Rule(StrEnum):
    TRACKED = "tracked"  # on hand - held - committed - buffer
    UNTRACKED = "untracked"  # D4: the configured quantity
    BACKORDERABLE = "backorderable"  # D4: the configured quantity


@dataclass(frozen=True, slots=True)
class WarehouseLine:
    code: str
    on_hand: int
    enabled: bool
    buffer: str | None  # the rule, described
    kept: int  # units the warehouse's buffer kept back
    counted: int  # what it adds to the base (0 when disabled)


@dataclass(frozen=True, slots=True)
class Why:
    """The breakdown of one figure (D9): the dashboard's "why this quantity"."""

    rule: Rule
    warehouses: tuple[WarehouseLine, ...] = ()
    on_hand: int = 0  # counted over the enabled warehouses, after their buffers
    holds: tuple[HeldFor, ...] = ()
    held: int = 0
    committed: tuple[Committed, ...] = ()
    committed_total: int = 0
    base: int = 0  # on_hand - held - committed (may be negative)
    buffer: str | None = None
    buffer_units: int = 0
    result: int = 0
    handling_days: int | None = None
    handling_source: str | None = None  # "item" | "connection" | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (REST, the push state's ``sent_why``)."""
        return {
            "rule": self.rule.value,
            "warehouses": [{"code": w.code, "on_hand": w.on_hand, "enabled": w.enabled, "buffer": w.buffer,
                            "kept": w.kept, "counted": w.counted} for w in self.warehouses],
            "on_hand": self.on_hand,
            "holds": [{"order": h.order, "quantity": h.quantity} for h in self.holds],
            "held": self.held,
            "committed": [{"source": c.source, "quantity": c.quantity} for c in self.committed],
            "committed_total": self.committed_total,
            "base": self.base,
            "buffer": self.buffer,
            "buffer_units": self.buffer_units,
            "result": self.result,
            "handling_days": self.handling_days,
            "handling_source": self.handling_source,
        }

    def lines(self) -> list[str]:
        """The breakdown as a person reads it (``sellerbridge stock why``)."""
        if self.rule is not Rule.TRACKED:
            return [f"{self.rule.value}: sent as the configured {self.result}"]
        out = [f"warehouse {w.code}: on hand {w.on_hand}"
               + ("" if w.enabled else " (not enabled for this connection)")
               + (f", buffer {w.buffer} keeps {w.kept}" if w.buffer and w.enabled else "")
               + (f" -> {w.counted}" if w.enabled else "") for w in self.warehouses]
        out.append(f"on hand counted: {self.on_hand}")
        out += [f"held for order {h.order}: {h.quantity}" for h in self.holds]
        out += [f"committed to {c.source}: {c.quantity}" for c in self.committed]
        out.append(f"base: {self.on_hand} - {self.held} held - {self.committed_total} committed = {self.base}")
        if self.buffer:
            out.append(f"buffer {self.buffer}: {self.buffer_units}")
        out.append(f"available to sell: {self.result}")
        return out


@dataclass(frozen=True, slots=True)
class Availability:
    quantity: int
    lead_time_days: int | None
    why: Why = field(compare=False)


def available_to_sell(facts: StockFacts, policy: StockPolicy) -> Availability:
    """The quantity and handling time to tell Amazon for one item (D2-D4, D6), with its why (D9)."""
    handling, handling_source = _handling(facts, policy)
    if not facts.track_stock or facts.backorderable:
        rule = Rule.UNTRACKED if not facts.track_stock else Rule.BACKORDERABLE
        quantity = max(0, policy.untracked_quantity)
        return Availability(quantity, handling, Why(rule, result=quantity, handling_days=handling,
                                                    handling_source=handling_source))
    lines = []
    on_hand = 0
    for stock in facts.warehouses:
        enabled = policy.enabled(stock.warehouse_id)
        kept = stock.buffer.amount(stock.on_hand) if (enabled and stock.buffer) else 0
        counted = (stock.on_hand - kept) if enabled else 0
        on_hand += counted
        lines.append(WarehouseLine(stock.code, stock.on_hand, enabled,
                                   stock.buffer.describe() if stock.buffer else None, kept, counted))
    held = sum(max(0, h.quantity) for h in facts.holds)
    committed = sum(max(0, c.quantity) for c in facts.committed)
    base = on_hand - held - committed
    buffer = facts.buffer or policy.default_buffer
    units = buffer.amount(base) if buffer else 0
    result = max(0, base - units)
    why = Why(Rule.TRACKED, tuple(lines), on_hand, tuple(facts.holds), held, tuple(facts.committed), committed,
              base, buffer.describe() if buffer else None, units, result, handling, handling_source)
    return Availability(result, handling, why)


def _handling(facts: StockFacts, policy: StockPolicy) -> tuple[int | None, str | None]:
    if facts.handling_days is not None:
        return facts.handling_days, "item"
    if policy.handling_days is not None:
        return policy.handling_days, "connection"
    return None, None


def is_urgent(new_quantity: int, sent_quantity: int | None, buffer_units: int) -> bool:
    """A change Amazon must not wait for behind a slow feed: the SKU goes to 0, or down by more than its
    buffer (the buffer is what covers our delay; beyond it we could oversell). Sent by patch at once."""
    if sent_quantity is None:
        return new_quantity == 0
    if new_quantity >= sent_quantity:
        return False
    return new_quantity == 0 or sent_quantity - new_quantity > buffer_units
