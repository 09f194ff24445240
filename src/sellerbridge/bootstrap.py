"""The one place that builds settings, store, clock, throttle and gateways and wires them (DESIGN.md 2).

CLI commands, the REST API and tests build a :class:`Hub` with :func:`build_hub` and pass it down;
nothing else reads settings or opens the database.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

import redis

from .amazon.gateway import AmazonGateway
from .amazon.regions import ConnectionEndpoints
from .amazon.transport.auth import SellerCredentials
from .amazon.transport.calllog import CallRecord
from .amazon.transport.throttle import BucketStore, InProcessBucketStore
from .amazon.transport.throttle_redis import RedisBucketStore
from .db.repositories import api_calls, connections
from .db.store import Store, open_store
from .domain.common.clock import Clock, ScaledClock, SystemClock
from .domain.common.errors import ConfigError
from .settings import Settings


@dataclass
class Hub:
    """Everything a command or request needs, built once per process."""

    settings: Settings
    store: Store
    clock: Clock
    buckets: BucketStore
    _gateways: dict[int, AmazonGateway] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> datetime:
        return self.clock.now()

    def gateway_for(self, connection_id: int) -> AmazonGateway:
        """The connection's gateway (one per connection and process: it holds the LWA token cache).

        Raises ConfigError when the connection cannot call Amazon: disabled, expired, no credentials (A4, A5).
        """
        with self._lock:
            gateway = self._gateways.get(connection_id)
            if gateway is not None:
                return gateway
            with self.store.uow(read_only=True) as session:
                record = connections.require_connection(session, connection_id)
                secrets = connections.get_secrets(session, self.store.box, connection_id)
            if record.status != "active":
                raise ConfigError(f"connection {record.name!r} is {record.status}: its syncs are stopped")
            if not (secrets.client_secret and secrets.refresh_token):
                raise ConfigError(f"connection {record.name!r} has no credentials: add them with "
                                  f"`sellerbridge connection update {record.name} ...`")
            credentials = SellerCredentials(
                seller_id=record.seller_id, marketplace_id=record.marketplace_id, region=record.region,
                client_id=secrets.client_id, client_secret=secrets.client_secret,
                refresh_token=secrets.refresh_token)
            endpoints = ConnectionEndpoints.resolve(record.marketplace_id, api_base_url=record.api_base_url,
                                                    lwa_token_url=record.lwa_token_url)
            gateway = AmazonGateway(credentials, endpoints, buckets=self.buckets, clock=self.clock,
                                    call_sink=self._call_sink(connection_id))
            self._gateways[connection_id] = gateway
            return gateway

    def forget_gateway(self, connection_id: int) -> None:
        """Drop a cached gateway (credentials or endpoints changed, connection disabled)."""
        with self._lock:
            gateway = self._gateways.pop(connection_id, None)
        if gateway is not None:
            gateway.close()

    def _call_sink(self, connection_id: int):
        def record(call: CallRecord) -> None:
            # Every SP-API attempt is kept (redacted by the gateway), in its own short transaction.
            with self.store.uow() as session:
                api_calls.record_call(
                    session, operation=call.operation, status=call.status, duration_ms=call.duration_ms,
                    connection_id=connection_id, run_id=None, method=call.method, path=call.path,
                    attempt=call.attempt, rate_limit=call.rate_limit, request_summary=call.request_summary,
                    response_excerpt=call.response_excerpt, at=call.at)
        return record

    def close(self) -> None:
        with self._lock:
            gateways, self._gateways = list(self._gateways.values()), {}
        for gateway in gateways:
            gateway.close()
        self.store.close()


def build_hub(settings: Settings | None = None, *, clock: Clock | None = None,
              buckets: BucketStore | None = None) -> Hub:
    settings = settings or Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Hub(settings=settings, store=open_store(settings), clock=clock or default_clock(settings),
               buckets=buckets or shared_buckets(settings))


def default_clock(settings: Settings) -> Clock:
    """Real time; or a local sandbox's scaled time when ``follow_sandbox_clock`` names one (demos, tests)."""
    if not settings.follow_sandbox_clock:
        return SystemClock()
    import httpx

    url = settings.follow_sandbox_clock.rstrip("/") + "/_sandbox/clock"
    try:
        state = httpx.get(url, timeout=10).raise_for_status().json()
    except httpx.HTTPError as exc:
        raise ConfigError(f"follow_sandbox_clock: cannot read the sandbox clock at {url}: {exc}") from None
    scale = float(state["scale"])
    if scale <= 0:
        raise ConfigError("follow_sandbox_clock: the sandbox clock is stepped (time scale 0); serve it scaled")
    return ScaledClock(scale, start=datetime.fromisoformat(state["now"]))


REDIS_TIMEOUT_SECONDS = 5  # a Redis that stopped answering fails the call (the job retries) instead of hanging it


def shared_buckets(settings: Settings) -> BucketStore:
    """The token buckets every job of this process uses (G1): Redis when ``redis_url`` is set, so every
    worker on every machine shares one budget per seller; otherwise this process's own (embedded mode)."""
    if settings.redis_url:
        client = redis.Redis.from_url(settings.redis_url, socket_timeout=REDIS_TIMEOUT_SECONDS,
                                      socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
        return RedisBucketStore(client)
    return InProcessBucketStore()
