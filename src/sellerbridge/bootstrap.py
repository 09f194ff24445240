"""The one place that builds settings, store, clock, throttle and gateways and wires them (DESIGN.md 2).

CLI commands, the REST API and tests build a :class:`Hub` with :func:`build_hub` and pass it down;
nothing else reads settings or opens the database. :meth:`Hub.flow_context` is what the runtime hands
every flow (``domain.ports.runs.FlowContext``): it builds a run's ports once, from one read of the
connection, and tags the run's SP-API calls with its id.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import redis

from .amazon.endpoint_allowlist import EndpointAllowlist
from .amazon.gateway import AmazonGateway
from .amazon.regions import ConnectionEndpoints
from .amazon.transport import calllog
from .amazon.transport.auth import SellerCredentials
from .amazon.transport.calllog import CallRecord
from .amazon.transport.throttle import BucketStore, InProcessBucketStore
from .amazon.transport.throttle_redis import RedisBucketStore
from .channels import filedrop
from .channels.inbox import ChannelInboxes
from .channels.webhook import WebhookTransport
from .db.files import private_dir
from .db.repositories import api_calls, connections
from .db.repositories import jobs as job_repo
from .db.repositories.connections import ConnectionRecord, ConnectionSecrets
from .db.store import Store, open_store
from .db.stores.cancellations import DbCancellationStore
from .db.stores.confirmations import DbConfirmationStore
from .db.stores.deliveries import DbDeliveryStore, DbReceivers
from .db.stores.documents import DbDocumentStore
from .db.stores.fetches import DbConnectionMarks, DbPendingFetches
from .db.stores.item_import import DbItemImportStore
from .db.stores.orders import DbOrderStore, load_order_settings
from .db.stores.pii import DbPiiStore
from .db.stores.prices import DbPriceStore
from .db.stores.retention import DbRetentionStore
from .db.stores.runs import DbRunLog
from .db.stores.ship_deadlines import DbShipDeadlines
from .db.stores.shipment_intake import DbShipmentIntake
from .db.stores.stock_import import DbStockImport
from .db.stores.stock_push import DbStockPushStore
from .domain.common.clock import Clock, ScaledClock, SystemClock
from .domain.common.errors import ConfigError
from .domain.ports.deliveries import ReceiverKind, Transport
from .domain.ports.runs import ConnectionInfo, RunPorts
from .settings import Settings

SHIPMENT_CONFIRM_FLOW = "shipment_confirm"  # the confirmation flow (sync/shipment_confirm.py) that sends packages
SHARERS_TTL_SECONDS = 60.0  # real seconds: a connection added or disabled counts within a minute


@dataclass
class Hub:
    """Everything a command or request needs, built once per process."""

    settings: Settings
    store: Store
    clock: Clock
    buckets: BucketStore
    _gateways: dict[int, tuple[int, AmazonGateway]] = field(default_factory=dict)  # id -> (version, gateway)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _flow_context: HubFlowContext | None = None
    _sharers: dict[tuple[str, str], tuple[float, int]] = field(default_factory=dict)  # (seller, region) -> (at, n)
    _transports: dict[str, Transport] | None = None

    def transports(self) -> dict[str, Transport]:
        """The delivery transports of this process, one per receiver kind (built once: they hold clients).

        Webhooks are ``channels.webhook``; the file kinds are ``channels.filedrop``'s local and SFTP transports."""
        with self._lock:
            if self._transports is None:
                built: dict[str, Transport] = {
                    ReceiverKind.WEBHOOK: WebhookTransport(allow_http=self.settings.allow_http_webhooks)}
                built.update(file_transports(self.now))
                self._transports = built
            return self._transports

    def budget_sharers(self, seller_id: str, region: str) -> int:
        """How many active connections share a seller account's budgets in a region (G1: Amazon's buckets
        are per seller account and region, whatever the marketplace). Read at most once a minute."""
        key, now = (seller_id, region), time.monotonic()
        with self._lock:
            cached = self._sharers.get(key)
            if cached is not None and now - cached[0] < SHARERS_TTL_SECONDS:
                return cached[1]
        with self.store.uow(read_only=True) as session:
            count = connections.count_active(session, seller_id=seller_id, region=region)
        with self._lock:
            self._sharers[key] = (now, max(1, count))
        return max(1, count)

    def now(self) -> datetime:
        return self.clock.now()

    def flow_context(self) -> HubFlowContext:
        """What the runtime hands every flow (one per hub; it holds nothing a run could share by mistake)."""
        with self._lock:
            if self._flow_context is None:
                self._flow_context = HubFlowContext(self)
            return self._flow_context

    def gateway_for(self, connection_id: int) -> AmazonGateway:
        """The connection's gateway (one per connection and process: it holds the LWA token cache).

        Raises ConfigError when the connection cannot call Amazon (:func:`check_runnable`, A4, A5).
        """
        with self.store.uow(read_only=True) as session:
            record = connections.require_connection(session, connection_id)
        check_runnable(record, self.now())
        return self.gateway_of(record)

    def gateway_of(self, record: ConnectionRecord) -> AmazonGateway:
        """The gateway of a connection read by the caller (no status check: e.g. unsubscribing a disabled one).

        Cached per connection and process (it holds the LWA token cache), for the record's
        ``credentials_version``: a rotation by another process (the CLI, a web replica) bumps it, so the
        next call after the caller's read uses the new credentials (G3, A3).
        """
        connection_id = record.id
        stale: AmazonGateway | None = None
        with self._lock:
            cached = self._gateways.get(connection_id)
            if cached is not None and cached[0] == record.credentials_version:
                return cached[1]
            if cached is not None:
                stale = cached[1]
            with self.store.uow(read_only=True) as session:
                secrets = connections.get_secrets(session, self.store.box, connection_id)
            check_credentials(record, secrets)
            credentials = SellerCredentials(
                seller_id=record.seller_id, marketplace_id=record.marketplace_id, region=record.region,
                client_id=secrets.client_id, client_secret=secrets.client_secret,
                refresh_token=secrets.refresh_token)
            endpoints = ConnectionEndpoints.resolve(record.marketplace_id, api_base_url=record.api_base_url,
                                                    lwa_token_url=record.lwa_token_url)
            gateway = AmazonGateway(credentials, endpoints, buckets=self.buckets, clock=self.clock,
                                    call_sink=self._call_sink(connection_id),
                                    allowlist=EndpointAllowlist.of(self.settings.allowed_endpoint_origins))
            self._gateways[connection_id] = (record.credentials_version, gateway)
        if stale is not None:
            stale.close()
        return gateway

    def forget_gateway(self, connection_id: int) -> None:
        """Drop a cached gateway (credentials or endpoints changed, connection disabled)."""
        with self._lock:
            cached = self._gateways.pop(connection_id, None)
        if cached is not None:
            cached[1].close()

    def _call_sink(self, connection_id: int):
        def record(call: CallRecord) -> None:
            # Every SP-API attempt is kept (redacted by the gateway), in its own short transaction.
            with self.store.uow() as session:
                api_calls.record_call(
                    session, operation=call.operation, status=call.status, duration_ms=call.duration_ms,
                    connection_id=connection_id, run_id=call.run_id, method=call.method, path=call.path,
                    attempt=call.attempt, rate_limit=call.rate_limit, request_summary=call.request_summary,
                    response_excerpt=call.response_excerpt, at=call.at)
        return record

    def close(self) -> None:
        with self._lock:
            gateways, self._gateways = [g for _, g in self._gateways.values()], {}
        for gateway in gateways:
            gateway.close()
        for transport in (self._transports or {}).values():
            close = getattr(transport, "close", None)
            if close is not None:
                close()
        self.store.close()


