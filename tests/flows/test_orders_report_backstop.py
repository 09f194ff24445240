"""The push path's budget and the report backstop (B1, G1, G2; services/intake.py, sync/orders_backstop.py).

Each test runs on SQLite and on PostgreSQL (``db_url``) against the served sandbox.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from sellerbridge.amazon.notifications.parse import parse_order_change
from sellerbridge.services import intake
from sellerbridge.sync.orders_backstop import BACKSTOP_REPORT, FLOW, REPORT_EVERY, is_due
from tests.flows.test_orders_push import Queue, _subscribe
from tests.support.flows import FETCH, backstop_tick, fetch_orders, run_flow, sync_orders
from tests.support.sandbox import live_server


def _notified(world, queue: Queue) -> list:
    world.advance(1)  # the sandbox delivers its notifications when its clock moves
    with queue.lock:
        bodies, queue.bodies[:] = list(queue.bodies), []
    return [parse_order_change(body) for body in bodies]


REPORT_FLOW = FLOW.name
FIRST_CHECK_AFTER = BACKSTOP_REPORT.first_check.total_seconds()


def report_due(hub, connection_id: int, now) -> bool:
    return is_due(hub.flow_context(), connection_id, now)


def _drive_report(world) -> list:
    """Tick the backstop until its run ends, moving Amazon's clock as a scheduler would wait."""
    reports = []
    for _ in range(12):
        report = backstop_tick(world.hub, world.connection_id)
        reports.append(report)
        if report is not None and report.status != "waiting":
            return reports
        world.advance(FIRST_CHECK_AFTER / 2)
    raise AssertionError(f"the report run did not end: {reports}")


def _fetch_all(world) -> None:
    """What the runtime does with the intake's rows: the orders_fetch job until none waits."""
    while (report := run_flow(world.hub, FETCH, world.connection_id)).resume_at is not None:
        assert report.status != "failed", report.error


def _waiting(world) -> int:
    return world.rows("SELECT COUNT(*) FROM pending_fetches")[0][0]


def test_g1_a_burst_above_getorder_is_deferred_to_one_report_and_nothing_is_lost_or_doubled(world):
    queue = Queue()
    with live_server(queue.app) as queue_base:
        _subscribe(world, f"{queue_base}/queue")
        ids = world.create_orders(12, status="Unshipped", fba=False)
        changes = _notified(world, queue)
    assert {c.amazon_order_id for c in changes} == set(ids)
    assert report_due(world.hub, world.connection_id, world.hub.now()) is False  # nothing deferred yet
    outcomes = [intake.submit(world.hub, change, bound=4) for change in changes]

    assert sum(o.queued for o in outcomes) == 12 and _waiting(world) == 4
    assert sum(o.deferred for o in outcomes) == 8
    assert all(o.backstop == (world.connection_id,) for o in outcomes if o.deferred)  # the report is asked for
    _fetch_all(world)
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
    assert poll.counts["created"] == 0
    world.assert_consistent()


def test_g1_notifications_for_fba_orders_and_for_changes_already_stored_cost_no_getorder(world):
    queue = Queue()
    with live_server(queue.app) as queue_base:
        _subscribe(world, f"{queue_base}/queue")
        fba = world.create_orders(3, status="Unshipped", fba=True)
        mfn = world.create_orders(3, status="Unshipped", fba=False)
        first = _notified(world, queue)
        outcomes = [intake.submit(world.hub, change) for change in first]
        _fetch_all(world)
        assert world.calls("getOrder") == 3  # the MFN orders only
        assert [o.reason for o in outcomes].count("fba_left_to_poll") == 3

        again = [intake.submit(world.hub, change) for change in first]  # SQS delivers them again, later
        assert _waiting(world) == 0 and [o.reason for o in again].count("already_stored") == 3

        world.cancel(mfn[0], by="BUYER_REQUEST")  # a buyer's cancel request: a real change, fetched
        later = _notified(world, queue)
    assert [c.amazon_order_id for c in later] == [mfn[0]]
    assert intake.submit(world.hub, later[0]).queued == 1
    _fetch_all(world)
    assert world.calls("getOrder") == 4
    world.past_search_lag()
    sync_orders(world.hub, world.connection_id)  # records the FBA orders
    assert set(world.stored_ids()) == set(fba) | set(mfn)
    world.assert_consistent()


