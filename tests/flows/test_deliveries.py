"""The delivery flow with a real webhook receiver on loopback (B14, B13, B9, H1), SQLite and PostgreSQL.

The receiver verifies every signature and is idempotent by message id (tests/support/webhook_receiver.py);
simulated hours pass on the hub's injected clock (the sandbox's), so a day of retries takes seconds.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import text

from sellerbridge.db.repositories import customers, order_reads
from sellerbridge.domain.deliveries import breaker as breakers
from sellerbridge.domain.deliveries.retry import RETRY_FOR
from sellerbridge.services import deliveries as delivery_service
from sellerbridge.services import receivers as receiver_service
from tests.support.deliveries import (
    DELIVERIES,
    add_webhook,
    breaker_of,
    deliver,
    new_orders,
    quick_timeouts,
    statuses,
)
from tests.support.flows import run_flow, sync_orders
from tests.support.warehouse_schema import check_message
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.server
def test_b14_receiver_down_for_hours_then_back_every_order_delivered_once_breaker_opens_and_closes(world):
    quick_timeouts(world)
    with WebhookReceiver() as receiver:
        wms = add_webhook(world, receiver)
        ids = new_orders(world, 8)
        receiver.mode = "500"
        first = deliver(world)
        assert first.counts["events"] == 8
        assert first.counts["attempts"] == breakers.FAILURE_THRESHOLD  # then the breaker opened
        assert breaker_of(world, wms.id) == "open"
        seen = len(receiver.requests)
        assert deliver(world).counts["attempts"] == 0 and len(receiver.requests) == seen  # open: nothing sent

        modes = ["500", "timeout", "drop", "429"]
        opened_runs = 0
        for step in range(36):  # six simulated hours down, in ten-minute steps
            receiver.mode = modes[step % len(modes)]
            world.advance(600)
            report = deliver(world)
            assert report.status in ("done", "partial")
            assert report.counts["attempts"] <= 1  # a probe at most: the breaker keeps it from hammering
            opened_runs += breaker_of(world, wms.id) == "open"
        assert opened_runs == 36
        before = set(receiver.processed)  # a timed-out request may have been processed all the same

        receiver.mode = "lost"  # processed, but the answer is lost: the hub must send it again
        world.advance(3600)
        deliver(world)
        lost = set(receiver.processed)  # every one processed so far had its answer lost
        assert len(lost - before) == 1
        receiver.mode = "ok"
        for _ in range(12):
            world.advance(1800)
            deliver(world)
            if statuses(world) == Counter(acknowledged=8):
                break

        assert statuses(world) == Counter(acknowledged=8)
        assert receiver.orders() == Counter({order_id: 1 for order_id in ids})  # every order, once
        assert set(receiver.processings.values()) == {1}  # none processed twice
        sent = Counter(message_id for message_id, _, _ in receiver.requests)
        assert all(sent[m] >= 2 for m in lost)  # redelivered after the lost answer, not processed again
        assert receiver.bad_signatures == 0
        assert breaker_of(world, wms.id) == "closed"
        answers = Counter(r.status for r in world.rows("SELECT status FROM delivery_attempts"))
        assert answers[500] > 0 and answers[429] > 0 and answers[None] > 0 and answers[200] == 8
        for message in receiver.processed.values():
            check_message(message)
            assert message["pii"] == "withheld" and message["order"]["ship_to"] is None


def test_b14_a_delivery_retried_past_a_day_fails_to_the_error_log_and_redelivers(world):
    with WebhookReceiver() as receiver:
        wms = add_webhook(world, receiver)
        [order_id] = new_orders(world, 1)
        receiver.mode = "500"
        deliver(world)
        hours = 0
        while statuses(world)["failed"] == 0 and hours < 40:
            world.advance(3600)
            hours += 1
            deliver(world)
        assert statuses(world) == Counter(failed=1)
        assert hours * 3600 >= RETRY_FOR.total_seconds() - 3600  # retried for at least a day
        [error] = world.open_errors()
        assert error.kind == "delivery" and "wms" in error.where and "500" in error.message

        receiver.mode = "ok"
        again = delivery_service.redeliver(world.hub, receiver=wms.id)
        assert len(again["items"]) == 1 and again["connection_id"] == world.connection_id
        assert deliver(world).counts["acknowledged"] == 1
        assert receiver.orders() == Counter({order_id: 1})
        assert world.open_errors() == []


def _personal_values(world, amazon_order_id: str) -> list[str]:
    with world.hub.store.uow(read_only=True) as session:
        order = order_reads.get_by_amazon_id(session, world.connection_id, amazon_order_id)
        detail = order_reads.get_order_detail(session, order.id, box=world.hub.store.box)
        customer = customers.get_customer(session, order.customer_id, box=world.hub.store.box)
    address = detail.address
    values = [address.name, address.line1, address.line2, address.line3, address.postal_code, address.phone,
              customer.name if customer else None, customer.email if customer else None]
    return [v for v in values if v and len(v) > 3]


def test_b13_no_buyer_data_to_a_receiver_not_allowed_over_every_message_type(world):
    with WebhookReceiver() as plain, WebhookReceiver() as trusted:
        add_webhook(world, plain, "plain")
        add_webhook(world, trusted, "trusted", pii=True)
        ids = new_orders(world, 4)
        world.cancel(ids[0], "BUYER_REQUEST")
        world.past_search_lag()
        sync_orders(world.hub, world.connection_id)
        deliver(world)
        world.cancel(ids[0], "AMAZON")
        world.past_search_lag()
        sync_orders(world.hub, world.connection_id)
        deliver(world)

        topics = Counter(m["topic"] for m in plain.processed.values())
        assert topics == Counter({"order.created": 4, "order.cancel_requested": 1, "order.cancelled": 1})
        for message in plain.processed.values():
            check_message(message)
            assert message["pii"] == "withheld"
            text = json.dumps(message, ensure_ascii=False)
            for value in _personal_values(world, message["order"]["amazon_order_id"]):
                assert value not in text, f"{message['topic']} carries buyer data"
        allowed = [m for m in trusted.processed.values() if m["topic"] == "order.created"]
        assert len(allowed) == 4 and all(m["pii"] == "included" and m["order"]["ship_to"] for m in allowed)
        for message in trusted.processed.values():
            check_message(message)
        attempts = " ".join(r.excerpt or "" for r in world.rows("SELECT excerpt FROM delivery_attempts"))
        for order_id in ids:
            for value in _personal_values(world, order_id):
                assert value not in attempts


def test_b9_a_cancellation_after_delivery_reaches_the_receiver(world):
    with WebhookReceiver() as receiver:
        add_webhook(world, receiver)
        ids = new_orders(world, 2)
        deliver(world)
        assert receiver.orders() == Counter({i: 1 for i in ids})
        world.cancel(ids[1], "AMAZON")
        world.past_search_lag()
        sync_orders(world.hub, world.connection_id)
        assert deliver(world).counts["acknowledged"] == 1
        [cancelled] = [m for m in receiver.processed.values() if m["topic"] == "order.cancelled"]
        assert cancelled["order"]["amazon_order_id"] == ids[1] and cancelled["order"]["status"] == "cancelled"


def test_b3_fba_orders_never_produce_deliveries_and_the_builder_skips_what_never_goes_out(world):
    with WebhookReceiver() as receiver:
        add_webhook(world, receiver)
        world.create_orders(3, status="Unshipped", fba=True)
        world.past_search_lag()
        sync_orders(world.hub, world.connection_id)
        assert deliver(world).counts["events"] == 0 and statuses(world) == Counter()
        # an event for an order the warehouse never gets (written by hand): skipped, never sent
        [fba] = world.rows("SELECT id, amazon_order_id FROM orders WHERE fulfillment = 'AFN' ORDER BY id LIMIT 1")
        with world.hub.store.engine.begin() as conn:
            conn.execute(text("INSERT INTO outbox (topic, key, version, payload, created_at, connection_id) "
                              "VALUES ('order.created', :k, 99, :p, :at, :c)"),
                         {"k": fba.amazon_order_id, "p": json.dumps({"order_id": fba.id}),
                          "at": world.hub.now().replace(tzinfo=None), "c": world.connection_id})
        report = deliver(world)
        assert report.counts["skipped"] == 1 and statuses(world) == Counter(skipped=1)
        assert receiver.requests == []


def test_b14_rotation_both_secrets_verify_during_it_only_the_new_one_after(world):
    with WebhookReceiver() as receiver:
        wms = add_webhook(world, receiver)
        old = receiver.secrets[0]
        assert receiver_service.test_receiver(world.hub, wms)["ok"]
        new = receiver_service.rotate_secret(world.hub, wms, actor="cli:admin").secret
        assert new and new != old
        for secrets in ([old], [new]):
            receiver.secrets = secrets
            assert receiver_service.test_receiver(world.hub, wms)["ok"], secrets
        assert receiver.headers_seen[-1]["Sellerbridge-Signature"].count("v1=") == 2
        receiver_service.finish_rotation(world.hub, wms, actor="cli:admin")
        receiver.secrets = [old]
        refused = receiver_service.test_receiver(world.hub, wms)
        assert not refused["ok"] and refused["status"] == 401
        receiver.secrets = [new]
        assert receiver_service.test_receiver(world.hub, wms)["ok"]
        assert receiver.headers_seen[-1]["Sellerbridge-Signature"].count("v1=") == 1
        assert receiver.bad_signatures == 1
        actions = [a["action"] for a in receiver_service.show(world.hub, wms.id)["audit"]]
        assert actions == ["added", "secret_rotated", "rotation_finished"]


def test_b14_the_older_secret_expires_by_itself_after_the_grace_period(world):
    with WebhookReceiver() as receiver:
        wms = add_webhook(world, receiver)
        old = receiver.secrets[0]
        receiver_service.rotate_secret(world.hub, wms, actor="cli:admin")
        world.advance(timedelta(hours=world.settings.webhook_rotation_grace_hours, minutes=1).total_seconds())
        receiver.secrets = [old]
        assert not receiver_service.test_receiver(world.hub, wms)["ok"]


def test_b14_a_poll_that_stored_orders_asks_for_the_delivery_run_at_once(world):
    from sellerbridge.jobs.scheduler import ensure_jobs

    ensure_jobs(world.hub)
    key = f"deliveries:{world.connection_id}"
    [before] = world.rows("SELECT requested_at, next_run_at FROM jobs WHERE key = :k", k=key)
    with WebhookReceiver() as receiver:
        add_webhook(world, receiver)
        new_orders(world, 2)
        [after] = world.rows("SELECT requested_at, requests FROM jobs WHERE key = :k", k=key)
        assert before.requested_at is None and after.requested_at is not None and after.requests == 1
        world.advance(30)
        sync_orders(world.hub, world.connection_id)  # nothing new: not asked again
        [again] = world.rows("SELECT requests FROM jobs WHERE key = :k", k=key)
        assert again.requests == 1


def test_h1_an_undelivered_message_is_reprocessed_from_the_error_log(world):
    from sellerbridge.services import errors as error_service

    with WebhookReceiver() as receiver:
        add_webhook(world, receiver)
        [order_id] = new_orders(world, 1)
        receiver.mode = "500"
        deliver(world)
        while statuses(world)["failed"] == 0:
            world.advance(3600)
            deliver(world)
        [error] = world.open_errors()
        receiver.mode = "ok"
        record = error_service.reprocess(world.hub, error.id)
        assert error_service.reprocess_flow(record) == DELIVERIES
        assert run_flow(world.hub, error_service.reprocess_flow(record), world.connection_id).counts[
            "acknowledged"] == 1
        assert receiver.orders() == Counter({order_id: 1}) and world.open_errors() == []
