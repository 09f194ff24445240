"""Health per connection: does each connection's sync actually work (G3, H2; issue 9)?

``/readyz`` answers for the process (database, schema, Redis). It used to say "ready" while every
run of every connection failed. This module tells the truth per connection, from the jobs table (one
row per flow and connection, kept by the runtime: last status, consecutive failures, last finish):

- ``stopped``: the connection is disabled or its authorization expired (A4, A5): its ``last_error``.
- ``failing``: a flow that calls Amazon failed its latest run(s): the job's error and how many in a row.
- ``stale``: the poll (flow ``orders``) has not finished for :data:`STALE_POLLS` of its intervals
  (at least :data:`STALE_MIN`): the runtime is not running it (no worker, a stuck lease).
- ``starting``: active, its poll has not finished yet (a new connection, a fresh runtime).
- ``ok``: otherwise.

One query of each table, whatever the number of connections (an agency hosts hundreds).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..bootstrap import Hub
from ..db.repositories import connections as connection_repo
from ..db.repositories import jobs as job_repo

POLL_FLOW = "orders"
STALE_POLLS = 3
STALE_MIN = timedelta(minutes=10)
STATES = ("ok", "starting", "failing", "stale", "stopped")


@dataclass(frozen=True, slots=True)
class ConnectionHealth:
    connection_id: int
    name: str
    state: str  # one of STATES
    detail: str | None  # what failed or why it is stopped (no secret, no buyer data: run errors only)
    failures_in_a_row: int
    last_poll_at: datetime | None

    def as_dict(self) -> dict[str, object]:
        return {"connection_id": self.connection_id, "name": self.name, "state": self.state, "detail": self.detail,
                "failures_in_a_row": self.failures_in_a_row,
                "last_poll_at": self.last_poll_at.isoformat() if self.last_poll_at else None}


def connection_health(hub: Hub) -> list[ConnectionHealth]:
    """Every connection's health, by name (see the module's rules)."""
    now = hub.now()
    with hub.store.uow(read_only=True) as session:
        records = connection_repo.list_connections(session)
        jobs = [j for j in job_repo.list_jobs(session) if j.connection_id is not None]
    by_connection: dict[int, list[job_repo.JobRecord]] = {}
    for job in jobs:
        by_connection.setdefault(job.connection_id, []).append(job)  # type: ignore[arg-type]
    return [_health(record, by_connection.get(record.id, []), now) for record in records]


def _health(record: connection_repo.ConnectionRecord, jobs: list[job_repo.JobRecord],
            now: datetime) -> ConnectionHealth:
    poll = next((j for j in jobs if j.flow == POLL_FLOW), None)
    last_poll = poll.last_finished_at if poll else None

    def health(state: str, detail: str | None = None, failures: int = 0) -> ConnectionHealth:
        return ConnectionHealth(record.id, record.name, state, detail, failures, last_poll)

    if record.status != "active":
        return health("stopped", record.last_error or record.status)
    failing = [j for j in jobs if j.failures > 0 and j.last_status in ("failed", "error")]
    if failing:
        worst = max(failing, key=lambda j: j.failures)
        return health("failing", f"{worst.flow}: {worst.last_error or 'failed'}", worst.failures)
    if poll is None or last_poll is None:
        return health("starting")
    every = timedelta(seconds=poll.every_seconds or 120)
    if now - last_poll > max(STALE_MIN, STALE_POLLS * every):
        return health("stale", f"the poll last finished {int((now - last_poll).total_seconds() // 60)} min ago")
    return health("ok")


def summary(health: list[ConnectionHealth]) -> dict[str, int]:
    """How many connections are in each state (what an unauthenticated probe may see: no names)."""
    counts = Counter(h.state for h in health)
    return {state: counts.get(state, 0) for state in STATES}
