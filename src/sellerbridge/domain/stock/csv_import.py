"""The stock CSV a warehouse or OMS uploads or drops (I5, H1): bytes -> stock rows + line-numbered errors.

Two forms, told by the header (names are case-insensitive, in any order, extra columns ignored):

- counts: ``sku,warehouse,on_hand`` - the warehouse's absolute figure (``stock_ledger.record_count``);
- deltas: ``sku,warehouse,delta,reason`` - units in or out; ``reason`` is ``receipt`` (``delta`` >= 0) or
  ``adjustment`` (either sign) (``stock_ledger.record_delta``).

An optional ``ref`` column names each row for idempotency (the same ref twice moves stock once, whatever
the file). Without it, a row's ref is ``file:<first 16 hex of the file's SHA-256>:line:<n>``: the same file
dropped or uploaded again changes nothing; a corrected file is a new file.

Encoding and delimiter as the shipment CSV (``domain/shipments/csv_import.py``): UTF-8 with or without a
BOM, else cp1252 (said in the outcome); ``,`` ``;`` or tab, sniffed from the header; CRLF or LF. Line
numbers are an editor's (the header is line 1). A row is refused with its line when its SKU or warehouse is
empty, its figure is not an integer or out of bounds, a count is negative, a receipt is negative, the reason
is unknown, or it repeats an earlier row (counts: the same SKU and warehouse; any form: the same ``ref``):
which of two counts is right is for a person to say. Unknown SKUs and warehouses are the store's to find
(it knows them). The other rows are kept.
"""

from __future__ import annotations

import csv
import hashlib
import io
import posixpath
from dataclasses import dataclass, field

from ..ports.shipments import LineError
from ..shipments.csv_import import decode, sniff_delimiter

COUNT_COLUMNS = ("sku", "warehouse", "on_hand")
DELTA_COLUMNS = ("sku", "warehouse", "delta", "reason")
DELTA_REASONS = ("receipt", "adjustment")
MAX_ROWS = 200_000  # far above a warehouse's SKU count; bigger files are split by the sender
MAX_UNITS = 100_000_000  # any one figure: well inside a 32-bit column, far above any real stock
MAX_SKU = 64  # items.sku
MAX_WAREHOUSE = 32  # warehouses.code
MAX_REF = 128  # stock_movements.ref


@dataclass(frozen=True, slots=True)
class StockRow:
    """One good row: a count (``reason`` "count", ``quantity`` the figure) or a delta (receipt/adjustment)."""

    line: int
    sku: str
    warehouse: str
    quantity: int
    reason: str
    ref: str
    raw: dict[str, str] = field(compare=False, default_factory=dict)  # as read: the error log's copy


@dataclass(frozen=True, slots=True)
class ParsedStockCsv:
    kind: str  # count | delta | unknown (the header named neither form)
    rows: tuple[StockRow, ...]
    errors: tuple[LineError, ...]
    encoding: str = "utf-8"
    delimiter: str = ","
    digest: str = ""  # the first 16 hex of the file's SHA-256
    refused: dict[int, dict[str, str]] = field(default_factory=dict, compare=False)  # line -> the row as read


def file_digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:16]


def header_kind(names: list[str]) -> str:
    """count, delta or unknown, from the header's names."""
    cols = {n.strip().casefold() for n in names}
    if {"sku", "warehouse", "on_hand"} <= cols and "delta" not in cols:
        return "count"
    if set(DELTA_COLUMNS) <= cols and "on_hand" not in cols:
        return "delta"
    return "unknown"


def is_stock_file(name: str, content: bytes) -> bool:
    """A file of the inbox that is stock, not shipments: its name starts with ``stock`` or its header is a
    stock header (I5)."""
    if posixpath.basename(name.replace("\\", "/")).casefold().startswith("stock"):
        return True
    text, _ = decode(content[:4096])
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    return header_kind(first.split(sniff_delimiter(first))) != "unknown"


def parse_stock_csv(content: bytes) -> ParsedStockCsv:
    """The file's good rows and its refused lines (never an exception for a bad file)."""
    digest = file_digest(content)
    text, encoding = decode(content)
    if "\x00" in text:
        return ParsedStockCsv("unknown", (), (LineError(0, "the file is not text (it holds NUL bytes): send a CSV",
                                                        code="bad_csv"),), encoding, ",", digest)
    first = text.split("\n", 1)[0]
    delimiter = sniff_delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().casefold() for h in next(reader)]
    except StopIteration:
        return ParsedStockCsv("unknown", (), (LineError(0, "the file is empty", code="empty_file"),), encoding,
                              delimiter, digest)
    except csv.Error as exc:
        return ParsedStockCsv("unknown", (), (LineError(1, f"the header cannot be read: {exc}", code="bad_csv"),),
                              encoding, delimiter, digest)
    kind = header_kind(header)
    if kind == "unknown":
        return ParsedStockCsv(kind, (), (LineError(
            1, f"the header must be {','.join(COUNT_COLUMNS)} (counts) or {','.join(DELTA_COLUMNS)} (deltas), "
               "with an optional ref column", code="bad_header"),), encoding, delimiter, digest)
    return _rows(reader, header, kind, digest, encoding, delimiter)


