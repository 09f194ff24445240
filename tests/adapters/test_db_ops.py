"""Watermarks, error log, outbox, sync runs and the SP-API call log (B1, B11, B14, H1, H2)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from sellerbridge.db.repositories import api_calls, error_log, outbox, sync_runs, watermarks
from sellerbridge.db.store import Store
from tests.support.db_samples import BUYER_NAME, T0, add_connection


@pytest.fixture
def conn_id(db_store: Store) -> int:
    with db_store.uow() as s:
        return add_connection(s, db_store.box).id


class Boom(Exception):
    pass


def test_b1_a_watermark_set_in_a_rolled_back_transaction_keeps_the_old_value(db_store, conn_id):
    with db_store.uow() as s:
        assert watermarks.get_watermark(s, conn_id, "orders") is None
        watermarks.set_watermark(s, conn_id, "orders", T0)
    with pytest.raises(Boom), db_store.uow() as s:
        watermarks.set_watermark(s, conn_id, "orders", T0 + timedelta(hours=1))
        assert watermarks.get_watermark(s, conn_id, "orders") == T0 + timedelta(hours=1)
        raise Boom  # the page failed to store: its watermark must not survive
    with db_store.uow(read_only=True) as s:
        assert watermarks.get_watermark(s, conn_id, "orders") == T0
        assert watermarks.get_watermark(s, conn_id, "inventory") is None


def test_b1_a_watermark_is_invisible_to_others_until_its_transaction_commits(db_store, conn_id):
    with db_store.uow() as s:
        watermarks.set_watermark(s, conn_id, "orders", T0)
    written, checked = threading.Event(), threading.Event()
    seen: list = []

    def reader() -> None:
        written.wait(timeout=10)
        with db_store.uow(read_only=True) as s:
            seen.append(watermarks.get_watermark(s, conn_id, "orders"))
        checked.set()

    thread = threading.Thread(target=reader)
    thread.start()
    with db_store.uow() as s:
        watermarks.set_watermark(s, conn_id, "orders", T0 + timedelta(hours=1))
        written.set()
        assert checked.wait(timeout=10)
    thread.join(timeout=10)
    assert seen == [T0]
    with db_store.uow(read_only=True) as s:
        assert watermarks.get_watermark(s, conn_id, "orders") == T0 + timedelta(hours=1)


def test_h1_the_same_failure_again_counts_up_and_keeps_the_newest_reason(db_store, conn_id):
    box = db_store.box
    with db_store.uow() as s:
        first = error_log.record_error(s, box, connection_id=conn_id, kind="order_import", key="111-1",
                                       code="unknown_sku", message="SKU SB-9 is not mapped", where="line 1",
                                       payload={"orderId": "111-1"}, now=T0)
        error_log.record_error(s, box, connection_id=conn_id, kind="order_import", key="111-2",
                               code="unknown_sku", message="other order", now=T0)
    for n in (1, 2):
        with db_store.uow() as s:
            again = error_log.record_error(s, box, connection_id=conn_id, kind="order_import", key="111-1",
                                           code="unmapped_level", message="NextDay is not mapped",
                                           payload={"orderId": "111-1", "try": n}, now=T0 + timedelta(minutes=n))
            assert again == first
    with db_store.uow(read_only=True) as s:
        errors, total = error_log.list_errors(s, connection_id=conn_id)
        full = error_log.get_error(s, first, box=box)
    assert total == 2 and [e.key for e in errors] == ["111-1", "111-2"]  # most recently seen first
    assert (full.count, full.code, full.message, full.where) == (3, "unmapped_level", "NextDay is not mapped", None)
    assert (full.first_seen, full.last_seen) == (T0, T0 + timedelta(minutes=2))
    assert full.payload == {"orderId": "111-1", "try": 2} and errors[0].payload is None and errors[0].has_payload


def test_b11_resolved_and_dismissed_errors_leave_the_open_list_and_come_back_if_they_fail_again(db_store, conn_id):
    box = db_store.box
    with db_store.uow() as s:
        a = error_log.record_error(s, box, connection_id=conn_id, kind="order_import", key="A", code="x", message="m")
        b = error_log.record_error(s, box, connection_id=conn_id, kind="order_import", key="B", code="x", message="m")
        error_log.record_error(s, box, connection_id=conn_id, kind="order_import", key="C", code="x", message="m")
    with db_store.uow() as s:
        error_log.dismiss_error(s, a)
        assert error_log.resolve_key(s, conn_id, "order_import", "B")
        assert not error_log.resolve_key(s, conn_id, "order_import", "B")
    with db_store.uow(read_only=True) as s:
        assert [e.key for e in error_log.list_errors(s)[0]] == ["C"]
        assert error_log.get_error(s, b).status == "resolved"
        assert error_log.find_error(s, conn_id, "order_import", "A").status == "dismissed"
    with db_store.uow() as s:
        error_log.record_error(s, box, connection_id=conn_id, kind="order_import", key="B", code="x", message="m")
    with db_store.uow(read_only=True) as s:
        reopened = error_log.get_error(s, b)
        assert (reopened.status, reopened.count, reopened.resolved_at) == ("open", 2, None)
        assert error_log.list_errors(s, status=None)[1] == 3


def test_b14_outbox_events_come_out_in_order_once_per_change_until_delivered(db_store):
    with db_store.uow() as s:
        ids = [
            outbox.add_event(s, topic="order.created", key="1", version=1, payload={"order_id": 1}),
            outbox.add_event(s, topic="order.created", key="2", version=1, payload={"order_id": 2}),
            outbox.add_event(s, topic="order.updated", key="1", version=2, payload={"order_id": 1}),
        ]
        # The same change stored again (a re-read, a racing sync) adds nothing.
        assert outbox.add_event(s, topic="order.created", key="1", version=1, payload={"order_id": 1}) is None
    with db_store.uow() as s:
        pending = outbox.list_undelivered(s)
        assert [(e.topic, e.key, e.version) for e in pending] == [
            ("order.created", "1", 1), ("order.created", "2", 1), ("order.updated", "1", 2)]
        assert [e.id for e in pending] == ids
        assert outbox.mark_delivered(s, [ids[0]], now=T0) == 1
        assert outbox.mark_delivered(s, [ids[0]], now=T0) == 0
    with db_store.uow(read_only=True) as s:
        assert [e.id for e in outbox.list_undelivered(s)] == ids[1:]
        assert [e.id for e in outbox.list_undelivered(s, topics=["order.updated"])] == [ids[2]]
        history = outbox.list_events(s, key="1")
    assert [(e.version, e.delivered_at) for e in history] == [(1, T0), (2, None)]


def test_h2_a_run_is_listed_with_its_status_and_counts(db_store, conn_id):
    with db_store.uow() as s:
        queued = sync_runs.start_run(s, connection_id=conn_id, flow="orders", queued=True, now=T0)
        running = sync_runs.start_run(s, connection_id=conn_id, flow="orders", now=T0 + timedelta(minutes=1))
    with db_store.uow() as s:
        sync_runs.finish_run(s, running, status="partial", counts={"created": 5, "errors": 1},
                             now=T0 + timedelta(minutes=2))
        sync_runs.mark_running(s, queued, now=T0 + timedelta(minutes=3))
        with pytest.raises(ValueError):
            sync_runs.finish_run(s, queued, status="queued")
    with db_store.uow(read_only=True) as s:
        runs = sync_runs.list_runs(s, connection_id=conn_id, flow="orders")
        done = sync_runs.get_run(s, running)
    assert [r.id for r in runs] == [running, queued]
    assert (done.status, done.counts, done.finished_at) == ("partial", {"created": 5, "errors": 1},
                                                           T0 + timedelta(minutes=2))
    assert runs[1].status == "running" and runs[1].started_at == T0 + timedelta(minutes=3)


def test_g1_every_sp_api_call_is_logged_with_its_rate_header_and_cut_to_size(db_store, conn_id):
    with db_store.uow() as s:
        run = sync_runs.start_run(s, connection_id=conn_id, flow="orders")
        api_calls.record_call(s, connection_id=conn_id, run_id=run, operation="searchOrders", status=200,
                              rate_limit=0.0056, duration_ms=120, request_summary="GET /orders/2026-01-01/orders",
                              response_excerpt="x" * 10_000, at=T0)
        api_calls.record_call(s, connection_id=conn_id, run_id=run, operation="getOrder", status=429,
                              method="GET", path="/orders/2026-01-01/orders/111-1", attempt=2, duration_ms=15.4,
                              at=T0 + timedelta(seconds=1))
        api_calls.record_call(s, operation="createDestination", status=None, duration_ms=30_000,
                              at=T0 + timedelta(seconds=2))
    with db_store.uow(read_only=True) as s:
        mine = api_calls.list_calls(s, connection_id=conn_id)
        assert api_calls.count_calls(s, run_id=run) == 2
        assert api_calls.count_calls(s, operation="getOrder", since=T0) == 1
    assert [c.operation for c in mine] == ["getOrder", "searchOrders"]
    assert (mine[0].method, mine[0].path, mine[0].attempt, mine[0].duration_ms) == (
        "GET", "/orders/2026-01-01/orders/111-1", 2, 15)
    assert mine[1].attempt == 1
    assert mine[1].rate_limit == pytest.approx(0.0056) and len(mine[1].response_excerpt) == api_calls.EXCERPT_LIMIT
    with db_store.uow() as s:
        assert api_calls.prune_calls(s, before=T0 + timedelta(seconds=1)) == 1


def test_h1_an_error_payload_with_buyer_data_is_not_readable_without_the_key(db_store, conn_id):
    with db_store.uow() as s:
        error_id = error_log.record_error(s, db_store.box, connection_id=conn_id, kind="order_import", key="K",
                                          code="bad", message="m", payload={"buyer": BUYER_NAME})
    with db_store.uow(read_only=True) as s:
        plain = error_log.get_error(s, error_id)
    assert plain.payload is None and BUYER_NAME not in repr(plain)


def test_b14_a_page_of_events_is_added_in_one_go_and_repeats_are_ignored(db_store):
    events = [("order.created", str(n), 1, {"order_id": n}) for n in range(5)]
    with db_store.uow() as s:
        first = outbox.add_events(s, events)
        again = outbox.add_events(s, [*events[3:], ("order.updated", "3", 2, {"order_id": 3})])
        assert outbox.add_events(s, []) == []
    assert len(first) == 5 and len(again) == 1
    with db_store.uow(read_only=True) as s:
        assert [(e.key, e.version) for e in outbox.list_undelivered(s)] == [
            ("0", 1), ("1", 1), ("2", 1), ("3", 1), ("4", 1), ("3", 2)]
