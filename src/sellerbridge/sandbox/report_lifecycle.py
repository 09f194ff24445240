"""A report's life at Amazon, in simulated time: IN_QUEUE -> IN_PROGRESS -> DONE | CANCELLED | FATAL (I4, G2).

- ``createReport`` queues the report; after ``timings.report_queue_seconds`` (60 s) it starts.
- On entering IN_PROGRESS the content is built from the seller's state *at that moment* (Amazon
  snapshots its data when processing starts; a change during processing is not in the report). It
  stays IN_PROGRESS for ``timings.report_seconds_per_1000_rows`` per 1000 rows.
- Then DONE with a GZIP-compressed document, or CANCELLED with no document when the report has no
  data rows (Amazon has no "done, no data" status: it cancels empty reports).
- A builder that fails makes the report FATAL (and is recorded as a sandbox bug).
- Each end (DONE, CANCELLED by Amazon, FATAL) emits REPORT_PROCESSING_FINISHED. A report cancelled
  by the caller (cancelReport) emits nothing: the caller knows.

Report schedules (createReportSchedule) create a report every ``period`` from
``nextReportCreationTime``, each covering the time since the previous one.
"""

from __future__ import annotations

import gzip
import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from . import notify
from .backend import Backend
from .report_builders import BUILDERS, CONTENT_TYPE, to_tsv
from .state import Document, Report, Seller
from .timefmt import iso_offset

IN_QUEUE, IN_PROGRESS, DONE, CANCELLED, FATAL = "IN_QUEUE", "IN_PROGRESS", "DONE", "CANCELLED", "FATAL"
PROCESSING_STATUSES = (CANCELLED, DONE, FATAL, IN_PROGRESS, IN_QUEUE)

# Settlement reports are published by Amazon alone; createReport answers with Amazon's internal
# report type number in the message ("Request for report type 1118 is not allowed at this time").
SETTLEMENT_V2 = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
SETTLEMENT_TYPES = {
    SETTLEMENT_V2: "1118",
    "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE": "1117",
    "GET_V2_SETTLEMENT_REPORT_DATA_XML": "GET_V2_SETTLEMENT_REPORT_DATA_XML",  # number not observed
}
KNOWN_TYPES = frozenset(BUILDERS) | frozenset(SETTLEMENT_TYPES)

# createReportSchedule periods, in seconds ("P1M" taken as 30 days).
PERIODS: dict[str, int] = {
    "PT5M": 300, "PT15M": 900, "PT30M": 1800, "PT1H": 3600, "PT2H": 7200, "PT4H": 14400, "PT8H": 28800,
    "PT12H": 43200, "P1D": 86400, "P2D": 2 * 86400, "P3D": 3 * 86400, "PT84H": 84 * 3600, "P7D": 7 * 86400,
    "P14D": 14 * 86400, "P15D": 15 * 86400, "P18D": 18 * 86400, "P30D": 30 * 86400, "P1M": 30 * 86400,
}

_schedule_ids = itertools.count(50_000_000_001)


def _alive(backend: Backend, seller: Seller) -> bool:
    return backend.sellers.get(seller.seller_id) is seller


# --- views -----------------------------------------------------------------------------------------

def report_view(report: Report) -> dict[str, Any]:
    """Amazon's ``Report`` object (datetimes as Amazon writes them: ``+00:00``)."""
    out: dict[str, Any] = {
        "reportId": report.report_id,
        "reportType": report.report_type,
        "marketplaceIds": list(report.marketplace_ids),
        "createdTime": iso_offset(report.created),
        "processingStatus": report.status,
    }
    if report.data_start is not None:
        out["dataStartTime"] = iso_offset(report.data_start)
    if report.data_end is not None:
        out["dataEndTime"] = iso_offset(report.data_end)
    if report.schedule_id:
        out["reportScheduleId"] = report.schedule_id
    if report.processing_start is not None:
        out["processingStartTime"] = iso_offset(report.processing_start)
    if report.processing_end is not None:
        out["processingEndTime"] = iso_offset(report.processing_end)
    if report.document_id:
        out["reportDocumentId"] = report.document_id
    return out


# --- documents and notifications -------------------------------------------------------------------

def store_document(backend: Backend, seller: Seller, content: bytes, at: datetime) -> str:
    """Keep ``content`` GZIP-compressed behind a document id, as Amazon stores report documents."""
    document_id = backend.new_document_id(seller, "report")
    backend.documents[document_id] = Document(
        document_id=document_id, seller_id=seller.seller_id, kind="report", content_type=CONTENT_TYPE,
        created=at, content=gzip.compress(content, mtime=0), compression="GZIP")
    return document_id


