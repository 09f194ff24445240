"""Redis token buckets: one budget per seller shared by every worker process (G1, distributed mode).

Against the real Redis at 127.0.0.1:6379 (``SELLERBRIDGE_TEST_REDIS_URL`` to point elsewhere). A
missing Redis FAILS these tests (never skips): in CI (``CI=true``) because the service is required
there, locally with a message saying how to start it. Every test works under a key prefix of its
own and deletes its keys afterwards, so parallel test processes and other sessions never meet.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import uuid
from collections.abc import Iterator

import pytest
import redis
from hypothesis import given, settings
from hypothesis import strategies as st

from sellerbridge.amazon.transport.throttle import InProcessBucketStore, bucket_key
from sellerbridge.amazon.transport.throttle_redis import RedisBucketStore
from tests.support.redis_db import redis_url, require_redis

# The hub, the gateway and the sandbox are imported inside the tests that use them: the worker
# processes of the multi-process test import this module, and should start in a second, not in five.

pytestmark = pytest.mark.redis

def connect() -> redis.Redis:
    """A client to the test Redis; fails the test (never skips) when Redis cannot be reached."""
    return require_redis()


def new_prefix() -> str:
    return f"sbtest:{os.environ.get('PYTEST_XDIST_WORKER', 'main')}:{uuid.uuid4().hex}:"


def delete_prefix(client: redis.Redis, prefix: str) -> None:
    keys = list(client.scan_iter(match=prefix + "*", count=500))
    if keys:
        client.delete(*keys)


@pytest.fixture(scope="module")
def client() -> Iterator[redis.Redis]:
    client = connect()
    yield client
    client.close()


@pytest.fixture
def prefix(client: redis.Redis) -> Iterator[str]:
    prefix = new_prefix()
    yield prefix
    delete_prefix(client, prefix)


# --- the same answers as the in-process store -------------------------------------------------------

PRIORITIES = st.sampled_from([None, "high", "normal", "low"])
STEP = st.tuples(
    st.sampled_from([0.0, 0.0, 0.001, 0.5, 1.0, 7.25]) | st.floats(0, 120, allow_nan=False),  # clock moves
    st.sampled_from(["reserve"] * 9 + ["drain"]),
    st.sampled_from(["a", "b"]),  # two buckets: no state leaks between keys
    st.sampled_from([(0.5, 30), (2.0, 10), (0.0056, 20), (5.0, 5)]) | st.tuples(  # plans, learned rates
        st.floats(0.001, 50, allow_nan=False), st.integers(1, 40)),
    st.none() | st.just(0.0) | st.just(-1.0) | st.floats(0, 300, allow_nan=False),  # max_wait (-1: a look)
    PRIORITIES,
)


@settings(max_examples=80, deadline=None)
@given(steps=st.lists(STEP, min_size=1, max_size=60), start=st.floats(1.6e9, 2e9, allow_nan=False))
def test_g1_redis_buckets_answer_exactly_like_the_in_process_ones(client, steps, start):
    prefix = new_prefix()
    shared, local = RedisBucketStore(client, prefix=prefix), InProcessBucketStore()
    now = start
    try:
        for dt, action, key, (rate, burst), max_wait, priority in steps:
            now += dt
            if action == "drain":
                shared.drain(key, rate, burst, now)
                local.drain(key, rate, burst, now)
                continue
            expected = local.reserve(key, rate, burst, now, max_wait=max_wait, priority=priority)
            assert shared.reserve(key, rate, burst, now, max_wait=max_wait, priority=priority) == expected
        # a probe that reserves nothing (every wait exceeds -1) reads both buckets' final level
        for key in ("a", "b"):
            assert shared.reserve(key, 1.0, 10, now, max_wait=-1) == local.reserve(key, 1.0, 10, now, max_wait=-1)
    finally:
        delete_prefix(client, prefix)


def test_g1_redis_bucket_scripted_sequence_and_idle_expiry(client, prefix):
    store = RedisBucketStore(client, prefix=prefix)
    key = "s:NA:op"
    # the in-process store's own test, step for step
    assert [store.reserve(key, 2.0, 3, 100.0) for _ in range(6)] == [0, 0, 0, 0.5, 1.0, 1.5]
    assert store.reserve(key, 2.0, 3, 102.0) == pytest.approx(0.0)  # the queue has been served
    assert store.reserve(key, 2.0, 3, 102.0, max_wait=0.1) == pytest.approx(0.5)  # would wait: not taken
    assert store.reserve(key, 2.0, 3, 102.5) == pytest.approx(0.0)
    store.drain(key, 2.0, 3, 110.0)  # Amazon said 429: empty, whatever we thought
    assert store.reserve(key, 2.0, 3, 110.0) == pytest.approx(0.5)
    # the key outlives the time the bucket needs to be full again (from -1 to 3 at 2/s: 2 s), then goes
    ttl = client.pttl(prefix + key) / 1000
    assert 3600 + 2.0 - 5 <= ttl <= 3600 + 2.0
    assert client.keys(prefix + "*") == [(prefix + key).encode()]


def test_g1_redis_script_survives_a_script_flush(client, prefix):
    """EVALSHA falls back to loading the script when the server lost it (restart, SCRIPT FLUSH)."""
    store = RedisBucketStore(client, prefix=prefix)
    assert store.reserve("k", 1.0, 2, 0.0) == 0
    client.script_flush()
    assert store.reserve("k", 1.0, 2, 0.0) == 0
    assert store.reserve("k", 1.0, 2, 0.0) == pytest.approx(1.0)


# --- priorities ----------------------------------------------------------------------------------------

def test_g1_redis_bucket_at_a_low_level_makes_low_wait_while_high_takes_the_token(client, prefix):
    store = RedisBucketStore(client, prefix=prefix)
    key = bucket_key("SELLER", "NA", "createFeed")
    for _ in range(6):  # burst 10 at 1/s: 4 tokens left, under the 5 a low call must leave
        assert store.reserve(key, 1.0, 10, 0.0) == 0
    assert store.reserve(key, 1.0, 10, 0.0, priority="low", max_wait=0) == pytest.approx(2.0)  # not taken
    assert store.reserve(key, 1.0, 10, 0.0, priority="high") == 0  # 3 left
    assert store.reserve(key, 1.0, 10, 0.0, priority="normal") == 0  # normal leaves 2: 2 left
    assert store.reserve(key, 1.0, 10, 0.0, priority="normal") == pytest.approx(1.0)  # queued 1 s ahead
    assert store.reserve(key, 1.0, 10, 0.0, priority="low") == pytest.approx(5.0)  # queued until 5 are back
    assert store.reserve(key, 1.0, 10, 0.0) == pytest.approx(1.0)  # a high call still goes ahead of it


# --- several processes, one budget -------------------------------------------------------------------

RATE, BURST = 2.0, 10
PHASES, CALLS_PER_PHASE = 10, 40


def hammer(url: str, prefix: str, clock, barrier, seed: int, results) -> None:
    """One worker process: every phase, reserve CALLS_PER_PHASE tokens at the shared clock's time."""
    client = redis.Redis.from_url(url)
    store = RedisBucketStore(client, prefix=prefix)
    rng = random.Random(seed)
    key = bucket_key("SELLER", "NA", "getOrder")
    slots: list[tuple[int, float, float]] = []
    for phase in range(PHASES):
        barrier.wait(timeout=60)  # the main process has set this phase's time
        now = clock.value
        for _ in range(CALLS_PER_PHASE):
            priority = None if phase == 0 else rng.choice([None, "high", "normal", "low"])
            slots.append((phase, now, now + store.reserve(key, RATE, BURST, now, priority=priority)))
        barrier.wait(timeout=60)
    client.close()
    results.put(slots)


