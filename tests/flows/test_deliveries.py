"""The delivery flow with a real webhook receiver on loopback (B14, B13, B9, H1), SQLite and PostgreSQL.

The receiver verifies every signature and is idempotent by message id (tests/support/webhook_receiver.py);
simulated hours pass on the hub's injected clock (the sandbox's), so a day of retries takes seconds.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import text

from sellerbridge.channels.webhook import WebhookTransport
from sellerbridge.db.repositories import customers, order_reads
from sellerbridge.domain.deliveries import breaker as breakers
from sellerbridge.domain.deliveries.retry import RETRY_FOR
from sellerbridge.services import deliveries as delivery_service
from sellerbridge.services import receivers as receiver_service
from tests.support.flows import run_flow, sync_orders
from tests.support.warehouse_schema import check_message
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.server
DELIVERIES = "deliveries"


def add_webhook(world, receiver: WebhookReceiver, name: str = "wms", *, pii: bool = False):
    revealed = receiver_service.add_receiver(world.hub, world.connection_id, name=name, kind="webhook",
                                             url=receiver.url, actor="test")
    receiver.secrets.append(revealed.secret)
    if pii:
        receiver_service.set_pii(world.hub, revealed.receiver, True, actor="cli:admin")
    return revealed.receiver


def quick_timeouts(world) -> None:
    """The webhook transport with a short read timeout (a slow receiver costs half a real second)."""
    world.hub._transports = {"webhook": WebhookTransport(
        client=httpx.Client(timeout=httpx.Timeout(0.5, connect=0.5), follow_redirects=False))}


def deliver(world):
    return run_flow(world.hub, DELIVERIES, world.connection_id)


def statuses(world) -> Counter:
    return Counter(r.status for r in world.rows("SELECT status FROM deliveries WHERE event_id IS NOT NULL"))


def breaker_of(world, receiver_id: int) -> str:
    [row] = world.rows("SELECT breaker_state FROM receivers WHERE id = :r", r=receiver_id)
    return row.breaker_state


def new_orders(world, count: int) -> list[str]:
    ids = world.create_orders(count, status="Unshipped", fba=False)
    world.past_search_lag()
    assert sync_orders(world.hub, world.connection_id).counts["created"] == count
    return ids


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


def test_b14_amazon_cancelling_units_of_a_delivered_order_sends_order_updated(world):
    backend = world.sandbox.backend
    with WebhookReceiver() as receiver:
        add_webhook(world, receiver)
        [target] = world.create_orders(1, status="Unshipped", fba=False)
        with backend.lock:  # three units of the first line (the sandbox's control API has no such knob)
            seller = backend.sellers[world.seller_id]
            seller.orders[target].lines[0].quantity = 3
            backend.touch_order(seller, seller.orders[target])
        world.past_search_lag()
        sync_orders(world.hub, world.connection_id)
        deliver(world)
        with backend.lock:  # Amazon cancels one of them
            seller.orders[target].lines[0].quantity_cancelled = 1
            backend.touch_order(seller, seller.orders[target])
        world.past_search_lag()
        sync_orders(world.hub, world.connection_id)
        deliver(world)
        [updated] = [m for m in receiver.processed.values() if m["topic"] == "order.updated"]
        assert updated["order"]["amazon_order_id"] == target
        line = updated["order"]["lines"][0]
        assert line["quantity"] == 3 and line["quantity_cancelled"] == 1


def test_b14_a_file_receiver_gets_one_batch_per_run_and_waits_for_its_ack(world, tmp_path):
    from sellerbridge.services import receivers as receivers_service
    from tests.support.file_drop import DirectoryDrop

    drop = DirectoryDrop()
    world.hub._transports = {**world.hub.transports(), "local_dir": drop}
    directory = tmp_path / "drop"
    directory.mkdir()
    receivers_service.add_receiver(world.hub, world.connection_id, name="3pl", kind="local_dir",
                                   config={"directory": str(directory)}, actor="test")
    new_orders(world, 3)
    first = deliver(world)
    assert first.counts["sent"] == 3 and drop.batches == 1 and statuses(world) == Counter(sent=3)
    [batch] = sorted(p.name for p in directory.iterdir())
    document = json.loads((directory / batch).read_text())
    assert document["batch"] == batch and len(document["messages"]) == 3
    for message in document["messages"]:
        check_message(message)
    assert first.resume_at is not None  # it comes back to look for the ack
    assert deliver(world).counts["acks"] == 0 and drop.batches == 1  # nothing new, no ack yet: no new file
    (directory / f"{batch}.ack").write_text("")
    assert deliver(world).counts["acks"] == 3
    assert statuses(world) == Counter(acknowledged=3)


def test_b14_a_file_receiver_acknowledges_by_api_batch_name(world, tmp_path):
    from sellerbridge.services import receivers as receivers_service
    from tests.support.file_drop import DirectoryDrop

    world.hub._transports = {**world.hub.transports(), "local_dir": DirectoryDrop()}
    directory = tmp_path / "drop"
    directory.mkdir()
    receivers_service.add_receiver(world.hub, world.connection_id, name="3pl", kind="local_dir",
                                   config={"directory": str(directory)}, actor="test")
    new_orders(world, 2)
    deliver(world)
    [batch] = [p.name for p in directory.iterdir()]
    assert delivery_service.acknowledge(world.hub, batches=["nope.json"]) == {"acknowledged": 0}
    assert delivery_service.acknowledge(world.hub, batches=[batch], connection="us-main") == {"acknowledged": 2}
    assert statuses(world) == Counter(acknowledged=2)


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


def test_b14_a_paused_receiver_gets_what_happened_meanwhile_once_resumed_and_redirects_are_not_followed(world):
    with WebhookReceiver() as receiver:
        wms = add_webhook(world, receiver)
        receiver_service.set_paused(world.hub, wms, True, actor="test")
        ids = new_orders(world, 2)
        assert deliver(world) is None and receiver.requests == []  # nothing active: no run at all
        receiver_service.set_paused(world.hub, wms, False, actor="test")
        receiver.mode = "redirect"
        report = deliver(world)
        assert report.counts["retrying"] == 2 and {s for _, _, s in receiver.requests} == {307}
        assert len(receiver.requests) == 2  # each sent once, the redirect not followed
        receiver.mode = "ok"
        world.advance(3600)
        deliver(world)
        assert receiver.orders() == Counter({i: 1 for i in ids})


def test_b14_a_run_says_when_it_is_due_again_and_never_spins(world, tmp_path):
    with WebhookReceiver() as receiver:
        wms = add_webhook(world, receiver)
        receiver_service.add_receiver(world.hub, world.connection_id, name="no-transport", kind="local_dir",
                                      config={"directory": str(tmp_path)}, actor="test")
        world.hub._transports = {"webhook": world.hub.transports()["webhook"]}  # no file transport here
        new_orders(world, 6)
        receiver.mode = "500"
        opened = deliver(world)
        retry_at = receiver_service.get_receiver(world.hub, wms.id).breaker_retry_at
        assert opened.resume_at is not None and opened.resume_at > world.hub.now()  # the probe, not at once
        assert opened.resume_at == retry_at
        receiver.mode = "ok"
        world.advance(120)
        closed = deliver(world)
        assert closed.counts["acknowledged"] == 6
        assert closed.resume_at is None  # nothing left: the file receiver without a transport asks for nothing


def test_b14_a_changed_ship_to_of_a_delivered_order_sends_order_updated_to_the_allowed_receiver(world):
    backend = world.sandbox.backend
    with WebhookReceiver() as plain, WebhookReceiver() as trusted:
        add_webhook(world, plain, "plain")
        add_webhook(world, trusted, "trusted", pii=True)
        [target] = new_orders(world, 1)
        deliver(world)
        with backend.lock:  # the buyer changed the address on Amazon
            seller = backend.sellers[world.seller_id]
            order = seller.orders[target]
            order.ship_to.line1 = "77 Moved Avenue"
            backend.touch_order(seller, order)
        world.past_search_lag()
        sync_orders(world.hub, world.connection_id)
        deliver(world)
        [moved] = [m for m in trusted.processed.values() if m["topic"] == "order.updated"]
        assert moved["order"]["ship_to"]["line1"] == "77 Moved Avenue"
        [told] = [m for m in plain.processed.values() if m["topic"] == "order.updated"]
        assert told["pii"] == "withheld" and "77 Moved" not in json.dumps(told)
