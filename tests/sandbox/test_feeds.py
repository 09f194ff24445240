"""Feeds API 2021-06-30 in the sandbox: documents, lifecycle, limits, faults (I4, D8, H2, G1)."""

from __future__ import annotations

import json
from datetime import timedelta

import jsonschema
import pytest

from sellerbridge.sandbox import feed_processors, notify
from sellerbridge.sandbox.feed_processors import FeedOutcome
from tests.support.models import load_schema, validate_response

DOCS = "/feeds/2021-06-30/documents"
FEEDS = "/feeds/2021-06-30/feeds"
US = "ATVPDKIKX0DER"
CA = "A2EUQ1WTGCTBG2"
XML = "text/xml; charset=UTF-8"
ACK = "POST_ORDER_ACKNOWLEDGEMENT_DATA"  # a current XML feed type, processed by test processors here


def xml_feed(messages: int) -> bytes:
    body = "".join(f"<Message><MessageID>{i + 1}</MessageID></Message>" for i in range(messages))
    return f'<?xml version="1.0"?><AmazonEnvelope>{body}</AmazonEnvelope>'.encode()


def listings_feed(seller_id: str, messages: list[dict] | None = None) -> bytes:
    return json.dumps({"header": {"sellerId": seller_id, "version": "2.0"}, "messages": messages or []}).encode()


def create_document(seller, content_type: str = XML) -> dict:
    r = seller.post(DOCS, json={"contentType": content_type})
    assert r.status_code == 201, r.text
    validate_response("feeds", "createFeedDocument", 201, r.json())
    return r.json()


def upload(sandbox, url: str, content: bytes, content_type: str = XML):
    return sandbox.http.put(url, content=content, headers={"Content-Type": content_type})


def uploaded_document(sandbox, seller, content: bytes, content_type: str = XML) -> str:
    doc = create_document(seller, content_type)
    assert upload(sandbox, doc["url"], content, content_type).status_code == 200
    return doc["feedDocumentId"]


def create_feed(seller, feed_type: str, doc_id: str, marketplaces: list[str] | None = None, **extra):
    return seller.post(FEEDS, json={"feedType": feed_type, "marketplaceIds": marketplaces or [US],
                                    "inputFeedDocumentId": doc_id, **extra})


def submit(sandbox, seller, feed_type: str = ACK, content: bytes | None = None, content_type: str = XML) -> str:
    doc_id = uploaded_document(sandbox, seller, content if content is not None else xml_feed(1), content_type)
    r = create_feed(seller, feed_type, doc_id)
    assert r.status_code == 202, r.text
    validate_response("feeds", "createFeed", 202, r.json())
    return r.json()["feedId"]


def get_feed(seller, feed_id: str) -> dict:
    r = seller.get(f"{FEEDS}/{feed_id}")
    assert r.status_code == 200, r.text
    validate_response("feeds", "getFeed", 200, r.json())
    return r.json()


def download_result(sandbox, seller, doc_id: str):
    r = seller.get(f"{DOCS}/{doc_id}")
    assert r.status_code == 200, r.text
    validate_response("feeds", "getFeedDocument", 200, r.json())
    assert "compressionAlgorithm" not in r.json()
    return sandbox.http.get(r.json()["url"])


def assert_error(r, status: int, operation: str, code: str) -> dict:
    assert r.status_code == status, r.text
    validate_response("feeds", operation, status, r.json())
    assert r.json()["errors"][0]["code"] == code
    return r.json()["errors"][0]


@pytest.fixture
def calls(monkeypatch):
    """A test processor for ACK feeds recording when it ran; a recorder for emitted notifications."""
    record: dict[str, list] = {"processed": [], "notified": []}

    def processor(backend, seller, feed, content, now):
        record["processed"].append((feed.feed_id, now, content))
        return FeedOutcome("DONE", b"<report>ok</report>", "text/xml; charset=UTF-8", content.count(b"<Message>"))

    monkeypatch.setitem(feed_processors.PROCESSORS, ACK, processor)
    monkeypatch.setattr(notify, "emit", lambda backend, seller_id, kind, payload, at:
                        record["notified"].append((seller_id, kind, payload, at)))
    return record


