"""A listings feed stuck at Amazon (H1-H3, D5, G2): flagged, alerted, cancelled; its urgent SKUs reach Amazon by
patch at once, the others go again; a late result never leaves Amazon with an older figure."""

from __future__ import annotations

import pytest

from sellerbridge.db.repositories import stock_ledger
from sellerbridge.domain.common.results import ItemStatus
from sellerbridge.domain.stock.push_plan import STUCK_AFTER
from tests.support.stock_push import Sent, amazon_quantity, push, push_row, stock_up

pytestmark = pytest.mark.xdist_group("stock_push")


def _count(world, stocked, sku: str, on_hand: int, ref: str) -> None:
    with world.hub.store.uow() as session:
        for code, wid in stocked.warehouses.items():
            stock_ledger.record_count(session, item_id=stocked.items[sku], warehouse_id=wid,
                                      on_hand=on_hand if code == "WH1" else 0, ref=f"{ref}:{code}", now=world.hub.now())


def test_h1_stuck_feed_flagged_urgent_by_patch_rest_sent_again(world, monkeypatch):
    sent = Sent().install(monkeypatch)
    stocked = stock_up(world, on_hand=lambda n, code: 5, patch_max=2)
    world.sandbox.fault(operation="createFeed", kind="feed_stuck", count=1, seller_id=world.seller_id)
    first = push(world)
    assert first.counts["feeds"] == 1, first
    urgent, calm = stocked.skus[0], stocked.skus[1]
    _count(world, stocked, urgent, 0, "sold-out")  # down to 0: must not wait behind a stuck feed
    _count(world, stocked, calm, 7, "more")
    world.advance(STUCK_AFTER.total_seconds() + 60)
    before = len(sent.records)
    flagged = push(world)
    assert flagged.counts["stuck"] == 1, flagged
    assert [e.code for e in world.open_errors() if e.kind == "stuck_feed"] == ["stuck_feed"]
    alerts = [i for i in flagged.items if i.status is ItemStatus.ERROR and i.messages[0].code == "stuck_feed"]
    assert alerts, flagged.items
    now_sent = sent.records[before:]
    assert (urgent, 0, "patch") in now_sent  # at once, by patch
    assert world.calls("cancelFeed") == 1
    world.advance(10)
    assert amazon_quantity(world, urgent) == 0
    # the others went again (a new feed); Amazon processes it
    world.advance(300)
    push(world)
    world.advance(10)
    for sku in stocked.skus:
        expected = 0 if sku == urgent else 7 if sku == calm else 10
        assert amazon_quantity(world, sku) == expected, sku
        row = push_row(world, sku)
        assert row.in_flight is None and row.sent_quantity == expected


def test_h1_a_stuck_feeds_late_result_never_leaves_an_older_figure(world, monkeypatch):
    """Amazon would not cancel the stuck feed; it runs later with the older figures: the newest goes again."""
    sent = Sent().install(monkeypatch)
    stocked = stock_up(world, on_hand=lambda n, code: 5, patch_max=2)
    world.sandbox.fault(operation="createFeed", kind="feed_stuck", count=1, seller_id=world.seller_id)
    push(world)
    [stuck_id] = [r.amazon_feed_id for r in world.rows("SELECT amazon_feed_id FROM feed_submissions")]
    sold_out = stocked.skus[0]
    _count(world, stocked, sold_out, 0, "sold-out")
    world.sandbox.fault(operation="cancelFeed", kind="status", status=400, count=1, seller_id=world.seller_id)
    world.advance(STUCK_AFTER.total_seconds() + 60)
    flagged = push(world)
    assert flagged.counts["stuck"] == 1 and (sold_out, 0, "patch") in sent.records, flagged
    world.advance(300)
    push(world)  # the others' second feed is done
    world.advance(10)
    assert amazon_quantity(world, sold_out) == 0
    r = world.sandbox.http.post(f"/_sandbox/sellers/{world.seller_id}/feeds/{stuck_id}/release", json={})
    assert r.status_code == 200, r.text
    world.advance(300)  # the stuck feed ran after all, with the older figure
    assert amazon_quantity(world, sold_out) == 10
    late = push(world)
    assert late.counts["late"] >= 1, late
    world.advance(10)
    assert amazon_quantity(world, sold_out) == 0  # the newest figure, sent again
    assert push_row(world, sold_out).sent_quantity == 0
