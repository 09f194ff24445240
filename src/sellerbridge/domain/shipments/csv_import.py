"""The shipment CSV a warehouse uploads or drops (C1, H1): bytes -> shipment drafts + line-numbered errors.

- Encoding: UTF-8 with or without a BOM; a file that is not valid UTF-8 is read as cp1252 (the Windows
  export of many WMS) and the outcome says so (:attr:`ParsedCsv.encoding`).
- Delimiter: sniffed from the header line among ``,`` ``;`` and tab (the most frequent one outside quotes).
- Columns: the documented names (:data:`COLUMNS`), or the warehouse's names through a mapping
  (:class:`CsvMapping`: their header -> ours). ``order_item_id`` or ``sku`` names the line.
- Dates (:func:`parse_ship_date`): ISO 8601 (``2026-03-01``, ``2026-03-01T14:05:00Z``, ``+02:00``, a space
  for the ``T``; a time without an offset is UTC), and ``MM/DD/YYYY`` or ``DD/MM/YYYY`` / ``DD.MM.YYYY``
  only when the mapping says which (``date_order``): ``03/04/2026`` is ambiguous otherwise.
- Grouping: rows with the same ``shipment_id`` are one shipment (its idempotency key); without it, rows of
  the same order and tracking number are one (key ``<order>/<tracking>``). Several tracking numbers in a
  shipment are several packages.
- Line numbers are those a person sees in an editor: the header is line 1, and a quoted value with a line
  break makes its row span two lines (the row's number is its first line).
- A row with an error is refused with its line; so are the other rows of its shipment (a shipment is stored
  whole or not at all, so that posting it again corrected is not a conflict); every other row is kept.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from ..ports.shipments import LineError
from .model import ItemDraft, PackageDraft, ShipmentDraft
from .tracking import normalise

COLUMNS = ("shipment_id", "amazon_order_id", "order_item_id", "sku", "quantity", "carrier", "ship_method",
           "tracking_number", "ship_date")
REQUIRED = ("amazon_order_id", "quantity", "carrier", "tracking_number", "ship_date")
DATE_ORDERS = ("mdy", "dmy")
DELIMITERS = (",", ";", "\t")
MAX_ROWS = 50_000  # a day of a large warehouse; bigger files are split by the warehouse
MAX_FIELD = 200  # any one value (names, ids); the columns are narrower still
MAX_QUANTITY = 10_000


@dataclass(frozen=True, slots=True)
class CsvMapping:
    """The warehouse's header names -> ours (``columns``), and how its slashed dates read (``date_order``)."""

    columns: Mapping[str, str] = field(default_factory=dict)
    date_order: str | None = None  # mdy | dmy

    @classmethod
    def from_dict(cls, data: Mapping[str, object] | None) -> CsvMapping:
        """From JSON: ``{"columns": {"Order #": "amazon_order_id", ...}, "date_order": "mdy"}``; ValueError
        naming what is wrong."""
        data = dict(data or {})
        unknown = set(data) - {"columns", "date_order"}
        if unknown:
            raise ValueError(f"unknown mapping keys: {', '.join(sorted(unknown))} (columns, date_order)")
        columns = data.get("columns") or {}
        if not isinstance(columns, Mapping) or not all(isinstance(k, str) and isinstance(v, str)
                                                         for k, v in columns.items()):
            raise ValueError("mapping.columns must map the file's header names to ours")
        bad = sorted(v for v in columns.values() if v not in COLUMNS)
        if bad:
            raise ValueError(f"mapping.columns names unknown columns: {', '.join(bad)} "
                             f"(ours: {', '.join(COLUMNS)})")
        order = data.get("date_order")
        if order is not None and order not in DATE_ORDERS:
            raise ValueError("mapping.date_order must be mdy or dmy")
        return cls({k.strip().casefold(): v for k, v in columns.items()}, order)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class CsvShipment:
    """A shipment of the file, with the lines it came from (errors from the store name them)."""

    draft: ShipmentDraft
    lines: tuple[int, ...]
    rows: tuple[dict[str, str], ...]  # as read: the error log's payload, for a person to reprocess


