"""``JSON_LISTINGS_FEED`` documents for many SKUs: Listings Feed v2, split to Amazon's limits (D2, D6, E1, H2).

The document (Amazon's ``listings-feed-schema-v2.json``)::

    {"header": {"sellerId": ..., "version": "2.0", "issueLocale": "en_US"},
     "messages": [{"messageId": 1, "sku": ..., "operationType": "PATCH", "productType": "PRODUCT",
                   "patches": [...]}, ...]}

with the same patches as ``patchListingsItem`` (``patches.py``). One marketplace per document: the feed's
``marketplaceIds`` names it, and the offer's ``marketplace_id`` says it again.

Text: UTF-8 with ``ensure_ascii=False``. Amazon reads either; raw UTF-8 is never larger than the
``\\uXXXX`` escapes (é is 2 bytes against 6, 日 3 against 6, an emoji 4 against 12 as a surrogate pair),
so more messages fit under the 10 MiB limit, and the bytes are the SKU as the seller wrote it.

Limits (``domain/ports/listings``): at most :data:`FEED_MAX_MESSAGES` messages and strictly less than
:data:`FEED_MAX_BYTES` bytes per document. :func:`split_documents` measures each message's encoded size
once, as it will be written (message ids renumbered 1..n per document), and starts a new document before
either limit would be passed.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence

from ...domain.ports.listings import FEED_MAX_BYTES, FEED_MAX_MESSAGES, ListingUpdate
from .patches import patches_text

FEED_TYPE = "JSON_LISTINGS_FEED"
CONTENT_TYPE = "application/json; charset=UTF-8"
VERSION = "2.0"
ISSUE_LOCALE = "en_US"  # Amazon's issue messages in English: the operator's error log
# The largest header we write: sellerIds are 13-14 characters; leave room for any up to 200 bytes.
HEADER_ALLOWANCE = 300
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
_string = json.encoder.encode_basestring  # non-ASCII kept as written


def _message(update: ListingUpdate, message_id: int) -> bytes:
    """One message as compact UTF-8 JSON, written directly (a JSON encoder of dicts is twice as slow)."""
    patches = patches_text(update)
    if patches == "[]":
        raise ValueError(f"the update of SKU {update.sku!r} changes nothing")
    return (f'{{"messageId":{message_id},"sku":{_string(update.sku)},"operationType":"PATCH",'
            f'"productType":{_string(update.product_type or "PRODUCT")},"patches":{patches}}}').encode()


def _header(seller_id: str) -> bytes:
    return _encode({"sellerId": seller_id, "version": VERSION, "issueLocale": ISSUE_LOCALE}).encode("utf-8")


def _assemble(header: bytes, messages: Iterable[bytes]) -> bytes:
    return b'{"header":' + header + b',"messages":[' + b",".join(messages) + b"]}"


def build_listings_feed(seller_id: str, updates: Sequence[ListingUpdate], marketplace_id: str) -> bytes:
    """One feed document for ``updates`` (all of ``marketplace_id``; each must change something).

    A message's id is its update's ``message_id`` when set (as :func:`split_documents` numbers them),
    else its position (1..n). Raises ValueError for what Amazon would refuse as a whole: no update, more
    than :data:`FEED_MAX_MESSAGES`, an update of another marketplace, duplicate message ids, or
    :data:`FEED_MAX_BYTES` reached.
    """
    if not updates:
        raise ValueError("a listings feed needs at least one update")
    if len(updates) > FEED_MAX_MESSAGES:
        raise ValueError(f"{len(updates)} updates: a listings feed takes at most {FEED_MAX_MESSAGES}")
    ids = [u.message_id or n for n, u in enumerate(updates, 1)]
    if len(set(ids)) != len(ids):
        raise ValueError("message ids must be unique within a feed")
    other = next((u for u in updates if u.marketplace_id != marketplace_id), None)
    if other is not None:
        raise ValueError(f"SKU {other.sku!r} is for marketplace {other.marketplace_id}, not {marketplace_id}: "
                         "one marketplace per feed")
    content = _assemble(_header(seller_id), (_message(u, i) for u, i in zip(updates, ids, strict=True)))
    if len(content) >= FEED_MAX_BYTES:
        raise ValueError(f"the feed is {len(content)} bytes; Amazon takes less than {FEED_MAX_BYTES}")
    return content


def split_documents(updates: Sequence[ListingUpdate], *, max_messages: int = FEED_MAX_MESSAGES,
                    max_bytes: int = FEED_MAX_BYTES) -> list[list[ListingUpdate]]:
    """``updates`` in documents that each keep to Amazon's limits, in order, message ids 1..n per document.

    Each message is encoded once to measure it with the id it will carry; the running size counts the
    envelope (:data:`HEADER_ALLOWANCE`) and the commas, so the built document stays under ``max_bytes``.
    An update alone too large for a document (it cannot be: a few hundred bytes) raises ValueError.
    """
    documents: list[list[ListingUpdate]] = []
    current: list[ListingUpdate] = []
    envelope = HEADER_ALLOWANCE + len(b'{"header":,"messages":[]}')
    size = envelope
    for update in updates:
        message_id = len(current) + 1
        at_one = len(_message(update, 1))  # with id n it is len(str(n)) - 1 bytes longer
        length = at_one + len(str(message_id)) - 1
        if current and (message_id > max_messages or size + length + 1 >= max_bytes):
            documents.append(current)
            current, size, message_id, length = [], envelope, 1, at_one
        if size + length >= max_bytes:
            raise ValueError(f"the update of SKU {update.sku!r} alone is larger than a feed document")
        if update.message_id != message_id:
            update = dataclasses.replace(update, message_id=message_id)
        current.append(update)
        size += length + (1 if len(current) > 1 else 0)
    if current:
        documents.append(current)
    return documents
