"""Reports API 2021-06-30 in the sandbox: parameter rules, paging, cancel, schedules (I4, G2).

Every answer, success or error, is validated against Amazon's model.
"""

from __future__ import annotations

import pytest

from tests.sandbox.reports_support import (
    ALL_ORDERS,
    BASE,
    LISTINGS,
    SETTLEMENT,
    US,
    checked,
    create_report,
    get_report,
)


def _error(response, operation: str, status: int = 400) -> dict:
    return checked(response, operation, status)["errors"][0]


# --- createReport -------------------------------------------------------------------------------

def test_f1_settlement_report_cannot_be_requested(seller):
    r = seller.post(f"{BASE}/reports", json={"reportType": SETTLEMENT, "marketplaceIds": [US]})
    err = _error(r, "createReport")
    assert err["code"] == "InvalidInput"
    assert err["message"] == "Request for report type 1118 is not allowed at this time"


@pytest.mark.parametrize("body, message", [
    ({"reportType": ALL_ORDERS}, "One or more required parameters missing"),
    ({"marketplaceIds": [US]}, "One or more required parameters missing"),
    ({"reportType": "GET_NO_SUCH_REPORT", "marketplaceIds": [US]}, "Invalid Report Type GET_NO_SUCH_REPORT"),
    ({"reportType": 7, "marketplaceIds": [US]}, "Invalid Report Type"),
    ({"reportType": ALL_ORDERS, "marketplaceIds": ["A1PA6795UKMFR9"]}, "Report rejected for this client"),
    ({"reportType": ALL_ORDERS, "marketplaceIds": "ATVPDKIKX0DER"}, "marketplaceIds must be a list"),
    ({"reportType": ALL_ORDERS, "marketplaceIds": [US] * 26}, "marketplaceIds must be a list"),
    ({"reportType": ALL_ORDERS, "marketplaceIds": [US], "dataStartTime": "yesterday"}, "Invalid dataStartTime"),
    ({"reportType": ALL_ORDERS, "marketplaceIds": [US], "dataEndTime": 1700000000}, "Invalid dataEndTime"),
    ({"reportType": ALL_ORDERS, "marketplaceIds": [US], "dataStartTime": "2026-01-02T00:00:00Z",
      "dataEndTime": "2026-01-01T00:00:00Z"}, "dataStartTime is after dataEndTime"),
    ({"reportType": ALL_ORDERS, "marketplaceIds": [US], "dataStartTime": "0001-01-01T00:00:00+01:00"},
     "Invalid dataStartTime"),
    ({"reportType": ALL_ORDERS, "marketplaceIds": [US], "reportOptions": {"a": 1}}, "reportOptions"),
])
def test_i4_create_report_rejects_bad_input_like_amazon(seller, body, message):
    err = _error(seller.post(f"{BASE}/reports", json=body), "createReport")
    assert err["code"] == "InvalidInput" and err["message"].startswith(message)


def test_i4_create_report_names_every_missing_field_in_details(seller):
    err = _error(seller.post(f"{BASE}/reports", json={"reportOptions": {}}), "createReport")
    assert err["details"] == "marketplaceIds;reportType;"


@pytest.mark.parametrize("raw", [b"", b"{not json", b"[1, 2]"])
def test_i4_create_report_needs_a_json_object(seller, raw):
    r = seller.post(f"{BASE}/reports", content=raw, headers={"content-type": "application/json"})
    _error(r, "createReport")


def test_i4_future_data_end_time_is_taken_as_now(sandbox, seller):
    report = get_report(seller, create_report(seller, dataEndTime="2999-01-01T00:00:00Z"))
    assert report["dataEndTime"] == report["createdTime"]


# --- getReport / cancelReport ---------------------------------------------------------------------

def test_i4_unknown_report_is_404(seller):
    checked(seller.get(f"{BASE}/reports/99999"), "getReport", 404)
    checked(seller.delete(f"{BASE}/reports/99999"), "cancelReport", 404)


