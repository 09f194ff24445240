"""Stock coming in from files (I5): the port the inbox flow hands a stock file to (``sync/shipment_inbox.py``).

A stock file of a warehouse's inbox (its name starts with ``stock`` or its header is a stock header,
``domain/stock/csv_import.is_stock_file``) goes here instead of the shipment intake. The outcome has the
shipment import's shape (``ImportOutcome``): ``accepted`` rows applied, ``duplicates`` rows whose ref was
applied before, ``errors`` the refused lines (each in the error log with the file name and line).
"""

from __future__ import annotations

from typing import Protocol

from .shipments import ImportOutcome


class StockImport(Protocol):
    def import_file(self, content: bytes, *, file_name: str, source: str = "inbox") -> ImportOutcome:
        """Every good row applied (counts or deltas, idempotent by ref), every bad one refused with its line."""
