"""The sandbox's state and its rules of time: one ``Backend`` per sandbox (I4).

Holds every seller, app and token, the document store, the rate limiter, scripted faults, the
event queue and the notifications outbox. Route modules read and change it under ``lock``; the
backend itself knows nothing of HTTP.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import secrets
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from . import marketplaces
from .clock import Clock
from .events import EventQueue
from .faults import FaultBook
from .ratelimits import RateLimiter
from .state import DEFAULT_ROLES, App, Document, Order, Seller
from .timings import Timings


@dataclass
class AccessToken:
    token: str
    client_id: str
    seller_id: str | None  # None for grantless (client_credentials) tokens
    expires: datetime
    scope: str | None = None
    # A Restricted Data Token: the (method, path) pairs it opens and the data elements it carries.
    restricted: list[dict[str, Any]] | None = None

    @property
    def is_rdt(self) -> bool:
        return self.restricted is not None


@dataclass
class Authorization:
    """A seller's authorization of an app: what a refresh token stands for."""

    refresh_token: str
    client_id: str
    seller_id: str
    created: datetime


@dataclass
class Notification:
    seller_id: str
    notification_type: str
    payload: dict[str, Any]
    created: datetime
    destination_url: str | None = None
    attempts: int = 0
    delivered: bool = False
    last_error: str | None = None


@dataclass
class Destination:
    destination_id: str
    client_id: str
    name: str
    resource: dict[str, Any]  # {"sqs": {"arn": ...}} or {"eventBridge": {...}}


@dataclass
class Subscription:
    subscription_id: str
    seller_id: str
    client_id: str
    notification_type: str
    destination_id: str
    payload_version: str
    processing_directive: dict[str, Any] | None = None


@dataclass
class NotificationHub:
    destinations: dict[str, Destination] = field(default_factory=dict)
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    # SQS ARN -> HTTP URL: the sandbox's stand-in for an SQS queue (POST /_sandbox/sqs).
    http_endpoints: dict[str, str] = field(default_factory=dict)
    outbox: deque[Notification] = field(default_factory=deque)
    sent: list[Notification] = field(default_factory=list)


