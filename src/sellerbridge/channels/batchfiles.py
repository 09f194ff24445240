"""The file of one batch of warehouse messages (B14; docs/warehouse.md "File drop and SFTP").

A batch is every message one delivery attempt carries, in one file:

- JSON (``file_format = "json"``): ``{"schema": "sellerbridge.warehouse.batch/1", "batch": <name>,
  "messages": [<message>, ...]}``, UTF-8, the messages as the webhook would post them.
- CSV (``file_format = "csv"``): one row per order line (an order without lines still gets one row),
  the header row first, UTF-8 without a BOM, comma-separated, RFC 4180 quoting and CRLF line ends, the
  columns of :data:`CSV_COLUMNS`. People open these files in spreadsheets, so a cell starting with
  ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with ``'`` (formula injection,
  OWASP); a program reading the file strips that one quote. ``ship_to_*`` are empty when the message
  withholds buyer data (``pii = "withheld"``, B13): nothing is added here that the message does not hold.

The batch name is unique and sorts by time: ``<UTC yyyymmddTHHMMSSZ>-<receiver id>-<first delivery id>``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from ..domain.ports.deliveries import Message

BATCH_SCHEMA = "sellerbridge.warehouse.batch/1"
FORMATS = ("json", "csv")
CSV_COLUMNS = (
    "message_id", "topic", "occurred_at", "pii", "amazon_order_id", "order_id", "order_version", "status",
    "purchase_date", "latest_ship_date", "service_level", "ship_method", "order_item_id", "sku", "asin", "title",
    "quantity", "quantity_shipped", "quantity_cancelled", "unit_price", "currency", "ship_to_name",
    "ship_to_line1", "ship_to_line2", "ship_to_line3", "ship_to_city", "ship_to_state_or_region",
    "ship_to_postal_code", "ship_to_country_code", "ship_to_phone",
)
_ORDER_COLUMNS = {"amazon_order_id": "amazon_order_id", "order_id": "id", "order_version": "version",
                  "status": "status", "purchase_date": "purchase_date", "latest_ship_date": "latest_ship_date",
                  "service_level": "service_level", "ship_method": "ship_method", "currency": "currency"}
_LINE_COLUMNS = ("order_item_id", "sku", "asin", "title", "quantity", "quantity_shipped", "quantity_cancelled",
                 "unit_price")
_SHIP_TO = ("name", "line1", "line2", "line3", "city", "state_or_region", "postal_code", "country_code", "phone")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH_NAME = re.compile(r"^\d{8}T\d{6}Z-\d+-\d+$")


def batch_name(now: datetime, receiver_id: int, first_delivery_id: int) -> str:
    """``20261202T100000Z-3-17``: unique per receiver and first delivery, sortable by time."""
    return f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{receiver_id}-{first_delivery_id}"


def is_batch_name(name: str) -> bool:
    return bool(BATCH_NAME.match(name))


def file_name(batch: str, file_format: str) -> str:
    return f"{batch}.{file_format}"


def render(batch: str, messages: Sequence[Message], file_format: str) -> bytes:
    """The batch file's bytes in ``file_format`` (ValueError for a format the hub does not write)."""
    if file_format == "json":
        document = {"schema": BATCH_SCHEMA, "batch": batch, "messages": [dict(m.body) for m in messages]}
        return json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")
    if file_format == "csv":
        return render_csv(messages)
    raise ValueError(f"unknown file format {file_format!r} (one of {', '.join(FORMATS)})")


def render_csv(messages: Sequence[Message]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_COLUMNS)
    for message in messages:
        for row in csv_rows(message.body):
            writer.writerow([neutralised(row.get(column)) for column in CSV_COLUMNS])
    return out.getvalue().encode("utf-8")


def csv_rows(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per order line of a message (one row when the order has no lines)."""
    order = _mapping(body.get("order"))
    head: dict[str, Any] = {key: body.get(key) for key in ("message_id", "topic", "occurred_at", "pii")}
    head.update({column: order.get(key) for column, key in _ORDER_COLUMNS.items()})
    ship_to = _mapping(order.get("ship_to")) if body.get("pii") == "included" else {}
    head.update({f"ship_to_{key}": ship_to.get(key) for key in _SHIP_TO})
    lines = [_mapping(line) for line in order.get("lines") or ()] or [{}]
    return [{**head, **{column: line.get(column) for column in _LINE_COLUMNS}} for line in lines]


def neutralised(value: Any) -> str:
    """The cell's text; one leading ``'`` when a spreadsheet would read it as a formula."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
