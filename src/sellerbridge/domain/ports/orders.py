"""What the order flows need from the store and from Amazon, as protocols (DESIGN.md section 2).

``sync/`` depends on these; ``db/`` and ``amazon/`` implement them; ``bootstrap`` wires them. Keeping
them here (stdlib typing only) lets flows be read and tested against the real implementations
without importing either side.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ..common.errors import DomainError
from ..orders.filters import OrderImportSettings
from ..orders.mapping import CatalogView, CustomerView, MappedOrder, ShipMethods
from ..orders.model import OrderDraft


@dataclass(frozen=True, slots=True)
class StoredOrder:
    """What the flow needs to know of an order already imported."""

    order_id: int
    amazon_order_id: str
    status: str
    amazon_last_updated: datetime
    send_to_warehouse: bool
    cancelled: bool


@dataclass(slots=True)
class SearchPage:
    """One page of searchOrders: raw order payloads, Amazon's window end, the token for more."""

    orders: list[dict[str, Any]]
    window_end: datetime | None
    next_token: str | None = None


@dataclass(slots=True)
class RunCounts:
    fetched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    cancelled: int = 0
    errors: int = 0
    pages: int = 0
    calls: int = 0
    skip_reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


@dataclass(slots=True)
class RunReport:
    """How one run of a flow ended (H2): ``status`` is done, partial (some documents failed) or failed.

    ``retryable`` tells a scheduler whether running again later can help (throttled, Amazon 5xx);
    ``retry_after`` is Amazon's hint in seconds when it throttled. ``error`` never carries secrets or
    buyer data.
    """

    flow: str
    connection_id: int | None
    status: str
    counts: RunCounts
    run_id: int | None = None
    error: str | None = None
    retryable: bool = False
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.status == "done"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (CLI ``--json``, REST)."""
        return {"flow": self.flow, "connection_id": self.connection_id, "run_id": self.run_id,
                "status": self.status, "error": self.error, "retryable": self.retryable,
                "retry_after": self.retry_after, "counts": self.counts.as_dict()}


class AlreadyStored(Exception):
    """Another worker stored this order first (the unique key held); re-read it and update instead."""


class OrderTransaction(Protocol):
    """One database transaction of an order flow, for one connection; nothing is visible until commit."""

    settings: OrderImportSettings
    catalog: CatalogView
    customers: CustomerView
    ship_methods: ShipMethods

    def email_hash(self, email: str) -> str: ...

    def get_order(self, amazon_order_id: str) -> StoredOrder | None: ...

    def insert_order(self, draft: OrderDraft, mapped: MappedOrder) -> str:
        """Store a new order with lines, address, holds and outbox row, in a savepoint: "created".

        Raises AlreadyStored when another worker stored it first.
        """

    def update_order(self, existing: StoredOrder, draft: OrderDraft, mapped: MappedOrder) -> str:
        """Apply a newer Amazon state: "updated", or "cancelled" when it cancels the order (B9).

        "unchanged" when a racing worker stored this state (or a newer one) meanwhile.
        """

    def record_error(self, key: str, error: DomainError, payload: Any) -> None: ...

    def clear_error(self, key: str) -> None: ...

    def get_watermark(self) -> datetime | None: ...

    def set_watermark(self, value: datetime) -> None: ...


class OrderStore(Protocol):
    def transaction(self) -> AbstractContextManager[OrderTransaction]: ...


class OrderSource(Protocol):
    """The Amazon side of order download (implemented by amazon.gateway.AmazonGateway)."""

    def search_orders(self, *, last_updated_after: datetime | None = None, created_after: datetime | None = None,
                      before: datetime | None = None, fulfillment_statuses: list[str] | None = None,
                      fulfilled_by: list[str] | None = None, included_data: tuple[str, ...] = (),
                      max_results: int = 100) -> Iterator[SearchPage]: ...

    def get_order(self, order_id: str, included_data: tuple[str, ...] = ()) -> dict[str, Any]: ...
