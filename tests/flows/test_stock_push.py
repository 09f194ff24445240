"""Flow stock_push against the sandbox, on SQLite and PostgreSQL (D1, D5, D7, D8, D9, G2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from sellerbridge.db.repositories import catalog, connections, stock_ledger
from sellerbridge.db.tables import channel_listings
from sellerbridge.db.tables.catalog import stock
from sellerbridge.domain.common.results import RunStatus
from sellerbridge.domain.stock.push_plan import REFUSED_AFN, REFUSED_ASIN
from tests.support.stock_push import Sent, amazon_quantity, push, push_row, stock_up

pytestmark = pytest.mark.xdist_group("stock_push")


def test_d5_patch_then_changed_only(world, monkeypatch):
    sent = Sent().install(monkeypatch)
    stocked = stock_up(world, on_hand=lambda n, code: n + (1 if code == "WH1" else 2), limit=6)
    report = push(world)
    assert report.status in (RunStatus.DONE, RunStatus.PARTIAL), report
    pushed = {sku for sku, _, _ in sent.records}
    assert set(stocked.skus) <= pushed
    world.advance(10)  # Amazon shows an accepted patch a few seconds later
    for n, sku in enumerate(stocked.skus):
        assert amazon_quantity(world, sku) == 2 * n + 3
        row = push_row(world, sku)
        assert row.sent_quantity == 2 * n + 3 and row.sent_version == row.version and row.in_flight is None
        assert row.amazon_status == "accepted" and row.sent_channel == "patch"
    before = len(sent.records)
    again = push(world)  # nothing changed: nothing sent
    assert len(sent.records) == before, again


def test_d1_d7_fba_and_asin_only_refused(world, monkeypatch):
    sent = Sent().install(monkeypatch)
    stocked = stock_up(world, limit=3)
    assert stocked.fba, "the sandbox catalog has FBA listings"
    with world.hub.store.uow() as session:
        session.execute(update(channel_listings).where(channel_listings.c.amazon_sku == stocked.skus[0])
                        .values(mapped_by="asin"))
    push(world)
    pushed = {sku for sku, _, _ in sent.records}
    assert stocked.skus[0] not in pushed and not (set(stocked.fba) & pushed)
    assert push_row(world, stocked.skus[0]).amazon_message == REFUSED_ASIN
    assert push_row(world, stocked.fba[0]).amazon_status == "refused"
    assert push_row(world, stocked.fba[0]).amazon_message == REFUSED_AFN


def test_g2_many_dirty_go_by_feed_and_patches_are_not_held_back(world, monkeypatch):
    sent = Sent().install(monkeypatch)
    stocked = stock_up(world, on_hand=lambda n, code: n + 1, patch_max=2)
    first = push(world)
    assert first.status is RunStatus.WAITING and first.counts["feeds"] == 1, first
    assert sent.paths().get("feed") == len(stocked.skus)
    assert {push_row(world, s).in_flight for s in stocked.skus} == {"feed"}
    # a change while the feed is out: one SKU of the feed and nothing else dirty; it waits for its feed
    with world.hub.store.uow() as session:
        stock_ledger.record_delta(session, item_id=stocked.items[stocked.skus[0]],
                                  warehouse_id=stocked.warehouses["WH1"], delta=5, reason="receipt", ref="r1",
                                  now=world.hub.now())
    world.advance(300)
    done = push(world)
    assert done.counts["accepted"] >= len(stocked.skus), done
    world.advance(10)
    for n, sku in enumerate(stocked.skus[1:], start=1):
        assert amazon_quantity(world, sku) == 2 * (n + 1)
        assert push_row(world, sku).sent_channel == "feed"
    # the first SKU's newer figure went after its feed's answer, by patch
    assert amazon_quantity(world, stocked.skus[0]) == 2 + 5
    assert push_row(world, stocked.skus[0]).sent_quantity == 7


def test_d8_unknown_sku_is_a_warning_and_invalid_goes_to_the_error_log(world, monkeypatch):
    stocked = stock_up(world, limit=2)
    world.map_sku("NOT-ON-AMAZON")
    with world.hub.store.uow() as session:
        listing = catalog.find_listing(session, world.connection_id, "NOT-ON-AMAZON")
        stock_ledger.record_count(session, item_id=listing.item_id, warehouse_id=stocked.warehouses["WH1"],
                                  on_hand=3, ref="n1", now=world.hub.now())
        # an FBA listing the hub believes merchant-fulfilled: Amazon refuses a quantity for it
        session.execute(update(channel_listings).where(channel_listings.c.amazon_sku == stocked.fba[0])
                        .values(fulfillment_channel="MFN"))
    report = push(world)
    unknown = push_row(world, "NOT-ON-AMAZON")
    assert unknown.amazon_status == "warning" and unknown.sent_quantity is None
    assert report.counts["warnings"] >= 1
    invalid = push_row(world, stocked.fba[0])
    assert invalid.amazon_status == "invalid" and invalid.amazon_code
    errors = [e for e in world.open_errors() if e.kind == "stock_push"]
    assert [e.key for e in errors] == [f"sku:{stocked.fba[0]}"]
    assert report.status is RunStatus.PARTIAL
    again = push(world)  # settled: neither is sent again until something changes
    assert again.counts["patched"] == 0, again


def test_d5_full_refresh_sends_only_differences(world, monkeypatch):
    sent = Sent().install(monkeypatch)
    stocked = stock_up(world, limit=4)
    push(world)
    before = len(sent.records)
    drifted = stocked.skus[1]
    with world.hub.store.uow() as session:  # a change that bypassed the marks (a direct database edit)
        session.execute(update(stock).where(stock.c.item_id == stocked.items[drifted]).values(on_hand=1))
    quiet = push(world)
    assert len(sent.records) == before and quiet.counts["refreshed"] == 0  # not due yet
    world.advance(61 * 60)
    refreshed = push(world)
    assert refreshed.counts["refreshed"] == 1, refreshed
    assert sent.records[before:] == [(drifted, 2, "patch")]


def test_d5_unified_account_pushes_each_sku_once(make_world, monkeypatch):
    world = make_world(marketplaces=["US", "CA"])
    sent = Sent().install(monkeypatch)
    with world.hub.store.uow() as session:
        other = connections.add_connection(
            session, world.hub.store.box, name="ca-main", seller_id=world.seller_id,
            marketplace_id=world.creds.marketplace_ids[1], region="na", client_id=world.creds.client_id,
            client_secret=world.creds.client_secret, refresh_token=world.creds.refresh_token,
            api_base_url=world.base_url, lwa_token_url=f"{world.base_url}/auth/o2/token",
            authorized_at=world.hub.now(), authorization_expires_at=world.hub.now() + timedelta(days=365),
            settings={}, now=world.hub.now())
        for listing in world.rows("SELECT amazon_sku, asin, item_id FROM channel_listings"):
            catalog.set_listing(session, connection_id=other.id, amazon_sku=listing.amazon_sku, asin=listing.asin,
                                item_id=listing.item_id)
    stocked = stock_up(world, limit=3)
    elsewhere = push(world, other.id)
    assert elsewhere.counts["not_owner"] == 1 and not sent.records
    push(world)
    skus = [sku for sku, _, _ in sent.records]
    assert len(skus) == len(set(skus)) and set(stocked.skus) <= set(skus)
    assert set(sent.marketplaces) == {world.creds.marketplace_ids[0]}  # the owner's marketplace when listed there
    rows = world.rows("SELECT seller_id, region, amazon_sku FROM quantity_pushes")
    assert len(rows) == len({r.amazon_sku for r in rows})  # one push state per SKU and region
    # a SKU listed only in the other marketplace of the region is told there (one quantity per region)
    only_ca = stocked.skus[0]
    with world.hub.store.uow() as session:
        session.execute(update(channel_listings).where(channel_listings.c.connection_id == world.connection_id,
                                                       channel_listings.c.amazon_sku == only_ca)
                        .values(item_id=None))
        stock_ledger.record_delta(session, item_id=stocked.items[only_ca], warehouse_id=stocked.warehouses["WH1"],
                                  delta=-5, reason="adjustment", ref="ca-only", now=world.hub.now())
    before = len(sent.records)
    push(world)
    assert sent.records[before:] == [(only_ca, 15, "patch")]
    assert sent.marketplaces[before:] == [world.creds.marketplace_ids[1]]
    assert push_row(world, only_ca).amazon_status == "accepted"
    world.advance(10)
    assert amazon_quantity(world, only_ca, world.creds.marketplace_ids[1]) == 15
    for sku in stocked.skus[1:]:  # Amazon shares the merchant quantity across the region's marketplaces
        assert amazon_quantity(world, sku, world.creds.marketplace_ids[1]) == 20 == amazon_quantity(world, sku)
