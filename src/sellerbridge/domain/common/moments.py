"""Reading Amazon's ISO 8601 times (house rule: datetimes are timezone-aware UTC)."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def to_datetime(value: Any) -> datetime | None:
    """An ISO 8601 time WITH its zone ("Z" or an offset); None for anything else, never a guess."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None
