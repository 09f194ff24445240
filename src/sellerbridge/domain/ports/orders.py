"""What the order flows need from Amazon and from the store, in the hub's own types (DESIGN.md section 2).

``sync/`` depends on these; ``amazon/`` (the gateway) and ``db/`` (``db/stores/orders.py``) implement
them; ``bootstrap`` wires them. No wire dict crosses them: the gateway maps Amazon's payloads to
:class:`~sellerbridge.domain.orders.model.OrderDraft` (or a :class:`MappingFailure` that keeps the
payload for the error log, B11), so a flow never sees Amazon's field names, dataset names or status words.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from ..common.errors import DomainError
from ..orders.changes import Outcome
from ..orders.filters import OrderImportSettings
from ..orders.mapping import CatalogView, CustomerView, MappedOrder, ShipMethods
from ..orders.model import Fulfillment, OrderDraft, OrderStatus


@dataclass(frozen=True, slots=True)
class StoredOrder:
    """What the flow needs to know of an order already imported."""

    order_id: int
    amazon_order_id: str
    status: str
    amazon_last_updated: datetime
    send_to_warehouse: bool
    cancelled: bool


@dataclass(frozen=True, slots=True)
class MappingFailure:
    """An Amazon order the hub could not read (B11): the error, and Amazon's document for the error log."""

    amazon_order_id: str  # "<no orderId>" when even that is missing
    error: DomainError
    payload: Any = field(repr=False)  # Amazon's document: may hold buyer data, stored encrypted


Fetched = OrderDraft | MappingFailure


@dataclass(frozen=True, slots=True)
class OrderPage:
    """One page of orders as Amazon listed them.

    ``window_end`` is the end of the window Amazon used (the next watermark once every page is read);
    ``latest_update`` the newest ``last_updated`` on the page (where a partial read is complete, as
    pages come in update order); ``more`` whether another page follows.
    """

    orders: list[Fetched]
    window_end: datetime | None
    latest_update: datetime | None = None
    more: bool = False


@dataclass(frozen=True, slots=True)
class OpenOrdersDocument:
    """Amazon's unshipped merchant-fulfilled orders in one document (the actionable-orders report, G2).

    ``left_out``: orders with a malformed row, ``(amazon order id, why)``; they go to the error log and
    are read again with ``getOrder`` when reprocessed (B11). Report drafts carry no money.
    """

    drafts: list[OrderDraft]
    left_out: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class ReadBudget:
    """Amazon's budget for reading changed orders, as this seller account and region has it now (G1):
    ``ready_in`` until a call could go without waiting, ``interval`` between calls once the burst is spent."""

    ready_in: timedelta
    interval: timedelta


class OrderSource(Protocol):
    """The Amazon side of order download (``amazon.gateway.AmazonGateway``)."""

    #: How far Amazon's search index trails changes: a window may end no later than ``now - index_lag``.
    index_lag: timedelta

    def changed_orders_budget(self) -> ReadBudget:
        """The budget :meth:`changed_orders` spends, shared by every connection of the seller account and
        region (nothing is reserved by asking)."""

    def changed_orders(self, *, after: datetime, before: datetime, pii: bool) -> Iterator[OrderPage]:
        """Orders changed in [after, before) (``lastUpdatedTime``), page by page; ``pii`` asks for buyer
        and recipient data (only for a connection with the restricted role, B13)."""

    def placed_orders(self, *, after: datetime, before: datetime, channels: Sequence[Fulfillment],
                      statuses: Sequence[OrderStatus], pii: bool) -> Iterator[OrderPage]:
        """Orders placed in [after, before) in these channels and statuses (the backlog, G2)."""

    def get_order(self, amazon_order_id: str, *, pii: bool) -> Fetched:
        """One order as it is now (no search lag)."""

    def read_open_orders(self, document_id: str) -> OpenOrdersDocument:
        """The actionable-orders report document (fetched with a Restricted Data Token: it holds PII)."""


class OrderTransaction(Protocol):
    """One database transaction of an order flow for one connection; nothing is visible until commit.

    ``insert`` and ``update`` write what the order-change rules plan (``domain/orders/changes.py``):
    order, lines, address, customer, holds and outbox events, each order in a savepoint of its own, so
    that an order the tables refuse, or one a racing worker stored first, undoes that order alone.
    """

    settings: OrderImportSettings
    catalog: CatalogView
    customers: CustomerView
    ship_methods: ShipMethods

    def email_hash(self, email: str) -> str: ...

    def stored(self, amazon_order_ids: Sequence[str]) -> dict[str, StoredOrder]:
        """The orders of these ids the connection already has (one query for a page)."""

    def prepare(self, drafts: Sequence[OrderDraft]) -> None:
        """Read ahead what mapping these drafts needs (listings, customers): a few queries, not one per line."""

    def insert(self, orders: Sequence[tuple[OrderDraft, MappedOrder]]) -> dict[str, Outcome | DomainError]:
        """Store new orders (batched inside); per Amazon order id ``CREATED``, ``ALREADY_STORED`` (a racing
        worker stored it first: re-read it and update instead), or the ``DomainError`` of data the tables
        refuse (error log, B11)."""

    def update(self, existing: StoredOrder, draft: OrderDraft, mapped: MappedOrder) -> Outcome:
        """Apply a newer Amazon state: ``UPDATED``, ``CANCELLED`` (B9), or ``UNCHANGED`` when a racing
        worker stored this state or a newer one meanwhile."""

    def record_error(self, key: str, error: DomainError, payload: Any) -> None: ...

    def clear_error(self, key: str) -> None: ...

    def get_watermark(self) -> datetime | None: ...

    def set_watermark(self, value: datetime) -> None: ...


class OrderStore(Protocol):
    def transaction(self, *, read_only: bool = False) -> AbstractContextManager[OrderTransaction]:
        """A unit of work; ``read_only`` never writes and always rolls back (order preview, B12)."""
