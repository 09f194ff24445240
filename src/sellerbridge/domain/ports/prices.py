"""What the price push and the item import need of the store (E1-E3, I5): ``db/stores/prices.py``,
``db/stores/item_import.py``.

Filled in by the prices work (issue 11); each call its own short transaction.
"""

from __future__ import annotations

from typing import Protocol


class PriceStore(Protocol):
    """One connection's prices: what to send per marketplace, what was sent, what waits for approval."""


class ItemImportStore(Protocol):
    """Items and SKU mappings from Amazon's merchant listings report (I5)."""
