"""Orders 2026-01-01 through the gateway: the hub's ``OrderSource`` port in domain types (B1, B2, B3, B11, B13).

What Amazon asks of a reader (docs/amazon-quirks.md), met here so no flow has to know it:

- Search lags: a change shows in ``searchOrders`` about two minutes after ``getOrder`` shows it, and
  ``createdBefore``/``lastUpdatedBefore`` must be at least that long before the request.
  :data:`SEARCH_LAG` is that lag, written once: the port offers it as ``index_lag`` and every window
  end is clamped to ``now - SEARCH_LAG`` by the gateway's clock. A window that would end before it
  starts has no pages (Amazon would refuse ``before < after``). The end Amazon used is echoed back
  and becomes ``OrderPage.window_end``, the next watermark.
- A page request repeats every original parameter plus ``paginationToken``.
- The status comes only with the ``FULFILLMENT`` dataset; money with ``PROCEEDS``; cancel requests
  with ``CANCELLATION``; NET-30 payment terms with ``PAYMENT`` (B2: ``InvoiceUnconfirmed`` has no
  2026-01-01 status; ``paymentMethod: Invoice`` is what tells it); ship and delivery times with
  ``PACKAGES`` (the purge clock, B13). Buyer and recipient PII only with
  ``BUYER``/``RECIPIENT``, asked for only when the caller says the connection holds the role (B13).
- Status and channel filters speak Amazon's words (``statuses.py``).

Every payload is mapped here (``v2026.to_order_draft``): an order that cannot be mapped is a
:class:`MappingFailure` carrying the error and Amazon's document for the error log (B11), never an
exception, so one bad order does not sink its page.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from ...domain.common.errors import DomainError
from ...domain.common.moments import to_datetime
from ...domain.orders.model import Fulfillment, OrderDraft, OrderStatus
from ...domain.ports.orders import Fetched, MappingFailure, OrderPage
from ..errors import AmazonError
from ..transport.session import SpApiSession, data_of, iso
from .statuses import search_fulfilled_by_2026, search_statuses_2026
from .v2026 import order_id_of, to_order_draft

SEARCH_LAG = timedelta(minutes=2)  # Amazon's search index trails changes by this; a ...Before must be older
BASE_DATASETS = ("FULFILLMENT", "PROCEEDS", "CANCELLATION", "PAYMENT", "PACKAGES")
PII_DATASETS = ("BUYER", "RECIPIENT")
NO_ORDER_ID = "<no orderId>"
MAX_PAGE = 100  # searchOrders' maxResultsPerPage limit


def datasets(pii: bool) -> tuple[str, ...]:
    """The ``includedData`` the hub reads an order with (B13: PII only for a connection with the role)."""
    return PII_DATASETS + BASE_DATASETS if pii else BASE_DATASETS


class OrdersApi(SpApiSession):
    """``OrderSource`` (domain/ports/orders.py) over Orders 2026-01-01."""

    index_lag: timedelta = SEARCH_LAG

    def changed_orders(self, *, after: datetime, before: datetime, pii: bool) -> Iterator[OrderPage]:
        """Orders whose ``lastUpdatedTime`` is in [after, before), page by page, oldest change first (B1)."""
        return self._search("last_updated", after, before, pii=pii)

    def placed_orders(self, *, after: datetime, before: datetime, channels: Sequence[Fulfillment],
                      statuses: Sequence[OrderStatus], pii: bool) -> Iterator[OrderPage]:
        """Orders created in [after, before) in these channels and statuses (the backlog, G2, B2, B3).

        Empty ``channels`` or ``statuses`` put no filter on that side.
        """
        return self._search("created", after, before, pii=pii, fulfilled_by=search_fulfilled_by_2026(channels),
                            fulfillment_statuses=search_statuses_2026(statuses))

    def get_order(self, amazon_order_id: str, *, pii: bool = False) -> Fetched:
        """``getOrder``: the order as it is now, no search lag (B1 push path, B12 preview).

        An unknown id is Amazon's 404 (``AmazonError``, not retryable): an exception for the whole call.
        """
        answer = self._call("getOrder", amazon_order_id, included_data=list(datasets(pii)))
        order = data_of(answer).get("order")
        if order is None:
            raise AmazonError(f"getOrder answered without an order for {amazon_order_id}", retryable=True,
                              status=answer.status, operation="getOrder")
        return self._fetched(order)

    # --- searchOrders ------------------------------------------------------------------------------

    def _search(self, field: str, after: datetime, before: datetime, *, pii: bool,
                max_results: int = MAX_PAGE, **filters: list[str]) -> Iterator[OrderPage]:
        """``searchOrders`` by ``created`` or ``last_updated`` time, with the clamp of the module's rules."""
        if not 1 <= max_results <= MAX_PAGE:
            raise ValueError(f"max_results must be between 1 and {MAX_PAGE}")
        start = iso(after, "after")
        if before.tzinfo is None:  # checked before comparing it with the clock's aware now
            raise ValueError("before must be timezone-aware (UTC)")
        end = iso(min(before, self._clock.now() - SEARCH_LAG), "before")
        if end < start:  # same format, so the strings order as the moments do; Amazon refuses before < after
            return iter(())
        params: dict[str, Any] = {f"{field}_after": start, f"{field}_before": end,
                                  "marketplace_ids": [self.credentials.marketplace_id]}
        params.update({name: values for name, values in filters.items() if values})
        per_page = {"max_results_per_page": max_results, "included_data": list(datasets(pii))}
        echoed = "lastUpdatedBefore" if field == "last_updated" else "createdBefore"
        return self._pages(params, per_page, echoed)

    def _pages(self, params: dict[str, Any], per_page: dict[str, Any], echoed: str) -> Iterator[OrderPage]:
        token: str | None = None
        while True:
            # Amazon's rule: a page request repeats every original parameter, plus the token
            answer = self._call("searchOrders", **params, **per_page, **({"pagination_token": token} if token else {}))
            data = data_of(answer)
            pagination = data.get("pagination")
            token = (pagination.get("nextToken") if isinstance(pagination, dict) else None) or None
            raw = data.get("orders")
            orders = [self._fetched(o) for o in raw] if isinstance(raw, list) else []
            updates = [o.last_updated for o in orders if isinstance(o, OrderDraft)]
            yield OrderPage(orders=orders, window_end=to_datetime(data.get(echoed), naive_is_utc=True),
                            latest_update=max(updates, default=None), more=token is not None)
            if token is None:
                return

    def _fetched(self, payload: Any) -> Fetched:
        try:
            return to_order_draft(payload, marketplace_id=self.credentials.marketplace_id)
        except DomainError as exc:
            return MappingFailure(order_id_of(payload) or NO_ORDER_ID, exc, payload)
