"""The document lifecycle: report requests and feed submissions, one row each (G2, H2, D8, F1).

``sync/lifecycle.py`` steps them: requested -> queued -> processing -> done -> imported, or cancelled /
fatal / stuck past ``deadline_at`` -> renewed (a new row asks again, ``attempt`` + 1) or failed with a
message for a person. Amazon's ids are unique per connection; ``run_id`` names the run that asked.
Statuses are the hub's words (``domain.documents``); Amazon's stay in ``amazon/``.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from ...domain.documents import ROW_STATES
from ..meta import metadata, one_of
from ..types import Id, UtcDateTime

STATUSES = tuple(sorted(ROW_STATES))


def _lifecycle_columns() -> list:
    """The columns every document row has, in the same order in both tables."""
    return [
        Column("id", Id, primary_key=True, autoincrement=True),
        Column("connection_id", Id, ForeignKey("connections.id"), nullable=False),
        Column("run_id", Id, ForeignKey("sync_runs.id", ondelete="SET NULL"), nullable=True),
        Column("purpose", String(32), nullable=False),  # what the hub asked for it: open_orders, stock...
        Column("status", String(16), nullable=False),
        Column("attempt", Integer, nullable=False),  # 1 for the first request of this purpose and run
        Column("checks", Integer, nullable=False),  # looks at Amazon so far
        Column("requested_at", UtcDateTime, nullable=False),
        Column("checked_at", UtcDateTime, nullable=True),
        Column("deadline_at", UtcDateTime, nullable=False),
        Column("finished_at", UtcDateTime, nullable=True),
        Column("document_id", String(128), nullable=True),  # report document / feed processing report
        Column("error", Text, nullable=True),
    ]


report_requests = Table(
    "report_requests",
    metadata,
    *_lifecycle_columns(),
    Column("amazon_report_id", String(64), nullable=False),
    Column("report_type", String(80), nullable=False),
    UniqueConstraint("connection_id", "amazon_report_id"),
    one_of("status", STATUSES),
    Index(None, "connection_id", "purpose", "requested_at"),
)

feed_submissions = Table(
    "feed_submissions",
    metadata,
    *_lifecycle_columns(),
    Column("amazon_feed_id", String(64), nullable=False),
    Column("feed_type", String(80), nullable=False),
    Column("input_document_id", String(128), nullable=True),  # the document the hub uploaded
    UniqueConstraint("connection_id", "amazon_feed_id"),
    one_of("status", STATUSES),
    Index(None, "connection_id", "purpose", "requested_at"),
)
