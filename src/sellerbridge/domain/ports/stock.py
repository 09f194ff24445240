"""What the stock push flow needs of the store (D2, D5, D8, D9, G2): ``db/stores/stock_push.py``.

Filled in by the stock push work (issue 11); each call its own short transaction, never held across a
call to Amazon.
"""

from __future__ import annotations

from typing import Protocol


class StockPushStore(Protocol):
    """One connection's view of its seller account's quantity push state (``quantity_pushes``)."""
