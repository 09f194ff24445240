"""Endpoints per marketplace and overrides (A1), and the clocks the gateway runs on (G1)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from sellerbridge.amazon.regions import (
    LWA_TOKEN_URL,
    ConnectionEndpoints,
    Region,
    marketplace,
    region_of,
)
from sellerbridge.domain.common.clock import Clock, ScaledClock, SystemClock
from sellerbridge.domain.common.errors import ConfigError
from tests.adapters.test_gateway_support import CallLog, create_orders, make_gateway, throttled
from tests.support.sandbox import Sandbox, live_server


@pytest.mark.parametrize(("marketplace_id", "country", "endpoint"), [
    ("ATVPDKIKX0DER", "US", "https://sellingpartnerapi-na.amazon.com"),
    ("A2EUQ1WTGCTBG2", "CA", "https://sellingpartnerapi-na.amazon.com"),
    ("A1F83G8C2ARO7P", "GB", "https://sellingpartnerapi-eu.amazon.com"),
    ("A1PA6795UKMFR9", "DE", "https://sellingpartnerapi-eu.amazon.com"),
    ("A1VC38T7YXB528", "JP", "https://sellingpartnerapi-fe.amazon.com"),
    ("A39IBJ37TRP1C6", "AU", "https://sellingpartnerapi-fe.amazon.com"),
])
def test_a1_the_endpoint_follows_the_marketplaces_region(marketplace_id, country, endpoint):
    assert marketplace(marketplace_id).country == country
    endpoints = ConnectionEndpoints.resolve(marketplace_id)
    assert endpoints == ConnectionEndpoints(endpoint, LWA_TOKEN_URL)
    assert LWA_TOKEN_URL == "https://api.amazon.com/auth/o2/token"


def test_a1_marketplaces_are_found_by_country_code_too():
    assert marketplace("uk").marketplace_id == "A1F83G8C2ARO7P"
    assert region_of("A1RKKUPIHCS9HS") is Region.EU
    with pytest.raises(ConfigError, match="unknown Amazon marketplace"):
        marketplace("A0NOTAMARKETPLACE")


def test_a1_a_connection_overrides_its_endpoints_for_a_sandbox_or_a_proxy():
    local = ConnectionEndpoints.local_sandbox("http://127.0.0.1:8700/")
    assert local == ConnectionEndpoints("http://127.0.0.1:8700", "http://127.0.0.1:8700/auth/o2/token")
    proxied = ConnectionEndpoints.resolve("A1PA6795UKMFR9", api_base_url="https://spapi-proxy.example.com/eu/")
    assert proxied.api_base_url == "https://spapi-proxy.example.com/eu"
    assert proxied.lwa_token_url == LWA_TOKEN_URL
    amazon_sandbox = ConnectionEndpoints.resolve("ATVPDKIKX0DER",
                                                 api_base_url="https://sandbox.sellingpartnerapi-na.amazon.com")
    assert amazon_sandbox.api_base_url == "https://sandbox.sellingpartnerapi-na.amazon.com"
    with pytest.raises(ConfigError, match="http"):
        ConnectionEndpoints.resolve("ATVPDKIKX0DER", lwa_token_url="api.amazon.com/auth/o2/token")


def test_g1_clocks_are_aware_utc_and_a_scaled_clock_runs_k_times_faster():
    assert isinstance(SystemClock(), Clock) and SystemClock().now().tzinfo is not None
    start = datetime(2026, 1, 1, tzinfo=UTC)
    clock = ScaledClock(1000, start=start)
    real = time.monotonic()
    clock.sleep(100)  # 100 simulated seconds: 0.1 real
    assert 0.09 <= time.monotonic() - real < 5
    assert timedelta(seconds=100) <= clock.now() - start < timedelta(seconds=5000)
    with pytest.raises(ValueError):
        ScaledClock(0)


@pytest.mark.server
def test_g1_the_gateway_keeps_amazons_rates_against_a_time_scaled_sandbox():
    sandbox = Sandbox(time_scale=60.0)  # one simulated minute per real second
    with live_server(sandbox.app) as base:
        creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5)
        order_ids = create_orders(sandbox, creds.seller_id, 34, status="Unshipped")
        clock = ScaledClock(60.0, start=sandbox.backend.now())
        log = CallLog()
        real = time.monotonic()
        with make_gateway(sandbox, base, creds, clock=clock, sink=log) as gateway:
            for order_id in order_ids:
                gateway.get_order(order_id)
        # burst 30, then 4 calls at 0.5/s: 8 simulated seconds, about 0.13 real
        assert time.monotonic() - real < 5
        # Real latency counts 60 times here: a stall of the machine can still cost one 429 (waited out);
        # the exact "never throttled" is pinned with the stepped clock in test_gateway_throttle.py.
        assert throttled(sandbox, creds.seller_id, "getOrder") <= 1
        assert log.statuses("getOrder").count(200) == 34
