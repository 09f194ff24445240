"""The stock ledger on SQLite and PostgreSQL: counts, deltas, commitments, idempotent by ref, marked (D2, I5, D5)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sellerbridge.db.repositories import catalog, holds, stock_ledger
from sellerbridge.db.store import Store
from tests.support.db_samples import T0
from tests.support.stock_marks import CLEAN, add_order_line, mark_state, stock_world

T1 = T0 + timedelta(minutes=5)


def test_i5_a_count_sets_on_hand_records_the_difference_and_marks_the_sku(db_store: Store):
    with db_store.uow() as s:
        w = stock_world(s, db_store.box)
    with db_store.uow() as s:
        assert stock_ledger.record_count(s, item_id=w.item_id, warehouse_id=w.warehouse_id, on_hand=7,
                                         ref="count:1", now=T1) == 7
        assert stock_ledger.record_count(s, item_id=w.item_id, warehouse_id=w.warehouse_id, on_hand=4,
                                         ref="count:2", now=T1) == -3
    with db_store.uow(read_only=True) as s:
        assert catalog.on_hand_by_warehouse(s, w.item_id) == {w.warehouse_id: 4}
        state = mark_state(s, w)
        entries = stock_ledger.ledger(s, w.item_id, limit=10)
    assert (state.version, state.cause, state.requests) == (3, "count", 2)
    assert [(e.kind, e.delta, e.warehouse) for e in entries] == [("count", -3, "WH1"), ("count", 7, "WH1")]


def test_i5_a_replayed_ref_moves_stock_once_and_returns_zero(db_store: Store):
    with db_store.uow() as s:
        w = stock_world(s, db_store.box)
    for _ in range(2):
        with db_store.uow() as s:
            stock_ledger.record_delta(s, item_id=w.item_id, warehouse_id=w.warehouse_id, delta=5, reason="receipt",
                                      ref="po-1", now=T1)
    with db_store.uow() as s:
        assert stock_ledger.record_delta(s, item_id=w.item_id, warehouse_id=w.warehouse_id, delta=5,
                                         reason="receipt", ref="po-1", now=T1) == 0
        assert stock_ledger.record_count(s, item_id=w.item_id, warehouse_id=w.warehouse_id, on_hand=9,
                                         ref="file:abc:2", now=T1) == 4
        assert stock_ledger.record_count(s, item_id=w.item_id, warehouse_id=w.warehouse_id, on_hand=9,
                                         ref="file:abc:2", now=T1) == 0
    with db_store.uow(read_only=True) as s:
        assert catalog.on_hand_by_warehouse(s, w.item_id) == {w.warehouse_id: 9}
        assert mark_state(s, w).version == 3  # the receipt, the count: replays mark nothing


def test_d2_an_adjustment_may_take_on_hand_below_zero_a_receipt_only_adds(db_store: Store):
    with db_store.uow() as s:
        w = stock_world(s, db_store.box)
    with db_store.uow() as s:
        assert stock_ledger.record_delta(s, item_id=w.item_id, warehouse_id=w.warehouse_id, delta=-2,
                                         reason="adjustment", ref="damaged-1", now=T1) == -2
        with pytest.raises(ValueError):
            stock_ledger.record_delta(s, item_id=w.item_id, warehouse_id=w.warehouse_id, delta=-1, reason="receipt",
                                      ref="x", now=T1)
        with pytest.raises(ValueError):
            stock_ledger.record_delta(s, item_id=w.item_id, warehouse_id=w.warehouse_id, delta=1, reason="shipment",
                                      ref="x", now=T1)
        with pytest.raises(ValueError):
            stock_ledger.record_count(s, item_id=w.item_id, warehouse_id=w.warehouse_id, on_hand=-1, ref="x", now=T1)
    with db_store.uow(read_only=True) as s:
        assert catalog.on_hand_by_warehouse(s, w.item_id) == {w.warehouse_id: -2}
        assert mark_state(s, w).cause == "adjustment"


def test_d2_a_commitment_is_absolute_per_source_zero_deletes_and_each_change_marks(db_store: Store):
    with db_store.uow() as s:
        w = stock_world(s, db_store.box)
    with db_store.uow() as s:
        assert stock_ledger.set_commitment(s, item_id=w.item_id, source="ebay", quantity=3, now=T1)
        assert not stock_ledger.set_commitment(s, item_id=w.item_id, source="ebay", quantity=3, now=T1)
        assert stock_ledger.set_commitment(s, item_id=w.item_id, source="shop", quantity=2, now=T1)
        assert stock_ledger.commitments(s, w.item_id) == {"ebay": 3, "shop": 2}
        assert stock_ledger.set_commitment(s, item_id=w.item_id, source="ebay", quantity=0, now=T1)
        assert stock_ledger.commitments(s, w.item_id) == {"shop": 2}
        assert (mark_state(s, w).version, mark_state(s, w).cause) == (4, "commitment")


def test_d5_a_rolled_back_count_leaves_neither_stock_nor_mark(db_store: Store):
    with db_store.uow() as s:
        w = stock_world(s, db_store.box)
    with pytest.raises(RuntimeError), db_store.uow() as s:
        stock_ledger.record_count(s, item_id=w.item_id, warehouse_id=w.warehouse_id, on_hand=7, ref="c", now=T1)
        raise RuntimeError("the file failed later")
    with db_store.uow(read_only=True) as s:
        assert catalog.on_hand_by_warehouse(s, w.item_id) == {}
        assert mark_state(s, w) == CLEAN
        assert stock_ledger.ledger(s, w.item_id, limit=10) == []


def test_d5_set_on_hand_marks_the_item_dirty(db_store: Store):
    with db_store.uow() as s:
        w = stock_world(s, db_store.box)
    with db_store.uow() as s:
        catalog.set_on_hand(s, item_id=w.item_id, warehouse_id=w.warehouse_id, on_hand=3, now=T1)
    with db_store.uow(read_only=True) as s:
        assert mark_state(s, w).version == 2


def test_d2_the_ledger_merges_movements_and_hold_events_newest_first(db_store: Store):
    with db_store.uow() as s:
        w = stock_world(s, db_store.box)
        stock_ledger.record_delta(s, item_id=w.item_id, warehouse_id=w.warehouse_id, delta=10, reason="receipt",
                                  ref="po-9", now=T0)
    with db_store.uow() as s:
        order_id, line_id = add_order_line(s, w)
        holds.place_holds(s, [(line_id, w.item_id, 2)], now=T1)
        holds.release_holds_for_orders(s, [order_id], now=T1 + timedelta(minutes=1))
    with db_store.uow(read_only=True) as s:
        entries = stock_ledger.ledger(s, w.item_id, limit=10)
        assert [(e.kind, e.delta) for e in stock_ledger.ledger(s, w.item_id, limit=1)] == [("hold released", -2)]
    assert [(e.kind, e.delta, e.order) for e in entries] == [
        ("hold released", -2, "111-0000001-0000001"), ("hold placed", 2, "111-0000001-0000001"),
        ("receipt", 10, None)]

