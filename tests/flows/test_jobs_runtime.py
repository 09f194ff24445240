"""The runtime's jobs: schedules, one queueing per due job, leases, interrupted runs, retries (G1, G3, H2).

On SQLite and PostgreSQL (``db_url``), with a real Huey queue (SQLite file) and the served sandbox.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from sellerbridge.db.repositories import jobs as repo
from sellerbridge.db.repositories import sync_runs
from sellerbridge.domain.common.errors import ConfigError
from sellerbridge.jobs import manage
from sellerbridge.jobs.queue import depth, key_of, make_huey
from sellerbridge.jobs.runner import INTERRUPTED, LEASE_TTL, run_job
from sellerbridge.jobs.scheduler import ensure_jobs, tick
from sellerbridge.jobs.worker import Worker
from tests.support.flows import SYNC_FLOW

ORDERS = SYNC_FLOW


def _key(world, flow: str = ORDERS) -> str:
    return repo.job_key(flow, world.connection_id)


def _job(world, flow: str = ORDERS) -> repo.JobRecord:
    with world.hub.store.uow(read_only=True) as session:
        job = repo.get_job(session, _key(world, flow))
    assert job is not None
    return job


@pytest.fixture
def huey(world):
    return make_huey(world.settings)


def test_g3_every_connection_gets_its_default_jobs_and_a_due_job_is_queued_once(world, huey):
    assert ensure_jobs(world.hub) >= 5
    flows = {j["flow"]: j for j in manage.list_jobs(world.hub)}
    assert flows["orders"]["every_seconds"] == 120 and flows["pii_purge"]["every_seconds"] == 86400
    assert flows["orders_backlog"]["every_seconds"] is None  # manual only
    assert flows["orders_fetch"]["every_seconds"] is None  # asked for by the intake
    assert flows["orders_backstop"]["every_seconds"] is None  # asked for by the poll and the intake

    first = tick(world.hub, huey)
    again = tick(world.hub, huey)

    assert _key(world) in first and again == []  # queued once, however often the scheduler looks
    assert depth(huey) == len(first)
    assert _job(world).queued_at is not None


def test_g3_a_worker_runs_the_job_records_the_run_and_schedules_the_next(world, huey):
    ids = world.create_orders(6, status="Unshipped")
    world.past_search_lag()
    ensure_jobs(world.hub)
    with world.hub.store.uow() as session:  # only the orders job is due for this test
        for job in repo.list_jobs(session):
            if job.key != _key(world):
                repo.set_schedule(session, job.key, now=world.hub.now(), enabled=False)
    assert tick(world.hub, huey) == [_key(world)]
    worker = Worker(world.hub, huey, threads=1, name="t")
    worker.start()
    try:
        for _ in range(200):
            if _job(world).last_finished_at is not None:
                break
            threading.Event().wait(0.05)
    finally:
        worker.stop(timeout=30)

    job = _job(world)
    assert job.last_status == "done" and job.lease_owner is None and job.queued_at is None
    assert job.next_run_at == job.last_finished_at + timedelta(seconds=120)
    assert set(world.stored_ids()) == set(ids)
    [run] = [r for r in world.runs() if r.flow == ORDERS]
    assert run.status == "done"
    assert worker.stats["ran"] == 1


def test_g3_one_run_at_a_time_per_connection_and_flow(world):
    ensure_jobs(world.hub)
    now = world.hub.now()
    with world.hub.store.uow() as session:
        assert repo.acquire_lease(session, _key(world), owner="a", now=now, ttl=LEASE_TTL)
    outcome = run_job(world.hub, _key(world), owner="b")
    assert outcome.ran is False and world.calls("searchOrders") == 0
    assert _job(world).lease_owner == "a"


def test_h2_a_killed_workers_run_gets_an_end_and_the_job_runs_again_after_its_lease_expires(world):
    world.create_orders(3, status="Unshipped")
    world.past_search_lag()
    ensure_jobs(world.hub)
    now = world.hub.now()
    with world.hub.store.uow() as session:  # what a SIGKILLed worker leaves: a lease and a running run
        assert repo.acquire_lease(session, _key(world), owner="dead", now=now, ttl=LEASE_TTL)
        dead_run = sync_runs.start_run(session, connection_id=world.connection_id, flow=ORDERS, now=now)

    assert run_job(world.hub, _key(world), owner="alive").ran is False  # the lease still holds
    world.advance(LEASE_TTL.total_seconds() + 1)
    outcome = run_job(world.hub, _key(world), owner="alive")

    assert outcome.ran and outcome.report.status == "done" and outcome.report.counts["created"] == 3
    runs = {r.id: r for r in world.runs()}
    assert runs[dead_run].status == "failed" and runs[dead_run].error == INTERRUPTED
    assert all(r.status != "running" for r in runs.values())
    world.assert_consistent()


def test_g3_run_now_asked_while_running_runs_once_more_right_after(world):
    ensure_jobs(world.hub)
    now = world.hub.now()
    with world.hub.store.uow() as session:
        repo.acquire_lease(session, _key(world), owner="w", now=now, ttl=LEASE_TTL)
    world.advance(5)
    manage.request_run(world.hub, "orders", world.connection_id)
    manage.request_run(world.hub, "orders", "us-main")  # asked twice: still one run
    with world.hub.store.uow() as session:
        finished = world.hub.now()
        assert repo.finish(session, _key(world), owner="w", now=finished, status="done", error=None,
                           next_run_at=finished + timedelta(seconds=120), failed=False)
    assert _job(world).next_run_at == finished


def test_g3_a_stopping_worker_hands_a_taken_job_back_and_the_scheduler_queues_it_again(world, huey):
    ensure_jobs(world.hub)
    queued = tick(world.hub, huey)
    assert _key(world) in queued
    worker = Worker(world.hub, huey, threads=1, name="stopping")
    worker.stopping.set()
    task = huey.dequeue()
    worker._hand_back(key_of(task))
    assert worker.stats["handed_back"] == 1
    assert key_of(task) in tick(world.hub, huey)  # queued again at once, not after QUEUE_STALE


def test_g3_schedules_are_editable_and_validated(world):
    job = manage.set_schedule(world.hub, "orders", "us-main", every_seconds=300)
    assert job["every_seconds"] == 300
    job = manage.set_schedule(world.hub, "orders", "us-main", enabled=False)
    assert job["state"] == "disabled"
    job = manage.set_schedule(world.hub, "orders_backlog", world.connection_id, manual_only=True)
    assert job["every_seconds"] is None and job["next_run_at"] is None
    with pytest.raises(ConfigError, match="at least"):
        manage.set_schedule(world.hub, "orders", "us-main", every_seconds=1)
    with pytest.raises(ConfigError, match="unknown flow"):
        manage.request_run(world.hub, "nonsense", "us-main")
    with pytest.raises(ConfigError, match="per connection"):
        manage.request_run(world.hub, "orders")


def test_g3_a_lease_is_only_had_for_a_claimed_or_due_job(world):
    """The last guard against a task the queue carried twice: its job already ran, is not due, not claimed."""
    ensure_jobs(world.hub)
    now = world.hub.now()
    with world.hub.store.uow() as session:
        assert repo.acquire_lease(session, _key(world), owner="w", now=now, ttl=LEASE_TTL)
        assert repo.finish(session, _key(world), owner="w", now=now, status="done", error=None,
                           next_run_at=now + timedelta(seconds=120), failed=False)
        assert not repo.acquire_lease(session, _key(world), owner="late copy", now=now, ttl=LEASE_TTL)
        repo.request_run(session, _key(world), now=now)  # due again: the lease can be had
        assert repo.acquire_lease(session, _key(world), owner="w2", now=now, ttl=LEASE_TTL)


def test_g3_a_flow_that_needs_an_inbox_gets_a_job_only_where_one_is(world, tmp_path):
    """``shipment_inbox`` reads file receivers' inboxes every minute: a connection without one has no job (its
    idle cost is nothing), and gets it at the next ensure once a receiver with an inbox is added."""
    from sellerbridge.services import receivers as receiver_service

    ensure_jobs(world.hub)
    with world.hub.store.uow(read_only=True) as session:
        assert repo.get_job(session, _key(world, "shipment_inbox")) is None
        assert repo.get_job(session, _key(world, ORDERS)) is not None
    receiver_service.add_receiver(world.hub, world.connection_id, name="wms-out", kind="local_dir", actor="test",
                                  config={"directory": str(tmp_path / "out")})
    ensure_jobs(world.hub)
    with world.hub.store.uow(read_only=True) as session:  # files out only: still no inbox to read
        assert repo.get_job(session, _key(world, "shipment_inbox")) is None
    receiver_service.add_receiver(world.hub, world.connection_id, name="wms-files", kind="local_dir", actor="test",
                                  config={"directory": str(tmp_path / "drop"), "inbox": str(tmp_path / "in")})
    ensure_jobs(world.hub)
    assert _job(world, "shipment_inbox").every_seconds == 60
