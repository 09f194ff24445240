"""Running one job: lease, sweep what a dead worker left, run the flow, set the next run (G1, G3, H2).

- One run at a time per connection and flow: the job's lease (db/repositories/jobs.py), renewed by a
  heartbeat while the flow works and left to expire if the worker dies (SIGKILL, power cut). A run
  started elsewhere is not waited for: this attempt simply ends (the job is already being done).
- A run a dead worker left ``running`` in sync_runs is closed as failed ("interrupted") when the next
  lease holder starts, so every run is recorded with an end (H2). Flows that keep their state in
  their run (report, backlog) resume it instead.
- Next run: done or partial -> ``now + every``; throttled (G1) or another retryable failure ->
  Amazon's ``retry_after`` or an exponential backoff (30 s, 60 s, ... at most 15 min), never counted
  as the connection's failure; a non-retryable failure -> the regular interval (the error is on the
  connection for the operator).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update

from ..bootstrap import Hub
from ..db.repositories import jobs as repo
from ..db.tables import sync_runs as runs_table
from ..domain.ports.orders import RunReport
from .registry import flow as flow_named

LEASE_TTL = timedelta(seconds=60)  # of the hub's clock
HEARTBEAT_POLL = 0.2  # real seconds between looks at the lease's age (renewed at a third of its TTL)
BACKOFF_FIRST = 30.0
BACKOFF_MAX = 15 * 60.0
INTERRUPTED = "interrupted: the worker running it stopped; the scheduler runs the job again"
log = logging.getLogger("sellerbridge.jobs")


@dataclass(frozen=True, slots=True)
class JobOutcome:
    key: str
    ran: bool  # False: someone else holds the lease, the job is gone or disabled, or a copy already ran it
    report: RunReport | None = None


def run_job(hub: Hub, key: str, *, owner: str) -> JobOutcome:
    """Run the job ``key`` once if its lease can be had; always leaves the job consistent."""
    now = hub.now()
    with hub.store.uow() as session:
        job = repo.get_job(session, key)
        if job is None or not job.enabled:
            if job is not None:
                repo.release_claim(session, key, now=now)
            return JobOutcome(key, ran=False)
        if job.queued_at is None and (job.next_run_at is None or job.next_run_at > now):
            # A task the queue carried twice (its claim went stale while it waited, so the scheduler
            # queued the job again) whose other copy already ran the job: not due, not run again.
            return JobOutcome(key, ran=False)
        if not repo.acquire_lease(session, key, owner=owner, now=now, ttl=LEASE_TTL):
            repo.release_claim(session, key, now=now)  # it runs elsewhere; that run sets the next one
            return JobOutcome(key, ran=False)
    spec = flow_named(job.flow)
    if not spec.resumes:
        _close_interrupted_runs(hub, job.connection_id, job.flow, now=now)
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(hub, key, owner, stop), daemon=True, name=f"lease-{key}")
    beat.start()
    report: RunReport | None = None
    try:
        report = spec.run(hub, job.connection_id)
    except BaseException as exc:
        stop.set()
        _finish(hub, key, owner, job.every_seconds, job.failures, None, error=f"{type(exc).__name__}: {exc}")
        raise
    finally:
        stop.set()
    _finish(hub, key, owner, job.every_seconds, job.failures, report)
    return JobOutcome(key, ran=True, report=report)


def next_run(now: datetime, every_seconds: int | None, report: RunReport | None, failures: int,
             error: str | None = None) -> tuple[datetime | None, bool]:
    """When the job runs next, and whether this run counts as a failure (G1: throttling never does)."""
    regular = None if every_seconds is None else now + timedelta(seconds=every_seconds)
    if report is None and error is None:
        return regular, False  # nothing was due (a report step still waiting)
    if error is not None or (report is not None and report.status == "failed" and report.retryable):
        wait = min(BACKOFF_MAX, BACKOFF_FIRST * (2 ** min(failures, 10)))
        if report is not None and report.retry_after:
            wait = max(float(report.retry_after), 1.0)
        throttled = report is not None and report.retry_after is not None
        return now + timedelta(seconds=wait), not throttled
    if report is not None and report.status == "failed":
        return regular, True
    return regular, False


def _finish(hub: Hub, key: str, owner: str, every_seconds: int | None, failures: int, report: RunReport | None,
            *, error: str | None = None) -> None:
    now = hub.now()
    when, failed = next_run(now, every_seconds, report, failures, error)
    status = "error" if error else ("idle" if report is None else report.status)
    message = error or (report.error if report is not None else None)
    with hub.store.uow() as session:
        if not repo.finish(session, key, owner=owner, now=now, status=status, error=message, next_run_at=when,
                           failed=failed):
            log.warning("job %s: lease lost before the run ended (the run is recorded; the next one follows)", key)


def _heartbeat(hub: Hub, key: str, owner: str, stop: threading.Event) -> None:
    """Renew the lease every third of its TTL of the hub's clock (which may run scaled: demos, tests)."""
    last = hub.now()
    while not stop.wait(HEARTBEAT_POLL):
        now = hub.now()
        if now - last < LEASE_TTL / 3:
            continue
        try:
            with hub.store.uow() as session:
                repo.renew_lease(session, key, owner=owner, now=now, ttl=LEASE_TTL)
            last = now
        except Exception:  # the database may blink; the next beat tries again
            log.exception("job %s: lease renewal failed", key)


def _close_interrupted_runs(hub: Hub, connection_id: int | None, flow: str, *, now: datetime) -> None:
    """Runs of this job still ``running``: their worker died (we hold the lease now). H2: give them an end.

    A ``sellerbridge sync orders`` started by hand while the runtime runs the same job would be closed
    too: docs/deploy.md says to use ``sellerbridge jobs run`` (a request to the runtime) instead.
    """
    table = runs_table
    same = table.c.connection_id.is_(None) if connection_id is None else table.c.connection_id == connection_id
    with hub.store.uow() as session:
        session.execute(update(table).where(table.c.flow == flow, table.c.status.in_(("running", "queued")), same)
                        .values(status="failed", finished_at=now, error=INTERRUPTED))
