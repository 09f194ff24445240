"""Column types shared by every table: aware UTC datetimes, money, ids, JSON (house rules).

- ``UtcDateTime``: binds only timezone-aware datetimes (a naive one is a bug, refused), stores UTC,
  and always reads back aware UTC, on SQLite (which keeps no zone) as on PostgreSQL.
- ``money()``: ``Numeric(14, 2)``; the currency lives in its own ``String(3)`` column.
- ``Id``: BIGINT on PostgreSQL; INTEGER on SQLite, where only ``INTEGER PRIMARY KEY`` autoincrements.
- ``Json``: JSONB on PostgreSQL (indexable, compact), JSON (text) on SQLite.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Integer, Numeric
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

Id = BigInteger().with_variant(Integer(), "sqlite")
Json = JSON().with_variant(JSONB(), "postgresql")

# 12 integer digits cover any order or settlement total; Amazon writes amounts with 2 decimals.
MONEY_PRECISION, MONEY_SCALE = 14, 2


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is aware UTC on the way in and on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: the store keeps aware UTC only")
        value = value.astimezone(UTC)
        # SQLite has no zone type: keep naive UTC text, which also sorts and compares correctly.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def money(name: str, *, nullable: bool = True, **kw: Any) -> Column[Any]:
    return Column(name, Numeric(MONEY_PRECISION, MONEY_SCALE), nullable=nullable, **kw)


def utcnow() -> datetime:
    """The store's default clock; flows pass their injected clock's ``now`` instead."""
    return datetime.now(UTC)
