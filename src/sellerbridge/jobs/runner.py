"""Running one job: lease, sweep what a dead worker left, run the flow, set the next run (G1, G3, H2).

- One run at a time per connection and flow: the job's lease (db/repositories/jobs.py), renewed by a
  heartbeat while the flow works and left to expire if the worker dies (SIGKILL, power cut). A run
  started elsewhere is not waited for: this attempt simply ends (the job is already being done).
- A run a dead worker left ``running`` is closed as failed ("interrupted") when the next lease holder
  starts, so every run is recorded with an end (H2). Flows that resume their runs (backlog, backstop)
  continue it instead.
- The next run is :func:`jobs.retry.decide`'s: the schedule, Amazon's retry-after when throttled (G1,
  never a failure), a backoff for other retryable failures, the moment a waiting run continues.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

from ..bootstrap import Hub
from ..db.repositories import jobs as repo
from ..db.repositories import sync_runs
from ..domain.common.results import RunReport
from .registry import flow as flow_named
from .retry import decide

LEASE_TTL = timedelta(seconds=60)  # of the hub's clock
HEARTBEAT_POLL = 0.2  # real seconds between looks at the lease's age (renewed at a third of its TTL)
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
    if not spec.flow.resumes and _last_run_may_be_open(job):
        with hub.store.uow() as session:
            sync_runs.close_interrupted(session, connection_id=job.connection_id, flow=job.flow, error=INTERRUPTED,
                                        now=now)
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(hub, key, owner, stop), daemon=True, name=f"lease-{key}")
    beat.start()
    report: RunReport | None = None
    try:
        report = spec.run(hub.flow_context(), job.connection_id)
    except BaseException as exc:
        stop.set()
        _finish(hub, key, owner, job.every_seconds, job.failures, None, error=f"{type(exc).__name__}: {exc}")
        raise
    finally:
        stop.set()
    _finish(hub, key, owner, job.every_seconds, job.failures, report)
    return JobOutcome(key, ran=True, report=report)


def _last_run_may_be_open(job: repo.JobRecord) -> bool:
    """The job's last lease holder started a run it never finished (a worker died): sweep it. A job whose
    last run ended needs no sweep, which saves a statement per run (an idle poll is a dozen)."""
    started, finished = job.last_started_at, job.last_finished_at
    return started is not None and (finished is None or finished < started)


def _finish(hub: Hub, key: str, owner: str, every_seconds: int | None, failures: int, report: RunReport | None,
            *, error: str | None = None) -> None:
    now = hub.now()
    decision = decide(now, every_seconds, report, failures, error)
    status = "error" if error else ("idle" if report is None else report.status.value)
    message = error or (report.error if report is not None else None)
    with hub.store.uow() as session:
        if not repo.finish(session, key, owner=owner, now=now, status=status, error=message,
                           next_run_at=decision.next_run_at, failed=decision.failed):
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
