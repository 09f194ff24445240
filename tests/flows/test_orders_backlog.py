"""Backlog / first import: one actionable-orders report + a few searchOrders pages (G2, B1, B13, H2).

The real sandbox over HTTP at Amazon's default rate limits, the real hub on SQLite and PostgreSQL;
the clock is the sandbox's, so the report's minute in Amazon's queue passes in milliseconds.
"""

from __future__ import annotations

import pytest

from sellerbridge.sync.orders_backlog import BACKLOG_REPORT
from tests.support.flows import BACKLOG_FLOW, fetch_orders, run_backlog, sync_orders

pytestmark = pytest.mark.server

OPS = ("createReport", "getReport", "cancelReport", "getReportDocument", "createRestrictedDataToken", "searchOrders",
       "getOrder", "getOrderItems", "getOrderAddress", "getOrders")


def _open_orders(world, total: int = 600, mfn_share: float = 0.8) -> tuple[list[str], list[str]]:
    mfn = world.create_orders(int(total * mfn_share), status="Unshipped", fba=False)
    fba = world.create_orders(total - len(mfn), status="Unshipped", fba=True)
    world.past_search_lag()
    return mfn, fba


def _calls(world) -> dict[str, int]:
    return {op: n for op in OPS if (n := world.calls(op))}


def test_g2_a_backlog_of_600_open_orders_is_stored_once_actionable_in_a_handful_of_calls(world):
    mfn, fba = _open_orders(world)

    report = run_backlog(world.hub, world.connection_id)

    assert report.status == "done", report.error
    stored = world.stored_ids()
    assert sorted(stored) == sorted(mfn + fba)  # every open order, exactly once
    world.assert_consistent()
    # actionable: every Amazon line with its order item id and a mapped item; MFN orders with an address
    amazon = world.amazon_orders()
    lines = world.rows("SELECT o.amazon_order_id, l.order_item_id, l.item_id FROM order_lines l "
                       "JOIN orders o ON o.id = l.order_id")
    assert all(item_id is not None for _, _, item_id in lines)
    want = {(oid, line["order_item_id"]) for oid in stored for line in amazon[oid]["lines"]}
    assert {(oid, item) for oid, item, _ in lines} == want
    with_address = {r[0] for r in world.rows(
        "SELECT o.amazon_order_id FROM orders o JOIN order_addresses a ON a.order_id = o.id "
        "WHERE a.line1_enc IS NOT NULL")}
    assert set(mfn) <= with_address
    # a handful of SP-API calls, not one per order
    calls = _calls(world)
    assert calls.get("createReport") == 1 and calls.get("getReportDocument") == 1
    assert calls.get("searchOrders") == 2  # 120 FBA orders: two pages
    assert sum(calls.values()) <= 12, calls
    assert not {"getOrder", "getOrderItems", "getOrderAddress", "getOrders"} & set(calls)
    [run] = [r for r in world.runs() if r.flow == BACKLOG_FLOW]
    assert run.status == "done" and run.state["phase"] == "done"
    # the report request is a lifecycle row: asked, looked at, imported (H2)
    [request] = world.rows("SELECT status, purpose, attempt, checks, document_id, run_id FROM report_requests")
    assert (request.status, request.purpose, request.attempt) == ("imported", "open_orders", 1)
    assert request.checks >= 1 and request.document_id and request.run_id == run.id
    # every SP-API call of the run is recorded with its run id (DESIGN section 5)
    [[tagged]] = world.rows("SELECT COUNT(*) FROM sp_api_calls WHERE run_id = :r", r=run.id)
    assert tagged >= sum(calls.values())
    # the warehouse hears of every MFN order once; FBA orders are recorded only (B3)
    assert sorted(e.key for e in world.events("order.created")) == sorted(mfn)


def test_g2_a_backlog_interrupted_after_the_report_was_requested_resumes_with_the_same_report(world):
    mfn, fba = _open_orders(world, total=200)

    first = run_backlog(world.hub, world.connection_id, max_steps=1)  # the report requested, then "killed"
    assert first.status == "waiting" and first.resume_at is not None
    [run] = [r for r in world.runs() if r.flow == BACKLOG_FLOW]
    report_id = run.state["request_id"]
    assert report_id and run.status == "running" and run.state["phase"] == "report"

    resumed = run_backlog(world.other_hub(), world.connection_id)  # another process, the same database

    assert resumed.status == "done", resumed.error
    assert resumed.run_id == run.id
    assert resumed.resumed
    [run] = [r for r in world.runs() if r.flow == BACKLOG_FLOW]
    assert run.state["request_id"] == report_id
    assert world.calls("createReport") == 1  # never asked twice
    assert sorted(world.stored_ids()) == sorted(mfn + fba)
    world.assert_consistent()


