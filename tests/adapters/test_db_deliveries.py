"""Receivers and deliveries in the store (B14, B13, H1), on SQLite and PostgreSQL: the fan-out is
idempotent and per connection, secrets are ciphertext at rest, the rotation's older secret expires,
acks and redelivery change only what they should."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from sellerbridge.db.repositories import connections, outbox, receivers
from sellerbridge.db.repositories import deliveries as repo
from sellerbridge.db.store import Store
from sellerbridge.domain.deliveries.breaker import Breaker, State
from sellerbridge.domain.deliveries.message import WAREHOUSE_TOPICS
from sellerbridge.domain.ports.deliveries import Attempt, AttemptOutcome

T0 = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def _connection(session, store: Store, name: str, seller: str) -> int:
    return connections.add_connection(
        session, store.box, name=name, seller_id=seller, marketplace_id="ATVPDKIKX0DER", region="na",
        client_id="amzn1.application-oa2-client.x", client_secret="s", refresh_token="r", now=T0).id


def _event(session, connection_id: int, key: str, topic: str = "order.created") -> int:
    [event_id] = outbox.add_events(session, [(topic, key, 1, {"order_id": None, "connection_id": connection_id,
                                                              "amazon_order_id": key})], now=T0)
    return event_id


def _receiver(session, store: Store, connection_id: int, name: str, secret: str = "whsec_x"):
    return receivers.add_receiver(session, store.box, connection_id=connection_id, kind="webhook", name=name,
                                  config={"url": "https://wms.example.com/"}, secrets={"signing": [secret]},
                                  file_format="json", actor="test", now=T0)


def test_b14_fan_out_is_idempotent_per_connection_and_from_the_receivers_start(db_store: Store) -> None:
    with db_store.uow() as session:
        a = _connection(session, db_store, "a", "SELLERA")
        b = _connection(session, db_store, "b", "SELLERB")
        _event(session, a, "before-receivers")
        wms = _receiver(session, db_store, a, "wms")
        paused = _receiver(session, db_store, a, "paused")
        receivers.set_paused(session, paused.id, True, actor="test", now=T0)
        mine = [_event(session, a, f"A-{i}") for i in range(3)]
        _event(session, a, "A-other", topic="shipment.confirmed")  # not for the warehouse
        _event(session, b, "B-1")  # another connection's
    later = T0 + repo.PG_SETTLE  # the events are settled (see the PostgreSQL test below)
    for _ in range(2):  # twice, as two racing runs would: each delivery once
        with db_store.uow() as session:
            repo.fan_out(session, a, topics=WAREHOUSE_TOPICS, now=later, limit=2)
            repo.fan_out(session, a, topics=WAREHOUSE_TOPICS, now=later, limit=500)
    with db_store.engine.connect() as conn:
        rows = conn.execute(text("SELECT receiver_id, event_id, message_id, status FROM deliveries "
                                 "ORDER BY receiver_id, event_id")).all()
        cursors = dict(conn.execute(text("SELECT id, event_cursor FROM receivers")).all())
    assert [(r.receiver_id, r.event_id) for r in rows] == [(wms.id, e) for e in mine] + [(paused.id, e) for e in mine]
    assert {r.status for r in rows} == {"pending"} and rows[0].message_id == f"sb-{wms.id}-{mine[0]}"
    assert cursors[wms.id] == cursors[paused.id] > mine[-1]
    with db_store.uow(read_only=True) as session:
        assert [d.message_id for d in repo.due(session, wms.id, now=later, limit=10)] == [
            f"sb-{wms.id}-{e}" for e in mine]
        active = receivers.specs(session, db_store.box, a, now=T0)
    assert [s.name for s in active] == ["wms"]  # paused: fanned out, not sent


def test_b14_a3_secrets_are_ciphertext_and_the_older_one_expires_after_the_rotation(db_store: Store) -> None:
    with db_store.uow() as session:
        a = _connection(session, db_store, "a", "SELLERA")
        wms = _receiver(session, db_store, a, "wms", secret="whsec_first_secret")
        receivers.set_secrets(session, db_store.box, wms.id, {"signing": ["whsec_second", "whsec_first_secret"]},
                              rotation_ends_at=T0 + timedelta(hours=24), now=T0)
    with db_store.engine.connect() as conn:
        raw = conn.execute(text("SELECT secrets_enc, config FROM receivers")).one()
    assert "whsec_" not in raw.secrets_enc and "whsec_" not in str(raw.config)
    with db_store.uow(read_only=True) as session:
        during = receivers.specs(session, db_store.box, a, now=T0 + timedelta(hours=23))[0]
        after = receivers.specs(session, db_store.box, a, now=T0 + timedelta(hours=24))[0]
        record = receivers.require(session, wms.id)
    assert during.secrets["signing"] == ["whsec_second", "whsec_first_secret"]
    assert after.secrets["signing"] == ["whsec_second"]
    assert "whsec" not in repr(during) and "whsec" not in repr(record)


def test_b14_h1_acks_change_only_sent_deliveries_and_redelivery_starts_over(db_store: Store) -> None:
    with db_store.uow() as session:
        a = _connection(session, db_store, "a", "SELLERA")
        wms = _receiver(session, db_store, a, "wms")
        for i in range(3):
            _event(session, a, f"A-{i}")
        repo.fan_out(session, a, topics=WAREHOUSE_TOPICS, now=T0, limit=500)
        ids = [d.id for d in repo.due(session, wms.id, now=T0, limit=10)]
        sent = Attempt(ok=True, acknowledged=False, duration_ms=3, excerpt="batch-1.json", batch_name="batch-1.json")
        failed = Attempt(ok=False, acknowledged=False, duration_ms=9, excerpt="500: busy", status=500)
        repo.record(session, [AttemptOutcome(ids[0], sent, "sent"), AttemptOutcome(ids[1], sent, "sent"),
                              AttemptOutcome(ids[2], failed, "failed", error="gave up")], now=T0)
    with db_store.uow() as session:
        assert repo.unacknowledged_batches(session, wms.id) == ["batch-1.json"]
        assert repo.acknowledge_batches(session, ["batch-1.json"], now=T0, receiver_id=wms.id) == 2
        assert repo.acknowledge_batches(session, ["batch-1.json"], now=T0, receiver_id=wms.id) == 0
        assert repo.acknowledge_ids(session, [ids[2]], now=T0) == 0  # not waiting for an ack
        receivers.set_breaker(session, wms.id, Breaker(State.OPEN, 5, 1, T0 + timedelta(hours=1)), now=T0)
        again = repo.redeliver(session, now=T0 + timedelta(minutes=5), receiver_id=wms.id)
        assert [d.id for d in again] == [ids[2]]
        assert again[0].status == "pending" and again[0].first_attempt_at is None
        assert receivers.breaker(session, wms.id).retry_at == T0 + timedelta(minutes=5)  # probes at once
    with db_store.uow(read_only=True) as session:
        shown = repo.get(session, ids[2], with_attempts=True)
        page, total = repo.list_deliveries(session, receiver_id=wms.id, status="acknowledged")
    assert [a.status for a in shown.attempt_log] == [500] and shown.attempts == 1
    assert total == 2 and {d.id for d in page} == set(ids[:2])


def test_b14_outbox_events_carry_their_connection_as_a_column(db_store: Store) -> None:
    with db_store.uow() as session:
        a = _connection(session, db_store, "a", "SELLERA")
        _event(session, a, "A-1")
        outbox.add_event(session, topic="order.cancelled", key="A-1", version=2,
                         payload={"order_id": 7, "connection_id": a}, now=T0)
        outbox.add_event(session, topic="other", key="x", version=1, payload={"connection_id": "nope"}, now=T0)
    with db_store.engine.connect() as conn:
        assert [r.connection_id for r in conn.execute(text("SELECT connection_id FROM outbox ORDER BY id"))] == [
            a, a, None]


def test_b14_on_postgresql_the_cursor_waits_for_events_to_settle_so_a_late_commit_is_not_stepped_over(
        db_store: Store) -> None:
    with db_store.uow() as session:
        a = _connection(session, db_store, "a", "SELLERA")
        wms = _receiver(session, db_store, a, "wms")
        _event(session, a, "A-1")  # created at T0
    with db_store.uow() as session:
        repo.fan_out(session, a, topics=WAREHOUSE_TOPICS, now=T0 + timedelta(seconds=5), limit=500)
        cursor = receivers.require(session, wms.id).event_cursor
        assert repo.fan_out(session, a, topics=WAREHOUSE_TOPICS, now=T0 + timedelta(seconds=6), limit=500) == (
            1 if db_store.engine.dialect.name == "postgresql" else 0)  # read again until settled
        repo.fan_out(session, a, topics=WAREHOUSE_TOPICS, now=T0 + repo.PG_SETTLE, limit=500)
        settled = receivers.require(session, wms.id).event_cursor
    with db_store.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM deliveries")).scalar_one() == 1  # once, however often read
    if db_store.engine.dialect.name == "postgresql":
        assert cursor < settled
    else:
        assert cursor == settled