def file_transports(now: Callable[[], datetime]) -> dict[str, Transport]:
    """The file-drop transports (``channels/filedrop.py``: a local directory, SFTP), by receiver kind; their
    batch names take the hub's clock."""
    return {ReceiverKind.LOCAL_DIR: filedrop.LocalDropTransport(now),
            ReceiverKind.SFTP: filedrop.SftpDropTransport(now)}


def check_runnable(record: ConnectionRecord, now: datetime) -> None:
    """Whether the connection may run now: ConfigError with what to do when not (A4, A5).

    Disabled, or authorization expired (marked, or its date passed): its syncs stop with a clear message;
    nothing is lost, everything resumes when it is enabled or authorized again.
    """
    if record.status == "expired" or (record.authorization_expires_at is not None
                                      and record.authorization_expires_at <= now):
        raise ConfigError(f"connection {record.name!r}: the seller's authorization expired; its syncs are stopped "
                          f"until the seller authorizes the app again (`sellerbridge connection authorize "
                          f"{record.name}`)")
    if record.status != "active":
        raise ConfigError(f"connection {record.name!r} is {record.status}: its syncs are stopped")


def check_credentials(record: ConnectionRecord, secrets: ConnectionSecrets) -> None:
    if not (secrets.client_secret and secrets.refresh_token):
        raise ConfigError(f"connection {record.name!r} has no credentials: add them with "
                          f"`sellerbridge connection update {record.name} ...`")


