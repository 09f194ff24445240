"""The scheduler: puts due jobs on the queue, each once (G3).

Every tick: make sure every active connection has its jobs (defaults from jobs/registry.py), then for
each due job win its queueing claim (one atomic UPDATE) and only then enqueue it. Two schedulers, or
a scheduler restarted mid-tick, cannot queue a job twice; a job whose queued task was lost (a worker
killed between dequeue and lease, a Redis flush) is queued again once its claim is ``QUEUE_STALE``.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from huey import Huey

from ..bootstrap import Hub
from ..db.repositories import connections
from ..db.repositories import jobs as repo
from .queue import enqueue
from .registry import FLOWS

TICK_SECONDS = 1.0  # real seconds between ticks
ENSURE_EVERY_TICKS = 15  # new connections get their jobs within this many ticks
QUEUE_STALE = timedelta(minutes=5)  # of the hub's clock
log = logging.getLogger("sellerbridge.scheduler")


def ensure_jobs(hub: Hub) -> int:
    """Create the missing default jobs of every connection and the hub-wide ones; returns how many exist.

    One read of the connection ids and of the job keys, one query per flow need (a flow that ``needs``
    something, an inbox or listings, gets jobs only where it is: the idle cost of 500 sellers stays
    that of their order polls), one insert of what is missing (G3, P9). A job once made stays (its
    schedule may have been edited); "run now" makes one wherever asked."""
    now = hub.now()
    with hub.store.uow() as session:
        ids = connections.connection_ids(session)
        needs = {spec.flow.needs for spec in FLOWS.values() if spec.flow.needs}
        having = {need: repo.connections_needing(session, need) for need in sorted(needs)}
        wanted = [(spec.name, connection_id, spec.every_seconds)
                  for spec in FLOWS.values()
                  for connection_id in ([None] if spec.flow.hub_wide else
                                        [i for i in ids if not spec.flow.needs or i in having[spec.flow.needs]])]
        repo.ensure_jobs(session, wanted, now=now)
    return len(wanted)


def tick(hub: Hub, huey: Huey) -> list[str]:
    """Queue every due job of an active connection (or hub-wide) once; returns the keys queued.

    One query finds them (``jobs.due_jobs`` leaves out disabled and expired connections, A4, A5): an
    idle tick costs the same for 5 sellers or 500."""
    now = hub.now()
    with hub.store.uow(read_only=True) as session:
        due = repo.due_jobs(session, now=now, queue_stale=QUEUE_STALE)
    queued = []
    for job in due:
        if job.flow not in FLOWS:
            continue  # a flow of a newer version of the hub: left to the workers that know it
        with hub.store.uow() as session:
            won = repo.claim_for_queue(session, job.key, now=now, queue_stale=QUEUE_STALE)
        if won:
            enqueue(huey, job.key)
            queued.append(job.key)
    return queued


class Scheduler:
    """Ticks until stopped; one per installation (a second one is harmless, only wasteful)."""

    def __init__(self, hub: Hub, huey: Huey) -> None:
        self.hub, self.huey = hub, huey
        self.stopping = threading.Event()
        self.ticks = 0

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                if self.ticks % ENSURE_EVERY_TICKS == 0:
                    ensure_jobs(self.hub)
                tick(self.hub, self.huey)
            except Exception:  # the database or the queue blinked: try again next tick
                log.exception("scheduler tick failed")
            self.ticks += 1
            self.stopping.wait(TICK_SECONDS)

    def stop(self) -> None:
        self.stopping.set()
