"""Shipments in (C1): what the inbox flow and the front ends hand to the shipment intake.

The intake (``db`` store + ``domain/shipments`` rules) checks every row against the connection's orders:
an unknown or cancelled order, a quantity above what is left to ship, a bad date or tracking number is
refused with its line number and lands in the error log; the valid rows are taken (nothing is lost).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol


@dataclass(frozen=True, slots=True)
class LineError:
    """One refused row of a file (or item of a request): where, and why, for a person."""

    line: int  # 1-based line number in the file, the header being line 1; 0: the file as a whole
    message: str
    field: str | None = None
    code: str = "invalid"  # unknown_order | order_cancelled | over_quantity | bad_date | bad_tracking ...


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    accepted: int  # shipments stored now
    duplicates: int = 0  # already stored (the same idempotency key and body)
    held: int = 0  # stored, but held for a person (e.g. a tracking number not valid for its carrier)
    errors: tuple[LineError, ...] = field(default_factory=tuple)
    encoding: str = "utf-8"  # utf-8 | utf-8-sig | cp1252: the fallback for a file that is not UTF-8 (said)
    shipment_ids: tuple[int, ...] = ()  # stored now or before (duplicates), in the file's order


@dataclass(frozen=True, slots=True)
class LateOrder:
    """An order the late-shipment rule flagged (``domain/shipments/deadlines.py``): no buyer data."""

    connection_id: int
    amazon_order_id: str
    latest_ship_date: datetime
    state: str  # at_risk | past_due


class ShipDeadlineStore(Protocol):
    """The hub's orders nearing their latest ship date (flow ``ship_deadlines``)."""

    def flag(self, *, now: datetime, margin: timedelta, limit: int) -> list[LateOrder]:
        """Up to ``limit`` orders at risk or past due not flagged yet: ``late_flagged_at`` set and an error-log
        row (kind ``late_shipment``) written for each, in one transaction."""


class ShipmentIntake(Protocol):
    """One connection's shipment intake."""

    def import_file(self, content: bytes, *, file_name: str, source: str = "inbox") -> ImportOutcome:
        """A CSV of shipments (the connection's column mapping, or the documented default)."""
