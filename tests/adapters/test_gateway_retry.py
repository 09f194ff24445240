"""Retries: 5xx bursts, broken answers and connections, and errors that must not be retried (G1, H1).

Faults are scripted in the real sandbox (``POST /_sandbox/faults``) and reach the gateway over HTTP.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from sellerbridge.amazon.errors import AmazonError
from sellerbridge.amazon.gateway import AmazonGateway
from sellerbridge.amazon.regions import ConnectionEndpoints
from sellerbridge.amazon.transport.session import iso
from sellerbridge.amazon.transport.throttle import InProcessBucketStore
from tests.adapters.test_gateway_support import (
    CallLog,
    SandboxClock,
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


def test_g1_a_burst_of_5xx_is_retried_with_growing_backoff_then_succeeds(live):
    sandbox, base, creds, order_id = live
    sandbox.fault(operation="getOrder", kind="status", status=500, count=3, seller_id=creds.seller_id)
    log = CallLog()
    clock = SandboxClock(sandbox)
    with make_gateway(sandbox, base, creds, sink=log, clock=clock) as gateway:
        assert gateway.get_order(order_id).amazon_order_id == order_id
    assert log.statuses("getOrder") == [500, 500, 500, 200]
    assert [r.attempt for r in log.of("getOrder")] == [1, 2, 3, 4]
    backoffs = [s for s in clock.sleeps if s > 0.1]
    assert len(backoffs) == 3
    for wait, (low, high) in zip(backoffs, [(0.5, 1), (1, 2), (2, 4)], strict=True):
        assert low <= wait <= high  # exponential, half jittered


def test_g1_five_503s_use_up_the_attempts_and_raise_a_retryable_error(live):
    sandbox, base, creds, order_id = live
    sandbox.fault(operation="getOrder", kind="status", status=503, count=5, seller_id=creds.seller_id)
    log = CallLog()
    with (
        make_gateway(sandbox, base, creds, sink=log) as gateway,
        pytest.raises(AmazonError) as caught,
    ):
        gateway.get_order(order_id)
        assert caught.value.retryable is True and caught.value.status == 503
        assert log.statuses("getOrder") == [503] * 5
        assert gateway.get_order(order_id).amazon_order_id == order_id  # Amazon is back: the next run works


def test_g1_a_malformed_json_answer_is_retried(live):
    sandbox, base, creds, order_id = live
    sandbox.fault(operation="getOrder", kind="malformed_json", count=2, seller_id=creds.seller_id)
    log = CallLog()
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        assert gateway.get_order(order_id).amazon_order_id == order_id
    assert log.statuses("getOrder") == [200, 200, 200]
    assert [r.attempt for r in log.of("getOrder")] == [1, 2, 3]
    # the broken body is not kept: it cannot be redacted by key and may hold buyer data (B13, issue 9)
    assert log.of("getOrder")[0].response_excerpt.endswith("bytes, not JSON: not kept]")


def test_g1_a_dropped_connection_is_retried(live):
    sandbox, base, creds, order_id = live
    sandbox.fault(operation="getOrder", kind="drop", count=1, seller_id=creds.seller_id)
    log = CallLog()
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        assert gateway.get_order(order_id).amazon_order_id == order_id
    assert log.statuses("getOrder") == [None, 200]
    assert "no answer" in log.of("getOrder")[0].response_excerpt


def test_g1_a_timeout_is_retried(live):
    sandbox, base, creds, order_id = live
    sandbox.fault(operation="getOrder", kind="slow", delay_seconds=1.5, count=1, seller_id=creds.seller_id)
    log = CallLog()
    with make_gateway(sandbox, base, creds, sink=log, timeout=0.5) as gateway:
        assert gateway.get_order(order_id).amazon_order_id == order_id
    assert log.statuses("getOrder") == [None, 200]
    assert "Timeout" in log.of("getOrder")[0].response_excerpt


def test_g1_an_unreachable_endpoint_is_retried_then_a_retryable_error(live):
    sandbox, base, creds, order_id = live
    log = CallLog()
    with (
        refused_port() as port,
        AmazonGateway(credentials(creds), ConnectionEndpoints(f"http://127.0.0.1:{port}", f"{base}/auth/o2/token"),
                      buckets=InProcessBucketStore(), clock=SandboxClock(sandbox),
                      call_sink=log, timeout=2, rng=random.Random(3)) as gateway,
        pytest.raises(AmazonError) as caught,
    ):
        gateway.get_order(order_id)
    assert caught.value.retryable is True
    assert log.statuses("getOrder") == [None] * 5


def test_h1_a_4xx_is_not_retried_and_carries_amazons_code_message_and_details(live):
    sandbox, base, creds, _ = live
    log = CallLog()
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        future = sandbox.backend.now() + timedelta(hours=1)
        with pytest.raises(AmazonError) as caught:  # the port's window never asks this: the raw call does
            gateway._call("searchOrders", created_after=iso(future, "after"),
                          marketplace_ids=[creds.marketplace_ids[0]])
    error = caught.value
    assert (error.status, error.code, error.retryable) == (400, "InvalidInput", False)
    assert "future" in error.message and error.details and "createdAfter" in error.details
    assert error.errors and error.errors[0]["code"] == "InvalidInput"
    assert log.statuses("searchOrders") == [400]


def test_h1_a_scripted_403_that_is_not_an_expiry_is_not_retried(live):
    sandbox, base, creds, order_id = live
    sandbox.fault(operation="getOrder", kind="status", status=403, count=1, seller_id=creds.seller_id)
    log = CallLog()
    with (
        make_gateway(sandbox, base, creds, sink=log) as gateway,
        pytest.raises(AmazonError) as caught,
    ):
        gateway.get_order(order_id)
    assert caught.value.status == 403 and not caught.value.retryable
    assert log.statuses("getOrder") == [403]
