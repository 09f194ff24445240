"""Feeds API 2021-06-30 through the gateway: the ``FeedSource`` port (D8, C4, H2; domain/ports/documents.py).

A feed's ``processingStatus`` uses the Reports API's words, so it is read with the one table in
``reports/lifecycle.py``; :meth:`FeedsApi.feed_state` answers with the id and type Amazon answered,
and the feed's processing report (``resultFeedDocumentId``) as the state's document.

:meth:`FeedsApi.cancel_feed` raises when Amazon refuses (it cancels only ``IN_QUEUE`` feeds: 400
otherwise). Unlike a report, a feed Amazon did not cancel changes the seller's listings, stock or
shipments when it runs, so the caller must know before it submits the same changes again.
"""

from __future__ import annotations

from ...domain.documents import DocumentState
from ..reports.lifecycle import document_state
from ..transport.session import SpApiSession, data_of


class FeedsApi(SpApiSession):
    """``FeedSource`` over the Feeds API."""

    def feed_state(self, amazon_id: str) -> DocumentState:
        """``getFeed``: the feed as Amazon answered; ``document_id`` is its processing report."""
        return document_state(data_of(self._call("getFeed", amazon_id)), operation="getFeed", id_key="feedId",
                              type_key="feedType", document_key="resultFeedDocumentId")

    def cancel_feed(self, amazon_id: str) -> None:
        """``cancelFeed`` of a feed still ``IN_QUEUE``; ``AmazonError`` (400, not retryable) for any other."""
        self._call("cancelFeed", amazon_id)
