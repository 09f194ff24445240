"""B1 push path: subscribing a seller to ORDER_CHANGE through Amazon's Notifications API (the sandbox)."""

from __future__ import annotations

import pytest

from sellerbridge.amazon.auth import SellerCredentials
from sellerbridge.amazon.clock import SystemClock
from sellerbridge.amazon.errors import AuthError
from sellerbridge.amazon.regions import ConnectionEndpoints
from sellerbridge.amazon.subscriptions import subscribe_order_change
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

        assert first.destination_id and first.subscription_id
        assert again.destination_id == first.destination_id and again.subscription_id is None  # 409: subscribed
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
