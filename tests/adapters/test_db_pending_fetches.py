"""The push path's queue: pending-fetch rows and the run log's repository, on SQLite and PostgreSQL (B1, G3, H2).

The rows are the queue every web replica writes (the primary key is the queueing lock); the
``orders_fetch`` job drains them; a newer change keeps a row for one more fetch.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from sellerbridge.db.repositories import marks, pending_fetches, sync_runs
from sellerbridge.db.store import Store
from sellerbridge.db.stores.fetches import DbPendingFetches
from sellerbridge.db.stores.runs import DbRunLog
from sellerbridge.domain.common.errors import ConfigError
from tests.support.db_samples import T0, add_connection


@pytest.fixture
def conn_id(db_store: Store) -> int:
    with db_store.uow() as s:
        return add_connection(s, db_store.box).id


def _note(store: Store, conn_id: int, order_id: str, at, **kw) -> bool:
    with store.uow() as s:
        return pending_fetches.note_fetch(s, connection_id=conn_id, amazon_order_id=order_id, hint_at=at, now=at, **kw)


def test_b1_an_order_waits_once_however_often_it_is_notified(db_store, conn_id):
    assert _note(db_store, conn_id, "111-0000001-0000001", T0) is True
    assert _note(db_store, conn_id, "111-0000001-0000001", T0) is False  # SQS delivers twice
    assert _note(db_store, conn_id, "111-0000001-0000001", T0 + timedelta(seconds=5)) is False  # a newer change
    fetches = DbPendingFetches(db_store, conn_id)
    [waiting] = fetches.take(10)
    assert waiting.hint_at == T0 + timedelta(seconds=5) and waiting.noted_at == T0 and fetches.waiting() == 1


def test_b1_a_fetch_removes_what_it_served_but_a_change_noted_meanwhile_waits_again(db_store, conn_id):
    _note(db_store, conn_id, "111-0000001-0000001", T0)
    _note(db_store, conn_id, "111-0000002-0000002", T0 + timedelta(seconds=1))
    fetches = DbPendingFetches(db_store, conn_id)
    first, second = fetches.take(10)  # oldest first
    assert (first.amazon_order_id, second.amazon_order_id) == ("111-0000001-0000001", "111-0000002-0000002")
    _note(db_store, conn_id, "111-0000002-0000002", T0 + timedelta(seconds=9))  # while the getOrder is under way

    fetches.done(first)
    fetches.done(second)

    [left] = fetches.take(10)
    assert left.amazon_order_id == "111-0000002-0000002" and left.hint_at == T0 + timedelta(seconds=9)
    fetches.done(left)
    assert fetches.take(10) == []


def test_b1_a_buyers_cancel_request_on_a_waiting_order_is_kept(db_store, conn_id):
    _note(db_store, conn_id, "111-0000001-0000001", T0)
    _note(db_store, conn_id, "111-0000001-0000001", T0, buyer_requested=True)  # same moment, more to it
    [waiting] = DbPendingFetches(db_store, conn_id).take(1)
    assert waiting.buyer_requested is True


def test_g1_the_queue_is_bounded_per_connection_and_defers_the_oldest(db_store, conn_id):
    with db_store.uow() as s:
        other = add_connection(s, db_store.box, name="other", seller_id="A2SELLER").id
    for n in range(5):
        _note(db_store, conn_id, f"111-000000{n}-0000000", T0 + timedelta(seconds=n))
    _note(db_store, other, "222-0000000-0000000", T0)
    with db_store.uow() as s:
        deferred = pending_fetches.trim_oldest(s, connection_id=conn_id, keep=3)
        waiting = (pending_fetches.count_waiting(s, conn_id), pending_fetches.count_waiting(s, other))
        assert waiting == (3, 1)  # bounds are per connection
    assert sorted(deferred) == ["111-0000000-0000000", "111-0000001-0000000"]
    assert [f.amazon_order_id for f in DbPendingFetches(db_store, conn_id).take(10)] == [
        "111-0000002-0000000", "111-0000003-0000000", "111-0000004-0000000"]


def test_b1_a_connection_mark_is_one_value_per_name(db_store, conn_id):
    with db_store.uow() as s:
        assert marks.get_mark(s, conn_id, "orders_deferred") is None
        marks.set_mark(s, conn_id, "orders_deferred", T0, now=T0)
        marks.set_mark(s, conn_id, "orders_deferred", T0 + timedelta(minutes=1), now=T0)
    with db_store.uow(read_only=True) as s:
        assert marks.get_mark(s, conn_id, "orders_deferred") == T0 + timedelta(minutes=1)


def test_h2_a_run_asked_for_is_the_one_the_next_run_takes_up_and_a_stepping_one_resumes(db_store, conn_id):
    runs = DbRunLog(db_store)
    with db_store.uow() as s:
        asked = sync_runs.start_run(s, connection_id=conn_id, flow="orders", queued=True, now=T0)
    opened = runs.open("orders", conn_id, resumes=False, now=T0 + timedelta(seconds=1))
    assert opened.run_id == asked and not opened.resumed
    assert runs.open("orders", conn_id, resumes=False, now=T0).run_id != asked  # the next one is a new run

    step = runs.open("orders_backlog", conn_id, resumes=True, now=T0)
    runs.save(step.run_id, counts={"created": 2}, state={"phase": "report"}, items=(), resume_at=T0)
    again = runs.open("orders_backlog", conn_id, resumes=True, now=T0 + timedelta(minutes=1))
    assert (again.run_id, again.resumed, again.state, dict(again.counts)) == (
        step.run_id, True, {"phase": "report"}, {"created": 2})
    with pytest.raises(ConfigError, match="no connection"):
        runs.open("orders", 999_999, resumes=False, now=T0)
