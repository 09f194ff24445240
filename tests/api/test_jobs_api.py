"""``/api/jobs``: the runtime's jobs over REST, as ``sellerbridge jobs list|run|set`` (G3, I2), on SQLite and
PostgreSQL, against the real sandbox on loopback: a run asked over REST is queued by the scheduler once and
run by a worker's runner, a schedule edited over REST survives the defaults being applied again."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from sellerbridge.db.repositories import jobs as repo
from sellerbridge.jobs.queue import depth, key_of, make_huey
from sellerbridge.jobs.runner import run_job
from sellerbridge.jobs.scheduler import ensure_jobs, tick
from tests.api.conftest import h
from tests.flows.support import World
from tests.support.flows import BACKLOG_FLOW, wait_until

pytestmark = pytest.mark.server


def _at(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def test_g3_i2_a_viewer_lists_every_job_and_a_connections_jobs(bare_api, world: World) -> None:
    api = bare_api
    assert api.get("/api/jobs").status_code == 401

    everything = api.get("/api/jobs", headers=h(api, "viewer"))
    mine = api.get("/api/jobs", params={"connection": "us-main"}, headers=h(api, "viewer"))

    assert everything.status_code == 200 and mine.status_code == 200, (everything.text, mine.text)
    keys = {job["key"] for job in everything.json()}
    c = world.connection_id
    assert {f"orders:{c}", f"orders_backstop:{c}", f"orders_fetch:{c}", f"{BACKLOG_FLOW}:{c}", "pii_purge:*"} <= keys
    jobs = {job["flow"]: job for job in mine.json()}
    # the hub-wide purge is nobody's connection
    assert set(jobs) == {"orders", "orders_fetch", "orders_backstop", BACKLOG_FLOW, "shipment_confirm", "line_cancel",
                         "shipment_inbox", "deliveries", "stock_push"}
    assert jobs["shipment_confirm"]["every_seconds"] == 600  # the safety net of a flow the intake asks for (C2)
    assert jobs["orders"]["every_seconds"] == 120 and jobs["orders"]["state"] == "waiting"  # B1 backstop
    assert jobs[BACKLOG_FLOW]["every_seconds"] is None and jobs[BACKLOG_FLOW]["next_run_at"] is None  # manual
    by_id = api.get("/api/jobs", params={"connection": str(c)}, headers=h(api, "viewer")).json()
    assert [j["key"] for j in by_id] == [j["key"] for j in mine.json()]


def test_g3_i2_a_run_asked_over_rest_is_queued_once_and_run_by_a_worker(bare_api, world: World) -> None:
    api = bare_api
    ids = world.create_orders(6, status="Unshipped", fba=False)
    world.past_search_lag()
    huey = make_huey(world.settings)
    ensure_jobs(world.hub)
    with world.hub.store.uow() as session:  # only what this test asks for may be due
        for job in repo.list_jobs(session):
            repo.set_schedule(session, job.key, now=world.hub.now(), manual_only=True)
    assert tick(world.hub, huey) == []
    path = f"/api/jobs/{BACKLOG_FLOW}/run"
    params = {"connection": "us-main"}
    assert api.post(path, params=params, headers=h(api, "viewer")).status_code == 403

    first = api.post(path, params=params, headers=h(api, "operator"))

    assert first.status_code == 202, first.text
    job = first.json()
    key = repo.job_key(BACKLOG_FLOW, world.connection_id)
    assert job["key"] == key and job["state"] == "waiting" and _at(job["next_run_at"]) == world.hub.now()
    assert tick(world.hub, huey) == [key]
    again = api.post(path, params=params, headers=h(api, "operator"))
    assert again.status_code == 202 and again.json()["state"] == "queued"
    assert tick(world.hub, huey) == [] and depth(huey) == 1  # asked twice: one queued task

    task = huey.dequeue()
    outcome = run_job(world.hub, key_of(task), owner="test-worker")
    assert outcome.ran and outcome.report is not None
    while outcome.report is not None and outcome.report.status == "waiting":  # Amazon prepares the report
        wait_until(world.hub, outcome.report.resume_at)  # the job's next run is then (the scheduler's tick)
        outcome = run_job(world.hub, key, owner="test-worker")

    assert outcome.report is not None and outcome.report.status == "done", outcome
    assert outcome.report.run_id == job["run_id"]  # the run REST answered with, queued until the worker took it
    assert sorted(world.stored_ids()) == sorted(ids)
    [listed] = [j for j in api.get("/api/jobs", params=params, headers=h(api, "viewer")).json() if j["key"] == key]
    assert listed["last_status"] == "done" and listed["state"] == "waiting" and listed["next_run_at"] is None
    world.assert_consistent()


def test_g3_i2_an_admin_edits_a_schedule_and_a_restart_keeps_it(bare_api, world: World) -> None:
    api = bare_api
    path = "/api/jobs/orders"
    params = {"connection": "us-main"}
    assert api.put(path, params=params, json={"every_seconds": 300}, headers=h(api, "operator")).status_code == 403

    r = api.put(path, params=params, json={"every_seconds": 300}, headers=h(api, "admin"))

    assert r.status_code == 200, r.text
    assert r.json()["every_seconds"] == 300
    assert _at(r.json()["next_run_at"]) == world.hub.now() + timedelta(seconds=300)
    ensure_jobs(world.hub)  # what every scheduler start does: the defaults do not overwrite an edit
    [orders] = [j for j in api.get("/api/jobs", params=params, headers=h(api, "viewer")).json()
                if j["flow"] == "orders"]
    assert orders["every_seconds"] == 300

    off = api.put(path, params=params, json={"enabled": False}, headers=h(api, "admin")).json()
    assert off["state"] == "disabled" and off["enabled"] is False and off["every_seconds"] == 300
    huey = make_huey(world.settings)
    refused = api.post(f"{path}/run", params=params, headers=h(api, "operator"))  # a disabled job does not run
    assert refused.status_code == 400 and "disabled" in refused.json()["detail"]
    assert orders["key"] not in tick(world.hub, huey)

    manual = api.put(path, params=params, json={"manual_only": True, "enabled": True}, headers=h(api, "admin"))
    assert manual.status_code == 200
    assert manual.json()["every_seconds"] is None and manual.json()["enabled"] is True
    assert manual.json()["next_run_at"] is None


def test_g3_i2_bad_requests_are_refused_with_the_reason(bare_api, world: World) -> None:
    api = bare_api
    admin, operator = h(api, "admin"), h(api, "operator")
    params = {"connection": "us-main"}

    unknown = api.post("/api/jobs/nonsense/run", params=params, headers=operator)
    assert unknown.status_code == 404 and "unknown flow" in unknown.json()["detail"]
    assert api.put("/api/jobs/nonsense", params=params, json={"enabled": True}, headers=admin).status_code == 404
    no_connection = api.post("/api/jobs/orders/run", headers=operator)
    assert no_connection.status_code == 400 and "?connection=" in no_connection.json()["detail"]
    nobody = api.post("/api/jobs/orders/run", params={"connection": "nope"}, headers=operator)
    assert nobody.status_code == 400 and "no connection" in nobody.json()["detail"]
    assert api.get("/api/jobs", params={"connection": "nope"}, headers=h(api, "viewer")).status_code == 400
    too_often = api.put("/api/jobs/orders", params=params, json={"every_seconds": 5}, headers=admin)
    assert too_often.status_code == 400 and "at least 10" in too_often.json()["detail"]
    nothing = api.put("/api/jobs/orders", params=params, json={}, headers=admin)
    assert nothing.status_code == 400 and "nothing to change" in nothing.json()["detail"]
    both = api.put("/api/jobs/orders", params=params, json={"every_seconds": 60, "manual_only": True}, headers=admin)
    assert both.status_code == 422
    # the hub-wide purge needs no connection
    purge = api.post("/api/jobs/pii_purge/run", headers=operator)
    assert purge.status_code == 202 and purge.json()["key"] == "pii_purge:*"
    # nothing refused above changed a schedule
    jobs = {j["flow"]: j for j in api.get("/api/jobs", params=params, headers=h(api, "viewer")).json()}
    assert jobs["orders"]["every_seconds"] == 120 and jobs["orders"]["enabled"] is True
