"""Every write that changes available-to-sell marks its SKUs in the same transaction (D5, D2-D4, D6).

Each path: the mark is there after the commit (version bumped, the connection's ``stock_push`` job asked),
and a rollback leaves no mark. Batches mark once per call, not once per row.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from sellerbridge.db.repositories import confirmations, holds, line_cancellations, stock_config
from sellerbridge.db.store import Store
from sellerbridge.db.stores.cancellations import DbCancellationStore
from sellerbridge.domain.orders.model import OrderStatus
from sellerbridge.domain.shipments.confirmation import Effects, LineEffect
from tests.support.db_samples import T0, draft, mapped, order_store
from tests.support.stock_marks import CLEAN, add_order_line, mark_state, push_state, stock_world

T1 = T0 + timedelta(minutes=5)


def _held(s, w, quantity: int = 2) -> tuple[int, int]:
    order_id, line_id = add_order_line(s, w, quantity=quantity)
    holds.place_holds(s, [(line_id, w.item_id, quantity)], now=T0)
    return order_id, line_id


def _place(s, w):
    _, line_id = add_order_line(s, w)
    holds.place_holds(s, [(line_id, w.item_id, 2)], now=T1)


def _resize(s, w):
    _, line_id = _held(s, w)
    holds.set_hold_quantities(s, [(line_id, 1)], now=T1)


def _release(s, w):
    order_id, _ = _held(s, w)
    holds.release_holds_for_orders(s, [order_id], now=T1)


def _consume(s, w):
    _, line_id = _held(s, w)
    holds.consume_hold(s, line_id, now=T1)


def _confirm(s, w):
    order_id, line_id = _held(s, w)
    effects = Effects((LineEffect(line_id, 2, True, None, (w.item_id, -2, f"package:1:line:{line_id}")),),
                      OrderStatus.SHIPPED)
    assert confirmations.apply_effects(s, order_id, effects, now=T1) == 1


def _item_flags(s, w):
    assert stock_config.set_item_stock_fields(s, w.item_id, backorderable=True, handling_days=3, now=T1)


def _item_buffer(s, w):
    assert stock_config.set_item_stock_fields(s, w.item_id, buffer_kind="percent", buffer_value=Decimal("10"),
                                              now=T1)


def _warehouse_buffer(s, w):
    from sellerbridge.db.repositories import stock_ledger
    stock_ledger.record_count(s, item_id=w.item_id, warehouse_id=w.warehouse_id, on_hand=5, ref="c0", now=T0)
    assert stock_config.set_warehouse_buffer(s, w.warehouse_id, buffer_kind="fixed", buffer_value=Decimal(2),
                                             now=T1)


def _settings(s, w):
    stock_config.set_settings(s, w.connection_id, untracked_quantity=500, warehouse_ids=[w.warehouse_id], now=T1)


PATHS = {"hold placed": (_place, "order"), "hold resized": (_resize, "order"),
         "hold released": (_release, "cancellation"), "hold consumed": (_consume, "shipment"),
         "confirmation": (_confirm, "shipment"), "item flags": (_item_flags, "item"),
         "item buffer": (_item_buffer, "item"), "warehouse buffer": (_warehouse_buffer, "warehouse buffer"),
         "stock settings": (_settings, "settings")}


@pytest.mark.parametrize("path", list(PATHS))
def test_d5_each_write_path_marks_its_skus_in_its_transaction(db_store: Store, path: str):
    write, cause = PATHS[path]
    with db_store.uow() as s:
        w = stock_world(s, db_store.box)
    with db_store.uow() as s:
        before = mark_state(s, w)
        write(s, w)
    with db_store.uow(read_only=True) as s:
        after = mark_state(s, w)
    assert after.version > before.version and after.requests > before.requests and after.cause == cause


@pytest.mark.parametrize("path", list(PATHS))
def test_d5_a_rolled_back_write_leaves_no_mark(db_store: Store, path: str):
    write, _ = PATHS[path]
    with db_store.uow() as s:
        w = stock_world(s, db_store.box)
    with pytest.raises(RuntimeError), db_store.uow() as s:
        write(s, w)
        raise RuntimeError("later in the same transaction")
    with db_store.uow(read_only=True) as s:
        assert mark_state(s, w) == CLEAN


def test_d5_a_write_that_changes_nothing_marks_nothing(db_store: Store):
    with db_store.uow() as s:
        w = stock_world(s, db_store.box)
        _, line_id = add_order_line(s, w)
    with db_store.uow() as s:
        holds.place_holds(s, [(line_id, w.item_id, 2)], now=T1)
    with db_store.uow() as s:
        before = mark_state(s, w)
        holds.place_holds(s, [(line_id, w.item_id, 2)], now=T1)  # the order stored again
        assert not stock_config.set_item_stock_fields(s, w.item_id, track_stock=True, now=T1)
        stock_config.set_settings(s, w.connection_id, untracked_quantity=1000, now=T1)  # the default
        stock_config.set_settings(s, w.connection_id, patch_max=10, now=T1)  # not a quantity setting
        assert mark_state(s, w) == before
        assert stock_config.get_settings(s, w.connection_id).patch_max == 10


def test_d5_the_cancellation_store_marks_the_released_items(db_store: Store):
    with db_store.uow() as s:
        w = stock_world(s, db_store.box)
        order_id, line_id = _held(s, w)
        record = line_cancellations.add(s, connection_id=w.connection_id, order_id=order_id, order_line_id=line_id,
                                        quantity=2, reason_code="NoInventory", requested_by="test", now=T0)
        line_cancellations.move(s, [record.id], from_status="queued", to_status="sending", now=T0)
        before = mark_state(s, w)
    assert DbCancellationStore(db_store, w.connection_id, lambda: T1).confirmed([record.id], now=T1) == 1
    with db_store.uow(read_only=True) as s:
        after = mark_state(s, w)
    assert (after.version, after.cause, after.requests) == (before.version + 1, "cancellation", before.requests + 1)


def test_d5_the_order_batch_store_marks_each_item_once_per_batch(db_store: Store):
    store = order_store(db_store)
    from sellerbridge.db.repositories import catalog
    with db_store.uow() as s:
        ids = [catalog.get_item_by_sku(s, f"SB-{n:03d}").id for n in range(1, 4)]
        for n, item_id in enumerate(ids, start=1):
            push_state(s, store.connection_id, item_id, f"SB-{n:03d}")
    page = [draft(f"111-0000{n:03d}-0000000") for n in range(1, 41)]  # 40 orders, 3 lines each, one batch
    with store.transaction() as tx:
        tx.prepare(page)
        tx.insert([(d, mapped(tx, d)) for d in page])
    with db_store.uow(read_only=True) as s:
        states = [mark_state(s, item_id=i, connection_id=store.connection_id) for i in ids]
    assert [(m.version, m.cause) for m in states] == [(2, "order")] * 3
    assert states[0].requests == 1