def emit_finished(backend: Backend, seller: Seller, report: Report, at: datetime) -> None:
    body: dict[str, Any] = {
        "sellerId": seller.seller_id,
        "accountId": f"amzn1.merchant.o.{seller.seller_id}",
        "reportId": report.report_id,
        "reportType": report.report_type,
        "processingStatus": report.status,
    }
    if report.document_id:
        body["reportDocumentId"] = report.document_id
    notify.emit(backend, seller.seller_id, "REPORT_PROCESSING_FINISHED",
                {"reportProcessingFinishedNotification": body}, at)


def document_report(seller: Seller, document_id: str) -> Report | None:
    """The report a document belongs to (to know whether it is restricted)."""
    return next((r for r in seller.reports.values() if r.document_id == document_id), None)


# --- the lifecycle ---------------------------------------------------------------------------------

def submit(backend: Backend, seller: Seller, report: Report) -> Report:
    """Queue a new report; its start is an event ``report_queue_seconds`` later."""
    seller.reports[report.report_id] = report
    due = report.created + timedelta(seconds=backend.timings.report_queue_seconds)
    backend.events.at(due, lambda at: _start(backend, seller, report, at), f"report start {report.report_id}")
    return report


def _start(backend: Backend, seller: Seller, report: Report, at: datetime) -> None:
    if report.status != IN_QUEUE or not _alive(backend, seller):
        return  # cancelled while queued, or the sandbox was reset
    report.status = IN_PROGRESS
    report.processing_start = at
    try:
        header, rows = BUILDERS[report.report_type](seller, report, at)
        content = to_tsv(header, rows) if rows else b""
    except Exception as exc:  # a builder bug must not become a 500 of whoever ticked the clock
        backend.internal_errors.append(f"report {report.report_id} {report.report_type}: {exc!r}")
        report.status, report.processing_end = FATAL, at
        emit_finished(backend, seller, report, at)
        return
    seconds = backend.timings.report_seconds_per_1000_rows * len(rows) / 1000.0
    backend.events.at(at + timedelta(seconds=seconds),
                      lambda end: _finish(backend, seller, report, content, end), f"report end {report.report_id}")


def _finish(backend: Backend, seller: Seller, report: Report, content: bytes, at: datetime) -> None:
    if report.status != IN_PROGRESS or not _alive(backend, seller):
        return
    report.processing_end = at
    if not content:
        report.status = CANCELLED  # Amazon cancels a report that has no data
    else:
        report.document_id = store_document(backend, seller, content, at)
        report.status = DONE
    emit_finished(backend, seller, report, at)


def cancel(report: Report, now: datetime) -> None:
    report.status = CANCELLED
    report.processing_end = now


# --- schedules -------------------------------------------------------------------------------------

@dataclass
class ReportSchedule:
    schedule_id: str
    report_type: str
    marketplace_ids: list[str]
    period: str
    next_time: datetime
    options: dict[str, str] = field(default_factory=dict)
    last_time: datetime | None = None


def schedule_view(schedule: ReportSchedule) -> dict[str, Any]:
    out: dict[str, Any] = {
        "reportScheduleId": schedule.schedule_id,
        "reportType": schedule.report_type,
        "marketplaceIds": list(schedule.marketplace_ids),
        "period": schedule.period,
        "nextReportCreationTime": iso_offset(schedule.next_time),
    }
    if schedule.options:
        out["reportOptions"] = dict(schedule.options)
    return out


def add_schedule(backend: Backend, seller: Seller, report_type: str, marketplace_ids: list[str], period: str,
                 next_time: datetime, options: dict[str, str]) -> ReportSchedule:
    """Create a schedule, replacing one with the same report type and marketplaces (as Amazon does)."""
    for sid, old in list(seller.report_schedules.items()):
        if old.report_type == report_type and set(old.marketplace_ids) == set(marketplace_ids):
            del seller.report_schedules[sid]
    schedule = ReportSchedule(str(next(_schedule_ids)), report_type, list(marketplace_ids), period,
                              next_time, dict(options))
    seller.report_schedules[schedule.schedule_id] = schedule
    _arm(backend, seller, schedule)
    return schedule


def _arm(backend: Backend, seller: Seller, schedule: ReportSchedule) -> None:
    backend.events.at(schedule.next_time, lambda at: _fire(backend, seller, schedule, at),
                      f"schedule {schedule.schedule_id}")


def _fire(backend: Backend, seller: Seller, schedule: ReportSchedule, at: datetime) -> None:
    if not _alive(backend, seller) or seller.report_schedules.get(schedule.schedule_id) is not schedule:
        return  # cancelled or replaced
    period = timedelta(seconds=PERIODS[schedule.period])
    start = schedule.last_time or at - period
    submit(backend, seller, Report(
        report_id=backend.next_report_id(), seller_id=seller.seller_id, report_type=schedule.report_type,
        marketplace_ids=list(schedule.marketplace_ids), created=at, data_start=start, data_end=at,
        options=dict(schedule.options), schedule_id=schedule.schedule_id))
    schedule.last_time = at
    schedule.next_time = at + period
    _arm(backend, seller, schedule)
