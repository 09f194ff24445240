"""Throttling: the hub's buckets, 429 storms and Amazon's rate header, against the sandbox (G1).

The gateway's clock is the sandbox's (``SandboxClock``): every wait advances Amazon's time by
exactly that much, so the simulated durations below are what the published rates imply.
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest

from sellerbridge.amazon.errors import Throttled
from sellerbridge.amazon.transport.throttle import (
    OPERATION_PRIORITIES,
    USAGE_PLANS,
    InProcessBucketStore,
    bucket_key,
    bucket_priority,
    usage_plan,
)
from tests.adapters.test_gateway_support import (
    CallLog,
    SandboxClock,
    create_orders,
    make_gateway,
    served_sandbox,
    throttled,
)
from tests.support.models import MODEL_FILES, load_model


@pytest.fixture
def live():
    with served_sandbox() as served:
        yield served


@pytest.mark.server
def test_g1_a_429_storm_is_waited_out_and_the_call_succeeds(live):
    sandbox, base = live
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5)
    start = sandbox.backend.now()
    sandbox.fault(operation="searchOrders", kind="status", status=429, count=5, seller_id=creds.seller_id)
    log = CallLog()
    clock = SandboxClock(sandbox)
    with make_gateway(sandbox, base, creds, sink=log, clock=clock) as gateway:
        pages = list(gateway.changed_orders(after=start - timedelta(hours=1), before=start, pii=False))
    assert len(pages) == 1  # the sync gets its answer: a throttle is never a failure
    assert log.statuses("searchOrders") == [429] * 5 + [200]
    assert [r.attempt for r in log.of("searchOrders")] == [1, 2, 3, 4, 5, 6]
    interval = 1 / 0.0056  # one searchOrders token: ~178.6 s
    assert 5 * interval <= clock.slept <= 5 * interval * 1.11  # bucket-paced waits plus at most 10% jitter


@pytest.mark.server
def test_g1_429s_past_the_deadline_raise_a_retryable_throttled(live):
    sandbox, base = live
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5)
    [order_id] = create_orders(sandbox, creds.seller_id, 1, status="Unshipped")
    sandbox.fault(operation="getOrder", kind="status", status=429, count=100, seller_id=creds.seller_id)
    log = CallLog()
    with (
        make_gateway(sandbox, base, creds, sink=log, deadline_seconds=20) as gateway,
        pytest.raises(Throttled) as caught,
    ):
        gateway.get_order(order_id)
    assert caught.value.retryable is True and caught.value.retry_after == pytest.approx(2.0)
    assert caught.value.waited >= 20
    assert set(log.statuses("getOrder")) == {429} and 8 <= len(log.of("getOrder")) <= 12


@pytest.mark.server
def test_g1_a_burst_of_40_get_order_calls_is_never_throttled_and_takes_the_published_time(live):
    sandbox, base = live
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5)
    order_ids = create_orders(sandbox, creds.seller_id, 40, status="Unshipped")
    log = CallLog()
    start = sandbox.backend.now()
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        for order_id in order_ids:
            gateway.get_order(order_id)
    elapsed = (sandbox.backend.now() - start).total_seconds()
    assert throttled(sandbox, creds.seller_id, "getOrder") == 0
    assert log.statuses("getOrder") == [200] * 40
    # burst 30 at once, then 0.5 per second: 10 more calls take 20 s
    assert 20 <= elapsed <= 20.5


@pytest.mark.server
def test_g1_x_amzn_ratelimit_limit_speeds_the_bucket_up_after_the_first_answer(live):
    sandbox, base = live
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5, usage_plans={"getOrder": [5, 30]})
    order_ids = create_orders(sandbox, creds.seller_id, 60, status="Unshipped")
    start = sandbox.backend.now()
    with make_gateway(sandbox, base, creds) as gateway:
        assert gateway.usage_plan("getOrder").rate == 0.5  # Amazon's published default until told otherwise
        for order_id in order_ids:
            gateway.get_order(order_id)
        assert gateway.usage_plan("getOrder").rate == 5  # what the header said
    elapsed = (sandbox.backend.now() - start).total_seconds()
    assert throttled(sandbox, creds.seller_id, "getOrder") == 0
    # 30 at once, then 5 per second: 6 s for the other 30 (at the published 0.5/s it would be 60 s)
    assert 6 <= elapsed <= 6.5


@pytest.mark.server
def test_g1_gateways_sharing_a_bucket_store_share_one_budget(live):
    sandbox, base = live
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5)
    order_ids = create_orders(sandbox, creds.seller_id, 40, status="Unshipped")
    buckets = InProcessBucketStore()
    start = sandbox.backend.now()
    with make_gateway(sandbox, base, creds, buckets=buckets) as one, \
            make_gateway(sandbox, base, creds, buckets=buckets) as two:
        for i, order_id in enumerate(order_ids):
            (one if i % 2 else two).get_order(order_id)
    assert throttled(sandbox, creds.seller_id, "getOrder") == 0
    assert 20 <= (sandbox.backend.now() - start).total_seconds() <= 20.5


@pytest.mark.server
def test_g1_a_queue_longer_than_the_deadline_is_rescheduled_without_calling(live):
    sandbox, base = live
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5)
    [order_id] = create_orders(sandbox, creds.seller_id, 1, status="Unshipped")
    buckets = InProcessBucketStore()
    now = sandbox.backend.now().timestamp()
    key = bucket_key(creds.seller_id, "NA", "getOrder")
    for _ in range(40):  # other workers already queued 40 calls: the next token is 20 s away
        buckets.reserve(key, 0.5, 30, now)
    log = CallLog()
    with (
        make_gateway(sandbox, base, creds, sink=log, buckets=buckets, deadline_seconds=10) as gateway,
        pytest.raises(Throttled) as caught,
    ):
        gateway.get_order(order_id)
    assert caught.value.retry_after == pytest.approx(22.0)
    assert log.of("getOrder") == []


def test_g1_bucket_gives_the_burst_then_one_token_per_interval_and_queues_callers():
    store = InProcessBucketStore()
    waits = [store.reserve("s:NA:op", 2.0, 3, 100.0) for _ in range(6)]
    assert waits == [0, 0, 0, 0.5, 1.0, 1.5]  # reserved ahead: each caller gets its own slot
    assert store.reserve("s:NA:op", 2.0, 3, 102.0) == pytest.approx(0.0)  # the queue has been served
    assert store.reserve("s:NA:op", 2.0, 3, 102.0, max_wait=0.1) == pytest.approx(0.5)  # would wait: not taken
    assert store.reserve("s:NA:op", 2.0, 3, 102.5) == pytest.approx(0.0)
    store.drain("s:NA:op", 2.0, 3, 110.0)  # Amazon said 429: empty, whatever we thought
    assert store.reserve("s:NA:op", 2.0, 3, 110.0) == pytest.approx(0.5)


def test_g1_bucket_store_is_thread_safe_one_slot_per_caller():
    store = InProcessBucketStore()
    waits: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(20)

    def take() -> None:
        barrier.wait()
        for _ in range(5):
            w = store.reserve("s:NA:op", 1.0, 10, 0.0)
            with lock:
                waits.append(w)

    threads = [threading.Thread(target=take) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(waits) == [0.0] * 10 + [float(i) for i in range(1, 91)]


def test_g1_usage_plan_table_is_amazons_published_one():
    renamed = {("orders_v0", "getOrder"): "getOrderV0"}  # two getOrder operations: v0 and 2026-01-01
    published = {}
    for api in MODEL_FILES:
        for ops in load_model(api)["paths"].values():
            for op in ops.values():
                if isinstance(op, dict) and "operationId" in op:
                    match = re.search(r"\|\s*([\d.]+)\s*\|\s*(\d+)\s*\|", op.get("description", ""))
                    if match:
                        name = renamed.get((api, op["operationId"]), op["operationId"])
                        published[name] = (float(match.group(1)), int(match.group(2)))
    for name, plan in USAGE_PLANS.items():
        assert published[name] == (plan.rate, plan.burst), name
    assert usage_plan("searchOrders").rate == 0.0056 and usage_plan("getOrderV0").burst == 30
    with pytest.raises(KeyError, match="usage plan"):
        usage_plan("noSuchOperation")


@pytest.mark.server
def test_g1_a_call_less_urgent_than_its_operation_waits_while_the_usual_callers_keep_the_burst(live):
    sandbox, base = live
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5)
    [order_id] = create_orders(sandbox, creds.seller_id, 1, status="Unshipped")
    buckets = InProcessBucketStore()
    key = bucket_key(creds.seller_id, "NA", "getOrder")
    for _ in range(20):  # other work took 20 of getOrder's 30 tokens
        buckets.reserve(key, 0.5, 30, sandbox.backend.now().timestamp())
    clock = SandboxClock(sandbox)
    with make_gateway(sandbox, base, creds, buckets=buckets, clock=clock) as gateway:
        gateway.get_order(order_id)  # the order sync, getOrder's usual caller: goes at once (9 left)
        assert clock.slept == 0
        gateway._call("getOrder", order_id, priority="low")  # a backlog import leaves 15 for it: waits for 16
    assert 14 <= clock.slept <= 14.5  # (16 - 9) tokens at 0.5 per second, plus the gateway's margin
    assert throttled(sandbox, creds.seller_id, "getOrder") == 0


def test_g1_low_priority_keeps_half_the_burst_for_urgent_calls_in_process():
    store = InProcessBucketStore()
    for _ in range(6):  # burst 10 at 1/s: 4 tokens left, under the 5 a low call must leave
        assert store.reserve("s:NA:createFeed", 1.0, 10, 0.0) == 0
    assert store.reserve("s:NA:createFeed", 1.0, 10, 0.0, priority="low", max_wait=0) == pytest.approx(2.0)
    assert store.reserve("s:NA:createFeed", 1.0, 10, 0.0, priority="high") == 0  # the stock feed goes now
    assert store.reserve("s:NA:createFeed", 1.0, 10, 0.0, priority="normal") == 0  # leaves 2 of 10
    assert store.reserve("s:NA:createFeed", 1.0, 10, 0.0, priority="normal") == pytest.approx(1.0)
    assert store.reserve("s:NA:createFeed", 1.0, 10, 0.0, priority="low") == pytest.approx(5.0)
    assert store.reserve("s:NA:createFeed", 1.0, 10, 0.0) == pytest.approx(1.0)  # ahead of the queued low call
    # no priority and "high" are today's bucket: the last token too
    for priority in (None, "high"):
        other = InProcessBucketStore()
        assert [other.reserve("k", 2.0, 3, 0.0, priority=priority) for _ in range(4)] == [0, 0, 0, 0.5]
    with pytest.raises(ValueError, match="priority"):
        store.reserve("k", 1.0, 10, 0.0, priority="urgent")  # type: ignore[arg-type]


def test_g1_a_high_call_gets_ahead_of_a_queue_of_low_calls():
    store = InProcessBucketStore()
    lows = [store.reserve("k", 1.0, 10, 0.0, priority="low") for _ in range(8)]
    assert lows == [0, 0, 0, 0, 0, pytest.approx(1.0), pytest.approx(2.0), pytest.approx(3.0)]
    assert store.reserve("k", 1.0, 10, 0.0, priority="high") == 0  # the reserve is still there for it
    # the low queue moves back one token for it, and keeps one per second
    assert store.reserve("k", 1.0, 10, 0.0, priority="low") == pytest.approx(5.0)


def test_g1_every_operation_has_a_priority_and_only_less_urgent_callers_keep_a_reserve():
    assert set(OPERATION_PRIORITIES) == set(USAGE_PLANS)
    assert OPERATION_PRIORITIES["confirmShipment"] == OPERATION_PRIORITIES["createFeed"] == "high"
    assert OPERATION_PRIORITIES["getOrder"] == "normal" and OPERATION_PRIORITIES["createReport"] == "low"
    assert bucket_priority("createFeed", None) is None  # the gateway's default: Amazon's whole burst
    assert bucket_priority("createFeed", "high") is None
    assert bucket_priority("createFeed", "low") == "low"  # a catalog feed behind stock and shipments
    assert bucket_priority("getOrder", "normal") is None  # the order sync is getOrder's usual caller
    assert bucket_priority("createReport", "low") is None  # nobody more urgent shares reports' buckets
    assert bucket_priority("createReport", "high") is None
