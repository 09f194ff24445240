"""Helpers for the gateway tests: a real sandbox on loopback, clocks that drive it, a call-log sink.

No test lives here. The gateway under test is the real one, talking HTTP to the real sandbox; the
only stand-in is the clock, and it is the sandbox's own: ``SandboxClock.sleep`` advances the
sandbox, so a throttled wait of 178 simulated seconds takes milliseconds and is exact.
"""

from __future__ import annotations

import random
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sellerbridge.amazon.gateway import AmazonGateway
from sellerbridge.amazon.regions import ConnectionEndpoints
from sellerbridge.amazon.transport.auth import SellerCredentials
from sellerbridge.amazon.transport.calllog import CallRecord
from sellerbridge.amazon.transport.throttle import BucketStore, InProcessBucketStore
from tests.support.sandbox import Sandbox, SellerCreds, live_server

# Plans high enough that a test about something else is never paced by them.
GENEROUS_PLANS = {op: [50, 500] for op in (
    "searchOrders", "getOrder", "createReport", "getReport", "getReports", "getReportDocument",
    "createRestrictedDataToken")}


class SandboxClock:
    """The gateway's clock is the sandbox's: ``now`` reads it, ``sleep`` advances it."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self.sandbox.backend.now()

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if seconds > 0:
            self.sandbox.advance(seconds)

    @property
    def slept(self) -> float:
        return sum(self.sleeps)


class OwnClock:
    """A clock of its own (not the sandbox's): the hub's idea of time when Amazon's moves apart from it."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self._now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self._now += timedelta(seconds=max(0.0, seconds))


@dataclass
class CallLog:
    """A call sink keeping every record."""

    records: list[CallRecord] = field(default_factory=list)

    def __call__(self, record: CallRecord) -> None:
        self.records.append(record)

    def of(self, operation: str) -> list[CallRecord]:
        return [r for r in self.records if r.operation == operation]

    def statuses(self, operation: str) -> list[int | None]:
        return [r.status for r in self.of(operation)]

    def text(self) -> str:
        return "\n".join(repr(r) for r in self.records)


@contextmanager
def served_sandbox() -> Iterator[tuple[Sandbox, str]]:
    """A sandbox with a stepped clock, served over real HTTP on loopback."""
    sandbox = Sandbox(time_scale=0.0)
    with live_server(sandbox.app) as base_url:
        yield sandbox, base_url


@contextmanager
def refused_port() -> Iterator[int]:
    """A loopback port that refuses connections and that no other test can take meanwhile (bound, not listening)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def credentials(creds: SellerCreds, **changes: str) -> SellerCredentials:
    values = {"seller_id": creds.seller_id, "marketplace_id": creds.marketplace_ids[0], "region": creds.region,
              "client_id": creds.client_id, "client_secret": creds.client_secret,
              "refresh_token": creds.refresh_token} | changes
    return SellerCredentials(**values)


def make_gateway(sandbox: Sandbox, base_url: str, creds: SellerCreds, *, clock=None, sink=None,
                 buckets: BucketStore | None = None, **kwargs) -> AmazonGateway:
    changes = {k: kwargs.pop(k) for k in ("refresh_token", "client_secret") if k in kwargs}
    return AmazonGateway(credentials(creds, **changes), ConnectionEndpoints.local_sandbox(base_url),
                         buckets=buckets or InProcessBucketStore(), clock=clock or SandboxClock(sandbox),
                         call_sink=sink, timeout=kwargs.pop("timeout", 10), rng=random.Random(7), **kwargs)


def sandbox_calls(sandbox: Sandbox, seller_id: str, operation: str) -> dict[str, int]:
    """What the sandbox counted for this seller and operation, by status (``{"200": 40}``)."""
    return sandbox.http.get("/_sandbox/stats").json()["calls"].get(seller_id, {}).get(operation, {})


def throttled(sandbox: Sandbox, seller_id: str, operation: str) -> int:
    stats = sandbox.http.get("/_sandbox/stats").json()["rate_limits"]
    return stats.get(seller_id, {}).get(operation, {}).get("throttled", 0)


def create_orders(sandbox: Sandbox, seller_id: str, count: int, **spec) -> list[str]:
    r = sandbox.http.post(f"/_sandbox/sellers/{seller_id}/orders", json={"count": count, **spec})
    assert r.status_code == 201, r.text
    return r.json()["order_ids"]
