"""``POST /api/connections/{ref}/backlog``: the backlog import over REST (G2, H2, I2), on SQLite and
PostgreSQL, against the real sandbox on loopback."""

from __future__ import annotations

import pytest

from sellerbridge.jobs.scheduler import tick
from tests.api.conftest import h, wait_for
from tests.flows.support import World
from tests.support.flows import BACKLOG_FLOW, run_backlog

pytestmark = pytest.mark.server


def _finished(api, run_id: int) -> dict:
    """The run once it ended. While Amazon prepares the report the run waits: Amazon's clock moves on (a
    stepped clock, as in every test here) and the scheduler queues the run's next step when it is due."""
    world, huey = api.world, api.runtime

    def ended() -> dict | None:
        run = api.get(f"/api/runs/{run_id}", headers=h(api, "viewer")).json()
        if run["status"] in ("done", "partial", "failed"):
            return run
        if run["resume_at"] is not None:
            world.advance(15)
            tick(world.hub, huey)
        return None

    return wait_for(ended)


def _open_orders(world: World, count: int) -> list[str]:
    ids = world.create_orders(count - count // 4, status="Unshipped", fba=False)
    ids += world.create_orders(count // 4, status="Unshipped", fba=True)
    world.past_search_lag()
    return ids


def test_g2_h2_operator_starts_the_backlog_import_and_reads_its_run_report(api, world: World) -> None:
    ids = _open_orders(world, 40)
    path = f"/api/connections/{world.connection_id}/backlog"
    assert api.post(path, headers=h(api, "viewer")).status_code == 403
    assert api.post(path).status_code == 401

    r = api.post(path, headers=h(api, "operator"))

    assert r.status_code == 202, r.text
    started = r.json()
    assert started["status"] == "queued" and started["flow"] == BACKLOG_FLOW and started["resumed"] is False
    run = _finished(api, started["run_id"])
    assert run["status"] == "done" and run["flow"] == BACKLOG_FLOW, run
    assert run["counts"]["created"] == 40 and run["state"]["phase"] == "done"
    assert api.get("/api/orders", headers=h(api, "viewer")).json()["total"] == 40
    assert sorted(world.stored_ids()) == sorted(ids)
    assert world.calls("createReport") == 1
    world.assert_consistent()
    # by name too; a finished backlog is not resumed: a new run, nothing imported twice
    again = api.post("/api/connections/us-main/backlog", headers=h(api, "operator")).json()
    assert again["run_id"] != started["run_id"] and again["resumed"] is False
    assert _finished(api, again["run_id"])["counts"]["created"] == 0


def test_g2_the_backlog_endpoint_resumes_an_interrupted_run(api, world: World) -> None:
    ids = _open_orders(world, 20)
    interrupted = run_backlog(world.hub, world.connection_id, max_steps=1)  # report requested, then "killed"

    r = api.post(f"/api/connections/{world.connection_id}/backlog", headers=h(api, "operator"))

    assert r.status_code == 202, r.text
    assert r.json()["run_id"] == interrupted.run_id and r.json()["resumed"] is True
    assert _finished(api, interrupted.run_id)["status"] == "done"
    assert world.calls("createReport") == 1  # the same report, never requested twice
    assert sorted(world.stored_ids()) == sorted(ids)
    world.assert_consistent()


def test_g3_a_backlog_asked_for_twice_is_one_run_and_an_unknown_connection_is_400(bare_api, world: World) -> None:
    """Asking again while it waits or runs is the same run, in every web replica (the jobs table, not a
    per-process lock), and nothing runs in the web process: without a worker the run waits, queued."""
    api = bare_api
    first = api.post(f"/api/connections/{world.connection_id}/backlog", headers=h(api, "operator")).json()
    again = api.post("/api/connections/us-main/backlog", headers=h(api, "operator")).json()

    assert first["run_id"] == again["run_id"] and first["status"] == "queued"
    [run] = [r for r in world.runs() if r.flow == BACKLOG_FLOW]
    assert run.id == first["run_id"] and run.status == "queued"
    assert world.calls("createReport") == 0  # nothing ran inside the web process
    # the order poll is another job: it is asked for on its own
    poll = api.post(f"/api/connections/{world.connection_id}/sync/orders", headers=h(api, "operator")).json()
    assert poll["run_id"] != first["run_id"] and poll["flow"] == "orders"
    r = api.post("/api/connections/nope/backlog", headers=h(api, "operator"))
    assert r.status_code == 400 and "no connection" in r.json()["detail"]