def test_g1_two_worker_processes_never_exceed_one_sellers_budget_together(client, prefix):
    ctx = multiprocessing.get_context("spawn")
    clock, barrier, results = ctx.Value("d", 1.8e9), ctx.Barrier(3), ctx.Queue()
    workers = [ctx.Process(target=hammer, args=(redis_url(), prefix, clock, barrier, seed, results))
               for seed in (1, 2)]
    for worker in workers:
        worker.start()
    rng = random.Random(3)
    try:
        for _ in range(PHASES):
            barrier.wait(timeout=60)  # go
            barrier.wait(timeout=60)  # both done at this time
            clock.value += rng.choice([0.0, 0.5, 3.0, 20.0])  # time moves between phases, not during
        slots = results.get(timeout=60) + results.get(timeout=60)
    finally:
        for worker in workers:
            worker.join(timeout=60)
    assert [worker.exitcode for worker in workers] == [0, 0]
    assert len(slots) == 2 * PHASES * CALLS_PER_PHASE
    # phase 0, both workers at once on a full bucket: ONE burst between them (two stores in memory would
    # give two), then one slot per token interval, none taken twice
    first = sorted(slot - now for phase, now, slot in slots if phase == 0)
    assert first == pytest.approx([0.0] * BURST + [k / RATE for k in range(1, 2 * CALLS_PER_PHASE - BURST + 1)])
    times = sorted(slot for _, _, slot in slots)
    # Amazon's bucket: no window [a, b] holds more calls than the burst plus what refilled meanwhile
    for i, first in enumerate(times):
        for j in range(i, len(times)):
            assert j - i + 1 <= BURST + RATE * (times[j] - first) + 1e-6, (first, times[j], j - i + 1)


# --- wiring and the gateway -----------------------------------------------------------------------

def test_g1_build_hub_shares_buckets_in_redis_when_a_redis_url_is_set(tmp_path):
    from sellerbridge.bootstrap import build_hub
    from sellerbridge.settings import Settings

    distributed = build_hub(Settings(data_dir=tmp_path / "d", redis_url=redis_url()))
    embedded = build_hub(Settings(data_dir=tmp_path / "e", redis_url=None))
    chosen = InProcessBucketStore()
    given_store = build_hub(Settings(data_dir=tmp_path / "g", redis_url=redis_url()), buckets=chosen)
    try:
        assert isinstance(distributed.buckets, RedisBucketStore)
        assert isinstance(embedded.buckets, InProcessBucketStore)
        assert given_store.buckets is chosen  # tests and benchmarks still pass their own
    finally:
        for hub in (distributed, embedded, given_store):
            hub.close()
        distributed.buckets.close()


@pytest.mark.server
def test_g1_two_gateways_on_separate_redis_clients_share_one_budget(client, prefix):
    from tests.adapters.test_gateway_support import create_orders, make_gateway, served_sandbox, throttled

    with served_sandbox() as (sandbox, base):
        creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5)
        order_ids = create_orders(sandbox, creds.seller_id, 40, status="Unshipped")
        start = sandbox.backend.now()
        with make_gateway(sandbox, base, creds, buckets=RedisBucketStore(connect(), prefix=prefix)) as one, \
                make_gateway(sandbox, base, creds, buckets=RedisBucketStore(connect(), prefix=prefix)) as two:
            for i, order_id in enumerate(order_ids):
                (one if i % 2 else two).get_order(order_id)
        assert throttled(sandbox, creds.seller_id, "getOrder") == 0
        # burst 30 at once, then 0.5 per second: the other 10 take 20 s, as with one in-process store
        assert 20 <= (sandbox.backend.now() - start).total_seconds() <= 20.5
