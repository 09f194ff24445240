"""Sync runs (H2): each run of a flow with its status (queued, running, done, partial, failed) and counts.

A flow records its start in a transaction of its own, so the run is visible while it works.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..tables import sync_runs as t
from ..tables.ops import RUN_STATUSES
from ..types import utcnow

FINISHED = ("done", "partial", "failed")


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: int
    connection_id: int | None
    flow: str
    status: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    counts: dict[str, Any] | None
    error: str | None


def _record(m: Any) -> RunRecord:
    return RunRecord(**{name: m[name] for name in RunRecord.__dataclass_fields__})


def start_run(
    session: Session, *, connection_id: int | None, flow: str, queued: bool = False, now: datetime | None = None
) -> int:
    """A new run, ``running`` (or ``queued`` to start later with :func:`mark_running`); returns its id."""
    now = now or utcnow()
    stmt = t.insert().values(
        connection_id=connection_id,
        flow=flow,
        status="queued" if queued else "running",
        created_at=now,
        started_at=None if queued else now,
    )
    return session.execute(stmt.returning(t.c.id)).scalar_one()


def mark_running(session: Session, run_id: int, *, now: datetime | None = None) -> None:
    _update(session, run_id, {"status": "running", "started_at": now or utcnow()})


def finish_run(
    session: Session,
    run_id: int,
    *,
    status: str,
    counts: Mapping[str, Any] | None = None,
    error: str | None = None,
    now: datetime | None = None,
) -> None:
    if status not in FINISHED:
        raise ValueError(f"a run finishes as one of {FINISHED}, not {status!r}")
    _update(
        session,
        run_id,
        {"status": status, "counts": dict(counts) if counts is not None else None, "error": error,
         "finished_at": now or utcnow()},
    )


def _update(session: Session, run_id: int, values: dict[str, Any]) -> None:
    assert values.get("status") in RUN_STATUSES
    result = session.execute(update(t).where(t.c.id == run_id).values(**values))
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound("sync run", run_id)


def get_run(session: Session, run_id: int) -> RunRecord | None:
    row = session.execute(select(t).where(t.c.id == run_id)).first()
    return None if row is None else _record(row._mapping)


def list_runs(
    session: Session,
    *,
    connection_id: int | None = None,
    flow: str | None = None,
    status: str | None = None,
    limit: int = 50,
) -> list[RunRecord]:
    """Runs newest first."""
    stmt = select(t).order_by(t.c.created_at.desc(), t.c.id.desc()).limit(max(1, min(limit, 500)))
    if connection_id is not None:
        stmt = stmt.where(t.c.connection_id == connection_id)
    if flow is not None:
        stmt = stmt.where(t.c.flow == flow)
    if status is not None:
        stmt = stmt.where(t.c.status == status)
    return [_record(row._mapping) for row in session.execute(stmt)]
