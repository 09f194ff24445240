"""The page-at-once writes of the order download store every value as given (B1, B5, B14; issue 3).

On PostgreSQL a page of rows travels as one JSON document (``insert_rows``) and id lists as one array
(``in_values``); these tests pin that nothing is lost or changed on the way: text with JSON and SQL
specials, accents and emoji, timestamps to the microsecond, JSON payloads, and ``ON CONFLICT`` skips.
"""

from __future__ import annotations

from datetime import timedelta

from sellerbridge.db.repositories import customers, error_log, orders, outbox
from sellerbridge.domain.orders.model import Buyer
from tests.support.db_samples import T0, add_connection, draft

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
