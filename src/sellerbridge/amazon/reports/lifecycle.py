"""Amazon's report and feed lifecycle words, in the hub's (H2, G2; domain/documents.py).

- :data:`PROCESSING_STATUS`: Amazon's ``processingStatus`` to :class:`DocumentStatus`. Reports
  (Reports API 2021-06-30) and feeds (Feeds API 2021-06-30) share the one vocabulary, so this is the
  one table for both: ``IN_QUEUE``, ``IN_PROGRESS``, ``DONE``, ``CANCELLED`` (a report with no data
  ends so, docs/amazon-quirks.md), ``FATAL``.
- :data:`REPORT_TYPES`: the report type Amazon produces for each :class:`ReportPurpose`; no report
  type string lives outside ``amazon/``.
- :func:`document_state`: one ``getReport``/``getFeed`` answer as a :class:`DocumentState`, with the
  id and type Amazon *answered* (not the ones asked for), so the lifecycle can see and refuse an
  answer about another document. A status word Amazon adds later is never guessed: it is an
  ``AmazonError`` (not retryable: asking again gives the same word) naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...domain.documents import DocumentState, DocumentStatus, ReportPurpose
from ..errors import AmazonError
from .actionable_orders import REPORT_TYPE as ACTIONABLE_ORDERS
from .merchant_listings import REPORT_TYPE as MERCHANT_LISTINGS

PROCESSING_STATUS: Mapping[str, DocumentStatus] = {
    "IN_QUEUE": DocumentStatus.QUEUED,
    "IN_PROGRESS": DocumentStatus.PROCESSING,
    "DONE": DocumentStatus.DONE,
    "CANCELLED": DocumentStatus.CANCELLED,
    "FATAL": DocumentStatus.FATAL,
}

REPORT_TYPES: Mapping[ReportPurpose, str] = {
    ReportPurpose.OPEN_ORDERS: ACTIONABLE_ORDERS,
    ReportPurpose.MERCHANT_LISTINGS: MERCHANT_LISTINGS,  # I5
}


def report_type(purpose: ReportPurpose) -> str:
    """Amazon's report type for ``purpose``."""
    return REPORT_TYPES[purpose]


def document_state(data: Mapping[str, Any], *, operation: str, id_key: str, type_key: str,
                   document_key: str) -> DocumentState:
    """Amazon's answer about one report or feed (``reportId``/``feedId``, ``reportType``/``feedType``,
    ``reportDocumentId``/``resultFeedDocumentId``) in the hub's words."""
    amazon_id, amazon_type, word = data.get(id_key), data.get(type_key), data.get("processingStatus")
    if not isinstance(amazon_id, str) or not amazon_id or not isinstance(amazon_type, str) or not amazon_type:
        raise AmazonError(f"{operation} answered without {id_key} and {type_key}", retryable=True,
                          operation=operation)
    status = PROCESSING_STATUS.get(word) if isinstance(word, str) else None
    if status is None:
        raise AmazonError(f"{operation} answered processingStatus {word!r:.40} for {amazon_id}, which the hub "
                          "does not know", retryable=False, operation=operation)
    document_id = data.get(document_key)
    return DocumentState(amazon_id=amazon_id, amazon_type=amazon_type, status=status,
                         document_id=document_id if isinstance(document_id, str) and document_id else None)
