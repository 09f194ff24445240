"""The stock import store on SQLite and PostgreSQL (I5, H1, D5): the good lines applied in chunks, each chunk
marked with one statement, the bad ones in the error log with file and line, reprocessable."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from sellerbridge.db.repositories import catalog, error_log
from sellerbridge.db.store import Store
from sellerbridge.db.stores.stock_import import ERROR_KIND, DbStockImport
from sellerbridge.db.tables import stock_movements
from tests.support.db_samples import T0
from tests.support.stock_marks import mark_state, stock_world

T1 = T0 + timedelta(minutes=1)


def test_i5_a_10000_line_file_is_applied_whole_and_marks_each_item_once_per_chunk(db_store: Store):
    with db_store.uow() as s:
        w = stock_world(s, db_store.box)
        for n in range(1, 3):
            catalog.add_warehouse(s, code=f"WH{n + 1}", name=f"W{n}", now=T0)
        skus = [f"BULK-{n:05d}" for n in range(3_333)]
        for sku in skus:
            catalog.add_item(s, sku=sku, now=T0)
    rows = [f"{sku},WH{k},{n % 50}" for n, sku in enumerate(skus) for k in (1, 2, 3)][:9_998]
    rows += [f"{w.sku},WH1,4", f"{w.sku},WH2,6"]  # the pushed item twice in the last chunk
    content = ("sku,warehouse,on_hand\r\n" + "\r\n".join(rows) + "\r\n").encode()
    assert content.count(b"\n") == 10_001  # the header and 10,000 lines
    outcome = DbStockImport(db_store, w.connection_id, lambda: T1).import_file(content, file_name="stock-all.csv")
    assert (outcome.accepted, outcome.duplicates, outcome.errors) == (10_000, 0, ())
    with db_store.uow(read_only=True) as s:
        assert s.execute(select(func.count()).select_from(stock_movements)).scalar_one() == 10_000
        assert mark_state(s, w).version == 2  # its two lines: one mark
        assert catalog.on_hand_by_warehouse(s, w.item_id) == {w.warehouse_id: 4, w.warehouse_id + 1: 6}
    replay = DbStockImport(db_store, w.connection_id, lambda: T1).import_file(content, file_name="stock-all.csv")
    assert (replay.accepted, replay.duplicates) == (0, 10_000)


def test_h1_a_refused_line_is_in_the_error_log_and_reprocessed_once_its_sku_exists(db_store: Store):
    with db_store.uow() as s:
        w = stock_world(s, db_store.box)
    store = DbStockImport(db_store, w.connection_id, lambda: T1)
    content = b"sku,warehouse,delta,reason\nNEW-1,WH1,5,receipt\nSKU-1,WH1,-1,receipt\nSKU-1,WH1,2,receipt\n"
    outcome = store.import_file(content, file_name="moves.csv")
    assert outcome.accepted == 1 and [(e.line, e.code) for e in outcome.errors] == [
        (2, "unknown_sku"), (3, "negative_receipt")]
    with db_store.uow() as s:
        page, _ = error_log.list_errors(s, connection_id=w.connection_id, kind=ERROR_KIND)
        errors = {e.key: e for e in page}
        assert set(errors) == {"moves.csv:2", "moves.csv:3"}
        assert errors["moves.csv:2"].where == "moves.csv line 2 (sku)"
        catalog.add_item(s, sku="NEW-1", now=T1)
        full = error_log.get_error(s, errors["moves.csv:2"].id, box=db_store.box)
    redone = store.reprocess(full.key, full.payload)
    assert redone.accepted == 1
    assert store.reprocess(full.key, full.payload).duplicates == 1  # the same ref: applied once
    with db_store.uow(read_only=True) as s:
        item = catalog.get_item_by_sku(s, "NEW-1")
        assert catalog.on_hand_by_warehouse(s, item.id) == {w.warehouse_id: 5}
        assert error_log.get_error(s, full.id).status == "resolved"


def test_i5_a_chunk_raced_by_another_import_is_applied_line_by_line(db_store: Store, monkeypatch):
    from sellerbridge.db.repositories import stock_ledger

    with db_store.uow() as s:
        w = stock_world(s, db_store.box)
    calls = []

    def raced(*args, **kwargs):
        calls.append(1)
        raise stock_ledger.LedgerRace("another transaction wrote a ref meanwhile")

    monkeypatch.setattr(stock_ledger, "apply_many", raced)
    content = b"sku,warehouse,delta,reason,ref\nSKU-1,WH1,5,receipt,R1\nSKU-1,WH1,-2,adjustment,R2\n"
    outcome = DbStockImport(db_store, w.connection_id, lambda: T1).import_file(content, file_name="x.csv")
    assert calls == [1] and (outcome.accepted, outcome.errors) == (2, ())
    with db_store.uow(read_only=True) as s:
        assert catalog.on_hand_by_warehouse(s, w.item_id) == {w.warehouse_id: 3}
        assert mark_state(s, w).version == 2
