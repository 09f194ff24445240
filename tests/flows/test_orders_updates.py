"""Orders that change on Amazon after the hub imported them (B9, B10, B14)."""

from __future__ import annotations

import pytest

from tests.support.flows import fetch_orders, sync_orders

pytestmark = pytest.mark.server


def _held(world, amazon_order_id: str) -> list[str]:
    return [r[0] for r in world.rows(
        "SELECT h.status FROM holds h JOIN order_lines l ON l.id = h.order_line_id "
        "JOIN orders o ON o.id = l.order_id WHERE o.amazon_order_id = :a", a=amazon_order_id)]


def test_b9_a_buyer_cancel_request_is_surfaced_then_amazons_cancel_releases_holds_and_tells_the_warehouse(world):
    ids = world.create_orders(20, status="Unshipped", fba=False)
    world.past_search_lag()
    assert sync_orders(world.hub, world.connection_id).counts["created"] == 20
    target = ids[3]
    assert set(_held(world, target)) == {"held"}

    world.cancel(target, "BUYER_REQUEST")
    world.past_search_lag()
    asked = sync_orders(world.hub, world.connection_id)

    assert asked.status == "done" and asked.counts["updated"] == 1
    assert world.stored(target).buyer_cancel_requested
    assert [e.key for e in world.events("order.cancel_requested")] == [target]  # for a person to decide
    assert set(_held(world, target)) == {"held"}  # nothing is cancelled until Amazon cancels
    world.assert_consistent()

    world.cancel(target, "AMAZON")
    world.past_search_lag()
    cancelled = sync_orders(world.hub, world.connection_id)

    assert cancelled.status == "done" and cancelled.counts["cancelled"] == 1
    row = world.stored(target)
    assert row.status == "cancelled" and row.cancelled_at is not None
    assert set(_held(world, target)) == {"released"}
    [event] = world.events("order.cancelled")
    assert event.key == target and event.payload["order_id"] == row.id
    world.assert_consistent()

    # read again (overlap, a late notification): nothing new for the warehouse
    events = world.events()
    world.advance(60)
    assert sync_orders(world.hub, world.connection_id).counts["cancelled"] == 0
    assert fetch_orders(world.hub, world.connection_id, [target]).counts["unchanged"] == 1
    assert world.events() == events


def test_b10_a_pending_order_holds_stock_and_reaches_the_warehouse_when_amazon_releases_it(make_world):
    world = make_world(order_settings={"pii_grant": True,
                                       "statuses": ["pending", "unshipped", "partially_shipped"]})
    ids = world.create_orders(12, status="Pending", fba=False)
    world.past_search_lag()
    first = sync_orders(world.hub, world.connection_id)

    assert first.counts["created"] == 12
    assert world.events("order.created") == []  # Amazon says not to ship a Pending order yet
    assert all(set(_held(world, oid)) == {"held"} for oid in ids)  # but its stock is committed (B10)
    world.assert_consistent()

    world.advance(600)  # Amazon releases them (a few may be cancelled instead)
    world.past_search_lag()
    second = sync_orders(world.hub, world.connection_id)

    assert second.status == "done"
    assert second.counts["updated"] + second.counts["cancelled"] == 12
    amazon = world.amazon_orders()
    released = {oid for oid in ids if amazon[oid]["status"] == "Unshipped"}
    assert released and {e.key for e in world.events("order.created")} == released
    world.assert_consistent()
