"""Feeds API 2021-06-30: documents, feeds, limits (I4; used by D5/D8 stock and C2 shipment feeds).

Operations (Amazon's operationIds): createFeedDocument, createFeed, getFeeds, getFeed, cancelFeed,
getFeedDocument. The lifecycle and the processing reports are in feed_lifecycle.py; what a feed
does to the seller's data is in the per-type processors of ``feed_processors.PROCESSORS``.

Amazon behaviours copied:
- createFeedDocument answers 201 with a pre-signed PUT URL valid 5 minutes; the upload must carry
  the content type given here (S3 signs it). createFeed refuses (400) a document that is unknown,
  another seller's, or not uploaded yet.
- createFeed ignores body fields it does not know (the community client sends ``MarketplaceIds``
  and ``path`` too); an unknown feed type is 400 InvalidInput; marketplaces must be the seller's.
- JSON_LISTINGS_FEED: exactly one marketplace, and at most 5 submissions per seller and region in
  any rolling 5 minutes (``feed_submissions_per_5_minutes``), beyond that 429 QuotaExceeded
  (Amazon's limit since May 2025), on top of createFeed's own usage plan.
- getFeeds needs feedTypes or nextToken; nextToken must be the only parameter (model text:
  "Specifying nextToken with any other parameters will cause the request to fail"). Newest first.
- cancelFeed works only while IN_QUEUE (else 400) and answers 200 with an empty body.
- getFeedDocument: a pre-signed GET URL (5 minutes); ``compressionAlgorithm`` only when GZIP.
"""

from __future__ import annotations

import importlib
import re
import secrets
from datetime import datetime, timedelta

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import errors, marketplaces
from ..operation import Ctx, operation
from ..state import Document, Feed, Seller
from ..timefmt import parse_iso_datetime
from . import feed_lifecycle as lifecycle

# Processor modules other helpers write; each registers itself on import. Missing ones are skipped.
PROCESSOR_MODULES = ("feeds_listings", "feeds_fulfillment", "feeds_acknowledgement")
_SANDBOX = __package__.rsplit(".", 1)[0]


