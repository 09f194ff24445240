"""Submitting a feed: ``createFeedDocument`` -> upload to the pre-signed URL -> ``createFeed`` (C2, B9, H2).

What comes back is the feed's :class:`DocumentState` (``requested``); from there the document lifecycle
(``sync/lifecycle.step_feed``) looks at it with ``getFeed`` until Amazon is done, and
:meth:`FeedSubmitApi.read_feed_report` reads its processing report (``getFeedDocument`` -> download).

Amazon's rules (docs/amazon-quirks.md): the upload is a plain PUT of the bytes to the pre-signed URL with
exactly the content type given to ``createFeedDocument`` (S3 signs it) and no SP-API header (the access
token must not reach another host); the URL is valid five minutes. The upload URL must be https on an
``amazonaws.com`` host, or an origin the operator allowed (``SELLERBRIDGE_ALLOWED_ENDPOINT_ORIGINS``: the
sandbox): the hub never sends the seller's data anywhere else.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...domain.documents import DocumentState, DocumentStatus
from ...domain.ports.confirmations import FeedReport, OrderCancellation, PackageToConfirm
from ..errors import AmazonError
from ..transport.session import SpApiSession, data_of
from . import acknowledgement, fulfillment
from .processing_report import parse_processing_report
from .xml import ReportUnreadable


class FeedSubmitApi(SpApiSession):
    """The feed half of ``ShipmentConfirmer`` (domain/ports/confirmations.py)."""

    def submit_fulfillment_feed(self, packages: Sequence[PackageToConfirm]) -> DocumentState:
        content = fulfillment.build_fulfillment_feed(self.credentials.seller_id, packages)
        return self._submit_feed(fulfillment.FEED_TYPE, content, fulfillment.CONTENT_TYPE)

    def submit_acknowledgement_feed(self, orders: Sequence[OrderCancellation]) -> DocumentState:
        content = acknowledgement.build_acknowledgement_feed(self.credentials.seller_id, orders)
        return self._submit_feed(acknowledgement.FEED_TYPE, content, acknowledgement.CONTENT_TYPE)

    def read_feed_report(self, document_id: str) -> FeedReport:
        text = self._document("getFeedDocument", document_id)
        try:
            return parse_processing_report(text)
        except ReportUnreadable as exc:
            raise AmazonError(f"feed result {document_id}: {exc}", retryable=False,
                              operation="getFeedDocument") from None

    def _submit_feed(self, feed_type: str, content: bytes, content_type: str, *,
                     marketplace_id: str | None = None) -> DocumentState:
        """Submit ``content``; for ``marketplace_id`` (a listings feed), else the connection's marketplace."""
        data = data_of(self._call("createFeedDocument", {"contentType": content_type}))
        document_id, url = data.get("feedDocumentId"), data.get("url")
        if not isinstance(document_id, str) or not document_id or not isinstance(url, str) or not url:
            raise AmazonError("createFeedDocument answered without a feedDocumentId and url", retryable=True,
                              operation="createFeedDocument")
        self._upload(url, content, content_type)
        body = {"feedType": feed_type, "marketplaceIds": [marketplace_id or self.credentials.marketplace_id],
                "inputFeedDocumentId": document_id}
        feed_id = data_of(self._call("createFeed", body)).get("feedId")
        if not isinstance(feed_id, str) or not feed_id:
            raise AmazonError("createFeed answered without a feedId", retryable=True, operation="createFeed")
        return DocumentState(feed_id, feed_type, DocumentStatus.REQUESTED)
