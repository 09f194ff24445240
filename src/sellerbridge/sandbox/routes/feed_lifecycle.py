"""A feed's life at Amazon in simulated time: IN_QUEUE -> IN_PROGRESS -> DONE | FATAL (I4, H2, D8).

Timing (``backend.timings``; events on ``backend.events``, never a sleep):

- ``createFeed`` at t0: IN_QUEUE.
- t0 + ``feed_queue_seconds`` (at least 1 s, so the first getFeed never sees a feed already
  started): IN_PROGRESS (``processingStartTime``). The input document is read
  now (a later re-upload to the old URL changes nothing) and its messages are counted cheaply
  (``feed_processors.count_messages``).
- t0 + max(``feed_base_seconds``, ``feed_queue_seconds``) + ``feed_seconds_per_message`` x
  messages: DONE or FATAL. The queue time is *part of* the ~120 s base, as timings.py says, so a
  test that adds queue time still sees a feed finish about two minutes after submission.

Design: the processor runs once, at the END event, with ``now`` = the end time. So a feed's changes
(prices, quantities, shipments) appear exactly when the feed turns DONE, never while it is
IN_PROGRESS, and nothing has to be undone if the feed is cancelled. The duration cannot come from
the processor's own message count (it runs too late), hence the separate counter at the start.
At the end the processing report is stored as a result document (kind ``feed_result``, content
type from the outcome), ``processingEndTime`` and ``resultFeedDocumentId`` are set, and
FEED_PROCESSING_FINISHED is emitted.

Amazon behaviours copied:
- The listings XML and flat-file feed types removed on 2025-07-31 are still *accepted* by
  createFeed; the feed then ends FATAL with a report saying the type is no longer supported
  (Amazon's docs: "Developers will receive fatal processingStatus in the getFeed API response").
- A feed type the sandbox does not simulate ends FATAL with a report saying so (sandbox choice).
- Feeds hit by a scripted ``feed_stuck`` fault stay IN_QUEUE for ever (cancelFeed still works) until the
  control API releases them (:func:`release`): then they run as if submitted at that moment.
- Result documents are kept 28 days, feeds 90 days (Amazon's retention).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from xml.sax.saxutils import escape

from .. import feed_processors, notify
from ..backend import Backend
from ..state import Document, Feed, Seller
from ..timefmt import iso_z

JSON_LISTINGS_FEED = "JSON_LISTINGS_FEED"

# Amazon's current feed types (developer-docs "Feed Type Values", 2026).
FEED_TYPES = frozenset({
    JSON_LISTINGS_FEED,
    "POST_EASYSHIP_DOCUMENTS", "UPLOAD_VAT_INVOICE",
    "POST_FULFILLMENT_ORDER_REQUEST_DATA", "POST_FULFILLMENT_ORDER_CANCELLATION_REQUEST_DATA",
    "POST_FBA_INBOUND_CARTON_CONTENTS", "POST_FLAT_FILE_FBA_CREATE_REMOVAL",
    "POST_FLAT_FILE_FULFILLMENT_ORDER_REQUEST_DATA", "POST_FLAT_FILE_FULFILLMENT_ORDER_CANCELLATION_REQUEST_DATA",
    "POST_FLAT_FILE_ORDER_ACKNOWLEDGEMENT_DATA", "POST_FLAT_FILE_PAYMENT_ADJUSTMENT_DATA",
    "POST_FLAT_FILE_FULFILLMENT_DATA", "POST_FLAT_FILE_IL_SNAPSHOT_FEED",
    "POST_FLAT_FILE_IL_ALLOCATION_REQUESTS_CONFIRMATION_FEED", "POST_EXPECTED_SHIP_DATE_SOD_FLAT_FILE",
    "POST_INVOICE_CONFIRMATION_DATA", "POST_ORDER_ACKNOWLEDGEMENT_DATA", "POST_PAYMENT_ADJUSTMENT_DATA",
    "POST_ORDER_FULFILLMENT_DATA", "POST_EXPECTED_SHIP_DATE_SOD",
})

# Listings XML / flat-file feed types Amazon removed on 2025-07-31: accepted, then FATAL.
REMOVED_FEED_TYPES = frozenset({
    "POST_PRODUCT_DATA", "POST_INVENTORY_AVAILABILITY_DATA", "POST_PRODUCT_OVERRIDES_DATA",
    "POST_PRODUCT_PRICING_DATA", "POST_PRODUCT_IMAGE_DATA", "POST_PRODUCT_RELATIONSHIP_DATA",
    "POST_FLAT_FILE_INVLOADER_DATA", "POST_FLAT_FILE_LISTINGS_DATA", "POST_FLAT_FILE_BOOKLOADER_DATA",
    "POST_FLAT_FILE_CONVERGENCE_LISTINGS_DATA", "POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA",
    "POST_UIEE_BOOKLOADER_DATA",
})

KNOWN_FEED_TYPES = FEED_TYPES | REMOVED_FEED_TYPES

STATUSES = ("CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE")
RESULT_KIND = "feed_result"
MIN_QUEUE_SECONDS = 1.0
FEED_RETENTION = timedelta(days=90)
RESULT_RETENTION = timedelta(days=28)

# Result codes of the sandbox's own FATAL reports (Amazon publishes none for these cases).
CODE_REMOVED = "90001"
CODE_NOT_SIMULATED = "90002"
CODE_INTERNAL = "90003"


def feed_view(feed: Feed) -> dict:
    """A feed as Amazon's ``Feed`` object; optional fields only once they have a value."""
    out: dict = {"feedId": feed.feed_id, "feedType": feed.feed_type, "marketplaceIds": list(feed.marketplace_ids),
                 "createdTime": iso_z(feed.created), "processingStatus": feed.status}
    if feed.processing_start is not None:
        out["processingStartTime"] = iso_z(feed.processing_start)
    if feed.processing_end is not None:
        out["processingEndTime"] = iso_z(feed.processing_end)
    if feed.result_document_id is not None:
        out["resultFeedDocumentId"] = feed.result_document_id
    return out


