"""A feed's processing report (XML ``ProcessingReport``) per message (C4, H2).

Amazon's report has a summary (processed, successful, with error, with warning) and one ``Result`` per
message that failed or warned: ``MessageID``, ``ResultCode`` (``Error``/``Warning``),
``ResultMessageCode`` and ``ResultDescription``. A message the report does not name was applied. A
``Result`` with ``MessageID`` 0 is about the document as a whole (e.g. 5001, an XML parsing error): every
message of the feed failed with it. Warnings do not fail a message. Amazon's text is kept as written
(C4), cut at ``MAX_TEXT``; "already shipped" and "order cancelled" are recognised as for
``confirmShipment``.
"""

from __future__ import annotations

from ...domain.ports.confirmations import FeedReport, MessageResult
from ..orders.shipments import answer_of
from .xml import ReportUnreadable, children, descendants, parse, value


def _number(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def parse_processing_report(text: str) -> FeedReport:
    """The report as per-message answers; ``ReportUnreadable`` when it is not a processing report."""
    root = parse(text)
    reports = descendants(root, "ProcessingReport")
    if not reports:
        raise ReportUnreadable("the document has no ProcessingReport")
    report = reports[0]
    summary = (children(report, "ProcessingSummary") or [None])[0]
    processed = _number(value(summary, "MessagesProcessed")) if summary is not None else None
    successful = _number(value(summary, "MessagesSuccessful")) if summary is not None else None
    results: list[MessageResult] = []
    document_error = None
    for node in children(report, "Result"):
        if (value(node, "ResultCode") or "").lower() != "error":
            continue  # a warning: the message was applied
        message_id = _number(value(node, "MessageID"))
        answer = answer_of(value(node, "ResultMessageCode"), value(node, "ResultDescription"))
        if message_id is None or message_id == 0:
            document_error = answer
        else:
            results.append(MessageResult(message_id, answer))
    return FeedReport(processed=processed or 0, successful=successful or 0, results=tuple(results),
                      document_error=document_error)
