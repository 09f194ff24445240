"""Two syncs of one connection racing, as two worker processes would (B1: no duplicates, ever)."""

from __future__ import annotations

import threading

import pytest

from tests.support.flows import fetch_orders, sync_orders

pytestmark = pytest.mark.server


def _race(*jobs) -> list:
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(index, job) -> None:
        barrier.wait()
        try:
            results[index] = job()
        except BaseException as exc:  # surfaced below: a crash in either worker fails the test
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_b1_two_syncs_of_one_connection_racing_store_each_order_once(world):
    ids = world.create_orders(250, status="Unshipped")
    world.past_search_lag()
    other = world.other_hub()
    try:
        first, second = _race(lambda: sync_orders(world.hub, world.connection_id),
                              lambda: sync_orders(other, world.connection_id))
    finally:
        other.close()

    for report in (first, second):
        assert not isinstance(report, BaseException), report
        assert report.status == "done", report.error
    # between them every order was created exactly once; the loser of each race saw it stored
    assert first.counts["created"] + second.counts["created"] == 250
    assert first.counts["unchanged"] + second.counts["unchanged"] == 250
    assert set(world.stored_ids()) == set(ids)
    world.assert_consistent()


def test_b1_a_notification_fetch_racing_a_poll_stores_each_order_once(world):
    ids = world.create_orders(120, status="Unshipped")
    world.past_search_lag()
    other = world.other_hub()
    try:
        poll, push = _race(lambda: sync_orders(world.hub, world.connection_id),
                           lambda: fetch_orders(other, world.connection_id, list(reversed(ids[:40]))))
    finally:
        other.close()

    assert not isinstance(poll, BaseException), poll
    assert not isinstance(push, BaseException), push
    assert poll.status == "done" and push.status == "done", (poll.error, push.error)
    assert poll.counts["created"] + push.counts["created"] == 120
    world.assert_consistent()
