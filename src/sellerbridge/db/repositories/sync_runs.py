"""Sync runs (H2): each run of a flow with its status (queued, running, done, partial, failed), counts,
the items worth showing, and for a stepping flow its state and when it continues.

A flow records its start in a transaction of its own, so the run is visible while it works. A
``queued`` run is one a person asked for (``jobs.manage``): the next run of its job takes it up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from ...domain.ports.runs import RESUMABLE
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
    state: dict[str, Any] | None = None
    items: list[dict[str, Any]] | None = None
    resume_at: datetime | None = None


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


def _same_job(connection_id: int | None, flow: str) -> Any:
    same = t.c.connection_id.is_(None) if connection_id is None else t.c.connection_id == connection_id
    return and_(t.c.flow == flow, same)


def oldest_queued(session: Session, *, connection_id: int | None, flow: str) -> RunRecord | None:
    """The run a person asked for that no run has taken up yet."""
    row = session.execute(select(t).where(_same_job(connection_id, flow), t.c.status == "queued")
                          .order_by(t.c.id).limit(1)).first()
    return None if row is None else _record(row._mapping)


def latest_run(session: Session, *, connection_id: int | None, flow: str) -> RunRecord | None:
    row = session.execute(select(t).where(_same_job(connection_id, flow))
                          .order_by(t.c.created_at.desc(), t.c.id.desc()).limit(1)).first()
    return None if row is None else _record(row._mapping)


def continues(run: RunRecord) -> bool:
    """Whether the next run of a stepping flow continues ``run``: it is still running (between steps, or its
    worker died), or it failed and its state keeps it resumable (``domain.ports.runs.RESUMABLE``)."""
    if run.status == "running":
        return True
    return run.status == "failed" and bool((run.state or {}).get(RESUMABLE))


def save_progress(session: Session, run_id: int, *, counts: Mapping[str, Any], state: Mapping[str, Any] | None,
                  items: list[dict[str, Any]] | None, resume_at: datetime | None = None) -> None:
    """A working (or waiting) run's counts, state and items; the status stays ``running``."""
    session.execute(update(t).where(t.c.id == run_id).values(
        counts=dict(counts), state=None if state is None else dict(state), items=items, resume_at=resume_at))


def close_interrupted(session: Session, *, connection_id: int | None, flow: str, error: str, now: datetime) -> int:
    """Runs of this job still ``running`` whose worker died (the caller holds the job's lease now): H2
    gives every run an end. Queued runs wait for the next run and are left alone."""
    result = session.execute(update(t).where(_same_job(connection_id, flow), t.c.status == "running")
                             .values(status="failed", finished_at=now, error=error))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def finish_run(
    session: Session,
    run_id: int,
    *,
    status: str,
    counts: Mapping[str, Any] | None = None,
    error: str | None = None,
    now: datetime | None = None,
    state: Mapping[str, Any] | None = None,
    items: list[dict[str, Any]] | None = None,
) -> None:
    if status not in FINISHED:
        raise ValueError(f"a run finishes as one of {FINISHED}, not {status!r}")
    _update(
        session,
        run_id,
        {"status": status, "counts": dict(counts) if counts is not None else None, "error": error,
         "finished_at": now or utcnow(), "state": None if state is None else dict(state), "items": items,
         "resume_at": None},
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
