"""LWA tokens and Restricted Data Tokens through the gateway, against the sandbox (A2, A3, A4, B13)."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest

from sellerbridge.amazon.errors import AmazonError, AuthError
from sellerbridge.amazon.gateway import AmazonGateway
from sellerbridge.amazon.regions import ConnectionEndpoints
from sellerbridge.amazon.transport.auth import RestrictedResource
from sellerbridge.amazon.transport.throttle import InProcessBucketStore
from tests.adapters.test_gateway_support import (
    CallLog,
    OwnClock,
    create_orders,
    credentials,
    make_gateway,
    refused_port,
    served_sandbox,
)

pytestmark = pytest.mark.server


@pytest.fixture
def live():
    with served_sandbox() as (sandbox, base):
        creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5)
        [order_id] = create_orders(sandbox, creds.seller_id, 1, status="Unshipped")
        yield sandbox, base, creds, order_id


def test_a2_the_access_token_is_refreshed_before_it_expires(live):
    sandbox, base, creds, order_id = live
    log = CallLog()
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        gateway.get_order(order_id)
        sandbox.advance(3000)  # well inside the hour: the same token
        gateway.get_order(order_id)
        assert gateway.lwa.fetches == 1
        sandbox.advance(545)  # 3545 s: inside the 60 s safety margin, Amazon still accepts it
        gateway.get_order(order_id)
    assert gateway.lwa.fetches == 2
    assert log.statuses("lwaToken") == [200, 200]
    assert log.statuses("getOrder") == [200, 200, 200]  # never a 403: refreshed before Amazon refused it


def test_a2_a_token_amazon_says_expired_is_refreshed_and_the_call_retried_once(live):
    sandbox, base, creds, order_id = live
    log = CallLog()
    # the hub's clock stays put while Amazon's runs past the hour: Amazon sees an expired token
    with make_gateway(sandbox, base, creds, sink=log, clock=OwnClock(sandbox.backend.now())) as gateway:
        gateway.get_order(order_id)
        sandbox.advance(3700)
        assert gateway.get_order(order_id).amazon_order_id == order_id
    assert log.statuses("getOrder") == [200, 403, 200]
    assert [r.attempt for r in log.of("getOrder")] == [1, 1, 2]
    assert "expired" in log.of("getOrder")[1].response_excerpt
    assert gateway.lwa.fetches == 2


def test_a2_a_token_still_expired_after_one_refresh_is_not_retried_again(live):
    sandbox, base, creds, order_id = live
    sandbox.config(access_token_seconds=0)  # every token LWA gives is already expired at Amazon
    log = CallLog()
    with (
        make_gateway(sandbox, base, creds, sink=log, clock=OwnClock(sandbox.backend.now())) as gateway,
        pytest.raises(AmazonError) as caught,
    ):
        gateway.get_order(order_id)
    assert log.statuses("getOrder") == [403, 403]  # one retry, not a loop
    assert caught.value.status == 403 and not caught.value.retryable


def test_a2_an_unknown_refresh_token_is_an_auth_error_that_is_not_retryable(live):
    sandbox, base, creds, order_id = live
    log = CallLog()
    wrong = "Atzr|IwEBthis-refresh-token-was-revoked-0123456789"
    with (
        make_gateway(sandbox, base, creds, sink=log, refresh_token=wrong) as gateway,
        pytest.raises(AuthError) as caught,
    ):
        gateway.get_order(order_id)
    error = caught.value
    assert error.retryable is False and error.stops_connection
    assert error.code == "invalid_grant"
    assert "authorize the connection again" in str(error)
    for text in (str(error), repr(error.details), log.text()):
        assert wrong not in text and creds.client_secret not in text
    assert log.statuses("lwaToken") == [400]  # asked once, not hammered
    assert log.of("getOrder") == []  # nothing went to SP-API without a token


def test_a2_a_wrong_client_secret_is_invalid_client_and_not_retryable(live):
    sandbox, base, creds, order_id = live
    wrong = "amzn1.oa2-cs.v1.not-the-apps-secret-0123456789"
    with (
        make_gateway(sandbox, base, creds, client_secret=wrong) as gateway,
        pytest.raises(AuthError) as caught,
    ):
        gateway.get_order(order_id)
    assert caught.value.code == "invalid_client" and caught.value.retryable is False
    assert wrong not in str(caught.value)


def test_a2_lwa_out_of_reach_is_retried_with_backoff_then_a_retryable_auth_error(live):
    sandbox, base, creds, order_id = live
    clock = OwnClock(sandbox.backend.now())
    log = CallLog()
    with (
        refused_port() as port,
        AmazonGateway(credentials(creds), ConnectionEndpoints(base, f"http://127.0.0.1:{port}/auth/o2/token"),
                      buckets=InProcessBucketStore(), clock=clock, call_sink=log,
                      timeout=2, rng=random.Random(1)) as gateway,
        pytest.raises(AuthError) as caught,
    ):
        gateway.get_order(order_id)
    assert caught.value.retryable is True
    assert log.statuses("lwaToken") == [None] * 5
    assert len(clock.sleeps) == 4 and clock.sleeps == sorted(clock.sleeps)  # growing backoff between attempts


def test_a2_one_refresh_at_a_time_however_many_threads_ask(live):
    sandbox, base, creds, _ = live
    with make_gateway(sandbox, base, creds) as gateway:
        barrier = threading.Barrier(8)
        tokens: list[str] = []

        def ask() -> None:
            barrier.wait()
            tokens.append(gateway.lwa.get_lwa_access_token())

        threads = [threading.Thread(target=ask) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert gateway.lwa.fetches == 1 and len(set(tokens)) == 1 and len(tokens) == 8


def test_a2_test_connection_reports_what_works_and_what_failed_without_secrets(live):
    sandbox, base, creds, _ = live
    with make_gateway(sandbox, base, creds) as gateway:
        check = gateway.test_connection()
    assert check.ok and check.token_ok and check.api_ok and check.rate_limit == pytest.approx(0.0056)
    assert check.api_base_url == base
    wrong = "Atzr|IwEBsomebody-else-0123456789"
    with make_gateway(sandbox, base, creds, refresh_token=wrong) as gateway:
        check = gateway.test_connection()
    assert not check.ok and not check.token_ok
    assert "invalid_grant" in check.message and wrong not in check.message


def test_b13_restricted_data_tokens_are_cached_per_resource_set_until_they_expire(live):
    sandbox, base, creds, order_id = live
    log = CallLog()
    address = {"method": "GET", "path": f"/orders/v0/orders/{order_id}/address"}
    items = RestrictedResource("GET", f"/orders/v0/orders/{order_id}/orderItems", ("buyerInfo",))
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        first = gateway.create_rdt([address, items])
        assert gateway.create_rdt([items, address]) == first  # same set, any order: cached
        other = gateway.create_rdt([address])
        assert other != first
        sandbox.advance(3600 - 30)  # inside the safety margin before the hour ends
        renewed = gateway.create_rdt([address, items])
    assert renewed != first
    assert log.statuses("createRestrictedDataToken") == [200, 200, 200]
    # the token opens the address as Amazon's RDT rule says, and never shows in the call log
    r = sandbox.http.get(f"/orders/v0/orders/{order_id}/address", headers={"x-amz-access-token": renewed})
    assert r.status_code == 200 and r.json()["payload"]["ShippingAddress"].get("AddressLine1")
    assert first not in log.text() and renewed not in log.text()


def test_b13_an_rdt_for_a_role_the_app_lacks_is_refused_without_retry(live):
    sandbox, base, _, _ = live
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5, roles=["InventoryAndOrderTracking"])
    [order_id] = create_orders(sandbox, creds.seller_id, 1, status="Unshipped")
    log = CallLog()
    with (
        make_gateway(sandbox, base, creds, sink=log) as gateway,
        pytest.raises(AmazonError) as caught,
    ):
        gateway.create_rdt([{"method": "GET", "path": f"/orders/v0/orders/{order_id}/address"}])
    assert caught.value.status == 400 and not caught.value.retryable
    assert log.statuses("createRestrictedDataToken") == [400]


def test_a2_tokens_follow_the_gateways_clock_not_the_machines(live):
    sandbox, base, creds, order_id = live
    with make_gateway(sandbox, base, creds) as gateway:
        gateway.get_order(order_id)
        assert gateway.lwa.expires_at == sandbox.backend.now() + timedelta(seconds=3600)
