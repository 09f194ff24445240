"""The Amazon gateway: the one class through which the hub talks to SP-API (A1, A2, B1, B12, B13, G1, G2).

One gateway per connection (seller account + marketplace), thread-safe, shared by every run of that
connection in a process. It implements the hub's ports in the hub's own types, so that nothing
outside ``amazon/`` ever sees a wire dict, a dataset name, a report type or a status word:

- ``OrderSource`` (``domain/ports/orders.py``): :meth:`changed_orders`, :meth:`placed_orders`,
  :meth:`get_order`, :meth:`read_open_orders`, :attr:`index_lag` (``amazon/orders/api.py``);
- ``ReportSource`` and ``FeedSource`` (``domain/ports/documents.py``): :meth:`request_report`,
  :meth:`report_state`, :meth:`cancel_report` (``amazon/reports/api.py``), :meth:`feed_state`,
  :meth:`cancel_feed` (``amazon/feeds/api.py``);
- ``ShipmentConfirmer`` (``domain/ports/confirmations.py``): :meth:`confirm_shipment`, :meth:`order_packages`
  (``amazon/orders/shipments.py``), :meth:`submit_fulfillment_feed`, :meth:`submit_acknowledgement_feed`,
  :meth:`read_feed_report` (``amazon/feeds/submit.py``);
- the seller's ORDER_CHANGE subscription: :meth:`subscribe_order_change`,
  :meth:`unsubscribe_order_change` (``amazon/notifications/subscriptions.py``);
- ``ListingsWriter`` (``domain/ports/listings.py``): :meth:`patch_listing`, :meth:`read_listing`,
  :meth:`submit_listings_feed`, :meth:`read_listings_feed_report` (``amazon/listings/api.py``);
- "test connection" (A2): :meth:`test_connection`, here.

Every operation of every family goes one way (``transport/session.py``): the hub's token bucket,
a fresh LWA token (or a Restricted Data Token for PII, or a grantless token), Amazon's official SDK,
the retry rules and one redacted call-log record per attempt, stamped with the current run id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ..domain.ports.orders import ReadBudget
from .errors import AmazonError, AuthError, Throttled
from .feeds.api import FeedsApi
from .feeds.submit import FeedSubmitApi
from .listings.api import ListingsItemsApi
from .notifications.subscriptions import NotificationsApi
from .orders.api import OrdersApi
from .orders.shipments import ShipmentsApi
from .reports.api import ReportsApi
from .sellers.identity import SellerIdentityApi
from .transport.session import iso

__all__ = ["AmazonGateway", "ConnectionCheck"]

SEARCH_OPERATION = "searchOrders"  # what changed_orders calls (amazon/orders/api.py)
CHECK_DEADLINE_SECONDS = 60.0  # test_connection does not wait out a long throttle


@dataclass(frozen=True, slots=True)
class ConnectionCheck:
    """What "test connection" found (A2); ``message`` names what failed, never a secret."""

    ok: bool
    token_ok: bool
    api_ok: bool
    message: str
    api_base_url: str
    rate_limit: float | None = None


class AmazonGateway(OrdersApi, ReportsApi, FeedsApi, NotificationsApi, SellerIdentityApi, ShipmentsApi,
                    ListingsItemsApi, FeedSubmitApi):
    """SP-API for one connection (see the module). Close it (or use ``with``) to release its connections."""

    def changed_orders_budget(self) -> ReadBudget:
        """``searchOrders``' budget for this seller and region, as the shared bucket has it now (G1)."""
        return ReadBudget(ready_in=timedelta(seconds=self.ready_in(SEARCH_OPERATION)),
                          interval=timedelta(seconds=1.0 / self.usage_plan(SEARCH_OPERATION).rate))

    def test_connection(self) -> ConnectionCheck:
        """A2 "test connection": an LWA token, then one cheap ``searchOrders`` (last hour, one order)."""
        base = self.endpoints.api_base_url
        try:
            self._lwa.get_lwa_access_token()
        except AuthError as exc:
            return ConnectionCheck(False, False, False, f"no access token: {exc.message}", base)
        try:
            answer = self._call("searchOrders", created_after=iso(self._clock.now() - timedelta(hours=1), "now"),
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
