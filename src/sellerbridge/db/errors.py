"""Store errors that callers act on. Each names what clashed; none carries secrets or buyer data."""

from __future__ import annotations


class StoreError(Exception):
    """Base of the store's own errors."""


class NotFound(StoreError):
    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"{what} {key!r} not found")
        self.what = what
        self.key = key


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


class DuplicateConnection(StoreError):
    """A connection with this name, or for this seller and marketplace, exists already (A1)."""


class DuplicateName(StoreError):
    """A unique name or code (item SKU, warehouse, ship method, API key name) is taken."""