def test_i4_feed_round_trip_queue_progress_done_and_result_document(sandbox, seller, calls):
    sandbox.config(feed_queue_seconds=30, feed_base_seconds=120, feed_seconds_per_message=10)
    doc = create_document(seller)
    assert doc["feedDocumentId"].startswith("amzn1.tortuga.")
    assert upload(sandbox, doc["url"], xml_feed(3)).status_code == 200
    r = create_feed(seller, ACK, doc["feedDocumentId"])
    assert r.status_code == 202
    feed_id = r.json()["feedId"]

    queued = get_feed(seller, feed_id)
    assert queued["processingStatus"] == "IN_QUEUE" and queued["marketplaceIds"] == [US]
    assert queued["createdTime"].endswith("Z") and "processingStartTime" not in queued

    sandbox.advance(30)
    started = get_feed(seller, feed_id)
    assert started["processingStatus"] == "IN_PROGRESS" and started["processingStartTime"].endswith("Z")
    sandbox.advance(149 - 30)  # 120 s base (queue included) + 3 messages x 10 s = 150 s
    assert get_feed(seller, feed_id)["processingStatus"] == "IN_PROGRESS"
    assert calls["processed"] == []  # nothing of the feed takes effect before it ends
    sandbox.advance(1)
    done = get_feed(seller, feed_id)
    assert done["processingStatus"] == "DONE"
    assert done["resultFeedDocumentId"] != doc["feedDocumentId"]

    [(processed_id, at, content)] = calls["processed"]
    assert processed_id == feed_id and content == xml_feed(3)
    assert at.strftime("%Y-%m-%dT%H:%M:%SZ") == done["processingEndTime"]
    result = download_result(sandbox, seller, done["resultFeedDocumentId"])
    assert result.status_code == 200 and result.content == b"<report>ok</report>"
    assert result.headers["content-type"].startswith("text/xml")


def test_given_default_timings_when_getting_a_new_feed_then_in_queue_then_done_after_120_s(sandbox, seller, calls):
    feed_id = submit(sandbox, seller)  # feed_queue_seconds=0: still never started at creation
    assert get_feed(seller, feed_id)["processingStatus"] == "IN_QUEUE"
    sandbox.advance(1)
    assert get_feed(seller, feed_id)["processingStatus"] == "IN_PROGRESS"
    sandbox.advance(118)
    assert get_feed(seller, feed_id)["processingStatus"] == "IN_PROGRESS"
    sandbox.advance(1.02)  # 120 s + 1 message x 0.01 s
    assert get_feed(seller, feed_id)["processingStatus"] == "DONE"


def test_i4_feed_processing_finished_notification_matches_amazons_schema(sandbox, seller, calls):
    feed_id = submit(sandbox, seller)
    sandbox.advance(121)
    done = get_feed(seller, feed_id)
    [(seller_id, kind, payload, at)] = calls["notified"]
    assert (seller_id, kind) == (seller.creds.seller_id, "FEED_PROCESSING_FINISHED")
    assert at.strftime("%Y-%m-%dT%H:%M:%SZ") == done["processingEndTime"]
    jsonschema.Draft7Validator(load_schema("FeedProcessingFinishedNotification.json")["properties"]["payload"]) \
        .validate(payload)
    inner = payload["feedProcessingFinishedNotification"]
    assert inner == {"sellerId": seller.creds.seller_id, "accountId": f"amzn1.merchant.o.{seller.creds.seller_id}",
                     "feedId": feed_id, "feedType": ACK, "processingStatus": "DONE",
                     "resultFeedDocumentId": done["resultFeedDocumentId"]}


def test_i4_the_input_document_can_be_read_back_with_get_feed_document(sandbox, seller):
    doc_id = uploaded_document(sandbox, seller, xml_feed(2))
    assert download_result(sandbox, seller, doc_id).content == xml_feed(2)


def test_given_upload_url_older_than_5_minutes_when_putting_then_403_xml(sandbox, seller):
    doc = create_document(seller)
    sandbox.advance(301)
    r = upload(sandbox, doc["url"], xml_feed(1))
    assert r.status_code == 403 and r.headers["content-type"].startswith("application/xml")
    assert "<Code>AccessDenied</Code>" in r.text
    assert_error(create_feed(seller, ACK, doc["feedDocumentId"]), 400, "createFeed", "InvalidInput")


