"""What the document lifecycle (``sync/lifecycle.py``) needs from Amazon and from the store (H2, G2).

The Amazon side (``amazon.gateway.AmazonGateway``) asks for, looks at and cancels reports and feeds,
answering in the hub's words (:class:`~sellerbridge.domain.documents.DocumentState`); report types and
status words stay in ``amazon/``. The store side keeps one row per request (``db``'s
``report_requests`` / ``feed_submissions``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from ..documents import DocumentKind, DocumentRequest, DocumentState, ReportPurpose


class ReportSource(Protocol):
    def request_report(self, purpose: ReportPurpose) -> DocumentState:
        """``createReport`` for the purpose's report type; the new report's id and type, ``requested``."""

    def report_state(self, amazon_id: str) -> DocumentState:
        """``getReport``: the report as Amazon answered (its own id and type, so a mix-up is seen)."""

    def cancel_report(self, amazon_id: str) -> None:
        """``cancelReport`` (a report still queued or processing); Amazon may refuse once it started."""


class FeedSource(Protocol):
    def feed_state(self, amazon_id: str) -> DocumentState:
        """``getFeed``: the feed as Amazon answered; ``document_id`` is its processing report."""

    def cancel_feed(self, amazon_id: str) -> None:
        """``cancelFeed`` (a feed still queued)."""


class DocumentStore(Protocol):
    """The request rows of one connection (each call its own short transaction)."""

    def add(self, kind: DocumentKind, *, purpose: str, run_id: int | None, state: DocumentState,
            requested_at: datetime, deadline_at: datetime, attempt: int) -> DocumentRequest: ...

    def get(self, kind: DocumentKind, request_id: int) -> DocumentRequest | None: ...

    def checked(self, kind: DocumentKind, request_id: int, *, status: str, now: datetime,
                document_id: str | None = None, error: str | None = None) -> DocumentRequest:
        """Record one look at Amazon (or the hub's own end: ``imported``/``failed``)."""