def _rows(reader, header: list[str], kind: str, digest: str, encoding: str, delimiter: str) -> ParsedStockCsv:
    rows: list[StockRow] = []
    errors: list[LineError] = []
    refused: dict[int, dict[str, str]] = {}
    seen_place: dict[tuple[str, str], int] = {}
    seen_ref: dict[str, int] = {}
    line = reader.line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(LineError(line, f"the file cannot be read from here on: {exc}", code="bad_csv"))
            break
        start, line = line, reader.line_num + 1
        if not any(v.strip() for v in values):
            continue  # a blank line
        if len(rows) + len(errors) >= MAX_ROWS:
            errors.append(LineError(start, f"the file has more than {MAX_ROWS} rows: split it", code="too_many_rows"))
            break
        row, error = _row(start, header, values, kind, digest)
        if error is None:
            assert row is not None
            place = (row.sku.casefold(), row.warehouse.casefold())
            if kind == "count" and place in seen_place:
                error = LineError(start, f"SKU {row.sku} in warehouse {row.warehouse} was counted on line "
                                         f"{seen_place[place]} already: one count per SKU and warehouse",
                                  field="sku", code="duplicate_line")
            elif row.ref in seen_ref:
                error = LineError(start, f"ref {row.ref} is on line {seen_ref[row.ref]} already",
                                  field="ref", code="duplicate_line")
            else:
                seen_place[place] = seen_ref[row.ref] = start
                rows.append(row)
                continue
        errors.append(error)
        refused[start] = {name: (values[i] if i < len(values) else "")[:200] for i, name in enumerate(header)}
    return ParsedStockCsv(kind, tuple(rows), tuple(errors), encoding, delimiter, digest, refused)


def _row(line: int, header: list[str], values: list[str], kind: str,
         digest: str) -> tuple[StockRow | None, LineError | None]:
    if len(values) > len(header):
        return None, LineError(line, f"{len(values)} values for {len(header)} columns", code="bad_row")
    raw = {name: (values[i] if i < len(values) else "") for i, name in enumerate(header)}
    cut = {name: value[:200] for name, value in raw.items()}  # the error log's copy stays small

    def bad(column: str, message: str, code: str = "invalid") -> tuple[None, LineError]:
        return None, LineError(line, message, field=column, code=code)

    sku, warehouse = raw.get("sku", "").strip(), raw.get("warehouse", "").strip()
    if not sku or len(sku) > MAX_SKU:
        return bad("sku", f"sku must be 1 to {MAX_SKU} characters", "bad_sku")
    if not warehouse or len(warehouse) > MAX_WAREHOUSE:
        return bad("warehouse", f"warehouse must be a code of 1 to {MAX_WAREHOUSE} characters", "bad_warehouse")
    column = "on_hand" if kind == "count" else "delta"
    number = parse_units(raw.get(column, ""))
    if number is None:
        return bad(column, f"{column} {raw.get(column, '').strip()[:40]!r} is not a whole number", "not_integer")
    if abs(number) > MAX_UNITS:
        return bad(column, f"{column} {number} is beyond {MAX_UNITS} units", "out_of_range")
    if kind == "count":
        reason = "count"
        if number < 0:
            return bad(column, f"on_hand {number} is negative: a count is what is on the shelf", "negative_count")
    else:
        reason = raw.get("reason", "").strip().casefold()
        if reason not in DELTA_REASONS:
            return bad("reason", f"reason must be {' or '.join(DELTA_REASONS)}", "bad_reason")
        if reason == "receipt" and number < 0:
            return bad(column, "a receipt adds units: take units out with reason adjustment", "negative_receipt")
    ref = raw.get("ref", "").strip()
    if len(ref) > MAX_REF:
        return bad("ref", f"ref must be at most {MAX_REF} characters", "bad_ref")
    return StockRow(line, sku, warehouse, number, reason, ref or f"file:{digest}:line:{line}", cut), None


def row_of_raw(line: int, raw: dict[str, str], kind: str, digest: str) -> tuple[StockRow | None, LineError | None]:
    """A row again from its copy in the error log (reprocess): the same checks, the same ref."""
    if kind not in ("count", "delta"):
        return None, LineError(line, "the stored row has no stock form (count or delta)", code="bad_row")
    header = [name.strip().casefold() for name in raw]
    return _row(line, header, list(raw.values()), kind, digest)


def parse_units(text: str) -> int | None:
    """A whole number as people write it (``7``, ``+7``, ``-3``, `` 12 ``); None otherwise (``1.5``, ``1e3``)."""
    value = text.strip()
    digits = value[1:] if value[:1] in "+-" else value
    if not digits.isascii() or not digits.isdigit() or len(digits) > 12:
        return None
    return int(value)
