"""One code path for a page and for one order (B1): ``sync/order_import.store_orders`` stores a page of
100 with a handful of statements (the store batches inside) and writes exactly what storing the same
orders one by one writes. A batch meeting an order another worker stored meanwhile gives that order
its own outcome and stores the rest (the store's per-order fallback).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from sellerbridge.domain.common.results import Tally
from sellerbridge.domain.orders.changes import Outcome
from sellerbridge.domain.orders.filters import decide
from sellerbridge.domain.orders.mapping import map_order
from sellerbridge.sync.order_import import ORDER_COUNTS, store_orders
from tests.support.flows import fetch_orders, sync_orders

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


def _forget_everything(world) -> None:
    with world.hub.store.engine.begin() as conn:
        for table in ("holds", "order_lines", "order_addresses", "outbox", "orders", "customers", "error_log",
                      "watermarks", "pending_fetches"):
            conn.execute(text(f"DELETE FROM {table}"))


def _pages(world):
    now = world.hub.now()
    gateway = world.hub.gateway_for(world.connection_id)
    return list(gateway.changed_orders(after=now - timedelta(days=1), before=now, pii=True))


def _store(world, fetched, tally) -> None:
    ports = world.hub.flow_context().ports(world.connection_id)
    with ports.orders.transaction() as tx:
        store_orders(tx, fetched, tally)


def test_b1_a_page_stored_at_once_writes_exactly_what_storing_its_orders_one_by_one_writes(world):
    ids = world.create_orders(230, status="Unshipped")
    amazon = world.amazon_orders()
    world.unmap_sku(amazon[ids[0]]["lines"][0]["sku"])  # some orders of the pages cannot be mapped (B11)
    world.past_search_lag()
    fetch_orders(world.hub, world.connection_id, ids[5:15])  # some are stored already (push path)
    pages = _pages(world)
    assert len(pages) == 3 and sum(len(p.orders) for p in pages) == 230

    paged = Tally(ORDER_COUNTS)
    for page in pages:
        _store(world, page.orders, paged)
    by_page = _snapshot(world), {e.key for e in world.open_errors()}
    world.assert_consistent(expect_errors=by_page[1])
    _forget_everything(world)
    fetch_orders(world.hub, world.connection_id, ids[5:15])
    single = Tally(ORDER_COUNTS)
    for page in pages:
        for order in page.orders:
            _store(world, [order], single)
    one_by_one = _snapshot(world), {e.key for e in world.open_errors()}

    assert paged.counts() == single.counts()
    assert paged["created"] > 150 and paged["unchanged"] == 10 and paged["errors"] > 0
    assert by_page == one_by_one


def test_b1_a_batch_meeting_an_order_stored_meanwhile_stores_the_rest_and_names_that_one(world):
    ids = world.create_orders(20, status="Unshipped", fba=False)
    world.past_search_lag()
    [page] = _pages(world)  # read while the order was new to the hub
    fetch_orders(world.hub, world.connection_id, [ids[3]])  # a racing worker stores this one first
    ports = world.hub.flow_context().ports(world.connection_id)
    with ports.orders.transaction() as tx:  # the batch, planned from the earlier read: the unique key decides
        batch = []
        for draft in page.orders:
            decision = decide(draft, tx.settings, already_imported=False)
            batch.append((decision.draft, map_order(decision.draft, tx.settings, tx.catalog, tx.customers,
                                                    tx.ship_methods, email_hash=tx.email_hash)))
        results = tx.insert(batch)

    assert results[ids[3]] is Outcome.ALREADY_STORED
    assert {oid: r for oid, r in results.items() if oid != ids[3]} == dict.fromkeys(set(ids) - {ids[3]},
                                                                                     Outcome.CREATED)
    assert sorted(world.stored_ids()) == sorted(ids)
    world.assert_consistent()


def test_b1_a_flow_meeting_an_order_stored_meanwhile_applies_its_newer_state_as_an_update(world):
    """The flow's side of the race: an insert that lost to another worker becomes an update, never a
    second order (SQLite and PostgreSQL alike: the racing write is committed before our batch)."""
    ids = world.create_orders(20, status="Unshipped", fba=False)
    world.past_search_lag()
    [page] = _pages(world)
    fetch_orders(world.hub, world.connection_id, [ids[3]])
    ports = world.hub.flow_context().ports(world.connection_id)
    tally = Tally(ORDER_COUNTS)
    with ports.orders.transaction() as tx:
        store_orders(tx, page.orders, tally)

    assert tally["created"] == 19 and tally["unchanged"] == 1 and tally["fetched"] == 20
    assert sorted(world.stored_ids()) == sorted(ids)
    world.assert_consistent()
    again = sync_orders(world.hub, world.connection_id)
    assert again.counts["created"] == 0 and again.counts["unchanged"] == 20