class Backend:
    """Everything Amazon knows, for many sellers at once."""

    def __init__(self, clock: Clock | None = None, timings: Timings | None = None) -> None:
        self.clock = clock or Clock()
        self.timings = timings or Timings()
        self.lock = threading.RLock()
        self.signing_key = secrets.token_bytes(32)
        # Where pre-signed document URLs point when served (S3 lives on its own host at Amazon; a
        # client may also send a Host header that is not the address it connected to).
        self.public_base_url: str | None = None
        self.reset()

    def reset(self) -> None:
        """Forget everything (``POST /_sandbox/reset``). Clock and timings stay."""
        self.apps: dict[str, App] = {}
        self.sellers: dict[str, Seller] = {}
        self.authorizations: dict[str, Authorization] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.documents: dict[str, Document] = {}
        self.page_tokens: dict[str, tuple[datetime, dict[str, Any]]] = {}
        self.oauth_codes: dict[str, str] = {}  # spapi_oauth_code -> seller_id (website flow)
        self.order_streams: dict[str, Any] = {}  # seller_id -> generator.OrderStream
        self.events = EventQueue()
        self.limiter = RateLimiter()
        self.faults = FaultBook()
        self.notifications = NotificationHub()
        self.request_counts: dict[tuple[str, str, int], int] = {}
        self.internal_errors: list[str] = []  # unexpected exceptions: always a sandbox bug
        self._feed_seq = 50_000_000_000
        self._report_seq = 60_000_000_000

    # --- time ---------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock.now()

    def tick(self) -> int:
        """Run every event due by now. Called before each request and by the serve loop."""
        with self.lock:
            return self.events.run_due(self.now())

    def advance(self, seconds: float) -> datetime:
        with self.lock:
            now = self.clock.advance(seconds)
            self.events.run_due(now)
            return now

    # --- ids ----------------------------------------------------------------------------------

    def next_feed_id(self) -> str:
        self._feed_seq += 1
        return str(self._feed_seq)

    def next_report_id(self) -> str:
        self._report_seq += 1
        return str(self._report_seq)

    def new_document_id(self, seller: Seller, kind: str) -> str:
        region = seller.region.lower()
        if kind == "report":
            return f"amzn1.spdoc.1.4.{region}.{uuid.uuid4()}.T{secrets.token_hex(4).upper()}.{self._report_seq}"
        return f"amzn1.tortuga.4.{region}.{uuid.uuid4()}.T{secrets.token_hex(4).upper()}"

    # --- sellers, apps, tokens ----------------------------------------------------------------

    def register_app(self, client_id: str | None = None, client_secret: str | None = None) -> App:
        client_id = client_id or f"amzn1.application-oa2-client.{secrets.token_hex(16)}"
        app = self.apps.get(client_id)
        if app is None:
            app = App(client_id, client_secret or f"amzn1.oa2-cs.v1.{secrets.token_hex(32)}")
            self.apps[client_id] = app
        return app

    def authorize(self, seller: Seller, app: App) -> Authorization:
        auth = Authorization(f"Atzr|{secrets.token_urlsafe(48)}", app.client_id, seller.seller_id, self.now())
        self.authorizations[auth.refresh_token] = auth
        return auth

    def issue_access_token(self, client_id: str, seller_id: str | None, scope: str | None = None) -> AccessToken:
        token = AccessToken(
            token=f"Atza|{secrets.token_urlsafe(64)}",
            client_id=client_id,
            seller_id=seller_id,
            expires=self.now() + timedelta(seconds=self.timings.access_token_seconds),
            scope=scope,
        )
        self.access_tokens[token.token] = token
        return token

    def add_seller(self, seller: Seller) -> None:
        if seller.seller_id in self.sellers:
            raise ValueError(f"seller {seller.seller_id} exists")
        for mp in seller.marketplace_ids:
            region = marketplaces.resolve(mp).region
            if region != seller.region:
                raise ValueError(f"marketplace {mp} is in {region}, the seller is in {seller.region}")
        self.sellers[seller.seller_id] = seller

    @staticmethod
    def default_roles() -> set[str]:
        return set(DEFAULT_ROLES)

    # --- orders -------------------------------------------------------------------------------

    def touch_order(self, seller: Seller, order: Order, at: datetime | None = None) -> None:
        """Record that an order changed: stamp it, let search see it after the lag, notify.

        Amazon's search index trails its order store: a change shows in searchOrders about two
        minutes later while getOrder already returns it (docs/amazon-quirks.md).
        """
        at = at or self.now()
        order.last_updated = at
        snapshot = copy.deepcopy(order)
        due = at + timedelta(seconds=self.timings.search_lag_seconds)

        def index(_due: datetime, seller=seller, snapshot=snapshot) -> None:
            current = seller.search_index.get(snapshot.order_id)
            if current is None or current[1].last_updated <= snapshot.last_updated:
                seller.search_index[snapshot.order_id] = (snapshot.last_updated, snapshot)

        self.events.at(due, index, f"index {order.order_id}")
        hook = getattr(self, "on_order_change", None)
        if hook is not None:
            hook(seller, order, at)

    # --- pre-signed document URLs -------------------------------------------------------------

    def _signature(self, document_id: str, method: str, date: str, expires: int) -> str:
        msg = f"{method}\n{document_id}\n{date}\n{expires}".encode()
        return hmac.new(self.signing_key, msg, hashlib.sha256).hexdigest()

    def presign(self, base_url: str, document_id: str, method: str) -> str:
        """A URL like S3's pre-signed ones: valid for ``presigned_url_seconds`` of simulated time."""
        date = self.now().strftime("%Y%m%dT%H%M%SZ")
        expires = int(self.timings.presigned_url_seconds)
        sig = self._signature(document_id, method, date, expires)
        return (f"{base_url.rstrip('/')}/_documents/{document_id}"
                f"?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date={date}&X-Amz-Expires={expires}"
                f"&X-Amz-SignedHeaders=host&X-Amz-Signature={sig}")

    def check_presigned(self, document_id: str, method: str, params: dict[str, str]) -> str | None:
        """None when the URL is valid now; otherwise S3's error code."""
        try:
            date = params["X-Amz-Date"]
            expires = int(params["X-Amz-Expires"])
            sig = params["X-Amz-Signature"]
        except (KeyError, ValueError):
            return "AccessDenied"
        if not hmac.compare_digest(sig, self._signature(document_id, method, date, expires)):
            return "SignatureDoesNotMatch"
        try:
            signed_at = datetime.strptime(date, "%Y%m%dT%H%M%SZ").replace(tzinfo=self.now().tzinfo)
        except ValueError:
            return "AccessDenied"
        if self.now() > signed_at + timedelta(seconds=expires):
            return "AccessDenied:Request has expired"
        return None
