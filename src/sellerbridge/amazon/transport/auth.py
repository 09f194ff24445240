"""Login with Amazon access tokens and Restricted Data Tokens (A2, A3, B13).

- An SP-API call carries a short-lived LWA access token (``expires_in`` 3600 s), bought with the
  seller's refresh token. :class:`LwaTokenCache` keeps it until ``expires_in`` minus a safety
  margin and buys the next one *before* it expires, one refresh at a time however many threads
  ask; a 403 "expired" from Amazon (clock skew, a revoked token) makes the gateway call
  :meth:`LwaTokenCache.invalidate` and retry once.
- LWA answers errors in its own shape (``{"error": "invalid_grant", ...}``, 400/401): they become
  :class:`AuthError`, not retryable for ``invalid_grant``/``invalid_client`` (the seller must
  authorize again, or the app's credentials are wrong), retryable for LWA's 5xx and network errors.
  Messages name the cause and never include a secret.
- The OAuth website flow's ``spapi_oauth_code`` is exchanged for the seller's refresh token once
  (:func:`exchange_authorization_code`, ``grant_type=authorization_code``); the code works once and
  for minutes, so a refusal is never retried: the seller starts the consent again.
- A Restricted Data Token opens PII operations (a restricted report's document, v0 addresses) for
  3600 s; :class:`RdtCache` keeps one per set of resources until shortly before it expires.

The cache exposes ``get_lwa_access_token()``, the one method the official SDK's
``Configuration.access_token_cache`` calls, so it replaces the SDK's own cache (ADR 0001).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx

from ...domain.common.clock import Clock
from ..errors import AuthError
from .calllog import CallRecord, CallSink, Redactor

EXCHANGE_TIMEOUT_SECONDS = 30.0  # the seller's browser waits on the callback page while LWA answers
SAFETY_MARGIN_SECONDS = 60.0  # refresh this long before Amazon's expiry: covers clock skew and slow calls
DEFAULT_EXPIRES_IN = 3600  # LWA's documented lifetime, when an answer leaves it out


@dataclass(frozen=True)
class SellerCredentials:
    """What one connection needs to call SP-API for one seller and marketplace (A1, A2). Secrets hidden in repr."""

    seller_id: str
    marketplace_id: str
    region: str
    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)


def _lwa_message(error: str | None, status: int) -> str:
    if error == "invalid_grant":
        return ("Login with Amazon refused the refresh token (invalid_grant): the seller's authorization was "
                "revoked or has expired; authorize the connection again")
    if error == "invalid_client":
        return ("Login with Amazon refused the app's client id or client secret (invalid_client): check the "
                "app's LWA credentials")
    if error:
        return f"Login with Amazon refused the token request ({error})"
    return f"Login with Amazon answered HTTP {status} without an access token"


class LwaTokenCache:
    """One seller's LWA access token, refreshed before it expires; thread-safe (A2).

    ``refresh_token`` for a seller's token; or ``scope`` alone for a grantless token
    (``client_credentials``, e.g. notification destinations).
    """

    def __init__(self, client_id: str, client_secret: str, refresh_token: str | None, token_url: str,
                 http: httpx.Client, clock: Clock, *, scope: str | None = None, call_sink: CallSink | None = None,
                 redactor: Redactor | None = None) -> None:
        if not refresh_token and not scope:
            raise ValueError("a refresh token (seller) or a scope (grantless) is needed")
        self._client_id = client_id
        self._client_secret = client_secret
        self._refresh_token = refresh_token
        self._scope = scope
        self._token_url = token_url
        self._http = http
        self._clock = clock
        self._sink = call_sink
        self._redactor = redactor or Redactor()
        self._redactor.add(client_secret)
        self._redactor.add(refresh_token)
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh_at: datetime | None = None
        self.expires_at: datetime | None = None
        self.fetches = 0  # LWA requests made (answered or not)

    def get_lwa_access_token(self) -> str:
        """The current token; a new one when none is held or the safety margin before expiry is reached."""
        with self._lock:  # one refresh at a time: the others wait and take its token
            now = self._clock.now()
            if self._token is not None and self._refresh_at is not None and now < self._refresh_at:
                return self._token
            return self._fetch(now)

    def invalidate(self, token: str | None = None) -> None:
        """Forget the token (Amazon said it expired). With ``token``, only if it is still the current one,
        so a thread holding an old token does not throw away the one another thread just bought."""
        with self._lock:
            if token is None or token == self._token:
                self._token = None
                self._refresh_at = None

    def _fetch(self, now: datetime) -> str:
        data = {"client_id": self._client_id, "client_secret": self._client_secret}
        if self._refresh_token:
            data.update(grant_type="refresh_token", refresh_token=self._refresh_token)
        else:
            data.update(grant_type="client_credentials", scope=self._scope or "")
        self.fetches += 1
        started = time.perf_counter()
        try:
            response = self._http.post(self._token_url, data=data, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            self._record(now, started, None, f"<no answer: {type(exc).__name__}>")
            raise AuthError(f"Login with Amazon could not be reached ({type(exc).__name__})", retryable=True,
                            code="unreachable", operation="lwaToken") from None
        self._record(now, started, response.status_code, self._redactor.excerpt(response.content))
        try:
            body = response.json()
        except (ValueError, json.JSONDecodeError):
            body = None
        if not isinstance(body, Mapping):
            raise AuthError(f"Login with Amazon answered HTTP {response.status_code} with a body that is not JSON",
                            retryable=True, status=response.status_code, operation="lwaToken")
        token = body.get("access_token")
        if response.status_code == 200 and isinstance(token, str) and token:
            self._redactor.add(token)
            expires_in = _seconds(body.get("expires_in"))
            margin = min(SAFETY_MARGIN_SECONDS, expires_in / 2)
            self.expires_at = now + timedelta(seconds=expires_in)
            self._refresh_at = self.expires_at - timedelta(seconds=margin)
            self._token = token
            return token
        error = body.get("error") if isinstance(body.get("error"), str) else None
        status = response.status_code
        if status >= 500 or status == 429:
            retryable = True  # LWA is down or busy: later may work
        elif error in AuthError.NOT_RETRYABLE or status in (400, 401, 403):
            retryable = False  # the grant or the app is refused: a person must act
        else:
            retryable = True  # an answer without a token and without a reason
        description = body.get("error_description")
        raise AuthError(_lwa_message(error, response.status_code), retryable=retryable, status=response.status_code,
                        code=error, operation="lwaToken",
                        details=self._redactor.scrub(str(description))[:200] if description else None)

    def _record(self, now: datetime, started: float, status: int | None, excerpt: str) -> None:
        if self._sink is None:
            return
        record = CallRecord(
            operation="lwaToken", method="POST", path=urlsplit(self._token_url).path or "/", status=status,
            rate_limit=None, duration_ms=(time.perf_counter() - started) * 1000,
            request_summary=f"POST {urlsplit(self._token_url).path} grant_type="
                            + ("refresh_token" if self._refresh_token else "client_credentials"),
            response_excerpt=excerpt, at=now, attempt=1)
        with contextlib.suppress(Exception):  # the log must never break a call
            self._sink(record)


def exchange_authorization_code(token_url: str, code: str, client_id: str, client_secret: str, redirect_uri: str,
                                *, http: httpx.Client | None = None) -> str:
    """The seller's refresh token for the OAuth callback's ``spapi_oauth_code`` (A2).

    Raises :class:`AuthError`: retryable when LWA could not be reached or answered 5xx, not retryable
    when it refused the code or the app (the seller must start the consent again). The message names
    LWA's ``error`` and never the code, the secret or a token (A3).
    """
    data = {"grant_type": "authorization_code", "code": code, "client_id": client_id,
            "client_secret": client_secret, "redirect_uri": redirect_uri}
    client = http or httpx.Client(timeout=EXCHANGE_TIMEOUT_SECONDS)
    try:
        response = client.post(token_url, data=data, headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise AuthError(f"Login with Amazon could not be reached ({type(exc).__name__})", retryable=True,
                        code="unreachable", operation="lwaToken") from None
    finally:
        if http is None:
            client.close()
    try:
        body = response.json()
    except ValueError:
        body = None
    body = body if isinstance(body, Mapping) else {}
    token = body.get("refresh_token")
    if response.status_code == 200 and isinstance(token, str) and token:
        return token
    error = body.get("error") if isinstance(body.get("error"), str) else None
    raise AuthError(f"Login with Amazon refused the authorization code (HTTP {response.status_code}"
                    + (f", {error})" if error else ")"), retryable=response.status_code >= 500,
                    status=response.status_code, code=error, operation="lwaToken")


def _seconds(value: object) -> float:
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float(DEFAULT_EXPIRES_IN)
    return seconds if seconds > 0 else 0.0


# --- Restricted Data Tokens -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RestrictedResource:
    """One restricted operation an RDT opens: method, path (concrete ids or ``{placeholders}``), data elements."""

    method: str
    path: str
    data_elements: tuple[str, ...] = ()

    def as_amazon(self) -> dict[str, object]:
        out: dict[str, object] = {"method": self.method.upper(), "path": self.path}
        if self.data_elements:
            out["dataElements"] = list(self.data_elements)
        return out

    @classmethod
    def of(cls, value: RestrictedResource | Mapping[str, object]) -> RestrictedResource:
        if isinstance(value, RestrictedResource):
            return value
        elements = value.get("dataElements") or value.get("data_elements") or ()
        return cls(str(value["method"]).upper(), str(value["path"]), tuple(str(e) for e in elements))  # type: ignore[union-attr]


RdtKey = frozenset[RestrictedResource]


def rdt_key(resources: Iterable[RestrictedResource | Mapping[str, object]]) -> RdtKey:
    """The cache key of a set of resources: order and repeats do not matter."""
    return frozenset(RestrictedResource.of(r) for r in resources)


class RdtCache:
    """RDTs per resource set until shortly before they expire; thread-safe (B13)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[RdtKey, tuple[str, datetime]] = {}

    def get(self, key: RdtKey, now: datetime) -> str | None:
        with self._lock:
            entry = self._tokens.get(key)
            if entry is None or now >= entry[1]:
                return None
            return entry[0]

    def put(self, key: RdtKey, token: str, expires_in: float, now: datetime) -> None:
        margin = min(SAFETY_MARGIN_SECONDS, expires_in / 2)
        with self._lock:
            self._tokens[key] = (token, now + timedelta(seconds=expires_in - margin))
            for stale in [k for k, (_, until) in self._tokens.items() if until <= now]:
                del self._tokens[stale]

    def invalidate(self, token: str) -> None:
        with self._lock:
            for key in [k for k, (t, _) in self._tokens.items() if t == token]:
                del self._tokens[key]
