"""B13, H1, H2: the ``retention`` flow deletes Amazon's documents and their traces after their period,
in batches, and never what is still in use (an open error, a job's latest run), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sellerbridge.db.repositories import api_calls
from sellerbridge.db.stores.retention import DbRetentionStore
from sellerbridge.domain.ports.retention import RetentionPolicy
from sellerbridge.services import orders as order_service
from sellerbridge.services.intake import queue_fetch
from sellerbridge.services.pii import cli_viewer
from sellerbridge.sync import retention
from tests.flows.support import World, skus_of
from tests.support.flows import fetch_orders, run_backlog, run_flow, sync_orders

pytestmark = pytest.mark.server
DAY = 86400


def _count(world: World, table: str, where: str = "1 = 1") -> int:
    return world.rows(f"SELECT COUNT(*) FROM {table} WHERE {where}")[0][0]


def _traces_91_days_old(world: World) -> dict[str, int]:
    """An import with two failing orders (one error resolved later), a backlog report, a PII view and
    a pending fetch; then 91 days pass and a second sync runs."""
    ids = world.create_orders(6, status="Unshipped", fba=False)
    for sku in set().union(*skus_of(world, ids[:2]).values()):  # the first two fail (and any sharing a SKU)
        world.unmap_sku(sku)
    world.past_search_lag()
    first = sync_orders(world.hub, world.connection_id)
    assert first.counts["errors"] >= 2 and first.counts["created"] >= 1, first.counts
    assert run_backlog(world.hub, world.connection_id).status in ("done", "partial")
    order_service.show_order(world.hub, world.stored_ids()[0],
                             viewer=cli_viewer("orders show --pii", may_view_pii=True))
    # the first failing order is cancelled on Amazon: the filters now skip it, which resolves its error
    world.cancel(ids[0], "AMAZON")
    assert fetch_orders(world.hub, world.connection_id, [ids[0]]).counts["skipped"] == 1
    still_open = world.open_errors()
    assert ids[0] not in {e.key for e in still_open} and still_open
    queue_fetch(world.hub, world.connection_id, ids[-1], source="reprocess")  # never fetched: stale in 30 days
    assert run_flow(world.hub, "pii_purge", None).status == "done"  # a hub-wide job's run (no connection)
    old = {"calls": _count(world, "sp_api_calls"), "runs": _count(world, "sync_runs"),
           "documents": _count(world, "report_requests")}
    assert old["calls"] and old["runs"] >= 2 and old["documents"]

    world.advance(91 * DAY)
    assert sync_orders(world.hub, world.connection_id).status in ("done", "partial")
    assert run_flow(world.hub, "pii_purge", None).status == "done"
    return {**old, "open_errors": sorted(e.id for e in still_open)}


def test_b13_traces_older_than_their_period_go_and_what_is_still_in_use_stays(world: World):
    old = _traces_91_days_old(world)
    newer_calls = _count(world, "sp_api_calls") - old["calls"]

    report = run_flow(world.hub, "retention", None)

    assert report is not None and report.status == "done", report
    counts = report.counts
    assert counts["calls"] == old["calls"] and _count(world, "sp_api_calls") == newer_calls  # 30 days
    assert counts["documents"] == old["documents"] and _count(world, "report_requests") == 0  # 90 days
    assert (counts["resolved_errors"], counts["pending_fetches"], counts["pii_access"]) == (1, 1, 0)
    left = world.rows("SELECT id, status FROM error_log ORDER BY id")
    assert [(r.id, r.status) for r in left] == [(i, "open") for i in old["open_errors"]]  # open ones stay
    assert _count(world, "pii_access_log") == 1  # the audit trail: a year
    # the 91-day-old runs went, but never a job's latest: the first sync and the first purge went (today's
    # are their jobs' latest); the backlog's and the fetch's only runs stay
    left = [r.flow for r in world.runs()]
    assert counts["runs"] == 2 and sorted(left) == ["orders", "orders_backlog", "orders_fetch"], left
    assert old["runs"] == 4 and _count(world, "sync_runs", "flow = 'pii_purge'") == 1

    again = run_flow(world.hub, "retention", None)
    assert again is not None and sum(again.counts.values()) == 0  # nothing left to delete


def test_b13_retention_deletes_in_bounded_batches_until_nothing_older_is_left(world: World, monkeypatch):
    old = _traces_91_days_old(world)
    cutoff = world.hub.now() - timedelta(days=30)

    def older_calls() -> int:
        with world.hub.store.uow(read_only=True) as session:
            return api_calls.count_calls(session) - api_calls.count_calls(session, since=cutoff)

    assert older_calls() == old["calls"] > 3
    store = DbRetentionStore(world.hub.store, RetentionPolicy())
    assert store.prune("calls", before=cutoff, limit=2) == 2 and older_calls() == old["calls"] - 2  # one batch
    monkeypatch.setattr(retention, "BATCH", 2)

    report = run_flow(world.hub, "retention", None)

    assert report is not None and report.counts["calls"] == old["calls"] - 2 and older_calls() == 0
