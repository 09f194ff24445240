"""The push path's budget and the report backstop (B1, G1, G2; sync/order_push.py, services/order_report.py).

Each test runs on SQLite and on PostgreSQL (``db_url``) against the served sandbox.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from sellerbridge.amazon.notifications.parse import parse_order_change
from sellerbridge.services.intake import OrderIntake
from sellerbridge.services.order_report import REPORT_EVERY, REPORT_FLOW, report_due, report_tick
from sellerbridge.services.order_sync import fetch_orders, sync_orders
from sellerbridge.sync.orders_backlog import FIRST_CHECK_AFTER
from tests.flows.test_orders_push import Queue, _subscribe
from tests.support.sandbox import live_server


def _notified(world, queue: Queue) -> list:
    world.advance(1)  # the sandbox delivers its notifications when its clock moves
    with queue.lock:
        bodies, queue.bodies[:] = list(queue.bodies), []
    return [parse_order_change(body) for body in bodies]


def _drive_report(world) -> list:
    """Tick the backstop until its run ends, moving Amazon's clock as a scheduler would wait."""
    reports = []
    for _ in range(12):
        report = report_tick(world.hub, world.connection_id)
        reports.append(report)
        if report is not None and report.status != "running":
            return reports
        world.advance(FIRST_CHECK_AFTER / 2)
    raise AssertionError(f"the report run did not end: {reports}")


def test_g1_a_burst_above_getorder_is_deferred_to_one_report_and_nothing_is_lost_or_doubled(world):
    queue = Queue()
    intake = OrderIntake(world.hub, workers=0, bound=4)
    try:
        with live_server(queue.app) as queue_base:
            _subscribe(world, f"{queue_base}/queue")
            ids = world.create_orders(12, status="Unshipped", fba=False)
            changes = _notified(world, queue)
        assert {c.amazon_order_id for c in changes} == set(ids)
        assert report_due(world.hub, world.connection_id, world.hub.now()) is False  # nothing deferred yet
        outcomes = [intake.submit(change) for change in changes]

        assert sum(o["queued"] for o in outcomes) == 12 and intake.pending() == 4
        assert intake.stats["deferred"] == 8
        while intake.work_once():
            pass
        assert world.calls("getOrder") == 4
        assert report_due(world.hub, world.connection_id, world.hub.now()) is True

        reports = _drive_report(world)

        assert reports[-1].status == "done", reports[-1]
        assert world.calls("createReport") == 1 and world.calls("getReportDocument") == 1
        assert world.calls("getOrder") == 4 and world.calls("searchOrders") == 0
        assert set(world.stored_ids()) == set(ids)
        assert len(world.events("order.created")) == 12
        world.assert_consistent()
        # due again only after a new deferral; the poll then finds everything stored once
        assert report_due(world.hub, world.connection_id, world.hub.now()) is False
        world.past_search_lag()
        poll = sync_orders(world.hub, world.connection_id)
        assert poll.counts.created == 0
        world.assert_consistent()
    finally:
        intake.close()


def test_g1_notifications_for_fba_orders_and_for_changes_already_stored_cost_no_getorder(world):
    queue = Queue()
    intake = OrderIntake(world.hub, workers=0)
    try:
        with live_server(queue.app) as queue_base:
            _subscribe(world, f"{queue_base}/queue")
            fba = world.create_orders(3, status="Unshipped", fba=True)
            mfn = world.create_orders(3, status="Unshipped", fba=False)
            first = _notified(world, queue)
            for change in first:
                intake.submit(change)
            while intake.work_once():
                pass
            assert world.calls("getOrder") == 3  # the MFN orders only
            assert intake.stats["skipped_fba_left_to_poll"] == 3

            for change in first:  # SQS delivers the same notifications again, later
                intake.submit(change)
            assert intake.pending() == 0 and intake.stats["skipped_already_stored"] == 3

            world.cancel(mfn[0], by="BUYER_REQUEST")  # a buyer's cancel request: a real change, fetched
            later = _notified(world, queue)
        assert [c.amazon_order_id for c in later] == [mfn[0]]
        assert intake.submit(later[0])["queued"] == 1
        intake.work_once()
        assert world.calls("getOrder") == 4
        world.past_search_lag()
        sync_orders(world.hub, world.connection_id)  # records the FBA orders
        assert set(world.stored_ids()) == set(fba) | set(mfn)
        world.assert_consistent()
    finally:
        intake.close()


def test_g2_with_push_silent_the_report_keeps_polling_latency_down(world):
    ids = world.create_orders(5, status="Unshipped", fba=False)
    world.past_search_lag()
    assert report_due(world.hub, world.connection_id, world.hub.now()) is False  # no poll created anything yet
    sync_orders(world.hub, world.connection_id)
    assert report_due(world.hub, world.connection_id, world.hub.now()) is True  # orders flow, no notification

    more = world.create_orders(4, status="Unshipped", fba=False)
    reports = _drive_report(world)  # stores them before the search index even shows them

    assert reports[-1].status == "done" and reports[-1].counts.created == 4
    assert set(world.stored_ids()) == set(ids) | set(more)
    world.assert_consistent()
    [run] = [r for r in world.runs() if r.flow == REPORT_FLOW]
    asked = run.started_at if run.started_at.tzinfo else run.started_at.replace(tzinfo=UTC)
    assert report_due(world.hub, world.connection_id, asked + timedelta(seconds=110)) is False  # one per 2 min
    assert report_due(world.hub, world.connection_id, asked + REPORT_EVERY) is True


def test_b13_without_the_pii_grant_there_is_no_report_backstop(make_world):
    no_grant = make_world(order_settings={})  # without the PII grant Amazon refuses the report (B13)
    no_grant.create_orders(3, status="Unshipped", fba=False)
    no_grant.past_search_lag()
    sync_orders(no_grant.hub, no_grant.connection_id)
    assert report_due(no_grant.hub, no_grant.connection_id, no_grant.hub.now()) is False
    assert report_tick(no_grant.hub, no_grant.connection_id) is None and no_grant.calls("createReport") == 0


def test_g2_a_report_run_cut_short_is_resumed_by_another_process_with_the_same_report(world):
    world.create_orders(3, status="Unshipped", fba=False)
    first = report_tick(world.hub, world.connection_id, force=True)
    assert first is not None and first.status == "running" and world.calls("createReport") == 1

    other = world.other_hub()  # the first process is gone; a new one picks the run up
    try:
        world.advance(FIRST_CHECK_AFTER + 1)
        reports = []
        for _ in range(6):
            report = report_tick(other, world.connection_id)
            reports.append(report)
            if report is not None and report.status != "running":
                break
            world.advance(20)
    finally:
        other.close()

    assert reports[-1].status == "done" and reports[-1].run_id == first.run_id
    assert world.calls("createReport") == 1  # never asked twice
    [run] = [r for r in world.runs() if r.flow == REPORT_FLOW]
    assert run.status == "done" and run.counts["created"] == 3
    fetch_orders(world.hub, world.connection_id, world.stored_ids())  # the API version fills the money
    world.assert_consistent()
