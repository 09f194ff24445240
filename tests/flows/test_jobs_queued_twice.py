"""A job the queue carries twice runs once (G3): the scheduler re-queues a job whose claim went stale.

When the queue is slower than ``QUEUE_STALE`` (an overloaded installation, or a worker killed between
dequeue and lease), the scheduler queues the job again, and the first task may still be in the
queue. Whichever copy comes first runs the job; the other must find it not due and leave it, or the
job runs twice in a row and spends the seller's Amazon budget twice.
"""

from __future__ import annotations

import pytest

from sellerbridge.db.repositories import jobs as repo
from sellerbridge.jobs.queue import depth, key_of, make_huey
from sellerbridge.jobs.runner import run_job
from sellerbridge.jobs.scheduler import QUEUE_STALE, ensure_jobs, tick
from tests.support.flows import SYNC_FLOW

pytestmark = pytest.mark.server


def test_g3_a_job_queued_twice_because_its_claim_went_stale_runs_once(world):
    ensure_jobs(world.hub)
    key = repo.job_key(SYNC_FLOW, world.connection_id)
    with world.hub.store.uow() as session:  # only the orders job is due in this test
        for job in repo.list_jobs(session):
            if job.key != key:
                repo.set_schedule(session, job.key, now=world.hub.now(), enabled=False)
    huey = make_huey(world.settings)
    assert tick(world.hub, huey) == [key]
    world.advance(QUEUE_STALE.total_seconds() + 1)  # the first task waits in the queue past its claim
    assert tick(world.hub, huey) == [key]
    assert depth(huey) == 2

    outcomes = [run_job(world.hub, key_of(huey.dequeue()), owner=f"w/{n}") for n in range(2)]

    assert [o.ran for o in outcomes] == [True, False]
    assert len([r for r in world.runs() if r.flow == SYNC_FLOW]) == 1
    with world.hub.store.uow(read_only=True) as session:
        job = repo.get_job(session, key)
    assert job is not None and job.queued_at is None and job.lease_owner is None
    assert tick(world.hub, huey) == []  # and nothing is left to queue until the next run is due
