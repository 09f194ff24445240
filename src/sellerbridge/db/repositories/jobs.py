"""Jobs (tables_jobs.py): schedules, queueing claims and leases, each a single atomic statement (G3, H2).

Every state change is one conditional UPDATE whose row count says who won, so schedulers and workers
in several processes (or machines, on PostgreSQL) never need a lock held across a network call:

- :func:`claim_for_queue`: due and not queued (or queued so long ago that the queue lost it) ->
  queued. Only the winner puts the job on the queue: a job is never queued twice.
- :func:`acquire_lease`: no lease, or an expired one -> leased to this worker until ``expires``.
  One run at a time per connection and flow; a killed worker's lease expires by itself.
- :func:`renew_lease` / :func:`finish`: only while this worker still holds the lease.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.orm import Session

from ..tables.catalog import channel_listings
from ..tables.connections import connections
from ..tables.deliveries import receivers
from ..tables.jobs import jobs as t
from ._sql import upsert


@dataclass(frozen=True, slots=True)
class JobRecord:
    key: str
    connection_id: int | None
    flow: str
    every_seconds: int | None
    enabled: bool
    next_run_at: datetime | None
    requested_at: datetime | None
    queued_at: datetime | None
    lease_owner: str | None
    lease_expires_at: datetime | None
    last_started_at: datetime | None
    last_finished_at: datetime | None
    last_status: str | None
    last_error: str | None
    failures: int
    requests: int = 0
    requests_seen: int = 0


def job_key(flow: str, connection_id: int | None) -> str:
    return f"{flow}:{'*' if connection_id is None else connection_id}"


def _record(row) -> JobRecord:
    return JobRecord(**{name: row._mapping[name] for name in JobRecord.__dataclass_fields__})


def get_job(session: Session, key: str) -> JobRecord | None:
    row = session.execute(select(t).where(t.c.key == key)).first()
    return None if row is None else _record(row)


def list_jobs(session: Session, *, connection_id: int | None = None) -> list[JobRecord]:
    stmt = select(t).order_by(t.c.connection_id, t.c.flow)
    if connection_id is not None:
        stmt = stmt.where(t.c.connection_id == connection_id)
    return [_record(row) for row in session.execute(stmt)]


def ensure_job(session: Session, *, flow: str, connection_id: int | None, every_seconds: int | None,
               now: datetime, enabled: bool = True) -> JobRecord:
    """The job's row, created with these defaults if it does not exist (an existing row is kept as edited)."""
    key = job_key(flow, connection_id)
    existing = get_job(session, key)
    if existing is not None:
        return existing
    session.execute(t.insert().values(
        key=key, connection_id=connection_id, flow=flow, every_seconds=every_seconds, enabled=enabled,
        next_run_at=now if every_seconds is not None else None, failures=0, updated_at=now))
    record = get_job(session, key)
    assert record is not None
    return record


def _with_inboxes(session: Session) -> set[int]:
    """Connections with a file receiver that has an inbox (its config names the inbox directory)."""
    rows = session.execute(select(receivers.c.connection_id, receivers.c.config)
                           .where(receivers.c.kind.in_(("local_dir", "sftp"))))
    return {connection_id for connection_id, config in rows if isinstance(config, dict) and config.get("inbox")}


def _of_accounts_with_listings(session: Session) -> set[int]:
    """Every connection of a seller account and region that has listings on any of its connections (the
    account's quantity is pushed by one of them, whichever holds the listings)."""
    mine = connections.alias("mine")
    listed = (select(connections.c.seller_id, connections.c.region)
              .join(channel_listings, channel_listings.c.connection_id == connections.c.id).distinct().subquery())
    return set(session.execute(select(mine.c.id).join(
        listed, (listed.c.seller_id == mine.c.seller_id) & (listed.c.region == mine.c.region))).scalars())


# What a flow's ``needs`` names: the connections that have it (one query each, per ensure).
NEEDS = {"inboxes": _with_inboxes, "account_listings": _of_accounts_with_listings}


def connections_needing(session: Session, need: str) -> set[int]:
    try:
        return NEEDS[need](session)
    except KeyError:
        raise KeyError(f"unknown flow need {need!r}; one of {', '.join(sorted(NEEDS))}") from None


def ensure_jobs(session: Session, wanted: Sequence[tuple[str, int | None, int | None]], *, now: datetime) -> int:
    """Create the jobs of ``wanted`` (flow, connection id, every seconds) that do not exist; returns how many
    were created. One read of the existing keys and one insert of the missing ones, whatever the number of
    connections (the scheduler runs it every few seconds for hundreds of sellers)."""
    existing = set(session.execute(select(t.c.key)).scalars())
    rows = [dict(key=job_key(flow, connection_id), connection_id=connection_id, flow=flow,
                 every_seconds=every_seconds, enabled=True,
                 next_run_at=now if every_seconds is not None else None, failures=0, updated_at=now)
            for flow, connection_id, every_seconds in wanted if job_key(flow, connection_id) not in existing]
    if rows:  # another scheduler may create the same rows meanwhile: theirs stand
        session.execute(upsert(session, t).on_conflict_do_nothing(index_elements=["key"]), rows)
    return len(rows)


