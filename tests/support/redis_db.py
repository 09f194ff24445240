"""The test Redis (127.0.0.1:6379, ``SELLERBRIDGE_TEST_REDIS_URL`` to point elsewhere), as ``pg.py`` for PostgreSQL.

A missing Redis FAILS a test that needs it (never skips): in CI (``CI=true``) because the service is
required there, locally with a message saying how to start it. :func:`queue_name` gives a Huey queue
name of its own (``SELLERBRIDGE_QUEUE_NAME``) and :func:`drop_queue` removes its keys afterwards, so
parallel test processes and other sessions on the same Redis never share a queue.
"""

from __future__ import annotations

import os
import uuid

import pytest
import redis

REDIS_URL_ENV = "SELLERBRIDGE_TEST_REDIS_URL"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_url() -> str:
    return os.environ.get(REDIS_URL_ENV, DEFAULT_REDIS_URL)


def require_redis() -> redis.Redis:
    """A client to the test Redis; fails the test (never skips) when Redis cannot be reached."""
    client = redis.Redis.from_url(redis_url(), socket_connect_timeout=3, socket_timeout=10)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required in CI and is not reachable at {redis_url()}: {exc}", pytrace=False)
        pytest.fail(f"Redis is not reachable at {redis_url()} ({exc}). Start one (`redis-server` on 127.0.0.1:6379), "
                    f"point {REDIS_URL_ENV} at one, or deselect these tests with -m 'not redis'.", pytrace=False)
    return client


def queue_name(tag: str = "sbtest") -> str:
    return f"{tag}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:12]}"


def drop_queue(client: redis.Redis, name: str) -> None:
    """Delete the keys Huey keeps for queue ``name`` (queue, schedule, results, counters)."""
    keys = list(client.scan_iter(match=f"huey.*.{name}*", count=500))
    if keys:
        client.delete(*keys)
