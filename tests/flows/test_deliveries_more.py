"""The delivery flow, more cases (B14, B9): what the warehouse is told of changes, file receivers, when a run
comes back; a real webhook receiver on loopback, SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from sellerbridge.services import deliveries as delivery_service
from sellerbridge.services import receivers as receiver_service
from tests.support.deliveries import add_webhook, deliver, new_orders, statuses
from tests.support.flows import sync_orders
from tests.support.warehouse_schema import check_message
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.server


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
