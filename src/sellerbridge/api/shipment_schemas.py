"""Request bodies and answers of /api/shipments (C1, C2, H1, I2)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .schemas import Answer, ErrorOut
from .validation import Moment, Ref, Text

ItemId = Text(32, min_length=1)
Sku = Text(64, min_length=1)
Carrier = Text(100, min_length=1)
Tracking = Text(64, min_length=1)
Method = Text(100)
MAX_QUANTITY = 10_000


class ItemIn(BaseModel):
    """A line in the box: Amazon's order item id, or the SKU when it is on one line of the order."""

    model_config = ConfigDict(extra="forbid")
    order_item_id: ItemId | None = None
    sku: Sku | None = None
    quantity: int = Field(..., ge=1, le=MAX_QUANTITY)

    @model_validator(mode="after")
    def _one_ref(self) -> ItemIn:
        if not (self.order_item_id or self.sku):
            raise ValueError("a line needs its order_item_id or sku")
        return self


class PackageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    carrier: Carrier = Field(..., description="the warehouse's words: mapped to Amazon's carrier code")
    ship_method: Method | None = None
    tracking_number: Tracking
    items: list[ItemIn] = Field(..., min_length=1, max_length=200)


class ShipmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    connection: Ref = Field(..., description="the connection's id or name")
    amazon_order_id: Text(32, min_length=1)  # type: ignore[valid-type]
    ship_date: Moment
    packages: list[PackageIn] = Field(..., min_length=1, max_length=50)


class RetryIn(BaseModel):
    """A person's correction of a held or failed package; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")
    tracking_number: Tracking | None = None
    carrier: Carrier | None = None


class _Open(Answer):
    model_config = ConfigDict(extra="allow")


class PackageItemOut(_Open):
    order_line_id: int
    order_item_id: str
    sku: str | None
    quantity: int


class PackageOut(_Open):
    id: int
    shipment_id: int
    status: str
    carrier: str
    carrier_code: str
    carrier_name: str | None
    tracking_number: str
    hold_reason: str | None
    items: list[PackageItemOut]


class ShipmentOut(_Open):
    id: int
    connection_id: int
    amazon_order_id: str
    idempotency_key: str
    source: str
    ship_date: str
    status: str
    packages: list[PackageOut]


class ShipmentPageOut(Answer):
    items: list[ShipmentOut]
    total: int
    limit: int
    offset: int


class LineErrorOut(Answer):
    line: int = Field(..., description="the line in the file as an editor shows it (header = 1; 0: the file)")
    field: str | None
    code: str
    message: str


class ImportOut(Answer):
    accepted: int
    duplicates: int
    held: int
    refused_lines: int
    encoding: str = Field(..., description="utf-8, utf-8-sig (a BOM), or cp1252 when the file was not UTF-8")
    shipment_ids: list[int]
    errors: list[LineErrorOut]


class RefusedOut(ErrorOut):
    """422 for a shipment that broke a rule: each reason where it applies, and the error-log row."""

    error_id: int | None = None


CSV_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "text/csv": {"schema": {"type": "string"}},
    "multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string",
                                                                                 "format": "binary"}}}},
}}}
