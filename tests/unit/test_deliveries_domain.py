"""The deliveries' pure rules: the message (B14, B13), the retry schedule, the breaker, the signature."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from sellerbridge.channels import signature
from sellerbridge.channels.webhook import UrlRefused, check_url, excerpt, retry_after_seconds
from sellerbridge.domain.deliveries import breaker as b
from sellerbridge.domain.deliveries import retry
from sellerbridge.domain.deliveries.message import (
    WAREHOUSE_TOPICS,
    ConnectionRef,
    LineSnapshot,
    OrderSnapshot,
    build_message,
    goes_out,
)
from tests.support.warehouse_schema import check_message

T0 = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
CONNECTION = ConnectionRef(1, "acme-us", "ATVPDKIKX0DER")
SHIP_TO = {"name": "Jane Roe", "line1": "12 Secret Lane", "line2": "Apt 9", "line3": None, "city": "Seattle",
           "state_or_region": "WA", "postal_code": "98109-5210", "country_code": "US", "phone": "+1 206 555 0100",
           "company": None, "address_type": "Residential"}


def order(**kw) -> OrderSnapshot:
    values = dict(id=42, amazon_order_id="113-1234567-1234567", version=3, status="unshipped", fulfillment="MFN",
                  import_mode="normal", send_to_warehouse=True, purchase_date=T0,
                  latest_ship_date=T0 + timedelta(days=2),
                  currency="USD", order_total=Decimal("12.34"),
                  lines=(LineSnapshot("L1", "SKU-1", "B000TEST01", "Mug", 2, 0, 0, Decimal("6.17")),),
                  ship_to=SHIP_TO, buyer_name="Jane Buyer")
    values.update(kw)
    return OrderSnapshot(**values)


def personal_values() -> list[str]:
    personal = ("name", "line1", "line2", "postal_code", "phone")
    return [v for k, v in SHIP_TO.items() if v and k in personal] + ["Jane Buyer"]


@pytest.mark.parametrize("topic", sorted(WAREHOUSE_TOPICS))
def test_b13_message_without_permission_carries_no_buyer_data(topic: str) -> None:
    body = build_message(order(), topic=topic, message_id="sb-1-2", occurred_at=T0, connection=CONNECTION,
                         pii_allowed=False)
    check_message(body)
    assert body["pii"] == "withheld" and body["order"]["ship_to"] is None and body["order"]["buyer"] is None
    text = json.dumps(body)
    for value in personal_values():
        assert value not in text


def test_b13_message_with_permission_carries_the_ship_to_and_buyer_name() -> None:
    body = build_message(order(), topic="order.created", message_id="sb-1-2", occurred_at=T0, connection=CONNECTION,
                         pii_allowed=True)
    check_message(body)
    assert body["pii"] == "included"
    assert body["order"]["ship_to"]["line1"] == "12 Secret Lane" and body["order"]["buyer"] == {"name": "Jane Buyer"}
    assert body["order"]["order_total"] == "12.34" and body["order"]["lines"][0]["unit_price"] == "6.17"
    assert body["occurred_at"] == "2026-12-02T10:00:00Z"


def test_b13_allowed_receiver_of_an_order_stored_without_pii_says_withheld() -> None:
    body = build_message(order(ship_to=None, buyer_name=None), topic="order.created", message_id="m", occurred_at=T0,
                         connection=CONNECTION, pii_allowed=True)
    check_message(body)
    assert body["pii"] == "withheld"


@pytest.mark.parametrize("kw", [{"fulfillment": "AFN"}, {"import_mode": "completed"}, {"send_to_warehouse": False}])
def test_b14_fba_completed_and_not_sent_orders_never_go_out(kw) -> None:
    assert not goes_out(order(**kw))
    with pytest.raises(ValueError):
        build_message(order(**kw), topic="order.created", message_id="m", occurred_at=T0, connection=CONNECTION,
                      pii_allowed=True)


def test_b14_retry_is_full_jitter_backoff_for_at_least_24_hours() -> None:
    top = lambda low, high: high  # noqa: E731  the largest draw
    assert retry.backoff(1, draw=top) == retry.BASE_DELAY
    assert retry.backoff(3, draw=top) == retry.BASE_DELAY * 4
    assert retry.backoff(30, draw=top) == retry.MAX_DELAY
    assert retry.backoff(3, draw=lambda low, high: 0.0) == retry.MIN_DELAY
    first = T0
    decision = retry.after_failure(attempts=5, first_attempt_at=first, now=first + timedelta(hours=23), draw=top)
    assert isinstance(decision, retry.Retry)
    assert isinstance(retry.after_failure(attempts=40, first_attempt_at=first, now=first + retry.RETRY_FOR),
                      retry.GiveUp)
    assert timedelta(hours=24) <= retry.RETRY_FOR


def test_b14_retry_after_is_honoured_up_to_the_cap() -> None:
    low = lambda low, high: 0.0  # noqa: E731
    honoured = retry.after_failure(attempts=1, first_attempt_at=T0, now=T0, retry_after=600, draw=low)
    assert isinstance(honoured, retry.Retry) and honoured.at == T0 + timedelta(seconds=600)
    capped = retry.after_failure(attempts=1, first_attempt_at=T0, now=T0, retry_after=10 ** 6, draw=low)
    assert isinstance(capped, retry.Retry) and capped.at == T0 + retry.MAX_DELAY
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Wed, 02 Dec 2026 10:01:00 GMT", now=T0) == 60.0
    assert retry_after_seconds("soon") is None


def test_b14_breaker_opens_after_the_threshold_probes_and_closes() -> None:
    state = b.Breaker()
    for _ in range(b.FAILURE_THRESHOLD - 1):
        state = b.on_failure(state, T0)
        assert state.state is b.State.CLOSED
    state = b.on_failure(state, T0)
    assert state.state is b.State.OPEN and state.retry_at == T0 + b.COOL_DOWN_FIRST
    assert not b.allows(state, T0 + timedelta(seconds=59)) and b.allows(state, T0 + b.COOL_DOWN_FIRST)
    probe = b.probing(state, T0 + b.COOL_DOWN_FIRST)
    assert probe.state is b.State.HALF_OPEN
    again = b.on_failure(probe, T0 + b.COOL_DOWN_FIRST)  # the probe failed: open for twice as long
    assert again.state is b.State.OPEN and again.retry_at == T0 + b.COOL_DOWN_FIRST * 3
    assert b.cool_down(50) == b.COOL_DOWN_MAX
    assert b.on_success(b.probing(again, again.retry_at)) == b.Breaker()


def test_b14_signature_verifies_and_refuses_replays_and_other_secrets() -> None:
    body = b'{"a":1}'
    header = signature.sign(["s3cret"], body, timestamp=1_000_000)
    assert signature.verify("s3cret", header, body, now=1_000_100) == 1_000_000
    with pytest.raises(signature.SignatureError, match="replay"):
        signature.verify("s3cret", header, body, now=1_000_000 + signature.REPLAY_WINDOW + 1)
    with pytest.raises(signature.SignatureError, match="no signature"):
        signature.verify("other", header, body, now=1_000_000)
    with pytest.raises(signature.SignatureError, match="no signature"):
        signature.verify("s3cret", header, body + b" ", now=1_000_000)
    with pytest.raises(signature.SignatureError, match="malformed"):
        signature.verify("s3cret", "v1=abc", body, now=1_000_000)


def test_b14_rotation_signs_with_both_and_either_secret_verifies() -> None:
    body = b"{}"
    header = signature.sign(["new", "old"], body, timestamp=5)
    assert header.count("v1=") == 2
    assert signature.verify("new", header, body, now=5) == signature.verify("old", header, body, now=5) == 5
    after = signature.sign(["new"], body, timestamp=5)
    with pytest.raises(signature.SignatureError):
        signature.verify("old", after, body, now=5)


def test_b14_webhook_urls_are_https_except_loopback() -> None:
    assert check_url("https://wms.example.com/hook")
    assert check_url("http://127.0.0.1:8080/hook") and check_url("http://localhost/hook")
    assert check_url("http://wms.internal/hook", allow_http=True)
    for bad in ("http://wms.example.com/hook", "ftp://x/y", "https://user:pw@wms.example.com/", "nonsense"):
        with pytest.raises(UrlRefused):
            check_url(bad)


def test_b13_answer_excerpt_is_short_and_redacted() -> None:
    echoed = json.dumps({"ok": False, "ship_to": SHIP_TO, "buyer": {"name": "Jane Buyer"},
                         "note": "mail jane@example.com or call 206 555 0100", "token": "whsec"})
    shown = excerpt(500, echoed, secrets=["whsec"])
    for value in [*personal_values(), "jane@example.com", "whsec", "206 555 0100"]:
        assert value not in shown
    assert shown.startswith("500: ") and len(excerpt(500, "x" * 5000)) < 220
