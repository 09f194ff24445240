"""The order download's writes: pages at once, and the store's plans for one order (B1, B5, B9, B10, B14).

On PostgreSQL a page of rows travels as one JSON document (``insert_rows``) and id lists as one array
(``in_values``); these tests pin that nothing is lost or changed on the way: text with JSON and SQL
specials, accents and emoji, timestamps to the microsecond, JSON payloads, and ``ON CONFLICT`` skips.
The order flow's store writes a page at once exactly what it writes order by order, and falls back
to order by order, with a result per order, when a page cannot be written whole (issue 3); for one
order it executes what the order-change rules plan, from insert to cancellation.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sellerbridge.db.repositories import customers, error_log, holds, orders, outbox
from sellerbridge.domain.common.errors import DomainError
from sellerbridge.domain.orders.changes import Outcome
from sellerbridge.domain.orders.model import Buyer, Fulfillment, OrderStatus
from tests.support.db_samples import T0, add_connection, draft, mapped, order_rows, order_store

AWKWARD = ["plain", 'q"uote', "back\\slash", "new\nline\ttab", "{NULL}", "a,b", "  spaced  ", "Königstraße 山田 😀",
           "null", "", "'; DROP TABLE orders; --"]


def test_b14_events_of_a_page_keep_their_keys_payloads_and_time_and_are_added_once(db_store):
    now = T0 + timedelta(microseconds=123456)
    events = [("order.created", key, 1, {"key": key, "n": n, "nested": [True, None, {"x": key}]})
              for n, key in enumerate(AWKWARD)]
    events.append(("order.created", "string-payload", 1, "just text"))  # type: ignore[arg-type]
    with db_store.uow() as s:
        ids = outbox.add_events(s, events, now=now)
        again = outbox.add_events(s, [*events[:3], ("order.cancelled", "plain", 2, {})], now=now)
    with db_store.uow(read_only=True) as s:
        stored = outbox.list_events(s, limit=100)
    assert len(ids) == len(events) and ids == sorted(ids)
    assert len(again) == 1  # the three already there are skipped, the new one is added
    assert [(e.topic, e.key, e.version, e.payload) for e in stored[:len(events)]] == list(events)
    assert {e.created_at for e in stored} == {now}


def test_b5_customers_created_for_a_page_keep_their_company_and_decrypt_name_and_email(db_store):
    buyers = [Buyer(email=f"buyer{n}@marketplace.amazon.com", name=text, company=text)
              for n, text in enumerate(AWKWARD) if text]
    with db_store.uow() as s:
        ids = customers.get_or_create_customers(s, db_store.box, buyers, now=T0)
        assert customers.get_or_create_customers(s, db_store.box, buyers[::-1], now=T0) == ids[::-1]
    with db_store.uow(read_only=True) as s:
        got = [customers.get_customer(s, customer_id, box=db_store.box) for customer_id in ids]
    assert [(c.email, c.name, c.company) for c in got] == [(b.email, b.name, b.company) for b in buyers]
    assert all(c.created_at == T0 for c in got)


def test_b1_a_page_stored_for_its_ids_only_matches_the_records_and_the_stored_lookup(db_store):
    with db_store.uow() as s:
        conn_id = add_connection(s, db_store.box).id
        page = [draft(f"111-{n:07d}-0000000", lines=n % 3 + 1) for n in range(5)]
        result = orders.insert_orders(s, db_store.box, connection_id=conn_id, batch=[(d, None) for d in page],
                                      now=T0, records=False)
        detailed = orders.insert_orders(s, db_store.box, connection_id=conn_id,
                                        batch=[(draft("222-0000000-0000000"), None)])
        stored = orders.get_stored_many(s, conn_id, [d.amazon_order_id for d in page] + ["999-0000000-0000000"])
    assert result.created == {} and list(result.ids) == [d.amazon_order_id for d in page]
    assert set(detailed.ids) == set(detailed.created) == {"222-0000000-0000000"}
    order_id, line_ids = detailed.ids["222-0000000-0000000"]
    assert order_id == detailed.created["222-0000000-0000000"].order.id
    assert line_ids == {line.order_item_id: line.id for line in detailed.created["222-0000000-0000000"].lines}
    with db_store.uow(read_only=True) as s:
        for d in page:
            order_id, line_ids = result.ids[d.amazon_order_id]
            again = orders.get_order_detail(s, order_id)
            assert again.order.amazon_order_id == d.amazon_order_id and again.order.version == orders.NEW_ORDER_VERSION
            assert line_ids == {line.order_item_id: line.id for line in again.lines}
            assert (again.order.purchase_date, again.order.order_total) == (d.purchase_date, d.order_total)
    assert set(stored) == {d.amazon_order_id for d in page}  # the unknown id is simply absent
    assert {k: v.order_id for k, v in stored.items()} == {k: v[0] for k, v in result.ids.items()}


def test_b11_resolving_a_page_of_error_keys_closes_exactly_those(db_store):
    with db_store.uow() as s:
        conn_id = add_connection(s, db_store.box).id
        for key in AWKWARD[:4]:
            error_log.record_error(s, db_store.box, connection_id=conn_id, kind="order_import", key=key, code="x",
                                   message="m", where=None, payload={}, now=T0)
        error_log.resolve_keys(s, conn_id, "order_import", [*AWKWARD[1:3], "not-there"], now=T0)
    with db_store.uow(read_only=True) as s:
        still_open, _ = error_log.list_errors(s, connection_id=conn_id)
    assert {e.key for e in still_open} == {AWKWARD[0], AWKWARD[3]}


# --- the order flow's store: a page written at once is what order by order writes (B1, B5, B10, B14) ---

def _mixed_page() -> list:
    pending = replace(draft("111-0000002-0000000", status=OrderStatus.PENDING), buyer=None)  # no buyer data yet
    cancelled_units = draft("111-0000003-0000000", lines=2)
    cancelled_units = replace(cancelled_units, lines=(replace(cancelled_units.lines[0], quantity_cancelled=1),
                                                      cancelled_units.lines[1]))
    return [draft("111-0000001-0000000"), pending, cancelled_units,
            draft("111-0000004-0000000", fulfillment=Fulfillment.AMAZON, lines=1),
            draft("111-0000005-0000000", pii=False, lines=1),  # no e-mail: no customer to match by
            draft("111-0000006-0000000", status=OrderStatus.PARTIALLY_SHIPPED)]  # the first one's buyer again


def test_b1_a_page_stored_at_once_writes_exactly_what_order_by_order_writes(db_store):
    store = order_store(db_store)
    page = _mixed_page()
    with store.transaction(read_only=True) as tx:  # rolled back: both ways start from the same empty tables
        tx.prepare(page)
        results = tx.insert([(d, mapped(tx, d)) for d in page])
        at_once = order_rows(tx.session, store.connection_id)
    with store.transaction(read_only=True) as tx:
        alone = {}
        for d in page:
            alone.update(tx.insert([(d, mapped(tx, d))]))
        one_by_one = order_rows(tx.session, store.connection_id)
    assert results == alone == dict.fromkeys((d.amazon_order_id for d in page), Outcome.CREATED)
    assert at_once == one_by_one
    assert at_once["customers"] == [(1,)]  # the buyer of orders 1 and 6, once; the others have none
    assert {(key, topic) for topic, key, _ in at_once["events"]} == {
        ("111-0000001-0000000", "order.created"), ("111-0000003-0000000", "order.created"),
        ("111-0000005-0000000", "order.created"), ("111-0000006-0000000", "order.created")}
    held = {(amazon_id, item): quantity for amazon_id, item, quantity, _ in at_once["holds"]}
    assert held[("111-0000002-0000000", "00000000001")] == 2  # Pending holds too (B10)
    assert held[("111-0000003-0000000", "00000000001")] == 1  # the open units only
    assert not any(amazon_id == "111-0000004-0000000" for amazon_id, _ in held)  # FBA: Amazon's stock
    # the grant keeps the postal code Amazon sent; no name arrived, none is stored
    assert ("111-0000005-0000000", "Springfield", "97477", 0) in at_once["addresses"]


def test_b1_a_page_meeting_a_stored_order_and_refused_data_gives_each_order_its_own_result(db_store):
    store = order_store(db_store)
    with store.transaction() as tx:  # a racing worker stored this one first
        first = draft("111-0000002-0000000")
        assert tx.insert([(first, mapped(tx, first))]) == {first.amazon_order_id: Outcome.CREATED}
        tx.record_error("111-0000001-0000000", DomainError("unknown_sku", "SB-001 was not mapped"), {})
    bad = draft("111-0000003-0000000", lines=1)
    bad = replace(bad, lines=(replace(bad.lines[0], quantity=-1),))
    page = [draft("111-0000001-0000000"), draft("111-0000002-0000000", updated=T0 + timedelta(minutes=1)), bad,
            draft("111-0000004-0000000")]
    with store.transaction() as tx:
        results = tx.insert([(d, mapped(tx, d)) for d in page])
        rows = order_rows(tx.session, store.connection_id)
        still_open, _ = error_log.list_errors(tx.session, connection_id=store.connection_id)
    assert results["111-0000001-0000000"] is results["111-0000004-0000000"] is Outcome.CREATED
    assert results["111-0000002-0000000"] is Outcome.ALREADY_STORED
    assert isinstance(results["111-0000003-0000000"], DomainError) and results["111-0000003-0000000"].code == \
        "bad_quantity"
    assert [key for _, key, _ in rows["events"]] == ["111-0000001-0000000", "111-0000002-0000000",
                                                     "111-0000004-0000000"]  # one each, the refused none
    assert [o[0] for o in rows["orders"]] == ["111-0000001-0000000", "111-0000002-0000000", "111-0000004-0000000"]
    assert len(rows["holds"]) == 9 and still_open == []  # the created order's error is resolved (B11)


def test_b1_an_order_listed_twice_in_a_page_is_stored_once_in_its_newest_state(db_store):
    store = order_store(db_store)
    older = draft("111-0000001-0000000", status=OrderStatus.PENDING)
    newer = draft("111-0000001-0000000", updated=T0 + timedelta(minutes=3))
    with store.transaction() as tx:
        results = tx.insert([(d, mapped(tx, d)) for d in (newer, draft("111-0000002-0000000"), older)])
        rows = order_rows(tx.session, store.connection_id)
    assert results == {"111-0000001-0000000": Outcome.CREATED, "111-0000002-0000000": Outcome.CREATED}
    assert [(o[0], o[1]) for o in rows["orders"]] == [("111-0000001-0000000", "unshipped"),
                                                      ("111-0000002-0000000", "unshipped")]


# --- the order flow's store, one order: the order-change rules' plans executed (B1, B5, B9, B10, B14) ---

def _holds(s, order_id):
    return sorted((h.quantity, h.status) for h in holds.list_holds(s, order_id=order_id))


def _events(s, key):
    return [(e.topic, e.version) for e in outbox.list_events(s, key=key)]


def test_b10_b14_an_order_stored_alone_gets_its_customer_holds_and_event(db_store):
    store = order_store(db_store)
    with store.transaction() as tx:
        new = draft(lines=2)
        assert tx.insert([(new, mapped(tx, new))]) == {new.amazon_order_id: Outcome.CREATED}
        stored = tx.stored([new.amazon_order_id, "not-there"])
    assert list(stored) == [new.amazon_order_id] and stored[new.amazon_order_id].send_to_warehouse
    with db_store.uow(read_only=True) as s:
        detail = orders.get_order_detail(s, stored[new.amazon_order_id].order_id)
        assert _holds(s, detail.order.id) == [(2, "held"), (2, "held")]
        assert _events(s, new.amazon_order_id) == [("order.created", 1)]
        assert detail.order.customer_id is not None and detail.order.ship_method_id is not None


def test_b9_b10_b14_updates_execute_the_rules_plans_from_pending_to_cancelled(db_store):
    store = order_store(db_store)
    key = "111-0000001-0000001"
    pending = replace(draft(key, lines=1, status=OrderStatus.PENDING), buyer=None)
    with store.transaction() as tx:
        tx.insert([(pending, mapped(tx, pending))])
    unshipped = draft(key, lines=2, updated=T0 + timedelta(hours=1))
    unshipped = replace(unshipped, lines=(replace(unshipped.lines[0], quantity_cancelled=1), unshipped.lines[1]))
    cancelled = draft(key, lines=2, status=OrderStatus.CANCELLED, updated=T0 + timedelta(hours=2))
    again = draft(key, lines=2, status=OrderStatus.CANCELLED, updated=T0 + timedelta(hours=3))
    outcomes, seen = [], []
    for newer in (unshipped, cancelled, again):
        with store.transaction() as tx:
            existing = tx.stored([key])[key]
            outcomes.append(tx.update(existing, newer, mapped(tx, newer)))
            order = orders.get_order(tx.session, existing.order_id)
            seen.append((_holds(tx.session, order.id), order.customer_id is not None, order.send_to_warehouse))
        with db_store.uow(read_only=True) as s:
            seen[-1] += (_events(s, key),)
    assert outcomes == [Outcome.UPDATED, Outcome.CANCELLED, Outcome.UPDATED]
    created = [("order.created", 2)]
    assert seen == [
        # Unshipped: the held line follows its open units, the new line is held; the buyer is now known
        ([(1, "held"), (2, "held")], True, True, created),
        # cancelled: holds released, the warehouse told (it had the order) and still keeps it
        ([(1, "released"), (2, "released")], True, True, [*created, ("order.cancelled", 3)]),
        ([(1, "released"), (2, "released")], True, True, [*created, ("order.cancelled", 3)]),
    ]


def test_b1_an_update_not_newer_than_the_stored_state_is_unchanged(db_store):
    store = order_store(db_store)
    with store.transaction() as tx:
        first = draft(updated=T0 + timedelta(minutes=5))
        tx.insert([(first, mapped(tx, first))])
        existing = tx.stored([first.amazon_order_id])[first.amazon_order_id]
        older = draft(status=OrderStatus.CANCELLED, updated=T0)
        assert tx.update(existing, older, mapped(tx, older)) is Outcome.UNCHANGED
        assert orders.get_order(tx.session, existing.order_id).version == 1


def test_b1_an_update_that_loses_the_race_for_the_version_reads_again_and_applies(db_store, monkeypatch):
    store = order_store(db_store)
    with store.transaction() as tx:
        first = draft()
        tx.insert([(first, mapped(tx, first))])
    real_get, raced = orders.get_order, []

    def get_then_race(session, order_id):
        record = real_get(session, order_id)
        if not raced:  # another writer moves the order on after this read
            raced.append(orders.set_order_fields(session, order_id, buyer_cancel_requested=False))
        return record
    monkeypatch.setattr(orders, "get_order", get_then_race)
    newer = draft(status=OrderStatus.SHIPPED, updated=T0 + timedelta(hours=1))
    with store.transaction() as tx:
        existing = tx.stored([newer.amazon_order_id])[newer.amazon_order_id]
        assert tx.update(existing, newer, mapped(tx, newer)) is Outcome.UPDATED
        order = real_get(tx.session, existing.order_id)
    assert raced == [2] and (order.status, order.version) == (OrderStatus.SHIPPED, 3)


def test_b12_a_read_only_transaction_stores_nothing_and_uses_the_runs_settings(db_store):
    store = order_store(db_store, pii_grant=False)
    with store.transaction(read_only=True) as tx:
        new = draft()
        assert not tx.settings.pii_grant  # the run's settings, not re-read from the connection row
        assert tx.insert([(new, mapped(tx, new))]) == {new.amazon_order_id: Outcome.CREATED}
    with store.transaction() as tx:
        assert tx.stored([new.amazon_order_id]) == {}