def test_given_download_url_older_than_5_minutes_when_getting_then_403(sandbox, seller):
    doc_id = uploaded_document(sandbox, seller, xml_feed(1))
    url = seller.get(f"{DOCS}/{doc_id}").json()["url"]
    assert sandbox.http.get(url).status_code == 200
    sandbox.advance(301)
    assert sandbox.http.get(url).status_code == 403


def test_given_upload_with_another_content_type_then_rejected_and_feed_refused(sandbox, seller):
    doc = create_document(seller, "application/json")
    r = upload(sandbox, doc["url"], xml_feed(1), XML)
    assert r.status_code == 403 and "SignatureDoesNotMatch" in r.text
    err = assert_error(create_feed(seller, ACK, doc["feedDocumentId"]), 400, "createFeed", "InvalidInput")
    assert "Upload" in err["message"]


@pytest.mark.parametrize("body", [{}, {"contentType": ""}, {"contentType": 5}, {"contentType": "not a mime"}])
def test_given_bad_content_type_when_creating_document_then_400(sandbox, seller, body):
    assert_error(seller.post(DOCS, json=body), 400, "createFeedDocument", "InvalidInput")


def test_given_extra_body_fields_from_the_community_client_then_they_are_ignored(sandbox, seller):
    r = seller.post(DOCS, json={"contentType": XML, "marketplaceIds": [US], "MarketplaceIds": [US],
                                "path": "/feeds/2021-06-30/documents"})
    assert r.status_code == 201
    assert upload(sandbox, r.json()["url"], xml_feed(1)).status_code == 200
    r = seller.post(FEEDS, json={"feedType": ACK, "inputFeedDocumentId": r.json()["feedDocumentId"],
                                 "marketplaceIds": [US], "MarketplaceIds": [US]})
    assert r.status_code == 202


def test_given_invalid_create_feed_requests_then_400_invalid_input(sandbox, seller):
    doc_id = uploaded_document(sandbox, seller, xml_feed(1))
    not_uploaded = create_document(seller)["feedDocumentId"]
    other = sandbox.client_for(sandbox.create_seller(marketplaces=["US"], catalog_size=1, seed=9))
    others_doc = uploaded_document(sandbox, other, xml_feed(1))
    cases = [
        {"feedType": "POST_NOT_A_FEED_TYPE", "marketplaceIds": [US], "inputFeedDocumentId": doc_id},
        {"marketplaceIds": [US], "inputFeedDocumentId": doc_id},
        {"feedType": ACK, "inputFeedDocumentId": doc_id},
        {"feedType": ACK, "marketplaceIds": [], "inputFeedDocumentId": doc_id},
        {"feedType": ACK, "marketplaceIds": ["A1PA6795UKMFR9"], "inputFeedDocumentId": doc_id},  # DE: not hers
        {"feedType": ACK, "marketplaceIds": [US]},
        {"feedType": ACK, "marketplaceIds": [US], "inputFeedDocumentId": "amzn1.tortuga.4.na.nope"},
        {"feedType": ACK, "marketplaceIds": [US], "inputFeedDocumentId": not_uploaded},
        {"feedType": ACK, "marketplaceIds": [US], "inputFeedDocumentId": others_doc},
        {"feedType": ACK, "marketplaceIds": [US], "inputFeedDocumentId": doc_id, "feedOptions": {"a": 1}},
    ]
    for body in cases:
        assert_error(seller.post(FEEDS, json=body), 400, "createFeed", "InvalidInput")
    assert_error(seller.post(FEEDS, content=b"{not json"), 400, "createFeed", "InvalidInput")
    assert sandbox.backend.sellers[seller.creds.seller_id].feeds == {}
    assert sandbox.backend.internal_errors == []