def test_i4_in_queue_report_can_be_cancelled_and_stays_listed(sandbox, seller):
    report_id = create_report(seller, LISTINGS)
    r = seller.delete(f"{BASE}/reports/{report_id}")
    checked(r, "cancelReport", 200)
    assert r.content == b""
    sandbox.advance(120)  # the queue time passes: a cancelled report does not start
    report = get_report(seller, report_id)
    assert report["processingStatus"] == "CANCELLED" and "reportDocumentId" not in report
    listed = checked(seller.get(f"{BASE}/reports", params={"reportTypes": LISTINGS}), "getReports", 200)
    assert [x["reportId"] for x in listed["reports"]] == [report_id]


def test_i4_only_in_queue_reports_can_be_cancelled(sandbox, seller):
    report_id = create_report(seller, LISTINGS)
    sandbox.advance(120)
    assert get_report(seller, report_id)["processingStatus"] == "DONE"
    err = _error(seller.delete(f"{BASE}/reports/{report_id}"), "cancelReport")
    assert err["code"] == "InvalidInput" and "IN_QUEUE" in err["message"]
    assert get_report(seller, report_id)["processingStatus"] == "DONE"


# --- getReports -----------------------------------------------------------------------------------

def test_i4_get_reports_needs_report_types_or_next_token(seller):
    err = _error(seller.get(f"{BASE}/reports"), "getReports")
    assert err["message"] == "One or more required parameters missing" and err["details"] == "reportTypes;"


def test_i4_get_reports_pages_with_next_token_alone_newest_first(sandbox, seller):
    created = []
    for _ in range(5):
        created.append(create_report(seller, LISTINGS))
        sandbox.advance(1)
    seen, params = [], {"reportTypes": LISTINGS, "pageSize": 2}
    for _ in range(3):
        page = checked(seller.get(f"{BASE}/reports", params=params), "getReports", 200)
        assert len(page["reports"]) <= 2
        seen += [x["reportId"] for x in page["reports"]]
        if "nextToken" not in page:
            break
        params = {"nextToken": page["nextToken"]}
    assert seen == list(reversed(created)) and "nextToken" not in page


@pytest.mark.parametrize("extra, details", [
    ({"pageSize": 2}, "pageSize;"),
    ({"reportTypes": LISTINGS, "createdSince": "2026-01-01T00:00:00Z"}, "createdSince;reportTypes;"),
    ({"marketplaceIds": US, "processingStatuses": "DONE"}, "marketplaceIds;processingStatuses;"),
])
def test_i4_next_token_with_any_other_parameter_is_a_400(sandbox, seller, extra, details):
    for _ in range(2):
        create_report(seller, LISTINGS)
    first = checked(seller.get(f"{BASE}/reports", params={"reportTypes": LISTINGS, "pageSize": 1}),
                    "getReports", 200)
    err = _error(seller.get(f"{BASE}/reports", params={"nextToken": first["nextToken"], **extra}), "getReports")
    assert err["message"] == "NextToken cannot be specified with other input parameters"
    assert err["details"] == details


def test_i4_unknown_next_token_is_a_400(seller):
    err = _error(seller.get(f"{BASE}/reports", params={"nextToken": "bm90LWEtdG9rZW4="}), "getReports")
    assert err["message"].startswith("We could not decode your NextToken")


@pytest.mark.parametrize("params", [
    {"reportTypes": "GET_NO_SUCH_REPORT"},
    {"reportTypes": ",".join([LISTINGS] * 11)},
    {"reportTypes": LISTINGS, "pageSize": "0"},
    {"reportTypes": LISTINGS, "pageSize": "101"},
    {"reportTypes": LISTINGS, "pageSize": "ten"},
    {"reportTypes": LISTINGS, "processingStatuses": "FINISHED"},
    {"reportTypes": LISTINGS, "createdSince": "last week"},
    {"reportTypes": LISTINGS, "createdSince": "2026-02-01T00:00:00Z", "createdUntil": "2026-01-01T00:00:00Z"},
    {"reportTypes": LISTINGS, "marketplaceIds": ",".join([US] * 11)},
])
def test_i4_get_reports_rejects_bad_filters(seller, params):
    assert _error(seller.get(f"{BASE}/reports", params=params), "getReports")["code"] == "InvalidInput"


