"""The run log (``domain.ports.runs.RunLog``) over ``sync_runs`` and the connections (H2, A4, A5).

Each method is its own short transaction: a run's start, progress and end are visible to the CLI,
the REST API and other processes while it works.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ...domain.common.errors import ConfigError
from ...domain.common.results import ItemResult, RunReport, RunStatus
from ...domain.ports.runs import RESUMABLE, OpenedRun, RunSummary
from ..repositories import connections, sync_runs
from ..store import Store


class DbRunLog:
    def __init__(self, store: Store) -> None:
        self._store = store

    def open(self, flow: str, connection_id: int | None, *, resumes: bool, now: datetime) -> OpenedRun:
        with self._store.uow() as session:
            if connection_id is not None and not connections.exists(session, connection_id):
                raise ConfigError(f"no connection {connection_id}: see `sellerbridge connection list`")
            if resumes:
                latest = sync_runs.latest_run(session, connection_id=connection_id, flow=flow)
                if latest is not None and sync_runs.continues(latest):
                    sync_runs.mark_running(session, latest.id, now=latest.started_at or now)
                    return OpenedRun(latest.id, _counts(latest.counts), _state(latest.state), resumed=True)
            queued = sync_runs.oldest_queued(session, connection_id=connection_id, flow=flow)
            if queued is not None:
                sync_runs.mark_running(session, queued.id, now=now)
                return OpenedRun(queued.id)
            return OpenedRun(sync_runs.start_run(session, connection_id=connection_id, flow=flow, now=now))

    def unfinished(self, flow: str, connection_id: int | None) -> OpenedRun | None:
        """A run in progress, or one a person asked for (queued): either must be worked on now."""
        with self._store.uow(read_only=True) as session:
            latest = sync_runs.latest_run(session, connection_id=connection_id, flow=flow)
        if latest is None or latest.status not in ("running", "queued"):
            return None
        return OpenedRun(latest.id, _counts(latest.counts), _state(latest.state), resumed=True)

    def latest(self, flow: str, connection_id: int | None) -> RunSummary | None:
        with self._store.uow(read_only=True) as session:
            latest = sync_runs.latest_run(session, connection_id=connection_id, flow=flow)
        if latest is None:
            return None
        return RunSummary(latest.id, latest.status, latest.started_at, _counts(latest.counts))

    def save(self, run_id: int, *, counts: Mapping[str, int], state: Mapping[str, Any] | None,
             items: Sequence[ItemResult], resume_at: datetime | None = None) -> None:
        with self._store.uow() as session:
            sync_runs.save_progress(session, run_id, counts=counts, state=state,
                                    items=[item.as_dict() for item in items] or None, resume_at=resume_at)

    def finish(self, report: RunReport, *, state: Mapping[str, Any] | None, now: datetime) -> None:
        assert report.run_id is not None and report.status is not RunStatus.WAITING
        counts: dict[str, Any] = dict(report.counts)
        if report.status is RunStatus.FAILED:  # shown with the run: how the runtime treats it (G1)
            counts.update(retryable=report.retryable, retry_after=report.retry_after)
        with self._store.uow() as session:
            sync_runs.finish_run(session, report.run_id, status=report.status.value, counts=counts,
                                 error=report.error, now=now, state=state,
                                 items=[item.as_dict() for item in report.items] or None)

    def note_connection_error(self, connection_id: int, error: str, now: datetime) -> None:
        with self._store.uow() as session:
            connections.update_connection(session, connection_id, last_error=error, now=now)

    def clear_connection_error(self, connection_id: int, error: str, now: datetime) -> None:
        with self._store.uow() as session:
            connections.clear_run_error(session, connection_id, error, now=now)


def _counts(raw: Mapping[str, Any] | None) -> dict[str, int]:
    return {k: v for k, v in (raw or {}).items() if isinstance(v, int) and not isinstance(v, bool)}


def _state(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    state = dict(raw or {})
    state.pop(RESUMABLE, None)
    return state
