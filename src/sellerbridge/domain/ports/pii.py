"""What the PII purge (``sync/pii_purge.py``) needs from the store (B13); ``db/stores/pii.py`` implements it."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class PiiStore(Protocol):
    retention_days: int  # the installation's setting (SELLERBRIDGE_PII_RETENTION_DAYS, default 30)

    def orders_due(self, *, cutoff: datetime, limit: int) -> list[int]:
        """Ids of orders whose PII is still stored and due at ``cutoff + retention`` (``cutoff = now -
        retention``): delivered before it, else shipped before it less the transit allowance (B13,
        ``domain/orders/purge_clock.py``)."""

    def count_due(self, *, cutoff: datetime) -> int: ...

    def purge_orders(self, order_ids: list[int], *, now: datetime) -> list[int]:
        """Purge these orders in one transaction; returns their customers' ids."""

    def customers_without_pii_orders(self, customer_ids: list[int]) -> list[int]:
        """Of these customers, those still holding name/e-mail and with no order that holds PII."""

    def purge_customers(self, customer_ids: list[int], *, now: datetime) -> None: ...