def _load_processors() -> None:
    for name in PROCESSOR_MODULES:
        try:
            importlib.import_module(f"{_SANDBOX}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{_SANDBOX}.{name}":
                raise


_load_processors()

_MIME = re.compile(r"^[A-Za-z0-9][\w.+-]*/[\w.+-]+\s*(;.*)?$")
_MODEL_QUERY = ("feedTypes", "marketplaceIds", "pageSize", "processingStatuses", "createdSince", "createdUntil")


# --- documents --------------------------------------------------------------------------------------

@operation("createFeedDocument")
async def create_feed_document(ctx: Ctx) -> Response:
    seller = ctx.require_seller()
    body = await ctx.json_body()
    content_type = body.get("contentType")
    if not isinstance(content_type, str) or not content_type.strip():
        raise errors.invalid_input("contentType is required.", "body.contentType")
    if len(content_type) > 256 or not _MIME.match(content_type.strip()):
        raise errors.invalid_input(f"Invalid contentType: {content_type[:100]}", "body.contentType")
    doc_id = ctx.backend.new_document_id(seller, "feed")
    ctx.backend.documents[doc_id] = Document(document_id=doc_id, seller_id=seller.seller_id, kind="feed",
                                             content_type=content_type.strip(), created=ctx.now)
    url = ctx.backend.presign(ctx.base_url(), doc_id, "PUT")
    return JSONResponse({"feedDocumentId": doc_id, "url": url}, status_code=201)


@operation("getFeedDocument")
async def get_feed_document(ctx: Ctx) -> dict:
    seller = ctx.require_seller()
    flag = ctx.query("enableContentEncodingUrlHeader")
    if flag is not None and flag.lower() not in ("true", "false"):
        raise errors.invalid_input("enableContentEncodingUrlHeader must be true or false.")
    doc_id = ctx.path["feedDocumentId"]
    doc = ctx.backend.documents.get(doc_id)
    # Another seller's document, or a report's, is "not found" for this seller (no existence leak).
    if doc is None or doc.seller_id != seller.seller_id or doc.kind not in ("feed", lifecycle.RESULT_KIND):
        raise errors.not_found("The feed document was not found.", doc_id)
    if doc.kind == lifecycle.RESULT_KIND and ctx.now >= doc.created + lifecycle.RESULT_RETENTION:
        raise errors.not_found("The feed document has expired (result documents are kept 28 days).", doc_id)
    out = {"feedDocumentId": doc_id, "url": ctx.backend.presign(ctx.base_url(), doc_id, "GET")}
    if doc.compression == "GZIP":
        out["compressionAlgorithm"] = "GZIP"
    return out


# --- feeds ----------------------------------------------------------------------------------------

def _marketplace_ids(seller: Seller, value: object) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise errors.invalid_input("marketplaceIds must be a non-empty list of marketplace identifiers.",
                                   "body.marketplaceIds")
    if len(value) > 25:
        raise errors.invalid_input("marketplaceIds may name at most 25 marketplaces.", "body.marketplaceIds")
    for mp in value:
        if mp not in seller.marketplace_ids:
            raise errors.invalid_input(f"Invalid marketplaceId: {mp[:40]}. The seller does not sell there.",
                                       "body.marketplaceIds")
    return list(dict.fromkeys(value))


def _recent_listings_feeds(seller: Seller, now: datetime) -> int:
    # The seller's feeds are all in its region, so this is Amazon's per-seller-per-region window.
    since = now - timedelta(minutes=5)
    return sum(1 for f in seller.feeds.values() if f.feed_type == lifecycle.JSON_LISTINGS_FEED and f.created > since)


@operation("createFeed")
async def create_feed(ctx: Ctx) -> Response:
    seller = ctx.require_seller()
    backend = ctx.backend
    body = await ctx.json_body()
    feed_type = body.get("feedType")
    if not isinstance(feed_type, str) or not feed_type:
        raise errors.invalid_input("feedType is required.", "body.feedType")
    if feed_type not in lifecycle.KNOWN_FEED_TYPES:
        raise errors.invalid_input(f"Invalid feedType: {feed_type[:100]}", "body.feedType")
    mps = _marketplace_ids(seller, body.get("marketplaceIds"))
    if feed_type == lifecycle.JSON_LISTINGS_FEED and len(mps) != 1:
        raise errors.invalid_input("JSON_LISTINGS_FEED accepts exactly one marketplaceId.", "body.marketplaceIds")
    doc_id = body.get("inputFeedDocumentId")
    if not isinstance(doc_id, str) or not doc_id:
        raise errors.invalid_input("inputFeedDocumentId is required.", "body.inputFeedDocumentId")
    doc = backend.documents.get(doc_id)
    if doc is None or doc.seller_id != seller.seller_id or doc.kind != "feed":
        raise errors.invalid_input(f"Invalid inputFeedDocumentId: {doc_id[:120]}", "body.inputFeedDocumentId")
    if doc.content is None:
        raise errors.invalid_input("The feed document has no content. Upload it before calling createFeed.",
                                   "body.inputFeedDocumentId")
    options = body.get("feedOptions")
    if options is None:
        options = {}
    if not isinstance(options, dict) or not all(isinstance(v, str) for v in options.values()):
        raise errors.invalid_input("feedOptions must be an object of string values.", "body.feedOptions")
    if feed_type == lifecycle.JSON_LISTINGS_FEED:
        cap = backend.timings.feed_submissions_per_5_minutes
        if _recent_listings_feeds(seller, ctx.now) >= cap:
            raise errors.SpApiError(429, "QuotaExceeded", "You exceeded your quota for the requested resource.",
                                    f"JSON_LISTINGS_FEED allows {cap} feed submissions per 5 minutes per region.")
    stuck = backend.faults.take("createFeed", seller.seller_id, kinds=("feed_stuck",)) is not None
    feed = Feed(feed_id=backend.next_feed_id(), seller_id=seller.seller_id, feed_type=feed_type,
                marketplace_ids=mps, input_document_id=doc_id, created=ctx.now, options=dict(options), stuck=stuck)
    seller.feeds[feed.feed_id] = feed
    lifecycle.schedule(backend, seller, feed)
    return JSONResponse({"feedId": feed.feed_id}, status_code=202)


def _feed_or_404(ctx: Ctx, seller: Seller) -> Feed:
    feed_id = ctx.path["feedId"]
    feed = seller.feeds.get(feed_id)
    if feed is None or not lifecycle.is_retained(feed, ctx.now):
        raise errors.not_found("The feed was not found.", feed_id)
    return feed


@operation("getFeed")
async def get_feed(ctx: Ctx) -> dict:
    return lifecycle.feed_view(_feed_or_404(ctx, ctx.require_seller()))


@operation("cancelFeed")
async def cancel_feed(ctx: Ctx) -> Response:
    seller = ctx.require_seller()
    feed = _feed_or_404(ctx, seller)
    if feed.status != "IN_QUEUE":
        raise errors.invalid_input(f"The feed cannot be cancelled: its processingStatus is {feed.status}. "
                                   "Only feeds with processingStatus IN_QUEUE can be cancelled.", feed.feed_id)
    lifecycle.cancel(ctx.backend, seller, feed, ctx.now)
    return Response(status_code=200)


def _date(ctx: Ctx, name: str) -> datetime | None:
    raw = ctx.query(name)
    if raw is None:
        return None
    value = parse_iso_datetime(raw)
    if value is None:
        raise errors.invalid_input(f"{name} must be an ISO 8601 date-time.", raw[:60])
    return value


def _filters(ctx: Ctx) -> dict:
    """getFeeds' first-page parameters, validated like the model declares them."""
    feed_types = ctx.query_list("feedTypes")
    if feed_types is None:
        raise errors.invalid_input("Either feedTypes or nextToken is required.")
    if not 1 <= len(feed_types) <= 10:
        raise errors.invalid_input("feedTypes must name 1 to 10 feed types.")
    mps = ctx.query_list("marketplaceIds")
    if mps is not None and not 1 <= len(mps) <= 10:
        raise errors.invalid_input("marketplaceIds must name 1 to 10 marketplaces.")
    for mp in mps or []:
        if mp not in marketplaces.MARKETPLACES:
            raise errors.invalid_input(f"Invalid marketplaceId: {mp[:40]}")
    statuses = ctx.query_list("processingStatuses")
    if statuses is not None:
        bad = [s for s in statuses if s not in lifecycle.STATUSES]
        if not statuses or bad:
            raise errors.invalid_input("processingStatuses must be among " + ", ".join(lifecycle.STATUSES) + ".")
    raw_size = ctx.query("pageSize")
    try:
        page_size = 10 if raw_size is None else int(raw_size)
    except ValueError:
        raise errors.invalid_input("pageSize must be an integer from 1 to 100.") from None
    if not 1 <= page_size <= 100:
        raise errors.invalid_input("pageSize must be an integer from 1 to 100.")
    since = _date(ctx, "createdSince") or ctx.now - lifecycle.FEED_RETENTION
    until = _date(ctx, "createdUntil") or ctx.now
    if since > until:
        raise errors.invalid_input("createdSince must be before createdUntil.")
    return {"feed_types": feed_types, "marketplace_ids": mps, "statuses": statuses, "page_size": page_size,
            "since": since, "until": until, "after": None}


@operation("getFeeds")
async def get_feeds(ctx: Ctx) -> dict:
    seller = ctx.require_seller()
    backend = ctx.backend
    token = ctx.query("nextToken")
    if token is not None:
        if any(ctx.request.query_params.getlist(name) for name in _MODEL_QUERY):
            raise errors.invalid_input("nextToken must be the only parameter when it is given.")
        entry = backend.page_tokens.get(token)
        if entry is None or entry[0] <= ctx.now or entry[1].get("op") != "getFeeds" \
                or entry[1].get("seller_id") != seller.seller_id:
            raise errors.invalid_input("Invalid nextToken.", token[:80])
        filters = dict(entry[1]["filters"])
    else:
        filters = _filters(ctx)
    retained_since = ctx.now - lifecycle.FEED_RETENTION
    matches = [
        f for f in seller.feeds.values()
        if f.feed_type in filters["feed_types"]
        and (filters["marketplace_ids"] is None or set(f.marketplace_ids) & set(filters["marketplace_ids"]))
        and (filters["statuses"] is None or f.status in filters["statuses"])
        and max(filters["since"], retained_since) <= f.created <= filters["until"]
    ]
    matches.sort(key=_order_key, reverse=True)  # newest first
    if filters["after"] is not None:
        after = tuple(filters["after"])
        matches = [f for f in matches if _order_key(f) < after]
    page = matches[: filters["page_size"]]
    out: dict = {"feeds": [lifecycle.feed_view(f) for f in page]}
    if len(matches) > len(page):
        last = page[-1]
        nxt = secrets.token_urlsafe(32)
        expires = ctx.now + timedelta(seconds=backend.timings.page_token_seconds)
        # Later pages keep the first call's window, so feeds created meanwhile do not shift them.
        backend.page_tokens[nxt] = (expires, {"op": "getFeeds", "seller_id": seller.seller_id,
                                              "filters": {**filters, "after": _order_key(last)}})
        out["nextToken"] = nxt
    return out


def _order_key(feed: Feed) -> tuple[datetime, int]:
    return feed.created, int(feed.feed_id) if feed.feed_id.isdigit() else 0


routes = [
    Route("/feeds/2021-06-30/documents", create_feed_document, methods=["POST"]),
    Route("/feeds/2021-06-30/documents/{feedDocumentId}", get_feed_document, methods=["GET"]),
    Route("/feeds/2021-06-30/feeds", get_feeds, methods=["GET"]),
    Route("/feeds/2021-06-30/feeds", create_feed, methods=["POST"]),
    Route("/feeds/2021-06-30/feeds/{feedId}", get_feed, methods=["GET"]),
    Route("/feeds/2021-06-30/feeds/{feedId}", cancel_feed, methods=["DELETE"]),
]
