"""B1 push path: subscribing a seller to ORDER_CHANGE through Amazon's Notifications API (the sandbox),
through the gateway's one call path (budget, retries, call log, run id), and the sandbox's queue routing."""

from __future__ import annotations

import pytest

from sellerbridge.amazon.errors import AuthError
from sellerbridge.amazon.gateway import AmazonGateway
from sellerbridge.amazon.regions import ConnectionEndpoints
from sellerbridge.amazon.transport.auth import SellerCredentials
from sellerbridge.amazon.transport.calllog import run_scope
from sellerbridge.amazon.transport.throttle import InProcessBucketStore
from sellerbridge.cli.sandbox_queue import route_sandbox_queue
from sellerbridge.domain.common.clock import SystemClock
from sellerbridge.domain.common.errors import ConfigError
from tests.adapters.test_gateway_support import CallLog
from tests.support.sandbox import Sandbox, live_server

pytestmark = pytest.mark.server

ARN = "arn:aws:sqs:us-east-1:123456789012:hub-subscription-test"
GRANTLESS = ("createDestination", "getDestinations", "deleteDestination", "deleteSubscriptionById")


class KeyedBuckets(InProcessBucketStore):
    """The gateway's real buckets, remembering which budget each call spent."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: set[str] = set()

    def reserve(self, key: str, *args, **kwargs) -> float:
        self.keys.add(key)
        return super().reserve(key, *args, **kwargs)


def _credentials(creds, **changes) -> SellerCredentials:
    values = dict(seller_id=creds.seller_id, marketplace_id=creds.marketplace_ids[0], region=creds.region,
                  client_id=creds.client_id, client_secret=creds.client_secret, refresh_token=creds.refresh_token)
    return SellerCredentials(**{**values, **changes})


def _gateway(creds, base_url: str, log: CallLog | None = None, buckets: InProcessBucketStore | None = None,
             **changes) -> AmazonGateway:
    return AmazonGateway(_credentials(creds, **changes), ConnectionEndpoints.local_sandbox(base_url),
                         buckets=buckets or InProcessBucketStore(), clock=SystemClock(), call_sink=log, timeout=10)


def test_b1_order_change_subscription_is_created_once_and_a_repeat_reuses_it(sandbox: Sandbox):
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5, seed=3)
    log = CallLog()
    with live_server(sandbox.app) as base_url, _gateway(creds, base_url, log) as gateway:
        with run_scope(21):
            first = gateway.subscribe_order_change(ARN)
        in_run = len(log.records)  # the grantless token, createDestination, the seller's token, createSubscription
        again = gateway.subscribe_order_change(ARN)

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
    # every call went the gateway's way: one record per attempt, with the run it was made in
    assert log.statuses("createDestination") == [200, 409] and log.statuses("getDestinations") == [200]
    assert log.statuses("createSubscription") == [200, 409] and log.statuses("getSubscription") == [200]
    assert in_run == 4 and {r.run_id for r in log.records[:in_run]} == {21}
    assert {r.run_id for r in log.records[in_run:]} == {None}
    # a grantless token and the seller's, each bought once and reused from its cache
    assert [r.request_summary.rsplit("=", 1)[-1] for r in log.of("lwaToken")] == ["client_credentials",
                                                                                 "refresh_token"]


def test_g1_grantless_calls_spend_the_applications_budget_shared_by_its_sellers(sandbox: Sandbox):
    mine = sandbox.create_seller(marketplaces=["US"], catalog_size=5, seed=8)
    r = sandbox.http.post("/_sandbox/sellers", json={"marketplaces": ["CA"], "client_id": mine.client_id,
                                                     "client_secret": mine.client_secret})
    theirs = type(mine)(**r.json())  # another seller of the same application
    buckets = KeyedBuckets()
    with live_server(sandbox.app) as base_url:
        for creds in (mine, theirs):
            with _gateway(creds, base_url, buckets=buckets) as gateway:
                gateway.subscribe_order_change(ARN)
    keys, region = buckets.keys, mine.region
    assert f"app:{mine.client_id}:{region}:createDestination" in keys  # one bucket for the application ...
    assert not any(k.endswith(":createDestination") and k.startswith((mine.seller_id, theirs.seller_id))
                   for k in keys)
    assert {f"{mine.seller_id}:{region}:createSubscription",  # ... and the seller's own for seller calls
            f"{theirs.seller_id}:{region}:createSubscription"} <= keys


def test_a3_a_refused_client_secret_is_an_auth_error_without_the_secret(sandbox: Sandbox):
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5, seed=4)
    with (
        live_server(sandbox.app) as base_url,
        _gateway(creds, base_url, client_secret="amzn1.oa2-cs.v1.wrong-secret-value") as gateway,
        pytest.raises(AuthError) as caught,
    ):
        gateway.subscribe_order_change(ARN)
    assert "wrong-secret-value" not in str(caught.value) and creds.client_secret not in str(caught.value)
    assert not caught.value.retryable


def test_b1_subscribed_to_another_queue_already_is_reported_not_hidden(sandbox: Sandbox):
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5, seed=5)
    with live_server(sandbox.app) as base_url, _gateway(creds, base_url) as gateway:
        first = gateway.subscribe_order_change(ARN)
        other = gateway.subscribe_order_change(f"{ARN}-other")

    assert other.destination_id != first.destination_id and not other.created
    assert other.subscribed_destination_id == first.destination_id and other.delivers_elsewhere


def test_b1_unsubscribe_deletes_the_subscription_and_the_destination_only_when_unused(sandbox: Sandbox):
    mine = sandbox.create_seller(marketplaces=["US"], catalog_size=5, seed=6)
    r = sandbox.http.post("/_sandbox/sellers", json={"marketplaces": ["CA"], "client_id": mine.client_id,
                                                     "client_secret": mine.client_secret})
    theirs = type(mine)(**r.json())  # another seller of the same application
    notifications = sandbox.backend.notifications
    log = CallLog()
    with live_server(sandbox.app) as base_url, _gateway(mine, base_url, log) as me, \
            _gateway(theirs, base_url) as them:
        subscribed = me.subscribe_order_change(ARN)
        them.subscribe_order_change(ARN)

        gone = me.unsubscribe_order_change(delete_destination=True)

        assert gone.subscription_id == subscribed.subscription_id and gone.destination_id == subscribed.destination_id
        assert not gone.destination_deleted  # the other seller's subscription still uses it (Amazon's 403)
        assert subscribed.subscription_id not in notifications.subscriptions
        assert subscribed.destination_id in notifications.destinations
        again = me.unsubscribe_order_change(delete_destination=True)
        assert again.subscription_id is None and again.destination_id is None  # nothing left: not an error

        last = them.unsubscribe_order_change(delete_destination=True)

        assert last.destination_deleted and notifications.destinations == {}
    assert log.statuses("deleteSubscriptionById") == [200] and log.statuses("deleteDestination") == [403]
    assert log.statuses("getSubscription") == [200, 404]


def test_i4_the_sandbox_routes_a_queue_to_a_url_and_a_non_sandbox_refuses(sandbox: Sandbox):
    with live_server(sandbox.app) as base_url:
        route_sandbox_queue(base_url, ARN, "http://127.0.0.1:9/intake")
        assert sandbox.backend.notifications.http_endpoints == {ARN: "http://127.0.0.1:9/intake"}
        route_sandbox_queue(base_url, ARN, None)
        assert sandbox.backend.notifications.http_endpoints == {}
        with pytest.raises(ConfigError) as caught:
            route_sandbox_queue(f"{base_url}/not-a-sandbox", ARN, "http://127.0.0.1:9/intake")
    assert "not a local sellerbridge sandbox" in str(caught.value)