class HubFlowContext:
    """``domain.ports.runs.FlowContext`` over the hub: run log, ports per run, call tagging."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.clock = hub.clock
        self.runs = DbRunLog(hub.store)

    def ports(self, connection_id: int | None) -> RunPorts:
        hub = self.hub
        pii = DbPiiStore(hub.store, retention_days=hub.settings.pii_retention_days,
                         transit_allowance=timedelta(days=hub.settings.pii_transit_allowance_days))
        if connection_id is None:
            return RunPorts(None, None, None, None, None, None, None, pii,
                            retention=DbRetentionStore(hub.store, hub.settings.retention_policy()),
                            deadlines=DbShipDeadlines(hub.store))
        with hub.store.uow(read_only=True) as session:
            record = connections.require_connection(session, connection_id)
        check_runnable(record, hub.now())
        settings = load_order_settings(record.settings, record.name)
        info = ConnectionInfo(record.id, record.name, record.seller_id, record.marketplace_id, str(record.region),
                              last_error=record.last_error,
                              budget_sharers=hub.budget_sharers(record.seller_id, str(record.region)))
        return RunPorts(
            connection=info, settings=settings, amazon=hub.gateway_of(record),
            orders=DbOrderStore(hub.store, connection_id, settings, now=hub.now),
            documents=DbDocumentStore(hub.store, connection_id),
            fetches=DbPendingFetches(hub.store, connection_id),
            marks=DbConnectionMarks(hub.store, connection_id, hub.now), pii=pii,
            shipments=self.shipment_intake(connection_id),
            stock_import=DbStockImport(hub.store, connection_id, hub.now),
            confirmations=DbConfirmationStore(hub.store, connection_id, hub.now),
            cancellations=DbCancellationStore(hub.store, connection_id, hub.now),
            inbox_opener=ChannelInboxes(),
            receivers=DbReceivers(hub.store, connection_id, hub.now),
            prices=DbPriceStore(hub.store, connection_id, record.marketplace_id, hub.now),
            item_import=DbItemImportStore(hub.store, connection_id, hub.now),
            deliveries=DbDeliveryStore(hub.store, connection_id, hub.now), transports=hub.transports(),
            stock_push=DbStockPushStore(hub.store, connection_id, seller_id=record.seller_id, region=str(record.region),
                                        marketplace_id=record.marketplace_id, now=hub.now))


    def shipment_intake(self, connection_id: int) -> DbShipmentIntake:
        """The connection's shipment intake (C1): what it stores with a queued package asks for the
        connection's ``shipment_confirm`` run (the confirmation flow sends it to Amazon)."""
        return DbShipmentIntake(self.hub.store, connection_id, now=self.hub.now,
                                on_queued=lambda: self.ask(SHIPMENT_CONFIRM_FLOW, connection_id))

    def calls_of(self, run_id: int) -> AbstractContextManager[None]:
        return calllog.run_scope(run_id)

    def ask(self, flow: str, connection_id: int | None) -> None:
        """Due now in the jobs table: the scheduler queues it at its next tick (G3)."""
        now = self.hub.now()
        with self.hub.store.uow() as session:
            job_repo.request_run(session, job_repo.job_key(flow, connection_id), now=now)


def build_hub(settings: Settings | None = None, *, clock: Clock | None = None,
              buckets: BucketStore | None = None) -> Hub:
    settings = settings or Settings()
    private_dir(settings.data_dir)  # 0700: the database, the key and the queue are the hub user's only (B13)
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
