"""``sellerbridge sync backlog``: the first import of open orders from the command line (G2, B1, H2, I1).

The real sandbox over HTTP, the real hub on SQLite and PostgreSQL (``db_url``); the clock is the
sandbox's, so the report's minute in Amazon's queue passes at once.
"""

from __future__ import annotations

import json

import pytest

from sellerbridge.services import connections
from tests.flows.support import World
from tests.support.flows import BACKLOG_FLOW, run_backlog

pytestmark = pytest.mark.server


def _open_orders(world: World, mfn: int = 30, fba: int = 10) -> list[str]:
    ids = world.create_orders(mfn, status="Unshipped", fba=False)
    if fba:
        ids += world.create_orders(fba, status="Unshipped", fba=True)
    world.past_search_lag()
    return ids


def _backlog_runs(world: World) -> list:
    return [r for r in world.runs() if r.flow == BACKLOG_FLOW]


def test_g2_h2_sync_backlog_imports_the_open_orders_and_prints_the_run_summary(cli, world: World) -> None:
    ids = _open_orders(world)

    r = cli("sync", "backlog", "--connection", "us-main")

    assert r.exit_code == 0, r.output
    assert "backlog of us-main: done" in " ".join(r.output.split())  # the table's title (Rich may wrap it)
    created = [line for line in r.output.splitlines() if " created " in f" {line} "]
    assert created and "40" in created[0], r.output
    assert sorted(world.stored_ids()) == sorted(ids)
    assert world.calls("createReport") == 1 and world.calls("getOrder") == 0  # the bulk path, not per order
    world.assert_consistent()
    [run] = _backlog_runs(world)
    assert run.status == "done" and run.counts["created"] == 40

    again = cli("sync", "backlog", "--connection", "us-main", "--json")  # a finished run is not resumed

    assert again.exit_code == 0, again.output
    data = json.loads(again.stdout)
    assert data["status"] == "done" and data["counts"]["created"] == 0 and data["resumed"] is False
    assert data["run_id"] != run.id and data["flow"] == BACKLOG_FLOW
    assert sorted(world.stored_ids()) == sorted(ids)


def test_g2_sync_backlog_resumes_an_interrupted_run_with_the_same_report(cli, world: World) -> None:
    ids = _open_orders(world, mfn=20, fba=5)
    interrupted = run_backlog(world.hub, world.connection_id, max_steps=1)  # report requested, then "killed"
    assert interrupted.status == "waiting"  # the run stays open while Amazon prepares the report

    r = cli("sync", "backlog", "--connection", "us-main")

    assert r.exit_code == 0, r.output
    assert f"resumed the unfinished backlog run {interrupted.run_id}" in r.output
    [run] = _backlog_runs(world)
    assert run.id == interrupted.run_id and run.status == "done"
    assert world.calls("createReport") == 1  # the same report, never requested twice
    assert sorted(world.stored_ids()) == sorted(ids)
    world.assert_consistent()


@pytest.mark.unmapped
def test_b11_sync_backlog_with_unmappable_orders_exits_4_partial(cli, world: World) -> None:
    ids = _open_orders(world, mfn=5, fba=0)

    r = cli("sync", "backlog", "--connection", "us-main", "--json")

    assert r.exit_code == 4, r.output
    data = json.loads(r.stdout)
    assert data["status"] == "partial" and data["counts"]["errors"] == len(ids)
    assert {e.key for e in world.open_errors()} == set(ids)


def test_a5_sync_backlog_of_a_disabled_connection_fails_with_exit_1_and_an_unknown_one_exit_2(cli,
                                                                                           world: World) -> None:
    _open_orders(world, mfn=3, fba=0)
    connections.disable_connection(world.hub, world.connection_id)

    r = cli("sync", "backlog", "--connection", "us-main", "--json")

    assert r.exit_code == 1, r.output
    data = json.loads(r.stdout)
    assert data["status"] == "failed" and "disabled" in data["error"] and data["retryable"] is False
    assert world.stored_ids() == [] and world.calls("createReport") == 0
    assert cli("sync", "backlog", "--connection", "nope").exit_code == 2


def test_g2_sync_backlog_against_a_report_that_never_finishes_ends_with_a_message_and_a_resumable_run(
        cli, world: World) -> None:
    """No command hangs (issue 8): the report's deadline ends the run; running the command again resumes it."""
    ids = _open_orders(world, mfn=6, fba=2)
    world.sandbox.http.post("/_sandbox/config", json={"report_queue_seconds": 10 ** 9}).raise_for_status()

    r = cli("sync", "backlog", "--connection", "us-main")

    assert r.exit_code == 1, r.output
    text = " ".join(r.output.split())
    assert "still queued at Amazon" in text and "gave up after 2 requests" in text
    assert "run `sellerbridge sync backlog --connection us-main` again" in text  # nothing is lost
    [run] = _backlog_runs(world)
    assert run.status == "failed" and run.state["resumable"] is True

    world.sandbox.http.post("/_sandbox/config", json={"report_queue_seconds": 60}).raise_for_status()
    again = cli("sync", "backlog", "--connection", "us-main", "--json")

    assert again.exit_code == 0, again.output
    data = json.loads(again.stdout)
    assert data["run_id"] == run.id and data["resumed"] is True and data["status"] == "done"
    assert sorted(world.stored_ids()) == sorted(ids)


@pytest.mark.unmapped
def test_h2_runs_list_and_show_name_each_run_its_counts_and_its_failed_items(cli, world: World) -> None:
    ids = _open_orders(world, mfn=3, fba=0)
    assert cli("sync", "backlog", "--connection", "us-main").exit_code == 4  # partial: SKUs unmapped

    listed = json.loads(cli("runs", "list", "--connection", "us-main", "--json").stdout)
    [run] = [r for r in listed if r["flow"] == BACKLOG_FLOW]
    r = cli("runs", "show", str(run["id"]))

    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())
    assert f"run {run['id']} (orders_backlog): partial" in text
    assert all(f"error {order_id}:" in text for order_id in ids)  # the items: each order and why
    assert cli("runs", "show", "999999").exit_code == 3
