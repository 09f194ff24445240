"""Orders in the store (B1, B6, B9, B10, B13) on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from sellerbridge.db.errors import DuplicateOrder, StaleOrder
from sellerbridge.db.repositories import catalog, holds, orders
from sellerbridge.db.repositories.orders import LineMapping, OrderFilter, OrderMapping
from sellerbridge.db.store import Store
from sellerbridge.domain.common.errors import DomainError
from sellerbridge.domain.orders.model import Fulfillment, OrderStatus
from tests.support.db_samples import BUYER_NAME, GIFT, PHONE, STREET, T0, add_connection, draft, usd


@pytest.fixture
def conn_id(db_store: Store) -> int:
    with db_store.uow() as s:
        return add_connection(s, db_store.box).id


def test_b1_an_order_round_trips_with_lines_money_and_address(db_store, conn_id):
    with db_store.uow() as s:
        item = catalog.add_item(s, sku="SB-001", description="Widget one")
        stored = orders.insert_order(
            s, db_store.box, connection_id=conn_id, draft=draft(),
            mapping=OrderMapping(lines={"00000010001": LineMapping(item_id=item.id)}), now=T0,
        )
    assert stored.order.version == 1 and len(stored.lines) == 3

    with db_store.uow(read_only=True) as s:
        got = orders.get_order_detail(s, stored.order.id, box=db_store.box)
        by_amazon = orders.get_by_amazon_id(s, conn_id, "111-0000001-0000001")
    assert by_amazon == got.order
    order = got.order
    assert (order.status, order.fulfillment, order.currency) == (OrderStatus.UNSHIPPED, Fulfillment.MERCHANT, "USD")
    assert order.order_total == usd("79.74") and order.purchase_order_number == "PO-77"
    assert order.purchase_date == T0 - timedelta(hours=1) and order.purchase_date.tzinfo is not None
    first = got.lines[0]
    assert first.unit_price == usd("19.99") and isinstance(first.unit_price.amount, Decimal)
    assert (first.item_id, first.sku, first.quantity_open, first.gift_message) == (item.id, "SB-001", 2, GIFT)
    assert (got.address.name, got.address.line1, got.address.phone) == (BUYER_NAME, STREET, PHONE)
    assert got.address.country_code == "US"


def test_b13_without_the_key_an_order_reads_without_pii(db_store, conn_id):
    with db_store.uow() as s:
        order_id = orders.insert_order(s, db_store.box, connection_id=conn_id, draft=draft()).order.id
    with db_store.uow(read_only=True) as s:
        got = orders.get_order_detail(s, order_id)
    assert got.address.has_pii and got.address.name is None and got.address.city == "Springfield"
    assert got.address.postal_code is None and "97477" not in repr(got)  # stored, but personal (B13)
    assert got.lines[0].has_gift_message and got.lines[0].gift_message is None


def test_b13_without_the_grant_no_pii_is_stored(db_store, conn_id):
    with db_store.uow() as s:
        order_id = orders.insert_order(
            s, db_store.box, connection_id=conn_id, draft=draft(), mapping=OrderMapping(store_pii=False)
        ).order.id
    with db_store.uow(read_only=True) as s:
        got = orders.get_order_detail(s, order_id, box=db_store.box)
    # the postal code is personal too (domain/common/pii.py), as the mapping already said; city and country stay
    assert not got.address.has_pii and got.address.postal_code is None
    assert (got.address.city, got.address.country_code) == ("Springfield", "US")
    assert not got.lines[0].has_gift_message


def test_b1_inserting_a_stored_order_again_raises_duplicate_and_the_transaction_goes_on(db_store, conn_id):
    with db_store.uow() as s:
        first = orders.insert_order(s, db_store.box, connection_id=conn_id, draft=draft())
    with db_store.uow() as s:
        with pytest.raises(DuplicateOrder) as caught:
            orders.insert_order(s, db_store.box, connection_id=conn_id, draft=draft())
        assert caught.value.existing_id == first.order.id
        # The same transaction is still usable (no aborted transaction on PostgreSQL).
        orders.insert_order(s, db_store.box, connection_id=conn_id, draft=draft("111-0000002-0000002"))
    with db_store.uow(read_only=True) as s:
        assert orders.list_orders(s).total == 2


def test_b1_two_syncs_racing_on_the_same_orders_store_each_once(db_store, conn_id):
    """Both workers read "not stored", then both insert: exactly one wins per order, the other updates."""
    ids = [f"111-{n:07d}-0000000" for n in range(20)]
    barrier = threading.Barrier(2)
    outcomes: dict[str, list[str]] = {"a": [], "b": []}
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            for amazon_id in ids:
                with db_store.uow(read_only=True) as s:
                    seen = orders.get_stored(s, conn_id, amazon_id)
                barrier.wait(timeout=10)  # both have seen the order missing before either writes
                with db_store.uow() as s:
                    if seen is None:
                        try:
                            orders.insert_order(s, db_store.box, connection_id=conn_id, draft=draft(amazon_id))
                            outcomes[name].append("created")
                            continue
                        except DuplicateOrder:
                            pass
                    current = orders.get_by_amazon_id(s, conn_id, amazon_id)
                    orders.update_order(
                        s, db_store.box, current.id, draft(amazon_id, updated=T0 + timedelta(minutes=1)),
                        OrderMapping(), expected_version=current.version,
                    )
                    outcomes[name].append("updated")
        except BaseException as exc:  # surfaced below, in the test's thread
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=worker, args=(name,)) for name in outcomes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert outcomes["a"].count("created") + outcomes["b"].count("created") == len(ids)
    assert outcomes["a"].count("updated") + outcomes["b"].count("updated") == len(ids)
    with db_store.uow(read_only=True) as s:
        page = orders.list_orders(s, OrderFilter(connection_id=conn_id), limit=100)
        lines = sum(len(orders.get_order_detail(s, o.id).lines) for o in page.items)
    assert page.total == len(ids) and {o.amazon_order_id for o in page.items} == set(ids)
    assert lines == 3 * len(ids)


@pytest.mark.pg
def test_b1_on_postgresql_a_racing_insert_waits_for_the_winner_then_reports_the_duplicate(pg_migrated_url, db_key):
    """Inside two open transactions at once: the second INSERT blocks on the unique key until the first
    commits, then gets DuplicateOrder (not an error that would abort its transaction)."""
    from tests.support.pg import truncate_all

    truncate_all(pg_migrated_url)
    store = Store.connect(pg_migrated_url, db_key, migrate=False)
    try:
        with store.uow() as s:
            conn_id = add_connection(s, store.box).id
        barrier = threading.Barrier(2)
        results: list[str] = []

        def worker() -> None:
            with store.uow() as s:
                assert orders.get_stored(s, conn_id, "111-0000009-0000009") is None
                barrier.wait(timeout=10)
                try:
                    orders.insert_order(s, store.box, connection_id=conn_id, draft=draft("111-0000009-0000009"))
                    results.append("created")
                except DuplicateOrder as exc:
                    assert exc.existing_id is not None
                    results.append("duplicate")

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(results) == ["created", "duplicate"]
    finally:
        store.close()


def test_b1_an_update_applies_amazons_newer_state_and_keeps_the_mapping(db_store, conn_id):
    with db_store.uow() as s:
        item = catalog.add_item(s, sku="SB-001")
        stored = orders.insert_order(
            s, db_store.box, connection_id=conn_id, draft=draft(lines=1),
            mapping=OrderMapping(lines={"00000010001": LineMapping(item_id=item.id, title="Our widget")}),
        )
    newer = draft(lines=2, status=OrderStatus.PARTIALLY_SHIPPED, updated=T0 + timedelta(hours=1), pii=False)
    newer = replace(newer, lines=(replace(newer.lines[0], quantity_shipped=1), newer.lines[1]))
    with db_store.uow() as s:
        updated = orders.update_order(s, db_store.box, stored.order.id, newer, OrderMapping(),
                                      expected_version=1, now=T0 + timedelta(hours=1))
    assert updated.order.version == 2 and updated.order.status is OrderStatus.PARTIALLY_SHIPPED
    assert updated.order.amazon_last_updated == T0 + timedelta(hours=1)
    first, second = updated.lines
    assert (first.item_id, first.title, first.quantity_shipped, first.quantity_open) == (item.id, "Our widget", 1, 1)
    assert second.order_item_id == "00000010002" and second.item_id is None
    with db_store.uow(read_only=True) as s:
        again = orders.get_order_detail(s, stored.order.id, box=db_store.box)
    assert again.address.name == BUYER_NAME  # Amazon withheld PII this time: the stored address stays


def test_b1_an_update_from_a_stale_read_is_refused(db_store, conn_id):
    with db_store.uow() as s:
        order_id = orders.insert_order(s, db_store.box, connection_id=conn_id, draft=draft()).order.id
        orders.set_order_fields(s, order_id, expected_version=1, send_to_warehouse=False)
    with db_store.uow() as s, pytest.raises(StaleOrder):
        orders.update_order(s, db_store.box, order_id, draft(updated=T0 + timedelta(minutes=5)), OrderMapping(),
                            expected_version=1)
    with db_store.uow() as s, pytest.raises(StaleOrder):
        orders.set_order_fields(s, order_id, expected_version=1, ship_method_id=None)


def test_b9_a_cancellation_is_dated_once_and_holds_are_released(db_store, conn_id):
    with db_store.uow() as s:
        item = catalog.add_item(s, sku="SB-001")
        stored = orders.insert_order(
            s, db_store.box, connection_id=conn_id, draft=draft(lines=1),
            mapping=OrderMapping(lines={"00000010001": LineMapping(item_id=item.id)}),
        )
        line = stored.lines[0]
        holds.place_hold(s, order_line_id=line.id, item_id=item.id, quantity=line.quantity_open)
        holds.place_hold(s, order_line_id=line.id, item_id=item.id, quantity=99)  # idempotent per line
        assert holds.held_quantity(s, item.id) == 2
    cancelled = draft(lines=1, status=OrderStatus.CANCELLED, updated=T0 + timedelta(hours=2))
    with db_store.uow() as s:
        updated = orders.update_order(s, db_store.box, stored.order.id, cancelled, OrderMapping(),
                                      expected_version=1, now=T0 + timedelta(hours=2))
        assert holds.release_holds_for_order(s, stored.order.id, now=T0 + timedelta(hours=2)) == 1
        assert holds.release_holds_for_order(s, stored.order.id) == 0
    assert updated.order.cancelled and updated.order.cancelled_at == T0 + timedelta(hours=2)
    with db_store.uow(read_only=True) as s:
        assert holds.held_quantity(s, item.id) == 0
        assert [h.status for h in holds.list_holds(s, order_id=stored.order.id)] == ["released"]
        stored_view = orders.get_stored(s, conn_id, "111-0000001-0000001")
    assert stored_view.cancelled and stored_view.order_id == stored.order.id


def test_b11_a_document_the_tables_would_refuse_is_a_domain_error(db_store, conn_id):
    bad = draft(lines=1)
    bad = replace(bad, lines=(bad.lines[0], bad.lines[0]))
    with db_store.uow() as s, pytest.raises(DomainError) as caught:
        orders.insert_order(s, db_store.box, connection_id=conn_id, draft=bad)
    assert caught.value.code == "duplicate_line"
    euros = replace(draft(lines=1), order_total=None, currency="EUR")
    with db_store.uow() as s, pytest.raises(DomainError, match="EUR, USD"):
        orders.insert_order(s, db_store.box, connection_id=conn_id, draft=euros)


def test_i2_orders_are_listed_newest_first_filtered_and_paged(db_store, conn_id):
    with db_store.uow() as s:
        other = add_connection(s, db_store.box, name="ca", seller_id="A1SELLER", marketplace_id="A2EUQ1WTGCTBG2").id
        for n in range(7):
            d = replace(draft(f"111-{n:07d}-0000000", lines=1), purchase_date=T0 + timedelta(minutes=n))
            if n % 3 == 0:
                d = replace(d, status=OrderStatus.SHIPPED)
            orders.insert_order(s, db_store.box, connection_id=conn_id if n < 6 else other, draft=d)
    with db_store.uow(read_only=True) as s:
        page = orders.list_orders(s, OrderFilter(connection_id=conn_id), limit=4)
        second = orders.list_orders(s, OrderFilter(connection_id=conn_id), limit=4, offset=4)
        shipped = orders.list_orders(s, OrderFilter(statuses=(OrderStatus.SHIPPED,)))
        by_id = orders.list_orders(s, OrderFilter(amazon_order_id="111-0000002-0000000"))
        early = orders.list_orders(s, OrderFilter(purchased_before=T0 + timedelta(minutes=2)))
        stored = orders.get_stored_many(s, conn_id, ["111-0000001-0000000", "111-0000006-0000000", "nope"])
    assert page.total == 6 and [o.amazon_order_id[:11] for o in page.items] == [
        "111-0000005", "111-0000004", "111-0000003", "111-0000002"]
    assert [o.amazon_order_id[:11] for o in second.items] == ["111-0000001", "111-0000000"]
    assert shipped.total == 3 and all(o.shipped_at is not None for o in shipped.items)
    assert [o.amazon_order_id for o in by_id.items] == ["111-0000002-0000000"]
    assert early.total == 2
    assert list(stored) == ["111-0000001-0000000"]  # 6 belongs to the other connection


NO_TRANSIT = timedelta(0)  # the purge clock's allowance for a delivery not seen (purge_clock.py)


def test_b13_purging_pii_erases_it_for_good(db_store, conn_id):
    with db_store.uow() as s:
        order_id = orders.insert_order(
            s, db_store.box, connection_id=conn_id, draft=draft(status=OrderStatus.SHIPPED), now=T0
        ).order.id
        assert orders.order_ids_due_for_pii_purge(s, cutoff=T0, transit_allowance=NO_TRANSIT) == []
        due = orders.order_ids_due_for_pii_purge(s, cutoff=T0 + timedelta(days=31), transit_allowance=NO_TRANSIT)
        assert due == [order_id]
        orders.purge_pii(s, order_id, now=T0 + timedelta(days=31))
    with db_store.uow() as s:
        # A later update carrying PII again does not bring it back.
        again = draft(status=OrderStatus.SHIPPED, updated=T0 + timedelta(days=32))
        orders.update_order(s, db_store.box, order_id, again, OrderMapping(), expected_version=2)
        got = orders.get_order_detail(s, order_id, box=db_store.box)
        later = orders.order_ids_due_for_pii_purge(s, cutoff=T0 + timedelta(days=40), transit_allowance=NO_TRANSIT)
        assert later == []
    assert got.order.pii_purged_at == T0 + timedelta(days=31)
    assert not got.address.has_pii and got.address.name is None and got.address.postal_code is None
    assert got.address.city == "Springfield"
    assert not any(line.has_gift_message for line in got.lines)


def test_b1_a_page_is_stored_in_one_go_with_duplicates_and_bad_orders_reported_per_order(db_store, conn_id):
    with db_store.uow() as s:
        orders.insert_order(s, db_store.box, connection_id=conn_id, draft=draft("111-0000000-0000000"))
    bad = draft("111-0000003-0000000", lines=1)
    bad = replace(bad, lines=(replace(bad.lines[0], quantity=-1),))
    page = [draft(f"111-{n:07d}-0000000") for n in range(3)] + [bad, draft("111-0000001-0000000")]
    with db_store.uow() as s:
        result = orders.insert_orders(s, db_store.box, connection_id=conn_id, batch=[(d, None) for d in page])
        ids = [line.id for detail in result.created.values() for line in detail.lines]
        holds_placed = catalog.add_item(s, sku="SB-001")
        holds.place_holds(s, [(line_id, holds_placed.id, 1) for line_id in ids])
        holds.place_holds(s, [(line_id, holds_placed.id, 5) for line_id in ids])  # a re-run holds nothing more
        assert holds.held_quantity(s, holds_placed.id) == len(ids)
    assert list(result.created) == ["111-0000001-0000000", "111-0000002-0000000"]
    assert list(result.duplicates) == ["111-0000000-0000000"] and result.duplicates["111-0000000-0000000"] > 0
    assert result.rejected["111-0000003-0000000"].code == "bad_quantity"
    assert len(ids) == 6 and len(set(ids)) == 6
    with db_store.uow(read_only=True) as s:
        for amazon_id, detail in result.created.items():
            again = orders.get_order_detail(s, detail.order.id)
            assert (again.order, again.lines, again.address) == (detail.order, detail.lines, detail.address)
            assert again.order.amazon_order_id == amazon_id


def test_b11_a_savepoint_undoes_one_order_and_keeps_the_rest_of_the_page(db_store, conn_id):
    """The order flow stores each order in a savepoint: a failure drops that order only."""
    with db_store.uow() as s:
        orders.insert_order(s, db_store.box, connection_id=conn_id, draft=draft("111-0000001-0000001"))
        with pytest.raises(DomainError), s.begin_nested():
            orders.insert_order(s, db_store.box, connection_id=conn_id, draft=draft("111-0000002-0000002"))
            raise DomainError("unknown_sku", "SKU SB-9 is not mapped")
        orders.insert_order(s, db_store.box, connection_id=conn_id, draft=draft("111-0000003-0000003"))
    with db_store.uow(read_only=True) as s:
        stored = orders.list_orders(s, OrderFilter(connection_id=conn_id))
        lines = sum(len(orders.get_order_detail(s, o.id).lines) for o in stored.items)
    assert sorted(o.amazon_order_id for o in stored.items) == ["111-0000001-0000001", "111-0000003-0000003"]
    assert lines == 6


def test_given_a_cancelled_update_without_money_when_applied_then_the_stored_amounts_stay(db_store, conn_id):
    """Amazon's cancelled orders carry no OrderTotal and no item prices (docs/amazon-quirks.md)."""
    with db_store.uow() as s:
        order_id = orders.insert_order(s, db_store.box, connection_id=conn_id, draft=draft(lines=1)).order.id
    cancelled = draft(lines=1, status=OrderStatus.CANCELLED, updated=T0 + timedelta(hours=1))
    cancelled = replace(cancelled, order_total=None, currency=None, cancel_reason="BuyerCanceled",
                        lines=(replace(cancelled.lines[0], unit_price=None, item_tax=None, shipping_price=None,
                                       promotion_discount=None, quantity_cancelled=2),))
    with db_store.uow() as s:
        got = orders.update_order(s, db_store.box, order_id, cancelled, OrderMapping(), expected_version=1)
    assert (got.order.status, got.order.cancel_reason) == (OrderStatus.CANCELLED, "BuyerCanceled")
    assert got.order.order_total == usd("79.74") and got.order.currency == "USD"
    assert got.lines[0].unit_price == usd("19.99") and got.lines[0].quantity_open == 0


def test_b13_an_update_without_some_personal_fields_keeps_the_stored_ones(db_store, conn_id):
    """v0 without a Restricted Data Token reduces the address to city, region, postal and country codes."""
    with db_store.uow() as s:
        order_id = orders.insert_order(s, db_store.box, connection_id=conn_id, draft=draft(lines=1)).order.id
    reduced = draft(lines=1, pii=False, updated=T0 + timedelta(hours=1))
    with db_store.uow() as s:
        orders.update_order(s, db_store.box, order_id, reduced, OrderMapping(), expected_version=1)
        got = orders.get_order_detail(s, order_id, box=db_store.box).address
    assert (got.name, got.line1, got.phone, got.postal_code) == (BUYER_NAME, STREET, PHONE, "97477")
