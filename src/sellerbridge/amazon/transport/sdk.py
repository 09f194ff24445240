"""The wire layer: Amazon's official SDK (``amzn-sp-api``) builds and sends requests (ADR 0001, G1).

The SDK keeps Amazon's own request definitions (paths, parameter names, list formats); the hub
keeps everything else. So:

- answers are read raw (``_preload_content=False``): status, headers and JSON bytes, never the
  SDK's typed models (an enum value Amazon adds would raise there, and models cost most of a call);
- the access token is the one the gateway chose for this attempt (LWA or a Restricted Data Token),
  put in the SDK's ``Configuration.access_token_cache`` slot, so the SDK never calls LWA itself;
- urllib3 does not retry (the gateway retries, and logs every attempt);
- one ``ApiClient`` per thread: the SDK keeps the token in shared ``default_headers``.

Importing ``spapi`` calls ``logging.basicConfig(level=INFO)`` (in ``spapi.client`` and
``spapi.auth.lwa_request``) and every ``Configuration()`` adds a stream handler to the ``spapi``
and ``urllib3`` loggers and resets their levels: both are undone here (docs/amazon-quirks.md).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import urllib3

from .calls import RawAnswer, SentRequest, TransportError

_SDK_LOGGERS = ("spapi", "urllib3")
_config_lock = threading.Lock()


def _import_sdk() -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        import spapi.api_client
        import spapi.auth.lwa_request  # noqa: F401
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


_import_sdk()

from spapi.api.feeds_v2021_06_30.feeds_api import FeedsApi  # noqa: E402
from spapi.api.listings_items_v2021_08_01.listings_api import ListingsApi  # noqa: E402
from spapi.api.notifications_v1.notifications_api import NotificationsApi  # noqa: E402
from spapi.api.orders_v0.orders_v0_api import OrdersV0Api  # noqa: E402
from spapi.api.orders_v2026_01_01.get_order_api import GetOrderApi  # noqa: E402
from spapi.api.orders_v2026_01_01.search_orders_api import SearchOrdersApi  # noqa: E402
from spapi.api.reports_v2021_06_30.reports_api import ReportsApi  # noqa: E402
from spapi.api.tokens_v2021_03_01.tokens_api import TokensApi  # noqa: E402
from spapi.api_client import ApiClient  # noqa: E402
from spapi.configuration import Configuration  # noqa: E402
from spapi.rest import ApiException  # noqa: E402

# operation (usage-plan name) -> (SDK API class, method that answers with HTTP info)
OPERATIONS: dict[str, tuple[type, str]] = {
    "searchOrders": (SearchOrdersApi, "search_orders_with_http_info"),
    "getOrder": (GetOrderApi, "get_order_with_http_info"),
    "createReport": (ReportsApi, "create_report_with_http_info"),
    "getReport": (ReportsApi, "get_report_with_http_info"),
    "getReports": (ReportsApi, "get_reports_with_http_info"),
    "cancelReport": (ReportsApi, "cancel_report_with_http_info"),
    "getReportDocument": (ReportsApi, "get_report_document_with_http_info"),
    "getFeed": (FeedsApi, "get_feed_with_http_info"),
    "createFeedDocument": (FeedsApi, "create_feed_document_with_http_info"),
    "createFeed": (FeedsApi, "create_feed_with_http_info"),
    "getFeedDocument": (FeedsApi, "get_feed_document_with_http_info"),
    "confirmShipment": (OrdersV0Api, "confirm_shipment_with_http_info"),
    "cancelFeed": (FeedsApi, "cancel_feed_with_http_info"),
    "createRestrictedDataToken": (TokensApi, "create_restricted_data_token_with_http_info"),
    "createDestination": (NotificationsApi, "create_destination_with_http_info"),
    "getDestinations": (NotificationsApi, "get_destinations_with_http_info"),
    "deleteDestination": (NotificationsApi, "delete_destination_with_http_info"),
    "createSubscription": (NotificationsApi, "create_subscription_with_http_info"),
    "getSubscription": (NotificationsApi, "get_subscription_with_http_info"),
    "deleteSubscriptionById": (NotificationsApi, "delete_subscription_by_id_with_http_info"),
    "searchListingsItems": (ListingsApi, "search_listings_items_with_http_info"),  # the seller check (A2)
    "patchListingsItem": (ListingsApi, "patch_listings_item_with_http_info"),  # stock and price up (D7, E1)
    "getListingsItem": (ListingsApi, "get_listings_item_with_http_info"),  # the read-back (D7)
}


def new_configuration(host: str) -> Any:
    """A ``Configuration`` for ``host`` whose construction leaves the process's logging as it was."""
    with _config_lock:
        saved = [(logging.getLogger(n), list(logging.getLogger(n).handlers), logging.getLogger(n).level)
                 for n in _SDK_LOGGERS]
        try:
            config = Configuration()
        finally:
            for logger, handlers, level in saved:
                logger.handlers[:] = handlers
                logger.setLevel(level)
    config.host = host
    return config


