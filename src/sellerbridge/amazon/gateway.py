"""The Amazon gateway: the one class that calls SP-API for the hub (A1, A2, B1, B12, B13, G1, G2).

One gateway per connection (seller account + marketplace). Every operation goes through the same
path: the hub's token bucket for (seller, region, operation), a fresh LWA token (or a Restricted
Data Token for PII), Amazon's official SDK to build and send the request, our retry rules
(``retry.py``) and one redacted call-log record per attempt (``calllog.py``). Answers come back as
plain JSON (dicts and lists, Amazon's field names) or small dataclasses: no SDK model leaves here,
and the wire-to-domain mapping is ``amazon/orders``' job.

Amazon's rules met here (docs/amazon-quirks.md): ``searchOrders`` page requests repeat every
original parameter with ``paginationToken``; ``createdBefore``/``lastUpdatedBefore`` must be two
minutes before the request (clamped by our clock) and the window end Amazon used is echoed back
(:attr:`SearchPage.window_end`, the next watermark); ``getReports`` later pages send ``nextToken``
alone; a restricted report's document needs an RDT; document URLs expire and downloads can break.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

from sellerbridge.domain.orders.model import Fulfillment, OrderStatus
from sellerbridge.domain.ports.orders import SearchPage  # one searchOrders page: the type the order flow's port names

from ..domain.common.clock import Clock
from .errors import AmazonError, AuthError, Throttled
from .regions import ConnectionEndpoints
from .transport import documents
from .transport.auth import LwaTokenCache, RdtCache, RdtKey, RestrictedResource, SellerCredentials, rdt_key
from .transport.calllog import CallRecord, CallSink, Redactor, strip_query
from .transport.calls import THROTTLE_DEADLINE_SECONDS, Answer, Call, CallRunner
from .transport.sdk import SdkWire
from .transport.throttle import BucketStore, Priority, UsagePlan

__all__ = ["DEFAULT_INCLUDED_DATA", "AmazonGateway", "ConnectionCheck", "SearchPage"]

log = logging.getLogger("sellerbridge.amazon")

# Datasets asked for by default: status (FULFILLMENT), money (PROCEEDS), cancel requests. PII
# datasets (BUYER, RECIPIENT) only when the connection holds the role: the caller passes them.
DEFAULT_INCLUDED_DATA = ("FULFILLMENT", "PROCEEDS", "CANCELLATION")
SEARCH_LAG = timedelta(minutes=2)  # a ...Before must be at least this long before the request
CHECK_DEADLINE_SECONDS = 60.0  # test_connection does not wait out a long throttle
REPORT_DOCUMENT_PATH = "/reports/2021-06-30/documents/{}"

_STATUS_2026 = {
    OrderStatus.PENDING: "PENDING", OrderStatus.PENDING_AVAILABILITY: "PENDING_AVAILABILITY",
    OrderStatus.UNSHIPPED: "UNSHIPPED", OrderStatus.PARTIALLY_SHIPPED: "PARTIALLY_SHIPPED",
    OrderStatus.SHIPPED: "SHIPPED", OrderStatus.INVOICE_UNCONFIRMED: "SHIPPED",  # NET-30 shows as SHIPPED
    OrderStatus.CANCELLED: "CANCELLED", OrderStatus.UNFULFILLABLE: "UNFULFILLABLE",
}
_FULFILLED_BY_2026 = {Fulfillment.MERCHANT: "MERCHANT", Fulfillment.AMAZON: "AMAZON"}


@dataclass(frozen=True, slots=True)
class ConnectionCheck:
    """What "test connection" found (A2); ``message`` names what failed, never a secret."""

    ok: bool
    token_ok: bool
    api_ok: bool
    message: str
    api_base_url: str
    rate_limit: float | None = None


def _iso(moment: datetime, name: str) -> str:
    if moment.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware (UTC)")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")  # whole seconds: floor, never later


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _values(items: Iterable[Any] | None, mapping: Mapping[Any, str]) -> list[str] | None:
    """Amazon's values for domain enums (or Amazon's own values, passed through), without repeats."""
    if not items:
        return None
    return list(dict.fromkeys(mapping[i] if i in mapping else str(i) for i in items))


class AmazonGateway:
    """SP-API for one connection. Thread-safe; share one per connection and process."""

    def __init__(self, credentials: SellerCredentials, endpoints: ConnectionEndpoints, *, buckets: BucketStore,
                 clock: Clock, call_sink: CallSink | None = None, timeout: float = 30,
                 deadline_seconds: float = THROTTLE_DEADLINE_SECONDS, rng: random.Random | None = None) -> None:
        self.credentials = credentials
        self.endpoints = endpoints
        self._clock = clock
        self._redactor = Redactor([credentials.client_secret, credentials.refresh_token])
        self._http = httpx.Client(timeout=timeout, follow_redirects=False)
        self._lwa = LwaTokenCache(credentials.client_id, credentials.client_secret, credentials.refresh_token,
                                  endpoints.lwa_token_url, self._http, clock, call_sink=call_sink,
                                  redactor=self._redactor)
        self._rdts = RdtCache()
        self._wire = SdkWire(endpoints.api_base_url, timeout)
        self._runner = CallRunner(seller_id=credentials.seller_id, region=str(credentials.region), clock=clock,
                                  buckets=buckets, redactor=self._redactor, call_sink=call_sink, rng=rng,
                                  deadline_seconds=deadline_seconds)

    # --- plumbing ---------------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()
        self._wire.close()

    def __enter__(self) -> AmazonGateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def lwa(self) -> LwaTokenCache:
        return self._lwa

    def usage_plan(self, operation: str) -> UsagePlan:
        """The plan the gateway paces ``operation`` with: Amazon's published one, or the rate Amazon announced."""
        return self._runner.plan(operation)

    def _call(self, operation: str, *args: Any, restricted: RdtKey | None = None,
              deadline_seconds: float | None = None, priority: Priority | None = None, **params: Any) -> Answer:
        if restricted:
            token, on_expired = (lambda: self._rdt_for(restricted)), self._rdts.invalidate
        else:
            token, on_expired = self._lwa.get_lwa_access_token, self._lwa.invalidate
        return self._runner.run(Call(
            operation=operation, method="?", path=operation,
            send=lambda access_token: self._wire.send(operation, access_token, *args, **params),
            token=token, on_expired=on_expired, deadline_seconds=deadline_seconds, priority=priority))

    # --- tokens ------------------------------------------------------------------------------------

    def create_rdt(self, resources: Iterable[RestrictedResource | Mapping[str, Any]]) -> str:
        """A Restricted Data Token for ``resources`` (method, path, dataElements), cached until near expiry (B13)."""
        return self._rdt_for(rdt_key(resources))

    def _rdt_for(self, key: RdtKey) -> str:
        cached = self._rdts.get(key, self._clock.now())
        if cached:
            return cached
        ordered = sorted(key, key=lambda r: (r.path, r.method, r.data_elements))
        answer = self._call("createRestrictedDataToken", {"restrictedResources": [r.as_amazon() for r in ordered]})
        data = answer.data if isinstance(answer.data, Mapping) else {}
        token = data.get("restrictedDataToken")
        if not isinstance(token, str) or not token:
            raise AmazonError("createRestrictedDataToken answered without a token", retryable=True,
                              status=answer.status, operation="createRestrictedDataToken")
        self._redactor.add(token)
        expires_in = float(data.get("expiresIn") or 3600)
        self._rdts.put(key, token, expires_in, self._clock.now())
        return token

    # --- orders ------------------------------------------------------------------------------------

    def search_orders(self, *, last_updated_after: datetime | None = None, created_after: datetime | None = None,
                      before: datetime | None = None,
                      fulfillment_statuses: Iterable[OrderStatus | str] | None = None,
                      fulfilled_by: Iterable[Fulfillment | str] | None = None,
                      included_data: Sequence[str] = DEFAULT_INCLUDED_DATA,
                      max_results: int = 100) -> Iterator[SearchPage]:
        """Orders 2026-01-01 ``searchOrders``, page by page (B1).

        Exactly one of ``last_updated_after``/``created_after``. ``before`` is clamped to two minutes
        before our clock's now (Amazon refuses later); without it Amazon ends the window two minutes
        before the request and echoes that end in :attr:`SearchPage.window_end`. When the clamped
        window would end before it starts there is nothing Amazon may be asked yet: no pages.
        Statuses and channels take the domain's enums or Amazon's 2026 values.
        """
        if (last_updated_after is None) == (created_after is None):
            raise ValueError("exactly one of last_updated_after and created_after")
        if not 1 <= max_results <= 100:
            raise ValueError("max_results must be between 1 and 100")
        after_name, before_name = ("last_updated", "lastUpdatedBefore") if last_updated_after else \
            ("created", "createdBefore")
        after = last_updated_after or created_after
        assert after is not None
        params: dict[str, Any] = {f"{after_name}_after": _iso(after, f"{after_name}_after"),
                                  "marketplace_ids": [self.credentials.marketplace_id]}
        if before is not None:
            if before.tzinfo is None:
                raise ValueError("before must be timezone-aware (UTC)")
            clamped = min(before, self._clock.now() - SEARCH_LAG)
            if _iso(clamped, "before") < params[f"{after_name}_after"]:
                return iter(())  # no legal window yet: Amazon would refuse before < after
            params[f"{after_name}_before"] = _iso(clamped, "before")
        statuses = _values(fulfillment_statuses, _STATUS_2026)
        if statuses:
            params["fulfillment_statuses"] = statuses
        channels = _values(fulfilled_by, _FULFILLED_BY_2026)
        if channels:
            params["fulfilled_by"] = channels
        per_page: dict[str, Any] = {"max_results_per_page": max_results}
        if included_data:
            per_page["included_data"] = list(included_data)
        return self._pages(params, per_page, before_name)

    def _pages(self, params: dict[str, Any], per_page: dict[str, Any], before_name: str) -> Iterator[SearchPage]:
        token: str | None = None
        while True:
            # Amazon's rule: a page request repeats every original parameter, plus the token
            answer = self._call("searchOrders", **params, **per_page, **({"pagination_token": token} if token else {}))
            data = answer.data if isinstance(answer.data, Mapping) else {}
            pagination = data.get("pagination") if isinstance(data.get("pagination"), Mapping) else {}
            token = pagination.get("nextToken") or None
            orders = [o for o in data.get("orders") or [] if isinstance(o, dict)]
            yield SearchPage(orders=orders, window_end=_parse_time(data.get(before_name)), next_token=token)
            if not token:
                return

    def get_order(self, order_id: str, included_data: Sequence[str] = DEFAULT_INCLUDED_DATA) -> dict[str, Any]:
        """Orders 2026-01-01 ``getOrder``: the live order (no search lag), Amazon's raw ``order`` (B1, B12)."""
        params: dict[str, Any] = {"included_data": list(included_data)} if included_data else {}
        answer = self._call("getOrder", order_id, **params)
        order = answer.data.get("order") if isinstance(answer.data, Mapping) else None
        if not isinstance(order, dict):
            raise AmazonError(f"getOrder answered without an order for {order_id}", retryable=True,
                              status=answer.status, operation="getOrder")
        return order

    # --- reports -----------------------------------------------------------------------------------

    def create_report(self, report_type: str, marketplace_ids: Sequence[str] | None = None,
                      start: datetime | None = None, end: datetime | None = None,
                      options: Mapping[str, str] | None = None) -> str:
        """Reports ``createReport``: the report id (G2)."""
        body: dict[str, Any] = {"reportType": report_type,
                                "marketplaceIds": list(marketplace_ids or [self.credentials.marketplace_id])}
        if start is not None:
            body["dataStartTime"] = _iso(start, "start")
        if end is not None:
            body["dataEndTime"] = _iso(end, "end")
        if options:
            body["reportOptions"] = dict(options)
        answer = self._call("createReport", body)
        report_id = answer.data.get("reportId") if isinstance(answer.data, Mapping) else None
        if not report_id:
            raise AmazonError("createReport answered without a reportId", retryable=True, status=answer.status,
                              operation="createReport")
        return str(report_id)

    def get_report(self, report_id: str) -> dict[str, Any]:
        """Reports ``getReport``: Amazon's report object (``processingStatus``, ``reportDocumentId``, ...)."""
        data = self._call("getReport", report_id).data
        return dict(data) if isinstance(data, Mapping) else {}

    def get_reports(self, report_types: Sequence[str], *, processing_statuses: Sequence[str] | None = None,
                    created_since: datetime | None = None, created_until: datetime | None = None,
                    page_size: int = 100, max_pages: int | None = None) -> list[dict[str, Any]]:
        """Reports ``getReports``, every page (newest first); later pages send ``nextToken`` alone (Amazon's rule)."""
        params: dict[str, Any] = {"report_types": list(report_types), "page_size": page_size,
                                  "marketplace_ids": [self.credentials.marketplace_id]}
        if processing_statuses:
            params["processing_statuses"] = list(processing_statuses)
        if created_since is not None:
            params["created_since"] = _iso(created_since, "created_since")
        if created_until is not None:
            params["created_until"] = _iso(created_until, "created_until")
        reports: list[dict[str, Any]] = []
        pages = 0
        while True:
            data = self._call("getReports", **params).data
            data = data if isinstance(data, Mapping) else {}
            reports.extend(r for r in data.get("reports") or [] if isinstance(r, dict))
            pages += 1
            token = data.get("nextToken")
            if not token or (max_pages is not None and pages >= max_pages):
                return reports
            params = {"next_token": token}

    def download_report_document(self, document_id: str, restricted: bool = False) -> str:
        """The text of a report document (G2, F1, B13).

        ``getReportDocument`` (with an RDT when ``restricted``: reports with buyer PII), then a plain
        GET of the pre-signed URL, gunzipped and decoded with the charset its Content-Type names. A
        download that fails (cut short, damaged, URL expired) is fetched once more with a fresh URL,
        then it is ``AmazonError(retryable=True)``.
        """
        resources = rdt_key([RestrictedResource("GET", REPORT_DOCUMENT_PATH.format(document_id))]) \
            if restricted else None
        problem = ""
        for fetch_number in (1, 2):
            data = self._call("getReportDocument", document_id, restricted=resources).data
            url = data.get("url") if isinstance(data, Mapping) else None
            if not isinstance(url, str) or not url:
                raise AmazonError(f"getReportDocument answered without a URL for {document_id}", retryable=True,
                                  operation="getReportDocument")
            try:
                return self._download(url, data.get("compressionAlgorithm"), fetch_number)
            except documents.DocumentError as exc:
                problem = exc.reason
                log.warning("report document download %d failed: %s", fetch_number, problem)
        raise AmazonError(f"report document {document_id}: {problem}", retryable=True, operation="downloadDocument")

    def _download(self, url: str, compression: str | None, attempt: int) -> str:
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
        return documents.decode(raw, compression, content_type)

    # --- connection check --------------------------------------------------------------------------

    def test_connection(self) -> ConnectionCheck:
        """A2 "test connection": an LWA token, then one cheap ``searchOrders`` (last hour, one order)."""
        base = self.endpoints.api_base_url
        try:
            self._lwa.get_lwa_access_token()
        except AuthError as exc:
            return ConnectionCheck(False, False, False, f"no access token: {exc.message}", base)
        try:
            answer = self._call("searchOrders", created_after=_iso(self._clock.now() - timedelta(hours=1), "now"),
                                marketplace_ids=[self.credentials.marketplace_id], max_results_per_page=1,
                                deadline_seconds=CHECK_DEADLINE_SECONDS)
        except Throttled:
            # Amazon checks the token before the quota: a 429 means the authorization works
            return ConnectionCheck(True, True, True, "authorized; searchOrders is throttled right now", base)
        except AuthError as exc:
            return ConnectionCheck(False, False, False, f"no access token: {exc.message}", base)
        except AmazonError as exc:
            return ConnectionCheck(False, True, False, f"SP-API refused the test call: {exc}", base)
        return ConnectionCheck(True, True, True, "authorized: token and searchOrders work", base, answer.rate_limit)