def test_g2_the_next_regular_poll_after_the_backlog_only_fills_the_money(world):
    mfn, fba = _open_orders(world, total=150)
    assert run_backlog(world.hub, world.connection_id).status == "done"
    unpriced = world.rows("SELECT COUNT(*) FROM orders WHERE order_total IS NULL")[0][0]
    assert unpriced == len(mfn)  # the report has no money
    watermark = world.rows("SELECT value FROM watermarks WHERE flow = 'orders'")
    assert watermark, "the backlog sets the regular poll's watermark"
    events, holds = world.events(), world.rows("SELECT order_line_id, quantity, status FROM holds ORDER BY 1")

    world.advance(60)
    poll = sync_orders(world.hub, world.connection_id)

    assert poll.status == "done", poll.error
    assert poll.counts["created"] == 0 and poll.counts["errors"] == 0
    assert poll.counts["pages"] <= 2  # from the backlog's watermark, not the whole lookback again
    assert world.rows("SELECT COUNT(*) FROM orders WHERE order_total IS NULL")[0][0] == 0
    assert world.rows("SELECT COUNT(*) FROM order_lines WHERE unit_price IS NULL")[0][0] == 0
    assert sorted(world.stored_ids()) == sorted(mfn + fba)
    assert [e for e in world.events() if e.topic == "order.created"] == \
        [e for e in events if e.topic == "order.created"]
    assert world.rows("SELECT order_line_id, quantity, status FROM holds ORDER BY 1") == holds
    world.assert_consistent()


def test_g2_a_report_order_whose_api_time_equals_its_purchase_date_still_gets_its_money(world):
    [order_id] = world.create_orders(1, status="Unshipped", fba=False)
    world.past_search_lag()
    assert run_backlog(world.hub, world.connection_id).status == "done"
    assert world.stored(order_id).order_total is None
    amazon = world.amazon_orders()[order_id]
    assert amazon["last_updated"] == amazon["purchase_date"], "Amazon has not changed the order since"

    fetched = fetch_orders(world.hub, world.connection_id, [order_id])

    assert fetched.counts["updated"] == 1, fetched.counts
    assert world.stored(order_id).order_total is not None
    world.assert_consistent()


def test_g2_a_backlog_run_again_changes_nothing(world):
    mfn, fba = _open_orders(world, total=100)
    assert run_backlog(world.hub, world.connection_id).status == "done"
    events = world.events()

    again = run_backlog(world.hub, world.connection_id)

    assert again.status == "done" and again.counts["created"] == 0
    assert world.events() == events
    assert sorted(world.stored_ids()) == sorted(mfn + fba)
    world.assert_consistent()


def test_b13_without_the_pii_grant_the_backlog_reads_search_pages_only_and_stores_no_address(make_world):
    world = make_world(order_settings={"pii_grant": False})
    mfn, fba = _open_orders(world, total=100)

    report = run_backlog(world.hub, world.connection_id)

    assert report.status == "done", report.error
    assert sorted(world.stored_ids()) == sorted(mfn + fba)
    assert world.calls("createReport") == 0  # the restricted report needs the grant (B13)
    assert world.calls("searchOrders") == 1  # MFN and FBA in one filtered query, 100 a page
    assert world.rows("SELECT COUNT(*) FROM order_addresses WHERE line1_enc IS NOT NULL")[0][0] == 0
    world.assert_consistent()


def test_g2_a_report_amazon_never_finishes_ends_the_backlog_run_with_a_message_within_its_deadline(world):
    """Amazon's reports have stayed IN_QUEUE for hours: the backlog does not wait for ever (issue 8)."""
    mfn, fba = _open_orders(world, total=60)
    r = world.sandbox.http.post("/_sandbox/config", json={"report_queue_seconds": 10 ** 9})  # stuck in the queue
    assert r.status_code == 200, r.text
    started = world.hub.now()

    report = run_backlog(world.hub, world.connection_id)

    assert report.status == "failed" and not report.retryable
    waited = world.hub.now() - started
    deadline = BACKLOG_REPORT.deadline * BACKLOG_REPORT.attempts
    assert waited <= deadline + BACKLOG_REPORT.check_every, waited  # ended by its deadline, not by patience
    assert "still queued at Amazon" in report.error and "gave up after 2 requests" in report.error
    assert world.calls("createReport") == 2 and world.calls("cancelReport") == 2  # asked again once, both cancelled
    statuses = [r.status for r in world.rows("SELECT status FROM report_requests ORDER BY id")]
    assert statuses == ["renewed", "failed"]
    # what the search pages brought is kept; the run stays open to be resumed
    assert set(fba) <= set(world.stored_ids())
    [run] = [r for r in world.runs() if r.flow == BACKLOG_FLOW]
    assert run.status == "failed" and run.state["resumable"] is True

    world.sandbox.http.post("/_sandbox/config", json={"report_queue_seconds": 60})  # Amazon recovers
    resumed = run_backlog(world.hub, world.connection_id)

    assert resumed.status == "done", resumed.error
    assert resumed.run_id == run.id and resumed.resumed  # the same run, resumed
    assert world.calls("createReport") == 3
    assert sorted(world.stored_ids()) == sorted(mfn + fba)
    world.assert_consistent()