def test_given_json_listings_feed_for_two_marketplaces_then_400(sandbox):
    seller = sandbox.client_for(sandbox.create_seller(marketplaces=["US", "CA"], catalog_size=2))
    doc_id = uploaded_document(sandbox, seller, listings_feed(seller.creds.seller_id), "application/json")
    assert_error(create_feed(seller, "JSON_LISTINGS_FEED", doc_id, [US, CA]), 400, "createFeed", "InvalidInput")
    assert create_feed(seller, "JSON_LISTINGS_FEED", doc_id, [CA]).status_code == 202
    assert create_feed(seller, ACK, doc_id, [US, CA]).status_code == 202  # other types take several


@pytest.mark.parametrize(("feed_type", "content_type", "marker"), [
    ("POST_PRODUCT_PRICING_DATA", "text/xml", b"<ResultCode>Error</ResultCode>"),
    ("POST_INVENTORY_AVAILABILITY_DATA", "text/xml", b"<ResultCode>Error</ResultCode>"),
    ("POST_PRODUCT_DATA", "text/xml", b"<ResultCode>Error</ResultCode>"),
    ("POST_FLAT_FILE_INVLOADER_DATA", "text/tab-separated-values", b"error-message"),
    ("POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA", "text/tab-separated-values", b"error-message"),
    ("POST_FLAT_FILE_LISTINGS_DATA", "text/tab-separated-values", b"error-message"),
])
def test_i4_removed_listings_feed_types_are_accepted_then_end_fatal(sandbox, seller, feed_type, content_type, marker):
    feed_id = submit(sandbox, seller, feed_type)
    sandbox.advance(121)
    feed = get_feed(seller, feed_id)
    assert feed["processingStatus"] == "FATAL" and "processingEndTime" in feed
    result = download_result(sandbox, seller, feed["resultFeedDocumentId"])
    assert result.headers["content-type"].startswith(content_type)
    assert marker in result.content and b"no longer supported" in result.content


def test_given_feed_type_without_a_processor_then_fatal_with_a_report(sandbox, seller, monkeypatch):
    monkeypatch.delitem(feed_processors.PROCESSORS, "POST_FLAT_FILE_PAYMENT_ADJUSTMENT_DATA", raising=False)
    feed_id = submit(sandbox, seller, "POST_FLAT_FILE_PAYMENT_ADJUSTMENT_DATA", b"order-id\tx\n1\t2\n",
                     "text/tab-separated-values")
    sandbox.advance(121)
    feed = get_feed(seller, feed_id)
    assert feed["processingStatus"] == "FATAL"
    assert b"does not simulate" in download_result(sandbox, seller, feed["resultFeedDocumentId"]).content


def test_given_json_feed_without_processor_then_fatal_report_matches_listings_report_schema(sandbox, seller,
                                                                                          monkeypatch):
    monkeypatch.delitem(feed_processors.PROCESSORS, "JSON_LISTINGS_FEED", raising=False)
    feed_id = submit(sandbox, seller, "JSON_LISTINGS_FEED", listings_feed(seller.creds.seller_id), "application/json")
    sandbox.advance(121)
    feed = get_feed(seller, feed_id)
    assert feed["processingStatus"] == "FATAL"
    report = download_result(sandbox, seller, feed["resultFeedDocumentId"]).json()
    jsonschema.Draft7Validator(load_schema("listings-feed-processing-report-schema-v2.json")).validate(report)
    assert report["header"]["feedId"] == feed_id


def test_given_processor_that_crashes_then_feed_fatal_and_bug_counted_not_500(sandbox, seller, monkeypatch):
    def broken(backend, seller, feed, content, now):
        raise RuntimeError("boom")

    monkeypatch.setitem(feed_processors.PROCESSORS, ACK, broken)
    feed_id = submit(sandbox, seller)
    sandbox.advance(121)
    assert get_feed(seller, feed_id)["processingStatus"] == "FATAL"
    assert any("boom" in e for e in sandbox.backend.internal_errors)


