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

from .errors import DomainError
from .orders import OrderDraft


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


class OrderTransaction(Protocol):
    """One database transaction of an order flow; nothing is visible to others until it commits."""

    def get_order(self, amazon_order_id: str) -> StoredOrder | None: ...

    def save_order(self, draft: OrderDraft, existing: StoredOrder | None) -> str:
        """Insert or update one order (with lines, address, holds, outbox rows) in a savepoint.

        Returns "created", "updated", "cancelled" or "unchanged". Raises DomainError when the
        order cannot be mapped (unknown SKU, unmapped ship level...); the savepoint is rolled back.
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
