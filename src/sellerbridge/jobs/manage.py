"""Schedules and "run now", the only way the CLI, the REST API and the intake start work (G3, I1, H2).

- :func:`list_jobs`: every job with its schedule, last run and who holds it now.
- :func:`request_run`: "run now": the job is due at once and a ``queued`` run is recorded, whose id is
  returned at once (REST answers 202 with it); the next run of the job takes it up. Asking again while
  it waits or runs is still one run (one queued run at most per job). For a flow that resumes, an
  unfinished run is the one that continues: its id is returned and nothing new is queued. With the
  process's queue at hand (the intake, ``sellerbridge run``), the job is queued now instead of at the
  scheduler's next tick.
- :func:`run_and_follow`: what ``sellerbridge sync ... `` and ``jobs run --wait`` do: ask for the run,
  run the job in this process through the same runner (its lease: if a worker has it, this command
  follows that run instead), step a waiting flow when it is due, and end when the run ends, with its
  record. Nothing hangs: a stuck document fails the run by its deadline (``sync/lifecycle.py``), a dead
  worker's lease expires and this command takes the job over, and ``timeout`` bounds the wait.
- :func:`set_schedule`: every N seconds, manual only, enabled or not.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from huey import Huey

from ..bootstrap import Hub
from ..db.repositories import jobs as repo
from ..db.repositories import sync_runs
from ..db.repositories.sync_runs import RunRecord
from ..domain.common.errors import ConfigError
from ..services import connections as connection_service
from ..services.runs import run_dict
from .queue import enqueue
from .registry import FLOWS, Registered
from .registry import flow as flow_named
from .runner import run_job
from .scheduler import QUEUE_STALE, ensure_jobs

MIN_EVERY_SECONDS = 10
FETCH = flow_named("orders_fetch")  # the job the ORDER_CHANGE intake asks for, once per notified connection
FOLLOW_POLL_SECONDS = 0.5  # real seconds between looks at a run another process works on
MAX_STEP_WAIT_SECONDS = 60.0  # of the hub's clock: a waiting run is looked at least this often


def _spec(flow: str) -> Registered:
    try:
        return flow_named(flow)
    except KeyError as exc:
        raise ConfigError(str(exc).strip("'\"")) from None


def _connection_id(hub: Hub, spec: Registered, connection: int | str | None) -> int | None:
    if spec.flow.hub_wide:
        return None
    if connection is None:
        raise ConfigError(f"flow {spec.name!r} runs per connection: give --connection")
    return connection_service.get_connection(hub, connection).id


def job_dict(job: repo.JobRecord, now: datetime) -> dict[str, Any]:
    leased = job.lease_owner is not None and job.lease_expires_at is not None and job.lease_expires_at > now
    state = "running" if leased else "queued" if job.queued_at else "disabled" if not job.enabled else "waiting"
    iso = (lambda v: v.isoformat() if v else None)  # noqa: E731 - a local formatter
    about = FLOWS[job.flow].flow.about if job.flow in FLOWS else None
    return {"key": job.key, "connection_id": job.connection_id, "flow": job.flow, "about": about, "state": state,
            "every_seconds": job.every_seconds, "enabled": job.enabled, "next_run_at": iso(job.next_run_at),
            "last_started_at": iso(job.last_started_at), "last_finished_at": iso(job.last_finished_at),
            "last_status": job.last_status, "last_error": job.last_error, "failures": job.failures,
            "running_on": job.lease_owner if leased else None}


def list_jobs(hub: Hub, *, connection: int | str | None = None, ensure: bool = True) -> list[dict[str, Any]]:
    """Every job (or a connection's); ``ensure`` first gives new connections their default jobs (a write)."""
    if ensure:
        ensure_jobs(hub)
    connection_id = connection_service.get_connection(hub, connection).id if connection is not None else None
    with hub.store.uow(read_only=True) as session:
        jobs = repo.list_jobs(session, connection_id=connection_id)
    now = hub.now()
    return [job_dict(job, now) for job in jobs]


def request_run(hub: Hub, flow: str, connection: int | str | None = None, *,
                queue: Huey | None = None) -> dict[str, Any]:
    """Ask for a run now (see the module); the job's record with ``run_id`` (and ``resumed``)."""
    spec = _spec(flow)
    connection_id = _connection_id(hub, spec, connection)
    return request_run_by_id(hub, spec, connection_id, queue=queue)


def request_run_by_id(hub: Hub, spec: Registered, connection_id: int | None, *,
                      queue: Huey | None = None) -> dict[str, Any]:
    now = hub.now()
    key = repo.job_key(spec.name, connection_id)
    with hub.store.uow() as session:
        ensured = repo.ensure_job(session, flow=spec.name, connection_id=connection_id,
                                  every_seconds=spec.every_seconds, now=now)
        if not ensured.enabled:
            raise ConfigError(f"job {key} is disabled: `sellerbridge jobs set {spec.name} --enable` first")
        run_id, resumed = _queued_run(session, spec, connection_id, now)
        repo.request_run(session, key, now=now)
        job = repo.get_job(session, key)
    assert job is not None
    if queue is not None:
        with hub.store.uow() as session:
            won = repo.claim_for_queue(session, key, now=now, queue_stale=QUEUE_STALE)
        if won:
            enqueue(queue, key)
    return {**job_dict(job, now), "run_id": run_id, "resumed": resumed}


def _queued_run(session: Any, spec: Registered, connection_id: int | None, now: datetime) -> tuple[int, bool]:
    """The run this request is answered with: the unfinished one of a resuming flow, the one already
    queued, or a new queued run."""
    if spec.flow.resumes:
        latest = sync_runs.latest_run(session, connection_id=connection_id, flow=spec.name)
        if latest is not None and sync_runs.continues(latest):
            return latest.id, True
    queued = sync_runs.oldest_queued(session, connection_id=connection_id, flow=spec.name)
    if queued is not None:
        return queued.id, False
    return sync_runs.start_run(session, connection_id=connection_id, flow=spec.name, queued=True, now=now), False


def run_and_follow(hub: Hub, flow: str, connection: int | str | None = None, *,
                   progress: Callable[[dict[str, Any]], None] | None = None, timeout: float | None = None,
                   owner: str | None = None) -> dict[str, Any]:
    """Ask for a run, see it through here or follow it elsewhere, and return it (``services.runs.run_dict``,
    plus ``resumed``: it continued an unfinished run) once it ended.

    ``timeout`` (real seconds) ends the wait early: the run goes on in the runtime, shown as it is."""
    spec = _spec(flow)
    connection_id = _connection_id(hub, spec, connection)
    asked = request_run_by_id(hub, spec, connection_id)
    run_id, key = int(asked["run_id"]), asked["key"]
    owner = owner or f"cli:{os.getpid()}"
    started = time.monotonic()
    while True:
        outcome = run_job(hub, key, owner=owner)
        record = _run(hub, run_id)
        shown = {**run_dict(record), "resumed": bool(asked["resumed"])}
        if progress is not None:
            progress(shown)
        if record.status in sync_runs.FINISHED:
            return shown
        if timeout is not None and time.monotonic() - started >= timeout:
            return shown
        if outcome.ran:
            _wait_for_step(hub, key)  # a waiting run: its next step is due at the job's next run
        else:
            time.sleep(FOLLOW_POLL_SECONDS)  # another process holds the job: follow its run


def _wait_for_step(hub: Hub, key: str) -> None:
    with hub.store.uow(read_only=True) as session:
        job = repo.get_job(session, key)
    if job is None or job.next_run_at is None:
        return
    seconds = (job.next_run_at - hub.now()).total_seconds()
    if seconds > 0:
        hub.clock.sleep(min(seconds, MAX_STEP_WAIT_SECONDS))


def _run(hub: Hub, run_id: int) -> RunRecord:
    with hub.store.uow(read_only=True) as session:
        record = sync_runs.get_run(session, run_id)
    assert record is not None
    return record


def set_schedule(hub: Hub, flow: str, connection: int | str | None = None, *, every_seconds: int | None = None,
                 manual_only: bool = False, enabled: bool | None = None) -> dict[str, Any]:
    if every_seconds is not None and every_seconds < MIN_EVERY_SECONDS:
        raise ConfigError(f"every must be at least {MIN_EVERY_SECONDS} seconds")
    if flow in FLOWS and every_seconds is None and not manual_only and enabled is None:
        raise ConfigError("nothing to change: give --every, --manual, --enable or --disable")
    spec = _spec(flow)
    connection_id = _connection_id(hub, spec, connection)
    ensure_jobs(hub)
    key = repo.job_key(spec.name, connection_id)
    now = hub.now()
    with hub.store.uow() as session:
        repo.set_schedule(session, key, now=now, every_seconds=every_seconds, manual_only=manual_only,
                          enabled=enabled)
        job = repo.get_job(session, key)
    assert job is not None
    return job_dict(job, now)
