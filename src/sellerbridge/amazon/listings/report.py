"""A ``JSON_LISTINGS_FEED`` processing report, per message (D7, D8, G2, H2).

Amazon's shape (``listings-feed-processing-report-schema-v2.json``)::

    {"header": {"sellerId", "version": "2.0", "feedId"},
     "issues": [{"messageId", "code", "severity": "ERROR"|"WARNING"|"INFO", "message", ...}],
     "summary": {"errors", "warnings", "messagesProcessed", "messagesAccepted", "messagesInvalid"}}

A message the issues do not name was accepted. Its issues decide its answer through the status table
(``statuses.py``: ERROR -> INVALID, or UNKNOWN_SKU for Amazon's unknown-SKU code; WARNING only ->
WARNING). An ERROR issue without a ``messageId`` is about the whole document (a FATAL feed):
``document_error``, and every message has that answer.

The report comes from outside: anything that is not that shape is :class:`ReportUnreadable`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ...domain.ports.listings import ListingAnswer, ListingOutcome, ListingsFeedReport
from .statuses import answer_of_report_issues

MAX_REPORT_CHARS = 200 * 1024 * 1024  # 25,000 messages with a few issues each stay far below


class ReportUnreadable(ValueError):
    """The document is not a listings processing report; the text says what is wrong (never its content)."""


def _count(summary: Mapping[str, Any], name: str) -> int:
    value = summary.get(name, 0)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ReportUnreadable(f"summary.{name} is not a count")
    return value


def _message_id(issue: Mapping[str, Any]) -> int | None:
    value = issue.get("messageId")
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ReportUnreadable("an issue's messageId is not a positive integer")
    return value


def parse_listings_report(text: str) -> ListingsFeedReport:
    """The report as per-message answers; :class:`ReportUnreadable` when it is not one."""
    if len(text) > MAX_REPORT_CHARS:
        raise ReportUnreadable("the report is larger than any listings report can be")
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        raise ReportUnreadable("the report is not JSON") from None
    if not isinstance(doc, Mapping) or not isinstance(doc.get("header"), Mapping):
        raise ReportUnreadable("the report has no header object")
    issues = doc.get("issues", [])
    summary = doc.get("summary", {})
    if not isinstance(issues, list) or not all(isinstance(i, Mapping) for i in issues):
        raise ReportUnreadable("the report's issues are not a list of objects")
    if not isinstance(summary, Mapping):
        raise ReportUnreadable("the report's summary is not an object")
    per_message: dict[int, list[Mapping[str, Any]]] = {}
    document_issues: list[Mapping[str, Any]] = []
    for issue in issues:
        message_id = _message_id(issue)
        if message_id is None:
            document_issues.append(issue)
        else:
            per_message.setdefault(message_id, []).append(issue)
    answers = {mid: answer_of_report_issues(found) for mid, found in per_message.items()}
    answers = {mid: a for mid, a in answers.items() if a.outcome is not ListingOutcome.ACCEPTED}  # INFO only
    document_error: ListingAnswer | None = None
    if document_issues:
        answer = answer_of_report_issues(document_issues)
        if answer.outcome in (ListingOutcome.INVALID, ListingOutcome.UNKNOWN_SKU):
            document_error = ListingAnswer(ListingOutcome.INVALID, answer.code, answer.message)
    return ListingsFeedReport(processed=_count(summary, "messagesProcessed"),
                              accepted=_count(summary, "messagesAccepted"),
                              invalid=_count(summary, "messagesInvalid"),
                              answers=answers, document_error=document_error)