def set_schedule(session: Session, key: str, *, now: datetime, every_seconds: int | None = None,
                 manual_only: bool = False, enabled: bool | None = None) -> None:
    """Edit a schedule; the next run moves to ``now + every`` at the latest."""
    values: dict = {"updated_at": now}
    if manual_only:
        values.update(every_seconds=None, next_run_at=None)
    elif every_seconds is not None:
        values.update(every_seconds=every_seconds, next_run_at=now + timedelta(seconds=every_seconds))
    if enabled is not None:
        values["enabled"] = enabled
    session.execute(update(t).where(t.c.key == key).values(**values))


def request_run(session: Session, key: str, *, now: datetime) -> None:
    """A manual "run now": due at once. Several requests while it waits or runs are one run (G3); one made
    during a run is counted, and makes the job due again when that run ends (:func:`finish`)."""
    request_runs(session, [key], now=now)


def request_runs(session: Session, keys: Sequence[str], *, now: datetime) -> None:
    """:func:`request_run` for many jobs in one statement (a key without a job is no job: nothing happens)."""
    if keys:
        session.execute(update(t).where(t.c.key.in_(sorted(set(keys))))
                        .values(requested_at=now, next_run_at=now, updated_at=now, requests=t.c.requests + 1))


def due_jobs(session: Session, *, now: datetime, queue_stale: timedelta, limit: int = 500) -> list[JobRecord]:
    """Enabled jobs due now, not queued (or queued longer than ``queue_stale`` ago), not leased, hub-wide
    or of an active connection (a disabled or expired one runs nothing, A4, A5): one query per tick."""
    active = select(connections.c.id).where(connections.c.status == "active")
    stmt = select(t).where(
        t.c.enabled.is_(True), t.c.next_run_at.is_not(None), t.c.next_run_at <= now,
        or_(t.c.queued_at.is_(None), t.c.queued_at < now - queue_stale),
        or_(t.c.lease_owner.is_(None), t.c.lease_expires_at < now),
        or_(t.c.connection_id.is_(None), t.c.connection_id.in_(active)),
    ).order_by(t.c.next_run_at).limit(limit)
    return [_record(row) for row in session.execute(stmt)]


def claim_for_queue(session: Session, key: str, *, now: datetime, queue_stale: timedelta) -> bool:
    """Mark the job queued if it still is due and unqueued; True for the one caller that may enqueue it."""
    result = session.execute(update(t).where(
        t.c.key == key, t.c.enabled.is_(True), t.c.next_run_at <= now,
        or_(t.c.queued_at.is_(None), t.c.queued_at < now - queue_stale),
    ).values(queued_at=now, updated_at=now))
    return result.rowcount == 1


def acquire_lease(session: Session, key: str, *, owner: str, now: datetime, ttl: timedelta) -> bool:
    """Take the job's lease (one run at a time); clears the queueing claim. False: someone holds it, or
    the job is neither claimed nor due (a second copy of a task whose job already ran)."""
    result = session.execute(update(t).where(
        t.c.key == key,
        or_(t.c.lease_owner.is_(None), t.c.lease_expires_at < now, t.c.lease_owner == owner),
        or_(t.c.queued_at.is_not(None), t.c.next_run_at <= now),
    ).values(lease_owner=owner, lease_expires_at=now + ttl, queued_at=None, last_started_at=now, updated_at=now,
             requests_seen=t.c.requests))
    return result.rowcount == 1


def release_claim(session: Session, key: str, *, now: datetime) -> None:
    """Give a queued job back unrun (a stopping worker): the scheduler queues it again."""
    session.execute(update(t).where(t.c.key == key).values(queued_at=None, updated_at=now))


def renew_lease(session: Session, key: str, *, owner: str, now: datetime, ttl: timedelta) -> bool:
    result = session.execute(update(t).where(t.c.key == key, t.c.lease_owner == owner)
                             .values(lease_expires_at=now + ttl))
    return result.rowcount == 1


def finish(session: Session, key: str, *, owner: str, now: datetime, status: str, error: str | None,
           next_run_at: datetime | None, failed: bool) -> bool:
    """Release the lease and set the next run; a "run now" asked during the run is honoured at once.

    One UPDATE decides it from the row as it is when the statement runs (a request committed meanwhile
    is seen: PostgreSQL re-reads a row it waited for; SQLite serialises writers), never from a read
    made before, and never from comparing two processes' clocks.
    """
    asked_during_run = t.c.requests > t.c.requests_seen
    result = session.execute(update(t).where(and_(t.c.key == key, t.c.lease_owner == owner)).values(
        lease_owner=None, lease_expires_at=None, last_finished_at=now, last_status=status, last_error=error,
        updated_at=now, failures=(t.c.failures + 1) if failed else 0,
        next_run_at=case((asked_during_run, now), else_=next_run_at),
        requested_at=case((asked_during_run, t.c.requested_at), else_=None)))
    return result.rowcount == 1