def test_g2_with_push_silent_the_report_keeps_polling_latency_down(world):
    ids = world.create_orders(5, status="Unshipped", fba=False)
    world.past_search_lag()
    assert report_due(world.hub, world.connection_id, world.hub.now()) is False  # no poll created anything yet
    sync_orders(world.hub, world.connection_id)
    assert report_due(world.hub, world.connection_id, world.hub.now()) is True  # orders flow, no notification

    more = world.create_orders(4, status="Unshipped", fba=False)
    reports = _drive_report(world)  # stores them before the search index even shows them

    assert reports[-1].status == "done" and reports[-1].counts["created"] == 4
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
    assert backstop_tick(no_grant.hub, no_grant.connection_id) is None and no_grant.calls("createReport") == 0


def test_g2_a_report_run_cut_short_is_resumed_by_another_process_with_the_same_report(world):
    world.create_orders(3, status="Unshipped", fba=False)
    first = backstop_tick(world.hub, world.connection_id, force=True)
    assert first is not None and first.status == "waiting" and world.calls("createReport") == 1

    other = world.other_hub()  # the first process is gone; a new one picks the run up
    try:
        world.advance(FIRST_CHECK_AFTER + 1)
        reports = []
        for _ in range(6):
            report = backstop_tick(other, world.connection_id)
            reports.append(report)
            if report is not None and report.status != "waiting":
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


def test_g2_a_backstop_report_stuck_at_amazon_fails_its_run_by_the_deadline_and_the_next_report_is_asked_anew(world):
    world.create_orders(3, status="Unshipped", fba=False)
    world.sandbox.http.post("/_sandbox/config", json={"report_queue_seconds": 10 ** 9}).raise_for_status()
    first = backstop_tick(world.hub, world.connection_id, force=True)
    assert first is not None and first.status == "waiting"
    reports = [first]
    while reports[-1] is not None and reports[-1].status == "waiting":  # as the runtime runs the job
        world.advance(BACKSTOP_REPORT.check_every.total_seconds())
        reports.append(backstop_tick(world.hub, world.connection_id))

    stuck = reports[-1]
    assert stuck is not None and stuck.status == "failed" and "still queued at Amazon" in stuck.error
    assert len(reports) <= BACKSTOP_REPORT.deadline / BACKSTOP_REPORT.check_every + 2  # by its deadline
    assert world.calls("createReport") == 1 and world.calls("cancelReport") == 1  # one attempt, then given up
    assert not [r for r in world.runs() if r.flow == REPORT_FLOW][-1].state["resumable"]  # that run is over

    world.sandbox.http.post("/_sandbox/config", json={"report_queue_seconds": 60}).raise_for_status()
    after = backstop_tick(world.hub, world.connection_id, force=True)  # the next report: a new request
    assert after is not None and after.status == "waiting" and world.calls("createReport") == 2
    world.advance(FIRST_CHECK_AFTER + 1)
    done = _drive_report(world)[-1]
    assert done.status == "done" and done.counts["created"] == 3, done
    world.assert_consistent()


def _backstop_job(world):
    from sellerbridge.db.repositories import jobs

    with world.hub.store.uow(read_only=True) as session:
        return jobs.get_job(session, jobs.job_key(REPORT_FLOW, world.connection_id))


def test_g2_p9_the_backstop_has_no_tick_it_is_asked_for_by_the_poll_that_created_orders(world):
    """An idle connection cost 240 backstop ticks an hour (issue 9): the poll now asks when it is due."""
    from sellerbridge.jobs.scheduler import ensure_jobs

    ensure_jobs(world.hub)
    assert _backstop_job(world).next_run_at is None  # no schedule of its own
    world.past_search_lag()
    assert run_flow(world.hub, "orders", world.connection_id).counts["created"] == 0
    assert _backstop_job(world).next_run_at is None  # a poll that created nothing asks for nothing

    world.create_orders(3, status="Unshipped", fba=False)
    world.past_search_lag()
    assert run_flow(world.hub, "orders", world.connection_id).counts["created"] == 3
    asked = _backstop_job(world)
    assert asked.next_run_at is not None and asked.next_run_at <= world.hub.now() and asked.requests == 1
    reports = _drive_report(world)
    assert reports[-1].status == "done" and world.calls("createReport") == 1
