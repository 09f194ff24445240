"""SP-API call log (DESIGN.md section 5, G1, H2): operation, status, rate header, duration, run.

One row per attempt, as ``amazon.calllog.CallRecord`` describes it (a retry is a row of its own,
``attempt`` 2, 3...); the gateway's sink passes those fields to :func:`record_call`.

The gateway redacts request and response before they get here; the store also cuts them to a
bounded size so a large document never bloats the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..tables import sp_api_calls as t
from ..types import utcnow

# Enough to see what went wrong; a whole order page would be tens of kilobytes.
EXCERPT_LIMIT = 2000


@dataclass(frozen=True, slots=True)
class ApiCallRecord:
    id: int
    connection_id: int | None
    run_id: int | None
    operation: str
    method: str | None
    path: str | None
    attempt: int
    status: int | None
    rate_limit: float | None
    duration_ms: int
    request_summary: str | None
    response_excerpt: str | None
    at: datetime


def _cut(text: str | None) -> str | None:
    return None if text is None else text[:EXCERPT_LIMIT]


def record_call(
    session: Session,
    *,
    operation: str,
    status: int | None,
    duration_ms: float,
    connection_id: int | None = None,
    run_id: int | None = None,
    method: str | None = None,
    path: str | None = None,
    attempt: int = 1,
    rate_limit: float | None = None,
    request_summary: str | None = None,
    response_excerpt: str | None = None,
    at: datetime | None = None,
) -> int:
    stmt = t.insert().values(
        connection_id=connection_id,
        run_id=run_id,
        operation=operation,
        method=method,
        path=path[:500] if path else path,
        attempt=attempt,
        status=status,
        rate_limit=rate_limit,
        duration_ms=round(duration_ms),
        request_summary=_cut(request_summary),
        response_excerpt=_cut(response_excerpt),
        at=at or utcnow(),
    )
    return session.execute(stmt.returning(t.c.id)).scalar_one()


def list_calls(
    session: Session, *, connection_id: int | None = None, run_id: int | None = None, limit: int = 100
) -> list[ApiCallRecord]:
    """Most recent first."""
    stmt = select(t).order_by(t.c.at.desc(), t.c.id.desc()).limit(max(1, min(limit, 1000)))
    if connection_id is not None:
        stmt = stmt.where(t.c.connection_id == connection_id)
    if run_id is not None:
        stmt = stmt.where(t.c.run_id == run_id)
    names = ApiCallRecord.__dataclass_fields__
    return [ApiCallRecord(**{n: row._mapping[n] for n in names}) for row in session.execute(stmt)]


def count_calls(
    session: Session,
    *,
    connection_id: int | None = None,
    run_id: int | None = None,
    operation: str | None = None,
    since: datetime | None = None,
) -> int:
    conditions: list[Any] = []
    if connection_id is not None:
        conditions.append(t.c.connection_id == connection_id)
    if run_id is not None:
        conditions.append(t.c.run_id == run_id)
    if operation is not None:
        conditions.append(t.c.operation == operation)
    if since is not None:
        conditions.append(t.c.at >= since)
    return session.execute(select(func.count()).select_from(t).where(*conditions)).scalar_one()


def prune_calls(session: Session, *, before: datetime) -> int:
    """Drop calls older than ``before`` (retention); returns how many."""
    return int(session.execute(delete(t).where(t.c.at < before)).rowcount)  # type: ignore[attr-defined]