def test_i4_get_reports_filters_by_status_marketplace_and_creation_time(sandbox, seller):
    done = create_report(seller, LISTINGS)
    sandbox.advance(120)
    queued = create_report(seller, LISTINGS)

    def ids(**params) -> list[str]:
        body = checked(seller.get(f"{BASE}/reports", params={"reportTypes": LISTINGS, **params}), "getReports", 200)
        return [x["reportId"] for x in body["reports"]]

    assert ids(processingStatuses="IN_QUEUE") == [queued]
    assert ids(processingStatuses="DONE,CANCELLED") == [done]
    assert ids(marketplaceIds="A2EUQ1WTGCTBG2") == []
    since = get_report(seller, queued)["createdTime"]
    assert ids(createdSince=since) == [queued]
    assert ids(reportTypes=f"{LISTINGS},{SETTLEMENT}") == [queued, done]


# --- schedules ------------------------------------------------------------------------------------

def _schedule(seller, **spec):
    body = {"reportType": LISTINGS, "marketplaceIds": [US], "period": "PT1H", **spec}
    return seller.post(f"{BASE}/schedules", json=body)


def test_i4_report_schedule_creates_reports_every_period(sandbox, seller):
    sid = checked(_schedule(seller), "createReportSchedule", 201)["reportScheduleId"]
    schedule = checked(seller.get(f"{BASE}/schedules/{sid}"), "getReportSchedule", 200)
    assert schedule["period"] == "PT1H" and schedule["reportType"] == LISTINGS
    listed = checked(seller.get(f"{BASE}/schedules", params={"reportTypes": LISTINGS}), "getReportSchedules", 200)
    assert [s["reportScheduleId"] for s in listed["reportSchedules"]] == [sid]
    sandbox.advance(1800)
    reports = checked(seller.get(f"{BASE}/reports", params={"reportTypes": LISTINGS}), "getReports", 200)
    assert [r.get("reportScheduleId") for r in reports["reports"]] == [sid]  # the first one, at creation
    assert reports["reports"][0]["processingStatus"] == "DONE"
    sandbox.advance(1800)
    seller.token = sandbox.access_token(seller.creds)  # an access token lives one hour
    reports = checked(seller.get(f"{BASE}/reports", params={"reportTypes": LISTINGS}), "getReports", 200)
    assert len(reports["reports"]) == 2
    checked(seller.delete(f"{BASE}/schedules/{sid}"), "cancelReportSchedule", 200)
    checked(seller.get(f"{BASE}/schedules/{sid}"), "getReportSchedule", 404)
    sandbox.advance(3600)
    seller.token = sandbox.access_token(seller.creds)
    reports = checked(seller.get(f"{BASE}/reports", params={"reportTypes": LISTINGS}), "getReports", 200)
    assert len(reports["reports"]) == 2  # cancelled: no more


def test_i4_new_schedule_replaces_one_with_same_type_and_marketplaces(seller):
    old = checked(_schedule(seller), "createReportSchedule", 201)["reportScheduleId"]
    new = checked(_schedule(seller, period="P1D"), "createReportSchedule", 201)["reportScheduleId"]
    assert new != old
    checked(seller.get(f"{BASE}/schedules/{old}"), "getReportSchedule", 404)
    assert checked(seller.get(f"{BASE}/schedules/{new}"), "getReportSchedule", 200)["period"] == "P1D"


@pytest.mark.parametrize("spec, message", [
    ({"reportType": SETTLEMENT}, "Request for report type 1118 is not allowed at this time"),
    ({"period": "P2W"}, "Invalid period"),
    ({"period": None}, "One or more required parameters missing"),
    ({"nextReportCreationTime": "soon"}, "Invalid nextReportCreationTime"),
])
def test_i4_create_report_schedule_rejects_bad_input(seller, spec, message):
    err = _error(_schedule(seller, **spec), "createReportSchedule")
    assert err["message"].startswith(message)


def test_i4_schedule_operations_answer_404_and_400_like_amazon(seller):
    checked(seller.get(f"{BASE}/schedules/123"), "getReportSchedule", 404)
    checked(seller.delete(f"{BASE}/schedules/123"), "cancelReportSchedule", 404)
    err = _error(seller.get(f"{BASE}/schedules"), "getReportSchedules")
    assert err["details"] == "reportTypes;"
