"""One connection's way to Amazon: tokens, the call path and documents (A2, A3, B13, G1, G2).

:class:`SpApiSession` is the part of the gateway every API family shares (``amazon/gateway.py``
assembles the families on top of it). Every operation takes the same path (:meth:`SpApiSession._call`):
the hub's token bucket for (seller or application, region, operation), an access token, Amazon's
official SDK to build and send the request (``sdk.py``), the retry rules of ``calls.py`` and one
redacted call-log record per attempt (``calllog.py``, stamped with the run id of the current
``run_scope``).

Which token a call carries:

- the seller's LWA access token (the default), refreshed before it expires;
- a Restricted Data Token (``restricted=``) for PII operations: a restricted report's document (B13);
- a grantless token (``grantless=scope``, ``client_credentials``) for the operations Amazon keeps per
  application, not per seller (notification destinations). Amazon meters those per application, so
  their budget is the application's, shared by all its sellers.

Each token source is one cache per gateway (LWA, grantless per scope, RDT per resource set), so a
token is bought once per hour, not once per call. Report documents come behind pre-signed URLs:
:meth:`SpApiSession._document` fetches one with a fresh URL once more when the download breaks.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Self
from urllib.parse import urlsplit

import httpx

from ...domain.common.clock import Clock
from ..endpoint_allowlist import EndpointAllowlist, origin_of
from ..errors import AmazonError, AuthError
from ..regions import ConnectionEndpoints
from . import documents
from .auth import LwaTokenCache, RdtCache, RdtKey, RestrictedResource, SellerCredentials, rdt_key
from .calllog import CallRecord, CallSink, Redactor, strip_query
from .calls import THROTTLE_DEADLINE_SECONDS, Answer, Call, CallRunner
from .sdk import SdkWire
from .throttle import BucketStore, Priority, UsagePlan

# A document's bytes, compression and Content-Type -> its text (``documents.decode`` unless a report reads
# its own way: the merchant listings report, I5); raises ``documents.DocumentError``.
Decoder = Callable[[bytes, str | None, str | None], str]

log = logging.getLogger("sellerbridge.amazon")


def iso(moment: datetime, name: str) -> str:
    """A moment as Amazon's query parameters take it; whole seconds, floored (never later than asked)."""
    if moment.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware (UTC)")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def data_of(answer: Answer) -> Mapping[str, Any]:
    """The answer's JSON object; an empty one when Amazon sent none (the caller names what is missing)."""
    return answer.data if isinstance(answer.data, Mapping) else {}


def upload_allowed(url: str, allowlist: EndpointAllowlist | None, api_base_url: str | None = None) -> bool:
    """A pre-signed upload URL the hub may send a feed to: https on Amazon's storage (``*.amazonaws.com``),
    the connection's own SP-API origin (trusted with its tokens already: the sandbox serves both), or an
    origin the operator allowed."""
    if api_base_url is not None and origin_of(url) is not None and origin_of(url) == origin_of(api_base_url):
        return True
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme == "https" and (host == "amazonaws.com" or host.endswith(".amazonaws.com")) \
            and "@" not in parts.netloc:
        return True
    return allowlist is not None and allowlist.allows(url)


def refused(exc: AmazonError, *statuses: int) -> bool:
    """True when SP-API itself answered one of ``statuses`` (an LWA refusal, ``AuthError``, never is)."""
    return not isinstance(exc, AuthError) and exc.status in statuses


