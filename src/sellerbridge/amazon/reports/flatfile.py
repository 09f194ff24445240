"""Amazon's flat-file reports: tab-separated rows under one header row (G2, B11).

How Amazon writes them (docs/amazon-quirks.md): tabs between cells, no quoting (a quote is a plain
character: ``12" Skillet``), one header row of Amazon's column names, ``\\n`` or ``\\r\\n`` line ends,
a charset named in the document's Content-Type (UTF-8 from the sandbox; windows-1252 or Shift_JIS
from some Amazon regions). Columns are found by name: Amazon adds columns over the years, and a
missing optional column reads as empty.

A malformed row is a value (:class:`RowError` with its line number and the raw line), not an exception:
the other rows of the document are still processed. Only a document that cannot be read at all (no
header, a required column missing) raises ``MappingError``.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from ...domain.common.moments import to_datetime
from ...domain.orders.model import OrderDraft
from ..wire import BAD_PAYLOAD, MAX_QUANTITY, MappingError

DEFAULT_CHARSET = "utf-8"
# When the Content-Type names no charset and the bytes are not UTF-8: Amazon's NA/EU legacy encoding.
FALLBACK_CHARSET = "windows-1252"


@dataclass(frozen=True, slots=True)
class RowError:
    """One row that could not be read. ``row_number`` is the line in the document (the header is 1).

    ``raw_line`` is the row as Amazon wrote it, for the error log; it holds buyer data (B13), so it is
    kept out of ``repr`` and must never be logged.
    """

    row_number: int
    column: str | None
    message: str
    raw_line: str = field(repr=False)
    order_id: str | None = None  # the order the row belongs to, when the row names it readably


@dataclass(slots=True)
class ReportParse:
    """Drafts read from a report, the rows that could not be read, and the orders left out for them."""

    drafts: list[OrderDraft]
    errors: list[RowError]
    left_out: list[str] = field(default_factory=list)  # order ids with a malformed row: never half-imported


class BadCell(Exception):
    """A cell that cannot be read; becomes a RowError."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


@dataclass(slots=True)
class Row:
    number: int
    raw: str
    cells: dict[str, str]

    def text(self, column: str) -> str | None:
        value = self.cells.get(column, "").strip()
        return value or None

    def required(self, column: str) -> str:
        value = self.text(column)
        if value is None:
            raise BadCell(column, f"{column} is empty")
        return value

    def quantity(self, column: str, *, default: int | None = None) -> int:
        value = self.text(column)
        if value is None:
            if default is None:
                raise BadCell(column, f"{column} is empty")
            return default
        if not value.isascii() or not value.isdigit() or len(value) > 7 or int(value) > MAX_QUANTITY:
            raise BadCell(column, f"{column} is not a whole number from 0 to {MAX_QUANTITY}: {value!r:.40}")
        return int(value)

    def moment(self, column: str, *, required: bool = False) -> datetime | None:
        value = self.text(column)
        if value is None:
            if required:
                raise BadCell(column, f"{column} is empty")
            return None
        parsed = to_datetime(value, naive_is_utc=True)
        if parsed is None:
            raise BadCell(column, f"{column} is not an ISO 8601 date-time: {value!r:.40}")
        return parsed

    def flag(self, column: str) -> bool:
        return (self.text(column) or "").lower() in ("true", "yes", "y", "1")


def decode_report(data: bytes, content_type: str | None = None) -> str:
    """Report bytes to text with the charset Amazon names; UTF-8 else windows-1252 when it names none."""
    charset = None
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"')
    if charset:
        try:
            codecs.lookup(charset)
        except LookupError:
            charset = None
    if charset:
        return data.decode(charset, errors="replace").removeprefix("\ufeff")
    try:
        return data.decode(DEFAULT_CHARSET).removeprefix("\ufeff")
    except UnicodeDecodeError:
        return data.decode(FALLBACK_CHARSET, errors="replace")


def read_rows(text: str, required_columns: tuple[str, ...]) -> tuple[list[str], Iterator[Row | RowError]]:
    """The header and, lazily, each data row (or the error that row is). Blank lines are skipped."""
    lines = text.removeprefix("\ufeff").split("\n")
    header_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_index is None:
        raise MappingError(BAD_PAYLOAD, "the report is empty", where="header")
    header = [name.strip() for name in lines[header_index].rstrip("\r").split("\t")]
    missing = [c for c in required_columns if c not in header]
    if missing:
        raise MappingError(BAD_PAYLOAD, f"the report has no column {', '.join(missing)}", where="header")

    def rows() -> Iterator[Row | RowError]:
        for index in range(header_index + 1, len(lines)):
            raw = lines[index].rstrip("\r")
            if not raw.strip():
                continue
            cells = raw.split("\t")
            if len(cells) != len(header):
                yield RowError(index + 1, None, f"{len(cells)} fields where the header has {len(header)}", raw)
                continue
            yield Row(index + 1, raw, dict(zip(header, cells, strict=True)))

    return header, rows()
