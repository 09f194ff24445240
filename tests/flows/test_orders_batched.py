"""The page-batched store (B1): a page's new orders in one go, with exactly what order by order stores.

``sync.orders.store_payloads`` stores a page's new, importable orders with
``DbOrderTransaction.insert_orders`` (a handful of statements per page instead of a dozen per
order: bench/orders_ingest.py). Orders already stored, skipped or unmappable take the per-order
path, and a batch the tables refuse (a racing worker stored one of them first) writes nothing and
the page goes order by order.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import text

from sellerbridge.amazon.orders.v2026 import to_order_draft
from sellerbridge.db.stores.orders import DbOrderStore
from sellerbridge.domain.orders.filters import decide
from sellerbridge.domain.orders.mapping import map_order
from sellerbridge.domain.ports.orders import RunCounts
from sellerbridge.services.order_sync import fetch_orders, sync_orders
from sellerbridge.sync import orders as flow

pytestmark = pytest.mark.server

ORDER_COLUMNS = ("amazon_order_id", "status", "fulfillment", "send_to_warehouse", "import_mode", "ship_method_id",
                 "version")


def _snapshot(world):
    # ids of rows differ between the two runs: compare what they mean
    orders = sorted((*(getattr(r, c) for c in ORDER_COLUMNS), r.customer_id is not None)
                    for r in world.rows("SELECT * FROM orders"))
    lines = sorted(world.rows(
        "SELECT o.amazon_order_id, l.order_item_id, l.quantity, l.item_id FROM order_lines l "
        "JOIN orders o ON o.id = l.order_id"))
    holds = sorted(world.rows(
        "SELECT o.amazon_order_id, l.order_item_id, h.quantity, h.status FROM holds h "
        "JOIN order_lines l ON l.id = h.order_line_id JOIN orders o ON o.id = l.order_id"))
    events = sorted((e.topic, e.key, e.version) for e in world.events())
    [[addresses]] = world.rows("SELECT COUNT(*) FROM order_addresses")
    [[customers]] = world.rows("SELECT COUNT(*) FROM customers")
    return orders, [tuple(r) for r in lines], [tuple(r) for r in holds], events, addresses, customers


def _sync(world, ids, monkeypatch, batching: bool):
    monkeypatch.setattr(flow, "PAGE_BATCHING", batching)
    fetch_orders(world.hub, world.connection_id, ids[5:15])  # some are stored already (push path)
    return sync_orders(world.hub, world.connection_id)


def _forget_everything(world) -> None:
    with world.hub.store.engine.begin() as conn:
        for table in ("holds", "order_lines", "order_addresses", "outbox", "orders", "customers", "error_log",
                      "watermarks"):
            conn.execute(text(f"DELETE FROM {table}"))


def test_b1_a_page_stored_in_one_batch_holds_exactly_what_order_by_order_stores(world, monkeypatch):
    ids = world.create_orders(230, status="Unshipped")
    amazon = world.amazon_orders()
    world.unmap_sku(amazon[ids[0]]["lines"][0]["sku"])  # some orders of the pages cannot be mapped (B11)
    world.past_search_lag()

    report_b = _sync(world, ids, monkeypatch, True)
    batched = _snapshot(world), {e.key for e in world.open_errors()}
    world.assert_consistent(expect_errors=batched[1])
    _forget_everything(world)
    report_s = _sync(world, ids, monkeypatch, False)
    single = _snapshot(world), {e.key for e in world.open_errors()}

    assert report_b.status == report_s.status == "partial"
    assert report_b.counts.as_dict() == report_s.counts.as_dict()
    assert report_b.counts.created > 150 and report_b.counts.unchanged == 10 and report_b.counts.errors > 0
    assert batched == single


def test_b1_a_batch_meeting_an_order_stored_meanwhile_writes_nothing_and_the_page_goes_order_by_order(world):
    ids = world.create_orders(20, status="Unshipped", fba=False)
    world.past_search_lag()
    gateway = world.hub.gateway_for(world.connection_id)
    now = world.hub.now()
    [page] = list(gateway.search_orders(last_updated_after=now - timedelta(days=1), before=now - timedelta(minutes=2),
                                        included_data=flow.INCLUDED_DATA))
    to_draft = partial(to_order_draft, marketplace_id=world.creds.marketplace_ids[0])
    store = DbOrderStore(world.hub.store, world.connection_id, now=world.hub.now)
    fetch_orders(world.hub, world.connection_id, [ids[3]])  # a racing worker stored this one first

    with store.transaction() as tx:
        batch = []
        for payload in page.orders:
            draft = to_draft(payload)
            decision = decide(draft, tx.settings, already_imported=False)
            batch.append((decision.draft, map_order(decision.draft, tx.settings, tx.catalog, tx.customers,
                                                    tx.ship_methods, email_hash=tx.email_hash)))
        assert tx.insert_orders(batch) is False  # all or nothing
        assert tx.stored_ids(ids) == {ids[3]}
        counts = RunCounts()
        flow.store_payloads(tx, page.orders, to_draft, counts)

    assert counts.created == 19 and counts.unchanged == 1 and counts.fetched == 20
    assert sorted(world.stored_ids()) == sorted(ids)
    world.assert_consistent()