class SpApiSession:
    """Tokens, the call path and document downloads of one connection. Thread-safe."""

    def __init__(self, credentials: SellerCredentials, endpoints: ConnectionEndpoints, *, buckets: BucketStore,
                 clock: Clock, call_sink: CallSink | None = None, timeout: float = 30,
                 deadline_seconds: float = THROTTLE_DEADLINE_SECONDS, rng: random.Random | None = None,
                 allowlist: EndpointAllowlist | None = None) -> None:
        if allowlist is not None:  # before any secret goes anywhere (issue 9, endpoint_allowlist.py)
            allowlist.require_endpoints(endpoints)
        self.credentials = credentials
        self.endpoints = endpoints
        self._allowlist = allowlist
        self._clock = clock
        self._sink = call_sink
        self._redactor = Redactor([credentials.client_secret, credentials.refresh_token])
        self._http = httpx.Client(timeout=timeout, follow_redirects=False)
        self._lwa = LwaTokenCache(credentials.client_id, credentials.client_secret, credentials.refresh_token,
                                  endpoints.lwa_token_url, self._http, clock, call_sink=call_sink,
                                  redactor=self._redactor)
        self._grantless: dict[str, LwaTokenCache] = {}  # scope -> the application's token
        self._grantless_lock = threading.Lock()
        self._rdts = RdtCache()
        self._wire = SdkWire(endpoints.api_base_url, timeout)
        self._runner = CallRunner(seller_id=credentials.seller_id, region=str(credentials.region), clock=clock,
                                  buckets=buckets, redactor=self._redactor, call_sink=call_sink, rng=rng,
                                  deadline_seconds=deadline_seconds)

    def close(self) -> None:
        self._http.close()
        self._wire.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def lwa(self) -> LwaTokenCache:
        """The seller's access-token cache (its ``fetches`` and ``expires_at`` are what tests and checks read)."""
        return self._lwa

    def usage_plan(self, operation: str) -> UsagePlan:
        """The plan the gateway paces ``operation`` with: Amazon's published one, or the rate Amazon announced."""
        return self._runner.plan(operation)

    def ready_in(self, operation: str) -> float:
        """Seconds until ``operation`` could be called without waiting for its budget (G1)."""
        return self._runner.ready_in(operation)

    # --- the call path -----------------------------------------------------------------------------

    def _call(self, operation: str, *args: Any, restricted: RdtKey | None = None, grantless: str | None = None,
              deadline_seconds: float | None = None, priority: Priority | None = None, **params: Any) -> Answer:
        """One SP-API operation, ``params`` in the SDK's snake_case names (see the module's token rules)."""
        metered_as = None
        if restricted:
            token, on_expired = (lambda: self._rdt_for(restricted)), self._rdts.invalidate
        elif grantless:
            cache = self._grantless_cache(grantless)
            token, on_expired = cache.get_lwa_access_token, cache.invalidate
            metered_as = f"app:{self.credentials.client_id}"
        else:
            token, on_expired = self._lwa.get_lwa_access_token, self._lwa.invalidate
        return self._runner.run(Call(
            operation=operation, method="?", path=operation,
            send=lambda access_token: self._wire.send(operation, access_token, *args, **params),
            token=token, on_expired=on_expired, deadline_seconds=deadline_seconds, priority=priority,
            metered_as=metered_as))

    def _grantless_cache(self, scope: str) -> LwaTokenCache:
        with self._grantless_lock:
            cache = self._grantless.get(scope)
            if cache is None:
                cache = self._grantless[scope] = LwaTokenCache(
                    self.credentials.client_id, self.credentials.client_secret, None, self.endpoints.lwa_token_url,
                    self._http, self._clock, scope=scope, call_sink=self._sink, redactor=self._redactor)
            return cache

    # --- Restricted Data Tokens --------------------------------------------------------------------

    def create_rdt(self, resources: Iterable[RestrictedResource | Mapping[str, Any]]) -> str:
        """A Restricted Data Token for ``resources`` (method, path, dataElements), cached until near expiry (B13)."""
        return self._rdt_for(rdt_key(resources))

    def _rdt_for(self, key: RdtKey) -> str:
        cached = self._rdts.get(key, self._clock.now())
        if cached:
            return cached
        ordered = sorted(key, key=lambda r: (r.path, r.method, r.data_elements))
        answer = self._call("createRestrictedDataToken", {"restrictedResources": [r.as_amazon() for r in ordered]})
        data = data_of(answer)
        token = data.get("restrictedDataToken")
        if not isinstance(token, str) or not token:
            raise AmazonError("createRestrictedDataToken answered without a token", retryable=True,
                              status=answer.status, operation="createRestrictedDataToken")
        self._redactor.add(token)
        expires_in = float(data.get("expiresIn") or 3600)
        self._rdts.put(key, token, expires_in, self._clock.now())
        return token

    # --- documents behind pre-signed URLs ----------------------------------------------------------

    def _document(self, operation: str, document_id: str, *, restricted_path: str | None = None,
                  decode: Decoder | None = None) -> str:
        """The text of a document ``operation`` (``getReportDocument``) points at (G2, F1, B13).

        With ``restricted_path`` the operation is called with an RDT for that path (documents with buyer
        PII). Then a plain GET of the pre-signed URL, gunzipped and decoded with the charset its
        Content-Type names. A download that fails (cut short, damaged, URL expired) is fetched once
        more with a fresh URL, then it is ``AmazonError(retryable=True)``.
        """
        resources = rdt_key([RestrictedResource("GET", restricted_path)]) if restricted_path else None
        problem = ""
        for fetch_number in (1, 2):
            data = data_of(self._call(operation, document_id, restricted=resources))
            url = data.get("url")
            if not isinstance(url, str) or not url:
                raise AmazonError(f"{operation} answered without a URL for {document_id}", retryable=True,
                                  operation=operation)
            try:
                return self._download(url, data.get("compressionAlgorithm"), fetch_number, decode)
            except documents.DocumentError as exc:
                problem = exc.reason
                log.warning("document download %d failed: %s", fetch_number, problem)
        raise AmazonError(f"document {document_id}: {problem}", retryable=True, operation="downloadDocument")

    def _upload(self, url: str, content: bytes, content_type: str) -> None:
        """A feed document to its pre-signed URL (``feeds/submit.py``): https on ``amazonaws.com`` or an
        allowed origin only; the upload is one call-log record (its size, never its content)."""
        if not upload_allowed(url, self._allowlist, self.endpoints.api_base_url):
            raise AmazonError("createFeedDocument gave an upload URL that is neither Amazon's storage nor an "
                              "allowed origin; nothing was sent", retryable=False, operation="uploadDocument")
        at = self._clock.now()
        started = time.perf_counter()
        status: int | None = None
        excerpt = ""
        try:
            status, raw = documents.upload(self._http, url, content, content_type)
            excerpt = f"{len(content)} bytes sent" if 200 <= status < 300 else self._redactor.excerpt(raw)
        except documents.DocumentError as exc:
            excerpt = exc.reason
            raise AmazonError(f"feed upload: {exc.reason}", retryable=True, operation="uploadDocument") from None
        finally:
            self._runner.record(CallRecord(
                operation="uploadDocument", method="PUT", path=urlsplit(url).path, status=status, rate_limit=None,
                duration_ms=(time.perf_counter() - started) * 1000, request_summary=f"PUT {strip_query(url)}",
                response_excerpt=excerpt, at=at, attempt=1))
        if not 200 <= status < 300:
            raise AmazonError(f"feed upload: the upload URL answered HTTP {status}", retryable=status >= 500,
                              status=status, operation="uploadDocument")

    def _download(self, url: str, compression: str | None, attempt: int, decode: Decoder | None = None) -> str:
        at = self._clock.now()
        started = time.perf_counter()
        status: int | None = None
        excerpt = ""
        try:
            status, raw, content_type = documents.fetch(self._http, url)
            # never the content: report documents carry buyer names and addresses
            excerpt = f"{len(raw)} bytes, {content_type or 'no content type'}" if status == 200 \
                else self._redactor.excerpt(raw)
        except documents.DocumentError as exc:
            excerpt = exc.reason
            raise
        finally:
            self._runner.record(CallRecord(
                operation="downloadDocument", method="GET", path=urlsplit(url).path, status=status, rate_limit=None,
                duration_ms=(time.perf_counter() - started) * 1000, request_summary=f"GET {strip_query(url)}",
                response_excerpt=excerpt, at=at, attempt=attempt))
        if status != 200:
            raise documents.DocumentError(f"the document URL answered HTTP {status}", status=status)
        return (decode or documents.decode)(raw, compression, content_type)
