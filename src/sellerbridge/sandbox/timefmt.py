"""Amazon's date-time formats, read and written in one place (I4).

SP-API takes ISO 8601 date-times (``2026-01-31T23:59:59Z``, offsets, fractions) and answers in UTC:
most APIs with ``Z`` (seconds, or milliseconds for listings and notifications), the Reports API
with ``+00:00``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

_ISO = re.compile(r"^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2})(:\d{2})?([.,]\d+)?(Z|z|[+-]\d{2}:?\d{2})?$", re.ASCII)


def parse_iso_datetime(text: str) -> datetime | None:
    """An ISO 8601 date-time as aware UTC; None when ``text`` is not one (a bare date is not).

    No zone means UTC. A ``+`` offset that arrived as a space (a client that did not percent-encode
    the query) is read as ``+``, as Amazon does.
    """
    text = text.strip()
    if len(text) > 16 and " " in text[16:]:
        text = text[:16] + text[16:].replace(" ", "+")
    match = _ISO.match(text)
    if match is None:
        return None
    day, hour_minute, seconds, fraction, zone = match.groups()
    fraction = (fraction or "").replace(",", ".")[:7]  # datetime holds microseconds at most
    zone = (zone or "+00:00").upper().replace("Z", "+00:00")
    if len(zone) == 5:  # +hhmm
        zone = f"{zone[:3]}:{zone[3:]}"
    try:
        return datetime.fromisoformat(f"{day}T{hour_minute}{seconds or ':00'}{fraction}{zone}").astimezone(UTC)
    except (ValueError, OverflowError):  # a bad field, or an offset pushing year 1/9999 out of range
        return None


def iso_z(moment: datetime) -> str:
    """UTC to the second with ``Z``: Orders, Feeds."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def iso_ms(moment: datetime) -> str:
    """UTC with milliseconds and ``Z``: Listings Items dates and notification timestamps."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"  # truncated


def iso_offset(moment: datetime) -> str:
    """UTC to the second with ``+00:00``: how the Reports API writes its dates."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()
