"""Reading ISO 8601 times: the hub's one reader (house rule: datetimes are timezone-aware UTC).

Amazon's payloads, its notifications, its flat-file reports and the hub's own saved state all come
through :func:`to_datetime`. The rules:

- a moment is a date AND a time (``2026-01-02T10:00``, seconds and fractions optional); a bare date
  is not one;
- ``Z``/``z`` or an offset is read and the result converted to UTC;
- a time without a zone is refused (``None``) unless the caller says its source writes UTC without
  saying so (``naive_is_utc=True``: Amazon's answers and reports, which are UTC by contract);
- anything else, or a moment that leaves datetime's range once converted, is ``None``: never a guess
  and never an exception, so a caller decides what a missing moment means (the mappers make it a
  ``MappingError`` naming the field, B11).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

_SEPARATORS = "Tt "


def to_datetime(value: Any, *, naive_is_utc: bool = False) -> datetime | None:
    """``value`` as an aware UTC datetime, or None (see the module's rules)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    # "YYYY-MM-DD" + separator + at least "HH:MM": a bare date is not a moment
    if len(text) < 16 or text[10] not in _SEPARATORS:
        return None
    try:
        moment = datetime.fromisoformat(text[:10] + "T" + text[11:].replace("z", "Z"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        if not naive_is_utc:
            return None
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):  # e.g. 9999-12-31T23:59-07:00 lies past datetime.max in UTC
        return None