def is_retained(feed: Feed, now: datetime) -> bool:
    return feed.created > now - FEED_RETENTION


# --- the lifecycle --------------------------------------------------------------------------------

def schedule(backend: Backend, seller: Seller, feed: Feed) -> None:
    """Queue the feed's start. A stuck feed (scripted fault) never starts."""
    if feed.stuck:
        return
    due = feed.created + timedelta(seconds=_queue_seconds(backend))
    backend.events.at(due, lambda at: _start(backend, seller, feed, at), f"feed {feed.feed_id} start")


def _queue_seconds(backend: Backend) -> float:
    # Never IN_PROGRESS at the instant of creation: the first getFeed after createFeed sees IN_QUEUE,
    # as at Amazon, even with feed_queue_seconds=0.
    return max(backend.timings.feed_queue_seconds, MIN_QUEUE_SECONDS)


def release(backend: Backend, seller: Seller, feed: Feed, now: datetime) -> None:
    """Let a stuck feed proceed: it is queued now and finishes as long after ``now`` as a new feed would."""
    feed.stuck = False
    due = now + timedelta(seconds=_queue_seconds(backend))
    backend.events.at(due, lambda at: _start(backend, seller, feed, at, origin=now), f"feed {feed.feed_id} start")


def _start(backend: Backend, seller: Seller, feed: Feed, at: datetime, origin: datetime | None = None) -> None:
    if feed.status != "IN_QUEUE":  # cancelled meanwhile
        return
    feed.status = "IN_PROGRESS"
    feed.processing_start = at
    doc = backend.documents.get(feed.input_document_id)
    content = (doc.content if doc is not None else None) or b""
    messages = feed_processors.count_messages(feed.feed_type, content)
    t = backend.timings
    base = max(t.feed_base_seconds, _queue_seconds(backend))
    end = (origin or feed.created) + timedelta(seconds=base + t.feed_seconds_per_message * messages)
    end = max(end, at)
    backend.events.at(end, lambda when: _finish(backend, seller, feed, content, when), f"feed {feed.feed_id} end")


def _finish(backend: Backend, seller: Seller, feed: Feed, content: bytes, at: datetime) -> None:
    if feed.status != "IN_PROGRESS":
        return
    outcome = _outcome(backend, seller, feed, content, at)
    doc = Document(document_id=backend.new_document_id(seller, "feed"), seller_id=seller.seller_id,
                   kind=RESULT_KIND, content_type=outcome.result_content_type, created=at,
                   content=outcome.result)
    backend.documents[doc.document_id] = doc
    feed.status = outcome.status
    feed.processing_end = at
    feed.result_document_id = doc.document_id
    _notify(backend, seller, feed, at)


