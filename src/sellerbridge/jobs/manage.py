"""Schedules and manual runs, as the CLI and the REST API use them (G3, I1).

- :func:`list_jobs`: every job with its schedule, last run and who holds it now.
- :func:`request_run`: "run now": due at once; asking again while it waits or runs is still one run.
- :func:`set_schedule`: every N seconds, manual only, enabled or not.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..bootstrap import Hub
from ..db.repositories import jobs as repo
from ..domain.common.errors import ConfigError
from ..services import connections as connection_service
from .registry import FLOWS
from .registry import flow as flow_named
from .scheduler import ensure_jobs

MIN_EVERY_SECONDS = 10


def _key(hub: Hub, flow: str, connection: int | str | None) -> str:
    try:
        spec = flow_named(flow)
    except KeyError as exc:
        raise ConfigError(str(exc).strip("'\"")) from None
    if spec.hub_wide:
        return repo.job_key(flow, None)
    if connection is None:
        raise ConfigError(f"flow {flow!r} runs per connection: give --connection")
    record = connection_service.get_connection(hub, connection)
    return repo.job_key(flow, record.id)


def job_dict(job: repo.JobRecord, now: datetime) -> dict[str, Any]:
    leased = job.lease_owner is not None and job.lease_expires_at is not None and job.lease_expires_at > now
    state = "running" if leased else "queued" if job.queued_at else "disabled" if not job.enabled else "waiting"
    iso = (lambda v: v.isoformat() if v else None)  # noqa: E731 - a local formatter
    return {"key": job.key, "connection_id": job.connection_id, "flow": job.flow, "state": state,
            "every_seconds": job.every_seconds, "enabled": job.enabled, "next_run_at": iso(job.next_run_at),
            "last_started_at": iso(job.last_started_at), "last_finished_at": iso(job.last_finished_at),
            "last_status": job.last_status, "last_error": job.last_error, "failures": job.failures,
            "running_on": job.lease_owner if leased else None}


def list_jobs(hub: Hub, *, connection: int | str | None = None) -> list[dict[str, Any]]:
    ensure_jobs(hub)
    connection_id = connection_service.get_connection(hub, connection).id if connection is not None else None
    with hub.store.uow(read_only=True) as session:
        jobs = repo.list_jobs(session, connection_id=connection_id)
    now = hub.now()
    return [job_dict(job, now) for job in jobs]


def request_run(hub: Hub, flow: str, connection: int | str | None = None) -> dict[str, Any]:
    ensure_jobs(hub)
    key = _key(hub, flow, connection)
    now = hub.now()
    with hub.store.uow() as session:
        repo.request_run(session, key, now=now)
        job = repo.get_job(session, key)
    assert job is not None
    return job_dict(job, now)


def set_schedule(hub: Hub, flow: str, connection: int | str | None = None, *, every_seconds: int | None = None,
                 manual_only: bool = False, enabled: bool | None = None) -> dict[str, Any]:
    if every_seconds is not None and every_seconds < MIN_EVERY_SECONDS:
        raise ConfigError(f"every must be at least {MIN_EVERY_SECONDS} seconds")
    if flow in FLOWS and every_seconds is None and not manual_only and enabled is None:
        raise ConfigError("nothing to change: give --every, --manual, --enable or --disable")
    ensure_jobs(hub)
    key = _key(hub, flow, connection)
    now = hub.now()
    with hub.store.uow() as session:
        repo.set_schedule(session, key, now=now, every_seconds=every_seconds, manual_only=manual_only,
                          enabled=enabled)
        job = repo.get_job(session, key)
    assert job is not None
    return job_dict(job, now)
