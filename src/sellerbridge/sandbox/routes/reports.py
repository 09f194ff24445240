"""Reports API 2021-06-30, as Amazon serves it (I4, G2, F1, B13).

Operations (names are Amazon's operationIds): createReport, getReports, getReport, cancelReport,
getReportDocument, createReportSchedule, getReportSchedules, getReportSchedule,
cancelReportSchedule. The lifecycle lives in ``report_lifecycle``, contents in ``report_builders``,
Amazon's own settlement reports in ``settlements``.

Amazon's behaviours copied here (docs/amazon-quirks.md):

- getReports needs ``reportTypes`` or ``nextToken`` ("One or more required parameters missing",
  details ``reportTypes;``) although the model marks both optional;
- a later page is asked for with ``nextToken`` alone: any filter beside it is a 400 "NextToken cannot
  be specified with other input parameters" whose details name them (``createdUntil;pageSize;``);
- createReport refuses settlement report types ("Request for report type 1118 is not allowed at this
  time"): Amazon publishes them by itself;
- dates come back in UTC written ``+00:00`` (an input ``-07:00`` is normalised), not ``Z``;
- a restricted report's document (buyer PII) is refused to a plain access token with 403
  Unauthorized: only a Restricted Data Token for ``GET /reports/2021-06-30/documents/{id}`` opens it;
- cancelReport only cancels IN_QUEUE reports; cancelled reports stay listed.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import errors
from .. import report_lifecycle as life
from ..operation import Ctx, operation
from ..report_builders import BUILDERS, DEFAULT_WINDOW, REQUIRED_ROLE, RESTRICTED_TYPES
from ..state import Report, Seller
from ..timefmt import parse_iso_datetime

BASE = "/reports/2021-06-30"
GET_REPORTS_FILTERS = ("reportTypes", "processingStatuses", "marketplaceIds", "pageSize", "createdSince",
                       "createdUntil")
RETENTION = timedelta(days=90)  # createdSince defaults to 90 days ago (Amazon keeps reports 90 days)
BAD_TOKEN = ("We could not decode your NextToken. Possible reasons include: a transmission error, improper "
             "quoting or a truncation problem.")


# --- parameter checks ------------------------------------------------------------------------------

def _missing(names: list[str]) -> errors.SpApiError:
    return errors.invalid_input("One or more required parameters missing", "".join(f"{n};" for n in names))


def _time(name: str, value: Any) -> datetime:
    if not isinstance(value, str) or not value.strip():
        raise errors.invalid_input(f"Invalid {name}: an ISO 8601 date-time is expected.", name)
    moment = parse_iso_datetime(value)
    if moment is None:
        raise errors.invalid_input(f"Invalid {name}: {value[:60]!r} is not an ISO 8601 date-time.", name)
    return moment


def _requestable_type(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise errors.invalid_input("Invalid Report Type", "reportType")
    if value in life.SETTLEMENT_TYPES:
        code = life.SETTLEMENT_TYPES[value]
        raise errors.invalid_input(f"Request for report type {code} is not allowed at this time")
    if value not in BUILDERS:
        raise errors.invalid_input(f"Invalid Report Type {value}")
    return value


def _known_types(values: list[str] | None) -> list[str]:
    if not values:
        raise _missing(["reportTypes"])
    if len(values) > 10:
        raise errors.invalid_input("reportTypes accepts at most 10 values.", "reportTypes")
    for value in values:
        if value not in life.KNOWN_TYPES:
            raise errors.invalid_input(f"Invalid Report Type {value}")
    return values


def _seller_marketplaces(seller: Seller, value: Any) -> list[str]:
    if (not isinstance(value, list) or not 1 <= len(value) <= 25
            or not all(isinstance(m, str) and m for m in value)):
        raise errors.invalid_input("marketplaceIds must be a list of 1 to 25 marketplace identifiers.",
                                   "marketplaceIds")
    foreign = [m for m in value if m not in seller.marketplace_ids]
    if foreign:
        raise errors.invalid_input(
            "Report rejected for this client. your report could not be applied to any marketplaces",
            ";".join(foreign))
    return list(dict.fromkeys(value))


def _options(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise errors.invalid_input("reportOptions must be an object of string values.", "reportOptions")
    return dict(value)


def _check_role(seller: Seller, report_type: str) -> None:
    role = REQUIRED_ROLE.get(report_type)
    if role and role not in seller.roles:
        raise errors.unauthorized(f"The application lacks the {role} role needed for {report_type}.")


def _report_or_404(seller: Seller, report_id: str) -> Report:
    report = seller.reports.get(report_id)
    if report is None:
        raise errors.not_found(f"Report {report_id} not found.", report_id)
    return report


# --- reports ---------------------------------------------------------------------------------------

@operation("createReport")
async def create_report(ctx: Ctx) -> Response:
    seller = ctx.require_seller()
    body = await ctx.json_body()
    missing = [name for name in ("marketplaceIds", "reportType") if body.get(name) in (None, "", [])]
    if missing:
        raise _missing(missing)
    report_type = _requestable_type(body["reportType"])
    mps = _seller_marketplaces(seller, body["marketplaceIds"])
    options = _options(body.get("reportOptions"))
    end = _time("dataEndTime", body["dataEndTime"]) if body.get("dataEndTime") is not None else ctx.now
    end = min(end, ctx.now)  # "must be prior to or equal to the current date and time": later means now
    if body.get("dataStartTime") is not None:
        start = _time("dataStartTime", body["dataStartTime"])
    else:
        try:
            start = end - DEFAULT_WINDOW.get(report_type, timedelta(0))
        except OverflowError:  # an end in year 1
            start = datetime.min.replace(tzinfo=UTC)
    if start > end:
        raise errors.invalid_input("dataStartTime is after dataEndTime")
    _check_role(seller, report_type)
    report = life.submit(ctx.backend, seller, Report(
        report_id=ctx.backend.next_report_id(), seller_id=seller.seller_id, report_type=report_type,
        marketplace_ids=mps, created=ctx.now, data_start=start, data_end=end, options=options))
    return JSONResponse({"reportId": report.report_id}, status_code=202)


def _report_filters(ctx: Ctx) -> dict[str, Any]:
    types = _known_types(ctx.query_list("reportTypes"))
    statuses = ctx.query_list("processingStatuses")
    for status in statuses or []:
        if status not in life.PROCESSING_STATUSES:
            raise errors.invalid_input(f"Invalid processingStatuses value {status}", "processingStatuses")
    mps = ctx.query_list("marketplaceIds")
    if mps is not None and len(mps) > 10:
        raise errors.invalid_input("marketplaceIds accepts at most 10 values.", "marketplaceIds")
    raw_size = ctx.query("pageSize")
    try:
        page_size = 10 if raw_size is None else int(raw_size)
    except ValueError:
        raise errors.invalid_input("pageSize must be an integer between 1 and 100.", "pageSize") from None
    if not 1 <= page_size <= 100:
        raise errors.invalid_input("pageSize must be an integer between 1 and 100.", "pageSize")
    since_raw, until_raw = ctx.query("createdSince"), ctx.query("createdUntil")
    since = _time("createdSince", since_raw) if since_raw is not None else ctx.now - RETENTION
    until = _time("createdUntil", until_raw) if until_raw is not None else ctx.now
    if since > until:
        raise errors.invalid_input("createdSince is after createdUntil")
    return {"types": set(types), "statuses": set(statuses) if statuses else None,
            "mps": set(mps) if mps else None, "page_size": page_size, "since": since, "until": until}


def _key(report: Report) -> tuple[datetime, int]:
    return report.created, int(report.report_id) if report.report_id.isdigit() else 0


@operation("getReports")
async def get_reports(ctx: Ctx) -> dict[str, Any]:
    seller = ctx.require_seller()
    params = ctx.request.query_params
    token = params.get("nextToken") or None
    after: tuple[datetime, int] | None = None
    if token is not None:
        present = [name for name in GET_REPORTS_FILTERS if name in params]
        if present:
            raise errors.invalid_input("NextToken cannot be specified with other input parameters",
                                       "".join(f"{n};" for n in reversed(present)))
        # page_tokens is shared with other operations' tokens: only our own, unexpired, for this seller.
        entry = ctx.backend.page_tokens.get(token)
        state = entry[1] if isinstance(entry, tuple) and len(entry) == 2 else None
        if (not isinstance(state, dict) or state.get("op") != "getReports"
                or state.get("seller_id") != seller.seller_id or entry[0] < ctx.now):
            raise errors.invalid_input(BAD_TOKEN)
        filters, after = state["filters"], state["after"]
    else:
        filters = _report_filters(ctx)
    matching = sorted(
        (r for r in seller.reports.values()
         if r.report_type in filters["types"]
         and (filters["statuses"] is None or r.status in filters["statuses"])
         and (filters["mps"] is None or filters["mps"] & set(r.marketplace_ids))
         and filters["since"] <= r.created <= filters["until"]
         and (after is None or _key(r) < after)),
        key=_key, reverse=True)  # newest first
    page = matching[: filters["page_size"]]
    out: dict[str, Any] = {"reports": [life.report_view(r) for r in page]}
    if len(matching) > len(page):
        new_token = secrets.token_urlsafe(48)
        expires = ctx.now + timedelta(seconds=ctx.backend.timings.page_token_seconds)
        ctx.backend.page_tokens[new_token] = (expires, {
            "op": "getReports", "seller_id": seller.seller_id, "filters": filters, "after": _key(page[-1])})
        out["nextToken"] = new_token
    return out


@operation("getReport")
async def get_report(ctx: Ctx) -> dict[str, Any]:
    seller = ctx.require_seller()
    return life.report_view(_report_or_404(seller, ctx.path["reportId"]))


@operation("cancelReport")
async def cancel_report(ctx: Ctx) -> Response:
    seller = ctx.require_seller()
    report = _report_or_404(seller, ctx.path["reportId"])
    if report.status != life.IN_QUEUE:
        raise errors.invalid_input(
            f"Report {report.report_id} cannot be cancelled: its processingStatus is {report.status}; "
            "only IN_QUEUE reports can be cancelled.", report.report_id)
    life.cancel(report, ctx.now)
    return Response(status_code=200)


@operation("getReportDocument")
async def get_report_document(ctx: Ctx) -> dict[str, Any]:
    seller = ctx.require_seller()
    document_id = ctx.path["reportDocumentId"]
    flag = ctx.query("enableContentEncodingUrlHeader")
    if flag is not None and flag.lower() not in ("true", "false"):
        raise errors.invalid_input("enableContentEncodingUrlHeader must be true or false.",
                                   "enableContentEncodingUrlHeader")
    if not document_id.startswith(("amzn1.spdoc.", "amzn1.tortuga.")):
        raise errors.invalid_input("Invalid or unsupported document ID found", document_id)
    doc = ctx.backend.documents.get(document_id)
    if doc is None or doc.kind != "report" or doc.seller_id != seller.seller_id:
        raise errors.not_found(f"Report document {document_id} not found.", document_id)
    report = life.document_report(seller, document_id)
    if report is not None and report.report_type in RESTRICTED_TYPES and not ctx.token.is_rdt:
        # PII: only a Restricted Data Token for this document's path opens it (the operation wrapper
        # already checked that an RDT names this path).
        raise errors.unauthorized("")
    out: dict[str, Any] = {"reportDocumentId": document_id,
                           "url": ctx.backend.presign(ctx.base_url(), document_id, "GET")}
    if doc.compression:
        out["compressionAlgorithm"] = doc.compression
    return out


# --- schedules -------------------------------------------------------------------------------------

def _schedule_or_404(seller: Seller, schedule_id: str) -> life.ReportSchedule:
    schedule = seller.report_schedules.get(schedule_id)
    if schedule is None:
        raise errors.not_found(f"Report schedule {schedule_id} not found.", schedule_id)
    return schedule


@operation("getReportSchedules")
async def get_report_schedules(ctx: Ctx) -> dict[str, Any]:
    seller = ctx.require_seller()
    types = set(_known_types(ctx.query_list("reportTypes")))
    # Amazon's own settlement publication is not a seller schedule and is not listed here.
    return {"reportSchedules": [life.schedule_view(s) for s in seller.report_schedules.values()
                                if s.report_type in types]}


@operation("createReportSchedule")
async def create_report_schedule(ctx: Ctx) -> Response:
    seller = ctx.require_seller()
    body = await ctx.json_body()
    missing = [name for name in ("marketplaceIds", "period", "reportType") if body.get(name) in (None, "", [])]
    if missing:
        raise _missing(missing)
    report_type = _requestable_type(body["reportType"])
    mps = _seller_marketplaces(seller, body["marketplaceIds"])
    period = body["period"]
    if not isinstance(period, str) or period not in life.PERIODS:
        raise errors.invalid_input(f"Invalid period {str(period)[:20]}", "period")
    options = _options(body.get("reportOptions"))
    raw_next = body.get("nextReportCreationTime")
    next_time = _time("nextReportCreationTime", raw_next) if raw_next is not None else ctx.now
    _check_role(seller, report_type)
    schedule = life.add_schedule(ctx.backend, seller, report_type, mps, period, max(next_time, ctx.now), options)
    return JSONResponse({"reportScheduleId": schedule.schedule_id}, status_code=201)


@operation("getReportSchedule")
async def get_report_schedule(ctx: Ctx) -> dict[str, Any]:
    seller = ctx.require_seller()
    return life.schedule_view(_schedule_or_404(seller, ctx.path["reportScheduleId"]))


@operation("cancelReportSchedule")
async def cancel_report_schedule(ctx: Ctx) -> Response:
    seller = ctx.require_seller()
    schedule = _schedule_or_404(seller, ctx.path["reportScheduleId"])
    del seller.report_schedules[schedule.schedule_id]
    return Response(status_code=200)


routes = [
    Route(f"{BASE}/reports", get_reports, methods=["GET"]),
    Route(f"{BASE}/reports", create_report, methods=["POST"]),
    Route(f"{BASE}/reports/{{reportId}}", get_report, methods=["GET"]),
    Route(f"{BASE}/reports/{{reportId}}", cancel_report, methods=["DELETE"]),
    Route(f"{BASE}/documents/{{reportDocumentId}}", get_report_document, methods=["GET"]),
    Route(f"{BASE}/schedules", get_report_schedules, methods=["GET"]),
    Route(f"{BASE}/schedules", create_report_schedule, methods=["POST"]),
    Route(f"{BASE}/schedules/{{reportScheduleId}}", get_report_schedule, methods=["GET"]),
    Route(f"{BASE}/schedules/{{reportScheduleId}}", cancel_report_schedule, methods=["DELETE"]),
]
