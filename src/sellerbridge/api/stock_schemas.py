"""Request bodies and answers of ``/api/stock``, the buffers and the connection's stock settings (issue 11).

Every body refuses unknown keys (``extra="forbid"``: a misspelt ``on_hnad`` is a 422, not a silent no-op)
and bounds every number (units within 100,000,000, percents 0-100, days 0-365), strictly typed: ``"5"`` or
``5.5`` is not a count.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..domain.stock.csv_import import MAX_UNITS
from .schemas import Answer
from .validation import Text

Units = Annotated[int, Field(strict=True, ge=0, le=MAX_UNITS)]
SignedUnits = Annotated[int, Field(strict=True, ge=-MAX_UNITS, le=MAX_UNITS)]
Days = Annotated[int, Field(strict=True, ge=0, le=365)]
Ref = Text(128, min_length=1)
Code = Text(32, min_length=1)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CountIn(_In):
    on_hand: Units
    ref: Ref | None = None  # the sender's id of this count: the same ref again changes nothing


class AdjustmentIn(_In):
    warehouse: Code
    delta: SignedUnits
    reason: Literal["receipt", "adjustment"]
    ref: Ref  # required: a retried request must not move stock twice


class CommitmentIn(_In):
    quantity: Units  # absolute; 0 removes the commitment


class BufferIn(_In):
    kind: Literal["fixed", "percent"] | None  # null: no buffer of its own
    value: Annotated[Decimal, Field(ge=0, le=MAX_UNITS, max_digits=12, decimal_places=2)] | None = None


class ItemStockIn(_In):
    track_stock: bool | None = None
    backorderable: bool | None = None
    handling_days: Days | None = None
    clear_handling_days: bool = False  # true: the connection's default applies again


class WarehouseIn(_In):
    code: Code
    name: Text(255) | None = None  # type: ignore[valid-type]


class StockSettingsIn(_In):
    buffer: BufferIn | None = None
    untracked_quantity: Annotated[int, Field(strict=True, ge=0, le=1_000_000)] | None = None
    handling_days: Days | None = None
    warehouses: Annotated[list[Code], Field(max_length=1000)] | None = None  # type: ignore[valid-type]
    full_refresh_minutes: Annotated[int, Field(strict=True, ge=0, le=10080)] | None = None
    patch_max: Annotated[int, Field(strict=True, ge=0, le=10_000)] | None = None
    price_guard_percent: Annotated[Decimal, Field(ge=0, le=1000, max_digits=6, decimal_places=2)] | None = None

    def changes(self) -> dict[str, Any]:
        """The fields the body names (an explicit null clears a nullable one: buffer, handling_days,
        warehouses = every warehouse, price_guard_percent = no guard)."""
        out = {name: getattr(self, name) for name in self.model_fields_set}
        if "buffer" in out and out["buffer"] is not None:
            out["buffer"] = out["buffer"].model_dump()
        return out


class _Open(Answer):
    model_config = ConfigDict(extra="allow")


class StockChangeOut(_Open):
    sku: str
    warehouse: str
    on_hand: int
    delta: int
    replayed: bool


class CommitmentOut(_Open):
    sku: str
    source: str
    quantity: int
    changed: bool
    commitments: dict[str, int]


class LedgerEntryOut(_Open):
    at: str
    kind: str
    delta: int
    warehouse: str | None
    ref: str
    order: str | None


class LedgerOut(_Open):
    sku: str
    on_hand: dict[str, int]
    commitments: dict[str, int]
    entries: list[LedgerEntryOut]


class BufferOut(_Open):
    kind: str
    value: str


class ItemBufferOut(_Open):
    sku: str
    buffer: BufferOut | None
    changed: bool


class ItemStockOut(_Open):
    sku: str
    track_stock: bool
    backorderable: bool
    handling_days: int | None
    buffer: BufferOut | None
    changed: bool


class WarehouseOut(_Open):
    code: str
    buffer: BufferOut | None


class StockSettingsOut(_Open):
    connection: str
    buffer: BufferOut | None
    untracked_quantity: int
    handling_days: int | None
    warehouses: list[str] | None
    full_refresh_minutes: int
    patch_max: int
    price_guard_percent: str | None


class StockImportOut(_Open):
    accepted: int
    duplicates: int
    refused_lines: int
    encoding: str
    errors: list[dict[str, Any]]