class _AttemptToken:
    """``Configuration.access_token_cache``: the token the gateway chose for this thread's attempt."""

    def __init__(self) -> None:
        self._local = threading.local()

    def set(self, token: str | None) -> None:
        self._local.token = token

    def get_lwa_access_token(self) -> str:
        # Empty only when ApiClient() is built (it reads the cache once then); every send sets a token.
        return getattr(self._local, "token", None) or ""


class _RecordingApiClient(ApiClient):
    """The SDK's client, remembering what it sent (method, URL, query, body) for the call log."""

    def request(self, method, url, query_params=None, headers=None, post_params=None, body=None,
                _preload_content=True, _request_timeout=None):
        self.sent = SentRequest(method, url, list(query_params or []), body)
        return super().request(method, url, query_params=query_params, headers=headers, post_params=post_params,
                               body=body, _preload_content=_preload_content, _request_timeout=_request_timeout)


class SdkWire:
    """Sends SP-API operations through the SDK and returns raw answers (or raises TransportError)."""

    def __init__(self, api_base_url: str, timeout: float) -> None:
        self._timeout = (float(timeout), float(timeout))  # (connect, read); the SDK takes a pair
        self._slot = _AttemptToken()
        self._config = new_configuration(api_base_url)
        self._config.access_token_cache = self._slot
        self._local = threading.local()
        self._clients: list[_RecordingApiClient] = []
        self._lock = threading.Lock()

    def _client(self) -> _RecordingApiClient:
        client = getattr(self._local, "client", None)
        if client is None:
            client = _RecordingApiClient(self._config)
            client.rest_client.pool_manager.connection_pool_kw["retries"] = False  # one attempt = one request
            self._local.client = client
            with self._lock:
                self._clients.append(client)
        return client

    def send(self, operation: str, token: str, *args: Any, **params: Any) -> RawAnswer:
        """Call ``operation`` once with ``token``; ``params`` in the SDK's snake_case names."""
        api_class, method_name = OPERATIONS[operation]
        client = self._client()
        client.sent = None
        self._slot.set(token)
        method: Callable[..., Any] = getattr(api_class(client), method_name)
        try:
            response, status, headers = method(*args, **params, _preload_content=False,
                                               _return_http_data_only=False, _request_timeout=self._timeout)
            try:
                body = response.data  # reads it all; a cut connection raises here
            finally:
                response.release_conn()
            return RawAnswer(status, _lower(headers), body or b"", client.sent)
        except ApiException as exc:  # the SDK raises for every non-2xx answer
            if not exc.status:  # status 0: the SDK could not send (TLS failure)
                raise TransportError(f"{exc.reason}", client.sent) from None
            body = exc.body if isinstance(exc.body, bytes) else (exc.body or "").encode()
            return RawAnswer(int(exc.status), _lower(exc.headers or {}), body, client.sent)
        except urllib3.exceptions.HTTPError as exc:
            raise TransportError(type(exc).__name__ + _short(exc), client.sent) from None
        finally:
            self._slot.set(None)

    def close(self) -> None:
        with self._lock:
            for client in self._clients:
                client.rest_client.pool_manager.clear()
            self._clients.clear()


def _lower(headers: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in dict(headers).items()}


def _short(exc: Exception) -> str:
    # urllib3's messages name host and port, not the query or the headers; keep them short anyway
    text = str(exc).split("\n")[0]
    return f": {text[:160]}" if text else ""
