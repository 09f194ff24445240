"""Amazon's wire shapes -> the hub's domain types (pure functions, no I/O).

- :func:`to_order_draft`: an Orders API 2026-01-01 ``Order`` (the download path, B1).
- :func:`to_order_draft_from_v0`: a v0 order with its items (order preview of older tools, B12).
- :func:`parse_actionable_orders`: the actionable-orders report (backlog, G2).

Whatever cannot be mapped raises :class:`MappingError` (a ``DomainError``: error log, reprocess, B11)
or, in a report, becomes a :class:`RowError` value while the other rows go on.
"""

from .actionable_report import parse_actionable_orders
from .flatfile import ReportParse, RowError, decode_report
from .orders_v0 import to_order_draft_from_v0
from .orders_v2026 import order_id_of, to_order_draft
from .wire import MappingError

__all__ = [
    "MappingError",
    "ReportParse",
    "RowError",
    "decode_report",
    "order_id_of",
    "parse_actionable_orders",
    "to_order_draft",
    "to_order_draft_from_v0",
]
