"""Reports API 2021-06-30 through the gateway: the ``ReportSource`` port and the open-orders document
(G2, B1, B11, B13, F1; domain/ports/documents.py, domain/ports/orders.py).

- :meth:`ReportsApi.request_report` asks for the purpose's report type (``lifecycle.REPORT_TYPES``) in
  the connection's marketplace; :meth:`ReportsApi.report_state` answers in the hub's words with the id
  and type Amazon answered (the lifecycle refuses a mix-up); :meth:`ReportsApi.cancel_report` lets go
  of a report Amazon no longer cancels (see there).
- :meth:`ReportsApi.read_open_orders` reads the actionable-orders document. It is restricted data
  (buyer names and addresses): Amazon refuses a plain access token for it (403), so it is fetched
  with a Restricted Data Token for the document's path (B13). Its malformed rows leave their orders
  out, each with a reason that never quotes the row (``actionable_orders.left_out_reasons``).
- ``getReports`` pages send ``nextToken`` alone (Amazon's rule); report dates are written whole seconds, UTC.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ...domain.documents import DocumentState, DocumentStatus, ReportPurpose
from ...domain.ports.orders import OpenOrdersDocument
from ...domain.ports.prices import BadLine, ListingsReport
from ..errors import AmazonError
from ..transport.session import SpApiSession, data_of, iso, refused
from ..wire import MappingError
from .actionable_orders import left_out_reasons, parse_actionable_orders
from .lifecycle import document_state, report_type
from .merchant_listings import ListingsDecoder, parse_merchant_listings

log = logging.getLogger("sellerbridge.amazon")

REPORT_DOCUMENT_PATH = "/reports/2021-06-30/documents/{}"


class ReportsApi(SpApiSession):
    """``ReportSource`` over the Reports API, and the report documents the order flows read."""

    def request_report(self, purpose: ReportPurpose) -> DocumentState:
        """``createReport`` for ``purpose``: the new report, ``requested`` (no answer about it read yet)."""
        amazon_type = report_type(purpose)
        return DocumentState(self._create_report(amazon_type), amazon_type, DocumentStatus.REQUESTED)

    def report_state(self, amazon_id: str) -> DocumentState:
        """``getReport``: the report as Amazon answered, its own ``reportId`` and ``reportType`` included."""
        return document_state(data_of(self._call("getReport", amazon_id)), operation="getReport",
                              id_key="reportId", type_key="reportType", document_key="reportDocumentId")

    def cancel_report(self, amazon_id: str) -> None:
        """``cancelReport``. Amazon cancels only ``IN_QUEUE`` reports and answers 400 for any other; that
        refusal is not an error here: the report ends on its own and the caller, who is done with it
        (asking again, or giving up), ignores it. Any other refusal (404 for an unknown id) raises."""
        try:
            self._call("cancelReport", amazon_id)
        except AmazonError as exc:
            if not refused(exc, 400):
                raise
            log.info("report %s is past cancelling: %s", amazon_id, exc.message)

    def read_open_orders(self, document_id: str) -> OpenOrdersDocument:
        """The actionable-orders document (see the module's rules); drafts carry no money (the report has none).

        A document that cannot be read as a whole (no header, a required column missing) raises
        ``MappingError`` (a ``DomainError``) naming the header.
        """
        text = self._download_report_document(document_id, restricted=True)
        parsed = parse_actionable_orders(text, marketplace_id=self.credentials.marketplace_id)
        unplaced = sum(1 for e in parsed.errors if e.order_id is None)
        if unplaced:  # a row that names no readable order: nothing to leave out, worth a word in the log
            log.warning("actionable-orders document %s: %d malformed rows name no order", document_id, unplaced)
        return OpenOrdersDocument(drafts=parsed.drafts, left_out=left_out_reasons(parsed))

    def read_merchant_listings(self, document_id: str) -> ListingsReport:
        """I5: the merchant listings document (``merchant_listings.py``); one that cannot be read as a whole
        (no header, no seller-sku column) is an AmazonError naming it (asking again gives the same)."""
        decoder = ListingsDecoder(self.credentials.marketplace_id)  # I5: UTF-8, windows-1252, Shift_JIS
        text = self._document("getReportDocument", document_id, decode=decoder)
        try:
            parsed = parse_merchant_listings(text, encoding=decoder.codec)
        except MappingError as exc:
            raise AmazonError(f"merchant listings report {document_id}: {exc}", retryable=False,
                              operation="getReportDocument") from None
        return ListingsReport(parsed.listings, [BadLine(e.row_number, e.column, e.message, e.raw_line)
                                                for e in parsed.errors], parsed.encoding)

    # --- the Reports API as Amazon has it -----------------------------------------------------------

    def _create_report(self, amazon_type: str, marketplace_ids: Sequence[str] | None = None,
                       start: datetime | None = None, end: datetime | None = None,
                       options: Mapping[str, str] | None = None) -> str:
        """``createReport``: the new report's id."""
        body: dict[str, Any] = {"reportType": amazon_type,
                                "marketplaceIds": list(marketplace_ids or [self.credentials.marketplace_id])}
        if start is not None:
            body["dataStartTime"] = iso(start, "start")
        if end is not None:
            body["dataEndTime"] = iso(end, "end")
        if options:
            body["reportOptions"] = dict(options)
        answer = self._call("createReport", body)
        report_id = data_of(answer).get("reportId")
        if not report_id:
            raise AmazonError("createReport answered without a reportId", retryable=True, status=answer.status,
                              operation="createReport")
        return str(report_id)

    def _get_reports(self, report_types: Sequence[str], *, processing_statuses: Sequence[str] | None = None,
                     created_since: datetime | None = None, created_until: datetime | None = None,
                     page_size: int = 100, max_pages: int | None = None) -> list[dict[str, Any]]:
        """``getReports``, every page (newest first): Amazon's report objects (settlements are found so, F1)."""
        params: dict[str, Any] = {"report_types": list(report_types), "page_size": page_size,
                                  "marketplace_ids": [self.credentials.marketplace_id]}
        if processing_statuses:
            params["processing_statuses"] = list(processing_statuses)
        if created_since is not None:
            params["created_since"] = iso(created_since, "created_since")
        if created_until is not None:
            params["created_until"] = iso(created_until, "created_until")
        reports: list[dict[str, Any]] = []
        pages = 0
        while True:
            data = data_of(self._call("getReports", **params))
            reports.extend(r for r in data.get("reports") or [] if isinstance(r, dict))
            pages += 1
            token = data.get("nextToken")
            if not token or (max_pages is not None and pages >= max_pages):
                return reports
            params = {"next_token": token}

    def _download_report_document(self, document_id: str, restricted: bool = False) -> str:
        """A report document's text; ``restricted`` documents (buyer PII) with an RDT (B13)."""
        return self._document("getReportDocument", document_id,
                              restricted_path=REPORT_DOCUMENT_PATH.format(document_id) if restricted else None)
