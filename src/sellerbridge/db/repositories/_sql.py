"""Small helpers shared by the repositories: dialect-aware upserts, statements built once, money."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Table, any_, bindparam, text
from sqlalchemy import types as sqltypes
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sellerbridge.domain.common.money import Money

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

    On PostgreSQL one ``INSERT ... SELECT FROM json_to_recordset(:rows)``: a fixed, short statement
    whatever the number of rows, and one parameter that the C JSON encoder writes. SQLAlchemy's
    multi-VALUES form would send one placeholder per value (psycopg re-parses such a long statement
    on every call), and array parameters (``unnest``) are quoted value by value in Python; both cost
    more than the insert itself (issue 3). Each value is read as text and cast to its column's type
    (``CAST(r.sku AS VARCHAR(64))``), so an over-long text is cut to the column rather than failing
    the page. Elsewhere the multi-VALUES form is fast and is used. Rows skipped by
    ``skip_conflicts_on`` (``ON CONFLICT DO NOTHING``) return nothing: match results by the returned
    keys, not by position.
    """
    if not rows:
        return []
    keys = tuple(rows[0])
    if session.get_bind().dialect.name != "postgresql":
        name = f"insert_rows:{table.name}:{','.join(returning)}:{skip_conflicts_on}"

        def build(dialect_name: str) -> Any:
            stmt = dialect_insert(dialect_name, table)
            if skip_conflicts_on:
                stmt = stmt.on_conflict_do_nothing(index_elements=list(skip_conflicts_on))
            return stmt.returning(*(table.c[c] for c in returning)) if returning else stmt

        result = session.execute(statement(session, name, build), rows)
        return result.all() if returning else []
    cache_key = ("json_to_recordset", table.name, keys, returning, skip_conflicts_on)
    sql = _STATEMENTS.get(cache_key)
    if sql is None:
        sql = _STATEMENTS[cache_key] = _recordset_insert(table, keys, returning, skip_conflicts_on)
    document = json.dumps(rows, default=_json_value, ensure_ascii=False, separators=(",", ":"), check_circular=False)
    result = session.execute(sql, {"rows": document})
    return result.all() if returning else []


def _recordset_insert(
    table: Table, keys: tuple[str, ...], returning: tuple[str, ...], skip_conflicts_on: tuple[str, ...] | None
) -> Any:
    dialect = postgresql.dialect()
    quote = dialect.identifier_preparer.quote
    fields, values = [], []
    for key in keys:
        name = quote(key)
        column_type = table.c[key].type.compile(dialect=dialect)
        # JSON columns come as JSON (a JSON string stays a string); the rest as text, cast explicitly.
        is_json = isinstance(table.c[key].type.dialect_impl(dialect), sqltypes.JSON)
        fields.append(f"{name} {column_type if is_json else 'TEXT'}")
        values.append(f"r.{name}" if is_json else f"CAST(r.{name} AS {column_type})")
    conflict = f" ON CONFLICT ({', '.join(map(quote, skip_conflicts_on))}) DO NOTHING" if skip_conflicts_on else ""
    returns = f" RETURNING {', '.join(map(quote, returning))}" if returning else ""
    return text(
        f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, keys))}) SELECT {', '.join(values)}"
        f" FROM json_to_recordset(CAST(:rows AS JSON)) AS r({', '.join(fields)}){conflict}{returns}"
    )


def _json_value(value: Any) -> Any:
    """What ``json`` cannot write itself: exact decimals as text, timestamps in ISO 8601 with their zone."""
    if isinstance(value, date):  # datetime included; the most frequent, first
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot store a {type(value).__name__} in a batched insert")


def in_values(session: Session, column: ColumnElement[Any], values: Sequence[Any]) -> ColumnElement[bool]:
    """``column IN (values)``; on PostgreSQL ``column = ANY(:array)``, one parameter whatever the number
    of values, so the statement text (which psycopg parses on every call when it is long) stays short."""
    if session.get_bind().dialect.name == "postgresql":
        # an unbounded VARCHAR[]: a VARCHAR(n)[] cast would cut a longer value and match its prefix
        element = sqltypes.String() if isinstance(column.type, sqltypes.String) else column.type
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(element)))
    return column.in_(list(values))