def _outcome(backend: Backend, seller: Seller, feed: Feed, content: bytes, at: datetime) -> feed_processors.FeedOutcome:
    if feed.feed_type in REMOVED_FEED_TYPES:
        return fatal_report(seller.seller_id, feed, CODE_REMOVED,
                            f"The feed type {feed.feed_type} is no longer supported by the Selling Partner "
                            "Feeds API (retired on July 31, 2025). Submit listings data with the Listings "
                            "Items API or the JSON_LISTINGS_FEED feed type.")
    processor = feed_processors.PROCESSORS.get(feed.feed_type)
    if processor is None:
        return fatal_report(seller.seller_id, feed, CODE_NOT_SIMULATED,
                            f"The sandbox does not simulate processing of feed type {feed.feed_type}.")
    try:
        outcome = processor(backend, seller, feed, content, at)
        if not isinstance(outcome, feed_processors.FeedOutcome) or outcome.status not in ("DONE", "FATAL") \
                or not isinstance(outcome.result, bytes):
            raise TypeError(f"processor returned {outcome!r:.200}")
    except Exception as exc:  # a processor bug is a sandbox bug: count it, end the feed FATAL, keep serving
        backend.internal_errors.append(f"feed {feed.feed_id} {feed.feed_type}: {exc!r}")
        return fatal_report(seller.seller_id, feed, CODE_INTERNAL,
                            "An internal error occurred while processing the feed. Submit it again.")
    return outcome


def cancel(backend: Backend, seller: Seller, feed: Feed, at: datetime) -> None:
    """Cancel an IN_QUEUE feed (the caller checked the status); its queued start then does nothing."""
    feed.status = "CANCELLED"
    _notify(backend, seller, feed, at)


def _notify(backend: Backend, seller: Seller, feed: Feed, at: datetime) -> None:
    body = {"sellerId": seller.seller_id, "accountId": f"amzn1.merchant.o.{seller.seller_id}",
            "feedId": feed.feed_id, "feedType": feed.feed_type, "processingStatus": feed.status}
    if feed.result_document_id is not None:
        body["resultFeedDocumentId"] = feed.result_document_id
    notify.emit(backend, seller.seller_id, "FEED_PROCESSING_FINISHED",
                {"feedProcessingFinishedNotification": body}, at)


# --- FATAL processing reports, in the format of the feed type's family ----------------------------

def report_format(feed_type: str) -> str:
    """``json`` for JSON_* feeds, ``flat`` when the type names FLAT_FILE, else ``xml`` (Amazon's rule)."""
    if feed_type.startswith("JSON_"):
        return "json"
    if "FLAT_FILE" in feed_type:
        return "flat"
    return "xml"


def fatal_report(seller_id: str, feed: Feed, code: str, message: str) -> feed_processors.FeedOutcome:
    fmt = report_format(feed.feed_type)
    if fmt == "json":
        report = {"header": {"sellerId": seller_id, "version": "2.0", "feedId": feed.feed_id},
                  "issues": [{"code": code, "severity": "ERROR", "message": message}],
                  "summary": {"errors": 1, "warnings": 0, "messagesProcessed": 0, "messagesAccepted": 0,
                              "messagesInvalid": 0}}
        return feed_processors.FeedOutcome("FATAL", json.dumps(report, indent=2).encode(), "application/json", 0)
    if fmt == "flat":
        text = ("Feed Processing Summary:\n"
                "\tNumber of records processed\t\t0\n"
                "\tNumber of records successful\t\t0\n\n"
                "original-record-number\tsku\terror-code\terror-type\terror-message\n"
                f"0\t\t{code}\tError\t{message}\n")
        return feed_processors.FeedOutcome("FATAL", text.encode(), "text/tab-separated-values; charset=UTF-8", 0)
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n'
           '<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">\n'
           f"  <Header><DocumentVersion>1.02</DocumentVersion><MerchantIdentifier>{escape(seller_id)}"
           "</MerchantIdentifier></Header>\n"
           "  <MessageType>ProcessingReport</MessageType>\n"
           "  <Message><MessageID>1</MessageID><ProcessingReport>\n"
           f"    <DocumentTransactionID>{feed.feed_id}</DocumentTransactionID><StatusCode>Complete</StatusCode>\n"
           "    <ProcessingSummary><MessagesProcessed>0</MessagesProcessed><MessagesSuccessful>0"
           "</MessagesSuccessful><MessagesWithError>1</MessagesWithError><MessagesWithWarning>0"
           "</MessagesWithWarning></ProcessingSummary>\n"
           f"    <Result><MessageID>0</MessageID><ResultCode>Error</ResultCode><ResultMessageCode>{code}"
           f"</ResultMessageCode><ResultDescription>{escape(message)}</ResultDescription></Result>\n"
           "  </ProcessingReport></Message>\n"
           "</AmazonEnvelope>\n")
    return feed_processors.FeedOutcome("FATAL", xml.encode(), "text/xml; charset=UTF-8", 0)