def test_given_5_json_listings_feeds_in_5_minutes_when_6th_then_429_until_window_moves(sandbox, seller, monkeypatch):
    monkeypatch.setitem(feed_processors.PROCESSORS, "JSON_LISTINGS_FEED",
                        lambda b, s, f, c, n: FeedOutcome("DONE", b"{}", "application/json", 0))
    doc_id = uploaded_document(sandbox, seller, listings_feed(seller.creds.seller_id), "application/json")
    for _ in range(5):
        assert create_feed(seller, "JSON_LISTINGS_FEED", doc_id).status_code == 202
        sandbox.advance(10)
    err = assert_error(create_feed(seller, "JSON_LISTINGS_FEED", doc_id), 429, "createFeed", "QuotaExceeded")
    assert "JSON_LISTINGS_FEED" in err["details"]
    assert create_feed(seller, ACK, doc_id).status_code == 202  # other feed types are not capped
    sandbox.advance(300 - 50)  # the first submission leaves the rolling window
    assert create_feed(seller, "JSON_LISTINGS_FEED", doc_id).status_code == 202
    assert_error(create_feed(seller, "JSON_LISTINGS_FEED", doc_id), 429, "createFeed", "QuotaExceeded")


def test_given_cap_configured_then_it_applies(sandbox, seller):
    sandbox.config(feed_submissions_per_5_minutes=1)
    doc_id = uploaded_document(sandbox, seller, listings_feed(seller.creds.seller_id), "application/json")
    assert create_feed(seller, "JSON_LISTINGS_FEED", doc_id).status_code == 202
    assert create_feed(seller, "JSON_LISTINGS_FEED", doc_id).status_code == 429


def test_given_in_queue_feed_when_cancelled_then_cancelled_and_never_processed(sandbox, seller, calls):
    sandbox.config(feed_queue_seconds=60)
    feed_id = submit(sandbox, seller)
    r = seller.delete(f"{FEEDS}/{feed_id}")
    assert r.status_code == 200 and r.content == b""
    validate_response("feeds", "cancelFeed", 200, r.content)
    assert get_feed(seller, feed_id)["processingStatus"] == "CANCELLED"
    assert_error(seller.delete(f"{FEEDS}/{feed_id}"), 400, "cancelFeed", "InvalidInput")
    sandbox.advance(600)
    feed = get_feed(seller, feed_id)
    assert feed["processingStatus"] == "CANCELLED" and "resultFeedDocumentId" not in feed
    assert calls["processed"] == []
    [(_, _, payload, _)] = calls["notified"]
    assert payload["feedProcessingFinishedNotification"]["processingStatus"] == "CANCELLED"
    assert "resultFeedDocumentId" not in payload["feedProcessingFinishedNotification"]


@pytest.mark.parametrize("advance", [60, 300])  # IN_PROGRESS, then DONE
def test_given_feed_past_the_queue_when_cancelled_then_400(sandbox, seller, calls, advance):
    sandbox.config(feed_queue_seconds=60)
    feed_id = submit(sandbox, seller)
    sandbox.advance(advance)
    err = assert_error(seller.delete(f"{FEEDS}/{feed_id}"), 400, "cancelFeed", "InvalidInput")
    assert "IN_QUEUE" in err["message"]


def test_given_unknown_or_other_sellers_feed_then_404(sandbox, seller):
    other = sandbox.client_for(sandbox.create_seller(marketplaces=["US"], catalog_size=1, seed=3))
    theirs = submit(sandbox, other)
    for feed_id in ("1", theirs, "not-a-number"):
        assert_error(seller.get(f"{FEEDS}/{feed_id}"), 404, "getFeed", "NotFound")
        assert_error(seller.delete(f"{FEEDS}/{feed_id}"), 404, "cancelFeed", "NotFound")


def test_i4_feed_stuck_fault_keeps_the_next_feed_in_queue_forever(sandbox, seller, calls):
    sandbox.fault(operation="createFeed", kind="feed_stuck", seller_id=seller.creds.seller_id)
    stuck = submit(sandbox, seller)
    normal = submit(sandbox, seller)
    sandbox.advance(3000)
    assert get_feed(seller, stuck)["processingStatus"] == "IN_QUEUE"
    assert get_feed(seller, normal)["processingStatus"] == "DONE"
    assert seller.delete(f"{FEEDS}/{stuck}").status_code == 200  # the way out for a hub
    assert get_feed(seller, stuck)["processingStatus"] == "CANCELLED"


