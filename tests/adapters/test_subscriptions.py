"""B1 push path: subscribing a seller to ORDER_CHANGE through Amazon's Notifications API (the sandbox)."""

from __future__ import annotations

import pytest

from sellerbridge.amazon.errors import AmazonError, AuthError
from sellerbridge.amazon.notifications.subscriptions import (
    route_sandbox_queue,
    subscribe_order_change,
    unsubscribe_order_change,
)
from sellerbridge.amazon.regions import ConnectionEndpoints
from sellerbridge.amazon.transport.auth import SellerCredentials
from sellerbridge.domain.common.clock import SystemClock
from tests.support.sandbox import Sandbox, live_server

pytestmark = pytest.mark.server

ARN = "arn:aws:sqs:us-east-1:123456789012:hub-subscription-test"


def _credentials(creds, **changes) -> SellerCredentials:
    values = dict(seller_id=creds.seller_id, marketplace_id=creds.marketplace_ids[0], region=creds.region,
                  client_id=creds.client_id, client_secret=creds.client_secret, refresh_token=creds.refresh_token)
    return SellerCredentials(**{**values, **changes})


def test_b1_order_change_subscription_is_created_once_and_a_repeat_reuses_it(sandbox: Sandbox):
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5, seed=3)
    with live_server(sandbox.app) as base_url:
        endpoints = ConnectionEndpoints.local_sandbox(base_url)
        first = subscribe_order_change(_credentials(creds), endpoints, ARN, clock=SystemClock())
        again = subscribe_order_change(_credentials(creds), endpoints, ARN, clock=SystemClock())

        assert first.destination_id and first.subscription_id and first.created
        # 409: subscribed already; getSubscription names the existing subscription and where it delivers
        assert again.destination_id == first.destination_id and not again.created
        assert again.subscription_id == first.subscription_id and not again.delivers_elsewhere
        # the orders of that seller are now announced to the queue's ARN
        sandbox.http.post("/_sandbox/sqs", json={"arn": ARN, "url": f"{base_url}/nowhere"})
        sandbox.http.post(f"/_sandbox/sellers/{creds.seller_id}/orders", json={"count": 2, "status": "Unshipped"})
        sent = sandbox.http.get("/_sandbox/notifications", params={"seller_id": creds.seller_id,
                                                                    "type": "ORDER_CHANGE"}).json()
        assert len(sent["notifications"]) >= 2


def test_a3_a_refused_client_secret_is_an_auth_error_without_the_secret(sandbox: Sandbox):
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5, seed=4)
    with live_server(sandbox.app) as base_url, pytest.raises(AuthError) as caught:
        subscribe_order_change(_credentials(creds, client_secret="amzn1.oa2-cs.v1.wrong-secret-value"),
                               ConnectionEndpoints.local_sandbox(base_url), ARN, clock=SystemClock())
    assert "wrong-secret-value" not in str(caught.value) and creds.client_secret not in str(caught.value)


def test_b1_subscribed_to_another_queue_already_is_reported_not_hidden(sandbox: Sandbox):
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5, seed=5)
    with live_server(sandbox.app) as base_url:
        endpoints = ConnectionEndpoints.local_sandbox(base_url)
        first = subscribe_order_change(_credentials(creds), endpoints, ARN, clock=SystemClock())
        other = subscribe_order_change(_credentials(creds), endpoints, f"{ARN}-other", clock=SystemClock())

    assert other.destination_id != first.destination_id and not other.created
    assert other.subscribed_destination_id == first.destination_id and other.delivers_elsewhere


def test_b1_unsubscribe_deletes_the_subscription_and_the_destination_only_when_unused(sandbox: Sandbox):
    mine = sandbox.create_seller(marketplaces=["US"], catalog_size=5, seed=6)
    r = sandbox.http.post("/_sandbox/sellers", json={"marketplaces": ["CA"], "client_id": mine.client_id,
                                                     "client_secret": mine.client_secret})
    theirs = type(mine)(**r.json())  # another seller of the same application
    notifications = sandbox.backend.notifications
    with live_server(sandbox.app) as base_url:
        endpoints = ConnectionEndpoints.local_sandbox(base_url)
        clock = SystemClock()
        subscribed = subscribe_order_change(_credentials(mine), endpoints, ARN, clock=clock)
        subscribe_order_change(_credentials(theirs), endpoints, ARN, clock=clock)

        gone = unsubscribe_order_change(_credentials(mine), endpoints, clock=clock, delete_destination=True)

        assert gone.subscription_id == subscribed.subscription_id and gone.destination_id == subscribed.destination_id
        assert not gone.destination_deleted  # the other seller's subscription still uses it (Amazon's 403)
        assert subscribed.subscription_id not in notifications.subscriptions
        assert subscribed.destination_id in notifications.destinations
        again = unsubscribe_order_change(_credentials(mine), endpoints, clock=clock, delete_destination=True)
        assert again.subscription_id is None and again.destination_id is None  # nothing left: not an error

        last = unsubscribe_order_change(_credentials(theirs), endpoints, clock=clock, delete_destination=True)

        assert last.destination_deleted and notifications.destinations == {}


def test_i4_the_sandbox_routes_a_queue_to_a_url_and_a_non_sandbox_refuses(sandbox: Sandbox):
    with live_server(sandbox.app) as base_url:
        route_sandbox_queue(base_url, ARN, "http://127.0.0.1:9/intake")
        assert sandbox.backend.notifications.http_endpoints == {ARN: "http://127.0.0.1:9/intake"}
        route_sandbox_queue(base_url, ARN, None)
        assert sandbox.backend.notifications.http_endpoints == {}
        with pytest.raises(AmazonError) as caught:
            route_sandbox_queue(f"{base_url}/not-a-sandbox", ARN, "http://127.0.0.1:9/intake")
    assert "not a local sellerbridge sandbox" in str(caught.value) and not caught.value.retryable
