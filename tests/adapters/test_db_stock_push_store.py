"""The stock push store on SQLite and PostgreSQL (D5, D8, D9): a SKU in at most one update, the figure of the
claim's own transaction, a late answer never over a newer one, changed-only settling."""

from __future__ import annotations

from datetime import timedelta

from sellerbridge.db.repositories import stock_ledger
from sellerbridge.db.store import Store
from sellerbridge.db.stores.stock_push import DbStockPushStore
from sellerbridge.db.tables import connections
from sellerbridge.domain.ports.listings import ListingAnswer, ListingOutcome
from tests.support.db_samples import T0
from tests.support.stock_marks import stock_world

T1 = T0 + timedelta(minutes=5)
ACCEPTED = ListingAnswer(ListingOutcome.ACCEPTED)


def _store(db_store: Store, on_hand: int = 6):
    with db_store.uow() as s:
        w = stock_world(s, db_store.box)
        stock_ledger.record_count(s, item_id=w.item_id, warehouse_id=w.warehouse_id, on_hand=on_hand, ref="c0",
                                  now=T0)
        seller, region, mp = s.execute(connections.select().with_only_columns(
            connections.c.seller_id, connections.c.region, connections.c.marketplace_id)
            .where(connections.c.id == w.connection_id)).one()
    store = DbStockPushStore(db_store, w.connection_id, seller_id=seller, region=region, marketplace_id=mp,
                             now=lambda: T1)
    return w, store


def _set(db_store: Store, w, on_hand: int, ref: str) -> None:
    with db_store.uow() as s:
        stock_ledger.record_count(s, item_id=w.item_id, warehouse_id=w.warehouse_id, on_hand=on_hand, ref=ref,
                                  now=T1)


def test_d5_a_sku_is_claimed_once_with_the_figure_of_the_claim(db_store: Store):
    w, store = _store(db_store)
    assert store.is_owner()
    first = store.claim(10, channel="patch", now=T1)
    assert [(c.sku, c.quantity) for c in first.claims] == [(w.sku, 6)]
    assert store.claim(10, channel="patch", now=T1).claims == []  # in flight: not claimed twice
    _set(db_store, w, 4, "c1")  # a change while it is out waits for the answer
    assert store.dirty_count() == 0
    assert store.answered(first.claims[0], ACCEPTED, channel="patch", feed_request_id=None, now=T1).applied
    assert store.dirty_count() == 1
    second = store.claim(10, channel="patch", now=T1)
    assert [c.quantity for c in second.claims] == [4]


def test_d5_a_figure_back_to_what_amazon_has_is_settled_without_a_call(db_store: Store):
    w, store = _store(db_store)
    [claim] = store.claim(10, channel="patch", now=T1).claims
    store.answered(claim, ACCEPTED, channel="patch", feed_request_id=None, now=T1)
    _set(db_store, w, 9, "c1")
    _set(db_store, w, 6, "c2")  # and back
    again = store.claim(10, channel="patch", now=T1)
    assert again.claims == [] and again.unchanged == 1 and store.dirty_count() == 0


def test_d8_a_late_answer_never_overwrites_a_newer_figure(db_store: Store):
    w, store = _store(db_store)
    [old] = store.claim(10, channel="patch", now=T1).claims
    store.release([old], now=T1)  # e.g. the watchdog gave it up
    _set(db_store, w, 2, "c1")
    [new] = store.claim(10, channel="patch", now=T1).claims
    assert store.answered(new, ACCEPTED, channel="patch", feed_request_id=None, now=T1).applied
    late = store.answered(old, ACCEPTED, channel="patch", feed_request_id=None, now=T1)
    assert not late.applied and late.status == "stale"
    assert store.late(old, ACCEPTED, now=T1)  # Amazon may show 6 now: sent again
    [resent] = store.claim(10, channel="patch", now=T1).claims
    assert resent.quantity == 2


def test_d8_invalid_goes_to_the_error_log_and_unknown_is_a_warning(db_store: Store):
    w, store = _store(db_store)
    [claim] = store.claim(10, channel="patch", now=T1).claims
    invalid = ListingAnswer(ListingOutcome.INVALID, code="90220", message="quantity: not valid ®")
    assert store.answered(claim, invalid, channel="patch", feed_request_id=None, now=T1).status == "invalid"
    with db_store.uow(read_only=True) as s:
        [row] = s.execute(connections.metadata.tables["error_log"].select()).all()
    assert (row.kind, row.key, row.code) == ("stock_push", f"sku:{w.sku}", "90220")
    _set(db_store, w, 3, "c1")
    [claim] = store.claim(10, channel="patch", now=T1).claims
    unknown = ListingAnswer(ListingOutcome.UNKNOWN_SKU, code="4000003", message="no such SKU")
    assert store.answered(claim, unknown, channel="patch", feed_request_id=None, now=T1).status == "warning"
    assert store.dirty_count() == 0


def test_d5_ensure_reads_the_listings_only_when_they_changed(db_store: Store, monkeypatch):
    """Most runs are asked by a stock change, with the listings as they were: one aggregate says so, and the
    listings are not read row by row; a new listing (or a refusal) is seen at the next run."""
    from sellerbridge.db.repositories import catalog
    from sellerbridge.db.repositories import quantity_pushes as repo

    w, store = _store(db_store)
    store.ensure(now=T1)
    real = repo.region_listings

    def unchanged_so_not_read(*args, **kwargs):
        raise AssertionError("the listings were read although nothing changed")

    monkeypatch.setattr(repo, "region_listings", unchanged_so_not_read)
    assert store.ensure(now=T1).added == 0
    monkeypatch.setattr(repo, "region_listings", real)
    with db_store.uow() as s:
        other = catalog.add_item(s, sku="INT-OTHER", description="another")
        catalog.set_listing(s, connection_id=w.connection_id, amazon_sku="OTHER-SKU", item_id=other.id, now=T1)
    assert store.ensure(now=T1).added == 1
    with db_store.uow() as s:  # Amazon fulfils it from now on: refused, never pushed (D1)
        catalog.set_listing(s, connection_id=w.connection_id, amazon_sku="OTHER-SKU", item_id=other.id, now=T1,
                            fulfillment_channel="AFN")
    assert store.ensure(now=T1).refused == 1
