"""``sellerbridge connection subscribe|unsubscribe``: ORDER_CHANGE through Amazon's Notifications API
(B1 push path, A3, A5), against the sandbox on loopback and a hub on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest

from sellerbridge.api.app import create_api
from sellerbridge.jobs.queue import make_huey
from sellerbridge.jobs.worker import Worker
from sellerbridge.services import connections
from sellerbridge.services.notifications import SANDBOX_QUEUE_ARN
from tests.api.conftest import wait_for
from tests.flows.support import World
from tests.support.sandbox import live_server

pytestmark = pytest.mark.server

TOKEN = "intake-secret-token"  # the world's SELLERBRIDGE_INTAKE_TOKEN


def _amazon_subscriptions(world: World) -> list:
    return [s for s in world.sandbox.backend.notifications.subscriptions.values() if s.seller_id == world.seller_id]


def _routes(world: World) -> dict[str, str]:
    return world.sandbox.http.get("/_sandbox/sqs").json()["endpoints"]


def test_b1_subscribe_routes_the_queue_to_the_intake_and_orders_arrive_pushed(cli, world: World) -> None:
    r = cli("connection", "subscribe", "us-main", "--json")

    assert r.exit_code == 0, r.output
    first = json.loads(r.stdout)
    [subscription] = _amazon_subscriptions(world)
    assert first["created"] and first["subscription_id"] == subscription.subscription_id
    assert first["destination_id"] == subscription.destination_id and first["sqs_arn"] == SANDBOX_QUEUE_ARN
    # the intake URL by default, the token masked wherever it is shown (A3)
    assert _routes(world)[SANDBOX_QUEUE_ARN] == f"http://127.0.0.1:8800/intake/amazon/{TOKEN}"
    assert first["destination_url"] == "http://127.0.0.1:8800/intake/amazon/inta…" and TOKEN not in r.output

    huey = make_huey(world.settings)  # `sellerbridge run`: the API queues the fetches, a worker runs them
    worker = Worker(world.hub, huey, threads=2, name="subscribe-test")
    worker.start()
    with live_server(create_api(world.hub, queue=huey)) as hub_url:
        r = cli("connection", "subscribe", "us-main", "--destination-url", f"{hub_url}/intake/amazon/{TOKEN}")

        assert r.exit_code == 0, r.output
        assert "already subscribed" in r.output and TOKEN not in r.output
        assert subscription.subscription_id in r.output and subscription.destination_id in r.output
        assert len(_amazon_subscriptions(world)) == 1
        assert _routes(world)[SANDBOX_QUEUE_ARN] == f"{hub_url}/intake/amazon/{TOKEN}"
        ids = world.create_orders(3, status="Unshipped", fba=False)
        world.advance(1)  # the sandbox sends its notifications when its clock moves
        wait_for(lambda: set(world.stored_ids()) == set(ids))
    worker.stop(timeout=30)
    assert world.calls("searchOrders") == 0  # pushed and fetched by id, not found by a poll
    world.assert_consistent()


def test_b1_unsubscribe_deletes_the_subscription_and_on_request_the_destination(cli, world: World) -> None:
    assert cli("connection", "subscribe", "us-main").exit_code == 0
    [subscription] = _amazon_subscriptions(world)

    r = cli("connection", "unsubscribe", "us-main", "--delete-destination")

    assert r.exit_code == 0, r.output
    assert f"subscription {subscription.subscription_id} deleted" in r.output
    assert f"destination {subscription.destination_id} deleted" in r.output
    assert _amazon_subscriptions(world) == []
    assert subscription.destination_id not in world.sandbox.backend.notifications.destinations
    r = cli("connection", "unsubscribe", "us-main", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["subscription_id"] is None


def test_b1_a_second_seller_keeps_the_shared_destination_when_one_unsubscribes(cli, world: World) -> None:
    other = world.sandbox.create_seller(marketplaces=["CA"], client_id=world.creds.client_id,
                                        client_secret=world.creds.client_secret, catalog_size=3, seed=9)
    connections.add_connection(world.hub, name="ca-main", marketplace_ref="CA", client_id=other.client_id,
                               client_secret=other.client_secret, refresh_token=other.refresh_token,
                               seller_id=other.seller_id, api_base_url=world.base_url,
                               lwa_token_url=f"{world.base_url}/auth/o2/token")
    assert cli("connection", "subscribe", "us-main").exit_code == 0
    r = cli("connection", "subscribe", "ca-main", "--json")
    assert r.exit_code == 0, r.output
    [mine] = _amazon_subscriptions(world)
    assert json.loads(r.stdout)["destination_id"] == mine.destination_id  # one queue, one destination

    r = cli("connection", "unsubscribe", "us-main", "--delete-destination", "--json")

    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == {"connection": "us-main", "seller_id": world.seller_id,
                                    "subscription_id": mine.subscription_id, "destination_id": mine.destination_id,
                                    "destination_deleted": False}  # Amazon keeps it: ca-main still uses it
    assert mine.destination_id in world.sandbox.backend.notifications.destinations


def test_b1_subscribing_to_another_queue_while_subscribed_is_refused_with_exit_1(cli, world: World) -> None:
    assert cli("connection", "subscribe", "us-main").exit_code == 0

    r = cli("connection", "subscribe", "us-main", "--sqs-arn", "arn:aws:sqs:us-east-1:123456789012:another")

    assert r.exit_code == 1, r.output
    assert "unsubscribe us-main" in r.output
    [subscription] = _amazon_subscriptions(world)
    assert world.sandbox.backend.notifications.destinations[subscription.destination_id].resource == \
        {"sqs": {"arn": SANDBOX_QUEUE_ARN}}  # still the first queue


def test_a5_a3_subscribe_refuses_what_cannot_work_without_printing_secrets(cli, world: World) -> None:
    # against Amazon (no sandbox endpoints) the queue's ARN is required; refused before any call
    connections.add_connection(world.hub, name="real-us", marketplace_ref="US", client_id="amzn1.application-x",
                               client_secret="real-secret-value", refresh_token="Atzr|real-token-value",
                               seller_id="AREALSELLER")
    r = cli("connection", "subscribe", "real-us")
    assert r.exit_code == 2, r.output
    assert "--sqs-arn" in r.output and "intake/amazon/inta…" in r.output and TOKEN not in r.output
    # a disabled connection: its notifications would be ignored
    connections.disable_connection(world.hub, world.connection_id)
    r = cli("connection", "subscribe", "us-main")
    assert r.exit_code == 2 and "disabled" in r.output
    connections.enable_connection(world.hub, world.connection_id)
    # LWA refuses a wrong client secret: exit 1, the message names the cause, never the secret
    connections.update_connection(world.hub, world.connection_id, client_secret="amzn1.oa2-cs.v1.wrong-one")
    r = cli("connection", "subscribe", "us-main")
    assert r.exit_code == 1 and "invalid_client" in r.output
    assert "wrong-one" not in r.output and world.creds.refresh_token not in r.output
    assert _amazon_subscriptions(world) == []
