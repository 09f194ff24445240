"""Small helpers shared by the repositories: dialect-aware upserts, statements built once, money."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy import types as sqltypes
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sellerbridge.domain.money import Money

_STATEMENTS: dict[tuple[str, str], Any] = {}


def dialect_insert(dialect: str, table: Table) -> Any:
    """``INSERT`` with ``ON CONFLICT`` support (SQLite 3.24+ and PostgreSQL).

    ``ON CONFLICT`` instead of catching IntegrityError: on PostgreSQL a failed INSERT aborts the
    whole transaction, while ``ON CONFLICT DO NOTHING`` leaves it usable.
    """
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def upsert(session: Session, table: Table) -> Any:
    return dialect_insert(session.get_bind().dialect.name, table)


def statement(session: Session, name: str, build: Callable[[str], Any]) -> Any:
    """A statement built once per dialect and executed with parameters.

    Hot paths (storing orders) pass values as execution parameters instead of ``.values(...)``:
    a statement carrying literal values is re-keyed for SQLAlchemy's compiled cache on every call,
    which costs more than the INSERT itself.
    """
    dialect = session.get_bind().dialect.name
    key = (name, dialect)
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        stmt = _STATEMENTS[key] = build(dialect)
    return stmt


def amount(value: Money | None) -> Decimal | None:
    return None if value is None else value.amount


def to_money(value: Decimal | None, currency: str | None) -> Money | None:
    if value is None or currency is None:
        return None
    return Money(Decimal(value), currency)


def insert_rows(
    session: Session,
    table: Table,
    rows: list[dict[str, Any]],
    *,
    returning: tuple[str, ...] = (),
    skip_conflicts_on: tuple[str, ...] | None = None,
) -> list[Any]:
    """Insert many rows (all with the same keys) and return the ``returning`` columns of the new ones.

    On PostgreSQL one ``INSERT ... SELECT FROM unnest(arrays)``: a fixed, short statement whatever
    the number of rows. SQLAlchemy's multi-VALUES form would send one placeholder per value, and
    psycopg re-parses such a long statement on every call, which costs more than the insert itself.
    Elsewhere the multi-VALUES form is fast and is used. Rows skipped by ``skip_conflicts_on``
    (``ON CONFLICT DO NOTHING``) return nothing: match results by the returned keys, not by position.
    """
    if not rows:
        return []
    keys = tuple(rows[0])
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql" or _has_json(table, keys):
        name = f"insert_rows:{table.name}:{','.join(returning)}:{skip_conflicts_on}"

        def build(dialect_name: str) -> Any:
            stmt = dialect_insert(dialect_name, table)
            if skip_conflicts_on:
                stmt = stmt.on_conflict_do_nothing(index_elements=list(skip_conflicts_on))
            return stmt.returning(*(table.c[c] for c in returning)) if returning else stmt

        result = session.execute(statement(session, name, build), rows)
        return list(result) if returning else []
    cache_key = ("unnest", table.name, keys, returning, skip_conflicts_on)
    sql = _STATEMENTS.get(cache_key)
    if sql is None:
        casts = ", ".join(f"CAST(:p{i} AS {table.c[k].type.compile(dialect=dialect)}[])" for i, k in enumerate(keys))
        conflict = f" ON CONFLICT ({', '.join(skip_conflicts_on)}) DO NOTHING" if skip_conflicts_on else ""
        returns = f" RETURNING {', '.join(returning)}" if returning else ""
        sql = _STATEMENTS[cache_key] = text(
            f"INSERT INTO {table.name} ({', '.join(keys)}) SELECT * FROM unnest({casts}){conflict}{returns}"
        )
    params = {f"p{i}": [row[k] for row in rows] for i, k in enumerate(keys)}
    result = session.execute(sql, params)
    return list(result) if returning else []


def _has_json(table: Table, keys: tuple[str, ...]) -> bool:
    # psycopg dumps no dict into an array parameter without a wrapper: JSON rows take the other path.
    cache_key = ("has_json", table.name, keys)
    found = _STATEMENTS.get(cache_key)
    if found is None:
        dialect = postgresql.dialect()
        found = _STATEMENTS[cache_key] = any(
            isinstance(table.c[k].type.dialect_impl(dialect), sqltypes.JSON) for k in keys
        )
    return bool(found)