@dataclass(frozen=True, slots=True)
class ParsedCsv:
    shipments: tuple[CsvShipment, ...]
    errors: tuple[LineError, ...]
    encoding: str = "utf-8"  # utf-8 | utf-8-sig | cp1252 (the fallback: said to the person)
    delimiter: str = ","


def decode(content: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with (see the module's rules)."""
    if content.startswith(b"\xef\xbb\xbf"):
        try:
            return content[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace"), "cp1252"


def sniff_delimiter(header: str) -> str:
    """The most frequent of ``,`` ``;`` tab outside quotes in the header line (``,`` on a tie)."""
    outside = re.sub(r'"[^"]*"', "", header)
    counts = {d: outside.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


_ISO = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?")
_SLASHED = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")


def parse_ship_date(text: str, date_order: str | None = None) -> datetime | date:
    """A ship date of the file (the module's forms); ValueError with what is accepted."""
    value = text.strip()
    try:
        if _ISO.fullmatch(value):
            if len(value) == 10:
                return date.fromisoformat(value)
            moment = datetime.fromisoformat(value.replace(" ", "T").replace("Z", "+00:00"))
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        slashed = _SLASHED.fullmatch(value)
        if slashed and date_order in DATE_ORDERS:
            a, b, year = (int(g) for g in slashed.groups())
            month, day = (a, b) if date_order == "mdy" else (b, a)
            return date(year, month, day)
    except ValueError:
        raise ValueError(f"ship date {value!r} is no day of the calendar") from None
    if slashed:
        raise ValueError(f"ship date {value!r} is ambiguous: say the mapping's date_order (mdy or dmy), "
                         "or write YYYY-MM-DD")
    raise ValueError(f"ship date {value!r} is not a date: write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ")


def parse_csv(content: bytes, mapping: CsvMapping | None = None) -> ParsedCsv:
    """The file's shipments and its refused lines (never an exception for a bad file)."""
    mapping = mapping or CsvMapping()
    text, encoding = decode(content)
    first = text.split("\n", 1)[0]
    delimiter = sniff_delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return ParsedCsv((), (LineError(0, "the file is empty", code="empty_file"),), encoding, delimiter)
    except csv.Error as exc:
        return ParsedCsv((), (LineError(1, f"the header cannot be read: {exc}", code="bad_csv"),), encoding, delimiter)
    columns, problem = _columns(header, mapping)
    if problem:
        return ParsedCsv((), (LineError(1, problem, code="bad_header"),), encoding, delimiter)
    errors: list[LineError] = []
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    bad_groups: dict[str, int] = {}
    end = reader.line_num
    count = 0
    while True:
        start = end + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(LineError(start, f"the row cannot be read: {exc}", code="bad_csv"))
            break
        end = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        count += 1
        if count > MAX_ROWS:
            errors.append(LineError(start, f"more than {MAX_ROWS} rows: split the file", code="too_many_rows"))
            break
        values = {ours: row[i].strip() if i < len(row) else "" for i, ours in columns.items()}
        key = values.get("shipment_id") or group_key(values.get("amazon_order_id", ""),
                                                     values.get("tracking_number", ""))
        groups.setdefault(key, []).append((start, values))
        problem_error = _row_problem(values, start, len(row), len(header), mapping)
        if problem_error is not None:
            errors.append(problem_error)
            bad_groups.setdefault(key, start)
    shipments = []
    for key, rows in groups.items():
        if key in bad_groups:
            errors.extend(LineError(line, f"not stored: line {bad_groups[key]} of the same shipment ({key}) "
                                    "has an error", code="shipment_refused")
                          for line, _ in rows if line != bad_groups[key] and not _has_error(errors, line))
            continue
        shipment, problem = shipment_of_rows(key, rows, mapping)
        if shipment is None:
            errors.extend(LineError(line, problem or "refused", code="inconsistent_shipment") for line, _ in rows)
        else:
            shipments.append(shipment)
    errors.sort(key=lambda e: e.line)
    return ParsedCsv(tuple(shipments), tuple(errors), encoding, delimiter)


def group_key(amazon_order_id: str, tracking_number: str) -> str:
    """The idempotency key of rows without a shipment id: the order and the (normalised) tracking number."""
    return f"{amazon_order_id}/{normalise(tracking_number)}"


def _has_error(errors: list[LineError], line: int) -> bool:
    return any(e.line == line for e in errors)


def _columns(header: list[str], mapping: CsvMapping) -> tuple[dict[int, str], str | None]:
    """Column index -> our name; or what is wrong with the header."""
    out: dict[int, str] = {}
    for i, name in enumerate(header):
        key = name.strip().lstrip("\ufeff").casefold()
        ours = mapping.columns.get(key) or (key if key in COLUMNS else None)
        if ours is None:
            continue  # a column we do not use (the warehouse's own)
        if ours in out.values():
            return {}, f"two columns mean {ours}"
        out[i] = ours
    missing = [c for c in REQUIRED if c not in out.values()]
    if "order_item_id" not in out.values() and "sku" not in out.values():
        missing.append("order_item_id or sku")
    if missing:
        return {}, f"missing columns: {', '.join(missing)} (the header names: {', '.join(COLUMNS)}, or a mapping)"
    return out, None


def _row_problem(values: dict[str, str], line: int, width: int, header_width: int,
                 mapping: CsvMapping) -> LineError | None:
    if width > header_width:
        return LineError(line, f"{width} values, the header has {header_width} (a {'delimiter'} inside an "
                         "unquoted value?)", code="bad_row")
    for name, value in values.items():
        if len(value) > MAX_FIELD or "\x00" in value:
            return LineError(line, f"{name} is longer than {MAX_FIELD} characters or not text", name, "bad_value")
    for name in REQUIRED:
        if not values.get(name):
            return LineError(line, f"{name} is empty", name, "missing_value")
    if not values.get("order_item_id") and not values.get("sku"):
        return LineError(line, "order_item_id or sku is needed", "order_item_id", "missing_value")
    quantity = values["quantity"]
    if not quantity.isascii() or not quantity.isdigit() or not 1 <= int(quantity) <= MAX_QUANTITY:
        return LineError(line, f"quantity {quantity!r} is not a whole number from 1 to {MAX_QUANTITY}",
                         "quantity", "bad_quantity")
    try:
        parse_ship_date(values["ship_date"], mapping.date_order)
    except ValueError as exc:
        return LineError(line, str(exc), "ship_date", "bad_date")
    return None


def shipment_of_rows(key: str, rows: list[tuple[int, dict[str, str]]],
                     mapping: CsvMapping) -> tuple[CsvShipment | None, str | None]:
    """One shipment of rows already read (their line and values by our column names), or why not: the
    file's grouping, and a refused shipment reprocessed from the error log's copy of its rows."""
    first = rows[0][1]
    orders = {values["amazon_order_id"] for _, values in rows}
    dates = {parse_ship_date(values["ship_date"], mapping.date_order) for _, values in rows}
    if len(orders) > 1:
        return None, f"shipment {key} names several orders: {', '.join(sorted(orders))}"
    if len(dates) > 1:
        return None, f"shipment {key} has several ship dates"
    packages: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for line, values in rows:
        packages.setdefault(normalise(values["tracking_number"]), []).append((line, values))
    drafts = []
    for members in packages.values():
        head = members[0][1]
        if len({(v["carrier"], v.get("ship_method", "")) for _, v in members}) > 1:
            return None, f"package {head['tracking_number']} has several carriers or methods"
        drafts.append(PackageDraft(
            carrier=head["carrier"], tracking_number=head["tracking_number"],
            ship_method=head.get("ship_method") or None,
            items=tuple(ItemDraft(int(v["quantity"]), order_item_id=v.get("order_item_id") or None,
                                  sku=v.get("sku") or None) for _, v in members)))
    draft = ShipmentDraft(first["amazon_order_id"], key, dates.pop(), tuple(drafts))
    return CsvShipment(draft, tuple(line for line, _ in rows), tuple(values for _, values in rows)), None
