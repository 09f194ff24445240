"""The gateway's listings family: ``ListingsWriter`` (domain/ports/listings.py) on Amazon's Listings Items
API and ``JSON_LISTINGS_FEED`` (D1, D2, D6-D8, E1, E3, G2, H2).

- :meth:`ListingsItemsApi.patch_listing`: ``patchListingsItem`` with ``merge`` patches (``patches.py``),
  Amazon's answer mapped by the one status table (``statuses.py``);
- :meth:`ListingsItemsApi.read_listing`: ``getListingsItem`` -> :class:`ListedOffer`, None on 404;
- :meth:`ListingsItemsApi.submit_listings_feed`: one document (``feed.py``) through createFeedDocument,
  upload and createFeed, for the given marketplace;
- :meth:`ListingsItemsApi.read_listings_feed_report`: its JSON processing report per message (``report.py``).

The SKU is a path parameter. Amazon's SDK percent-encodes path parameters with no safe character
(``quote(sku, safe="")``: "/" is %2F, a space %20, "®" %C2%AE, an emoji its four UTF-8 bytes), so the SKU
is handed to it as the seller wrote it, never encoded twice.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...domain.documents import DocumentState
from ...domain.ports.listings import ListedOffer, ListingAnswer, ListingOutcome, ListingsFeedReport, ListingUpdate
from ..errors import AmazonError
from ..feeds.submit import FeedSubmitApi
from ..transport.session import data_of
from . import feed, statuses
from .offers import INCLUDED_DATA, listed_offer
from .patches import patches_of
from .report import ReportUnreadable, parse_listings_report


class ListingsItemsApi(FeedSubmitApi):
    """``ListingsWriter`` for this connection's seller (see the module); feeds go the way of ``FeedSubmitApi``."""

    def patch_listing(self, update: ListingUpdate) -> ListingAnswer:
        patches = patches_of(update)
        if not patches:
            return ListingAnswer(ListingOutcome.ACCEPTED)  # nothing to change: nothing sent
        body = {"productType": update.product_type or "PRODUCT", "patches": patches}
        try:
            answer = self._call("patchListingsItem", self.credentials.seller_id, update.sku,
                                [update.marketplace_id], body, included_data=["issues"])
        except AmazonError as exc:
            return statuses.answer_of_error(exc)
        return statuses.answer_of_submission(answer.data)

    def read_listing(self, sku: str, marketplace_id: str) -> ListedOffer | None:
        try:
            answer = self._call("getListingsItem", self.credentials.seller_id, sku, [marketplace_id],
                                included_data=list(INCLUDED_DATA))
        except AmazonError as exc:
            if exc.status == 404:
                return None
            raise
        return listed_offer(data_of(answer), sku, marketplace_id)

    def submit_listings_feed(self, updates: Sequence[ListingUpdate], marketplace_id: str) -> DocumentState:
        content = feed.build_listings_feed(self.credentials.seller_id, updates, marketplace_id)
        return self._submit_feed(feed.FEED_TYPE, content, feed.CONTENT_TYPE, marketplace_id=marketplace_id)

    def read_listings_feed_report(self, document_id: str) -> ListingsFeedReport:
        text = self._document("getFeedDocument", document_id)
        try:
            return parse_listings_report(text)
        except ReportUnreadable as exc:
            raise AmazonError(f"listings feed result {document_id}: {exc}", retryable=False,
                              operation="getFeedDocument") from None
