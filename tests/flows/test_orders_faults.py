"""Amazon misbehaving during a sync: 429 storms, 5xx bursts, an unreadable answer (G1, B1, B11, H1, H2)."""

from __future__ import annotations

import pytest

from sellerbridge.db.repositories import error_log
from tests.support.flows import fetch_orders, reprocess_error, sync_orders

pytestmark = pytest.mark.server


def test_g1_a_429_storm_never_fails_a_sync_for_good_and_loses_nothing(world):
    ids = world.create_orders(250, status="Unshipped")
    world.past_search_lag()
    world.sandbox.fault(operation="searchOrders", kind="status", status=429, count=8, seller_id=world.seller_id)

    reports = [sync_orders(world.hub, world.connection_id)]
    while reports[-1].status != "done" and len(reports) < 4:  # what the scheduler does with a retryable run
        assert reports[-1].status == "failed" and reports[-1].retryable, reports[-1].error
        assert reports[-1].retry_after and "throttled" in reports[-1].error
        reports.append(sync_orders(world.hub, world.connection_id))

    assert reports[-1].status == "done"
    # 8 x 178 s of 429s outlast a call's 15-minute throttle deadline: the first run ends retryable
    assert [r.status for r in reports] == ["failed", "done"]
    assert world.clock.slept >= 8 * 170  # each 429 waited about one searchOrders token (178 s)
    assert set(world.stored_ids()) == set(ids)
    world.assert_consistent()
    runs = world.runs()
    assert [r.status for r in runs] == [r.status for r in reports]
    assert all(r.counts["retryable"] for r in runs if r.status == "failed")


def test_g1_a_5xx_burst_on_search_and_get_order_is_retried_and_the_run_is_done(world):
    ids = world.create_orders(120, status="Unshipped")
    world.past_search_lag()
    world.sandbox.fault(operation="searchOrders", kind="status", status=503, count=3, seller_id=world.seller_id)

    report = sync_orders(world.hub, world.connection_id)
    assert report.status == "done", report.error
    assert set(world.stored_ids()) == set(ids)

    # a change fetched by id (push path) through a 503 burst on getOrder
    world.cancel(ids[0], "AMAZON")
    world.sandbox.fault(operation="getOrder", kind="status", status=503, count=3, seller_id=world.seller_id)
    pushed = fetch_orders(world.hub, world.connection_id, [ids[0]])
    assert pushed.status == "done", pushed.error
    assert pushed.counts["cancelled"] == 1
    world.assert_consistent()


def test_g1_an_answer_that_is_not_json_is_read_again_and_nothing_is_lost(world):
    ids = world.create_orders(150, status="Unshipped")
    world.past_search_lag()
    world.sandbox.fault(operation="searchOrders", kind="malformed_json", count=1, seller_id=world.seller_id)

    report = sync_orders(world.hub, world.connection_id)

    assert report.status == "done", report.error
    assert set(world.stored_ids()) == set(ids)
    world.assert_consistent()


def test_b11_an_order_with_an_unmapped_sku_waits_in_the_error_log_and_is_imported_after_the_fix(world):
    ids = world.create_orders(60, status="Unshipped")
    amazon = world.amazon_orders()
    sku = amazon[ids[0]]["lines"][0]["sku"]
    world.unmap_sku(sku)  # the merchant has not mapped this Amazon SKU to an item yet (B6)
    blocked = {oid for oid in ids if any(line["sku"] == sku for line in amazon[oid]["lines"])}
    world.past_search_lag()

    report = sync_orders(world.hub, world.connection_id)

    assert report.status == "partial"  # the others are stored; these wait (H2)
    assert report.counts["errors"] == len(blocked) and report.counts["created"] == len(ids) - len(blocked)
    errors = world.open_errors()
    assert {e.key for e in errors} == blocked
    assert {e.code for e in errors} == {"unknown_sku"} and all(sku in e.message for e in errors)
    with world.hub.store.uow(read_only=True) as session:  # the Amazon document is kept, encrypted (H1, B13)
        kept = error_log.get_error(session, errors[0].id, box=world.hub.store.box)
    assert kept.has_payload and kept.payload["orderId"] == errors[0].key
    world.assert_consistent(expect_errors=blocked)

    world.map_sku(sku)
    reports = [reprocess_error(world.hub, e.id) for e in errors]

    assert all(r.status == "done" and r.counts["created"] == 1 for r in reports)
    assert world.open_errors() == []
    assert set(world.stored_ids()) == set(ids)
    world.assert_consistent()
    # a later poll reads them again (overlap) and changes nothing
    world.advance(60)
    again = sync_orders(world.hub, world.connection_id)
    assert again.status == "done" and again.counts["created"] == 0 and again.counts["errors"] == 0
