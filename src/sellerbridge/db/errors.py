"""Store errors that callers act on. Each names what clashed; none carries secrets or buyer data.

``NotFound`` is the domain's (``domain/common/errors.py``), re-exported so repositories raise it from
here; ``DuplicateName`` and ``DuplicateConnection`` are the domain's ``Conflict`` too, so front ends
map them without knowing the store (I1, I2).
"""

from __future__ import annotations

from ..domain.common.errors import Conflict, NotFound

__all__ = ["DuplicateConnection", "DuplicateName", "DuplicateOrder", "NotFound", "StaleOrder", "StoreError"]


class StoreError(Exception):
    """Base of the store's own errors."""


class DuplicateOrder(StoreError):
    """The order is already stored (B1): another sync stored it first. Re-read it and update instead.

    The order flow's store reports it as a value, ``Outcome.ALREADY_STORED`` (``db/stores/orders.py``).
    """

    def __init__(self, connection_id: int, amazon_order_id: str, existing_id: int | None) -> None:
        super().__init__(f"order {amazon_order_id} of connection {connection_id} is already stored")
        self.connection_id = connection_id
        self.amazon_order_id = amazon_order_id
        self.existing_id = existing_id


class StaleOrder(StoreError):
    """The order changed since it was read (optimistic update lost the race): re-read and retry."""

    def __init__(self, order_id: int, expected_version: int) -> None:
        super().__init__(f"order {order_id} is no longer at version {expected_version}")
        self.order_id = order_id
        self.expected_version = expected_version


class DuplicateConnection(StoreError, Conflict):
    """A connection with this name, or for this seller and marketplace, exists already (A1)."""


class DuplicateName(StoreError, Conflict):
    """A unique name or code (item SKU, warehouse, ship method, API key name) is taken."""
