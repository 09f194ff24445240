"""What the sandbox Amazon does with a feed's content, per feed type: the registry (I4).

The Feeds API lifecycle (routes/feed_lifecycle.py) knows nothing of feed contents. Each feed type
the sandbox understands registers one processor here::

    @register("JSON_LISTINGS_FEED")
    def process(backend, seller, feed, content, now) -> FeedOutcome: ...

A processor is called ONCE, at the simulated time the feed finishes (``now``), under the backend
lock; whatever it changes (listings, shipments) takes effect at that moment, as at Amazon, where a
feed's changes are not visible while it is IN_PROGRESS. It returns the processing report document
and whether the feed ends DONE (the report may still list per-message errors) or FATAL (the whole
document was rejected).

How long the feed takes depends on its number of messages, which must be known when processing
*starts*; so counting is separate and cheap: :func:`count_messages` (a counter registered with the
processor, or a generic one by document format).

Processors live in feeds_listings.py (JSON_LISTINGS_FEED) and feeds_fulfillment.py
(POST_ORDER_FULFILLMENT_DATA, POST_FLAT_FILE_FULFILLMENT_DATA); routes/feeds.py imports them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .backend import Backend
    from .state import Feed, Seller


@dataclass
class FeedOutcome:
    status: str  # "DONE" | "FATAL"
    result: bytes  # the processing report document
    result_content_type: str  # "application/json" or "text/xml; charset=UTF-8" ...
    messages: int  # messages processed (for timing)


Processor = Callable[["Backend", "Seller", "Feed", bytes, datetime], FeedOutcome]
Counter = Callable[[bytes], int]

PROCESSORS: dict[str, Processor] = {}
# Optional per-type message counters; feed types without one use _generic_count.
COUNTERS: dict[str, Counter] = {}


def register(feed_type: str, count_messages: Counter | None = None) -> Callable[[Processor], Processor]:
    """Decorator: ``fn`` processes feeds of ``feed_type`` (the last registration wins)."""

    def decorate(fn: Processor) -> Processor:
        PROCESSORS[feed_type] = fn
        if count_messages is not None:
            COUNTERS[feed_type] = count_messages
        return fn

    return decorate


_XML_MESSAGE = re.compile(rb"<Message[\s>]")


def _generic_count(content: bytes) -> int:
    """Messages in a feed document by its format: JSON ``messages``, XML ``<Message>``, flat file rows.

    Never raises: a document that cannot be read counts as 0 messages (its processor will say why).
    """
    body = content.removeprefix(b"\xef\xbb\xbf").lstrip()  # a UTF-8 BOM is common in uploads
    head = body[:1]
    if head == b"{":
        try:
            messages = json.loads(body).get("messages")
        except (ValueError, UnicodeDecodeError, AttributeError, RecursionError):
            return 0
        return len(messages) if isinstance(messages, list) else 0
    if head == b"<":
        return len(_XML_MESSAGE.findall(body))
    # Flat file: one header row (Amazon's templates may add a "TemplateType=" row above it).
    rows = [ln for ln in body.splitlines() if ln.strip()]
    if rows and rows[0].lower().startswith(b"templatetype="):
        rows = rows[1:]
    return max(0, len(rows) - 1)


def count_messages(feed_type: str, content: bytes) -> int:
    counter = COUNTERS.get(feed_type, _generic_count)
    try:
        return max(0, int(counter(content)))
    except Exception:  # a counter's bug must not break createFeed; timing falls back to generic
        return _generic_count(content)
