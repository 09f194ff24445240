"""Order download end to end: the real sandbox over HTTP, the real hub on SQLite and PostgreSQL (B1-B13, H2).

Every scenario ends with the same checks (``World.assert_consistent``): zero lost, zero duplicates,
holds consistent with the open quantities of merchant-fulfilled orders.
"""

from __future__ import annotations

import pytest

from tests.support.flows import sync_orders

pytestmark = pytest.mark.server


def test_b1_a_sync_of_250_orders_across_pages_stores_each_once_with_holds_and_outbox(world):
    ids = world.create_orders(250, status="Unshipped")
    world.past_search_lag()

    pages = []
    report = sync_orders(world.hub, world.connection_id, progress=lambda run: pages.append(run.tally["pages"]))

    assert report.status == "done", report.error
    assert report.counts["created"] == 250 and report.counts["errors"] == 0
    assert pages == [1, 2, 3]  # 100 + 100 + 50, each committed with its watermark
    assert set(world.stored_ids()) == set(ids)
    world.assert_consistent()
    [run] = world.runs()
    assert run.status == "done" and run.flow == "orders"
    # merchant-fulfilled orders reach the warehouse; Amazon-fulfilled ones are only recorded (B3)
    mfn = {r[0] for r in world.rows("SELECT amazon_order_id FROM orders WHERE fulfillment = 'MFN'")}
    assert mfn and {e.key for e in world.events("order.created")} == mfn
    assert all(set(e.payload) == {"order_id", "connection_id", "amazon_order_id"} for e in world.events())


def test_b1_a_second_sync_reads_the_overlap_again_and_changes_nothing(world):
    world.create_orders(30, status="Unshipped")
    world.past_search_lag()
    assert sync_orders(world.hub, world.connection_id).status == "done"
    events = world.events()

    world.advance(60)
    again = sync_orders(world.hub, world.connection_id)

    assert again.status == "done"
    assert again.counts["created"] == 0 and again.counts["unchanged"] == 30  # the overlap, read again
    assert world.events() == events
    world.assert_consistent()