def test_i4_get_feeds_pages_newest_first_with_next_token_alone(sandbox):
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=1,
                                  usage_plans={"createFeed": [10, 100], "getFeeds": [10, 100]})
    seller = sandbox.client_for(creds)
    doc_id = uploaded_document(sandbox, seller, xml_feed(1))
    ids = []
    for _ in range(25):
        r = create_feed(seller, ACK, doc_id)
        ids.append(r.json()["feedId"])
        sandbox.advance(1)
    create_feed(seller, "POST_ORDER_FULFILLMENT_DATA", doc_id)  # filtered out by feedTypes
    r = seller.get(FEEDS, params={"feedTypes": ACK, "pageSize": 10})
    seen, pages = [], 0
    while True:
        assert r.status_code == 200, r.text
        validate_response("feeds", "getFeeds", 200, r.json())
        seen += [f["feedId"] for f in r.json()["feeds"]]
        pages += 1
        token = r.json().get("nextToken")
        if token is None:
            break
        r = seller.get(FEEDS, params={"nextToken": token})
    assert pages == 3 and seen == list(reversed(ids))


def test_given_get_feeds_filters_then_only_matching_feeds(sandbox, seller, calls):
    sandbox.config(feed_queue_seconds=60)
    first = submit(sandbox, seller)
    sandbox.advance(1000)  # first is DONE
    second = submit(sandbox, seller)
    r = seller.get(FEEDS, params={"feedTypes": ACK, "processingStatuses": "IN_QUEUE"})
    assert [f["feedId"] for f in r.json()["feeds"]] == [second]
    r = seller.get(FEEDS, params=[("feedTypes", ACK), ("processingStatuses", "DONE"),
                                  ("processingStatuses", "FATAL")])
    assert [f["feedId"] for f in r.json()["feeds"]] == [first]
    since = (sandbox.backend.now() - timedelta(seconds=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    r = seller.get(FEEDS, params={"feedTypes": ACK, "createdSince": since})
    assert [f["feedId"] for f in r.json()["feeds"]] == [second]
    r = seller.get(FEEDS, params={"feedTypes": ACK, "marketplaceIds": CA})
    assert r.json()["feeds"] == [] and "nextToken" not in r.json()


@pytest.mark.parametrize("params", [
    {},
    {"marketplaceIds": US},
    {"feedTypes": ACK, "pageSize": 0},
    {"feedTypes": ACK, "pageSize": 101},
    {"feedTypes": ACK, "pageSize": "ten"},
    {"feedTypes": ACK, "processingStatuses": "WAITING"},
    {"feedTypes": ACK, "createdSince": "yesterday"},
    {"feedTypes": ACK, "createdUntil": "0001-01-01T00:00:00+01:00"},
    {"feedTypes": ACK, "createdSince": "2030-01-02T00:00:00Z", "createdUntil": "2030-01-01T00:00:00Z"},
    {"feedTypes": ",".join(f"T{i}" for i in range(11))},
    {"nextToken": "forged"},
])
def test_given_invalid_get_feeds_parameters_then_400(sandbox, seller, params):
    assert_error(seller.get(FEEDS, params=params), 400, "getFeeds", "InvalidInput")


def test_given_next_token_with_other_parameters_then_400(sandbox):
    seller = sandbox.client_for(sandbox.create_seller(marketplaces=["US"], catalog_size=1,
                                                      usage_plans={"createFeed": [10, 100]}))
    doc_id = uploaded_document(sandbox, seller, xml_feed(1))
    for _ in range(3):
        create_feed(seller, ACK, doc_id)
    token = seller.get(FEEDS, params={"feedTypes": ACK, "pageSize": 2}).json()["nextToken"]
    assert_error(seller.get(FEEDS, params={"nextToken": token, "pageSize": 2}), 400, "getFeeds", "InvalidInput")
    other = sandbox.client_for(sandbox.create_seller(marketplaces=["US"], catalog_size=1, seed=5))
    assert_error(other.get(FEEDS, params={"nextToken": token}), 400, "getFeeds", "InvalidInput")
    assert len(seller.get(FEEDS, params={"nextToken": token}).json()["feeds"]) == 1


def test_given_other_sellers_or_unknown_document_then_get_feed_document_404(sandbox, seller):
    other = sandbox.client_for(sandbox.create_seller(marketplaces=["US"], catalog_size=1, seed=4))
    theirs = uploaded_document(sandbox, other, xml_feed(1))
    for doc_id in (theirs, "amzn1.tortuga.4.na.unknown"):
        assert_error(seller.get(f"{DOCS}/{doc_id}"), 404, "getFeedDocument", "NotFound")
    mine = uploaded_document(sandbox, seller, xml_feed(1))
    assert_error(seller.get(f"{DOCS}/{mine}", params={"enableContentEncodingUrlHeader": "maybe"}),
                 400, "getFeedDocument", "InvalidInput")


def test_given_result_document_older_than_28_days_then_404(sandbox, seller, calls):
    feed_id = submit(sandbox, seller)
    sandbox.advance(121)
    result_id = get_feed(seller, feed_id)["resultFeedDocumentId"]
    sandbox.advance(28 * 86400)
    fresh = sandbox.client_for(seller.creds)  # the old access token expired meanwhile
    assert_error(fresh.get(f"{DOCS}/{result_id}"), 404, "getFeedDocument", "NotFound")
    assert get_feed(fresh, feed_id)["processingStatus"] == "DONE"  # the feed itself is kept 90 days


@pytest.mark.parametrize(("method", "path", "operation"), [
    ("POST", DOCS, "createFeedDocument"), ("GET", f"{DOCS}/x", "getFeedDocument"),
    ("POST", FEEDS, "createFeed"), ("GET", FEEDS, "getFeeds"),
    ("GET", f"{FEEDS}/1", "getFeed"), ("DELETE", f"{FEEDS}/1", "cancelFeed"),
])
def test_given_no_access_token_then_403_in_the_models_shape(sandbox, method, path, operation):
    r = sandbox.http.request(method, path)
    assert_error(r, 403, operation, "Unauthorized")


def test_g1_get_feed_throttles_at_its_published_burst(sandbox, seller):
    codes = [seller.get(f"{FEEDS}/1").status_code for _ in range(16)]  # getFeed: 2/s, burst 15
    assert codes[:15] == [404] * 15
    assert_error(seller.get(f"{FEEDS}/1"), 429, "getFeed", "QuotaExceeded")


def test_i4_json_listings_feed_end_to_end_with_the_listings_processor(sandbox, seller):
    assert "JSON_LISTINGS_FEED" in feed_processors.PROCESSORS  # registered by feeds_listings.py
    sandbox.config(feed_queue_seconds=30)
    state = sandbox.backend.sellers[seller.creds.seller_id]
    listing = next(v for (sku, mp), v in state.listings.items() if mp == US and v.fulfillment_channel == "DEFAULT")
    patch = {"messageId": 1, "sku": listing.sku, "operationType": "PATCH", "productType": listing.product_type,
             "patches": [{"op": "replace", "path": "/attributes/fulfillment_availability",
                          "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 4321}]}]}
    feed_id = submit(sandbox, seller, "JSON_LISTINGS_FEED", listings_feed(seller.creds.seller_id, [patch]),
                     "application/json")

    def quantity() -> int | None:
        rows = sandbox.http.get(f"/_sandbox/sellers/{seller.creds.seller_id}/listings").json()["listings"]
        return next(r["quantity"] for r in rows if r["sku"] == listing.sku and r["marketplace_id"] == US)

    sandbox.advance(60)
    assert get_feed(seller, feed_id)["processingStatus"] == "IN_PROGRESS"
    assert quantity() != 4321  # not applied while IN_PROGRESS
    sandbox.advance(61)
    feed = get_feed(seller, feed_id)
    assert feed["processingStatus"] == "DONE"
    report = download_result(sandbox, seller, feed["resultFeedDocumentId"]).json()
    jsonschema.Draft7Validator(load_schema("listings-feed-processing-report-schema-v2.json")).validate(report)
    assert report["summary"]["messagesProcessed"] == 1
    sandbox.advance(sandbox.backend.timings.patch_visible_seconds + 1)
    assert quantity() == 4321
