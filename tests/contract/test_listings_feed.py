"""JSON_LISTINGS_FEED documents and reports against Amazon's schemas; the status table (D2, D6-D8, E1, E3, G2, H2).

The schemas are the sandbox package's copies (``tests/support/models.load_schema``).
"""

from __future__ import annotations

import json
from decimal import Decimal

import jsonschema
import pytest

from sellerbridge.amazon.errors import AmazonError, AuthError, Throttled
from sellerbridge.amazon.listings import feed, offers, patches, report, statuses
from sellerbridge.domain.ports.listings import FEED_MAX_BYTES, FEED_MAX_MESSAGES, ListingOutcome, ListingUpdate
from tests.support.models import load_schema

US = "ATVPDKIKX0DER"
SELLER = "A2SANDBOXSELLER1"
TEXTS = ["(R)", "®", "Café crème", "日本語タイトル", "😀"]


@pytest.fixture(scope="module")
def feed_schema():
    return jsonschema.Draft7Validator(load_schema("listings-feed-schema-v2.json"))


def mixed() -> list[ListingUpdate]:
    return [ListingUpdate("PLAIN-1", US, quantity=5, lead_time_days=2),
            ListingUpdate("price only", US, price=Decimal("19.99"), currency="USD"),
            ListingUpdate("A/B (R)", US, quantity=0, price=Decimal("1000"), currency="USD",
                          minimum_price=Decimal("900.5"), maximum_price=Decimal("1200.25")),
            *[ListingUpdate(f"SKU {text}", US, quantity=n) for n, text in enumerate(TEXTS, 1)]]


def test_g2_a_listings_feed_is_amazons_v2_document(feed_schema):
    documents = feed.split_documents(mixed())
    assert len(documents) == 1
    content = feed.build_listings_feed(SELLER, documents[0], US)
    doc = json.loads(content.decode("utf-8"))
    feed_schema.validate(doc)
    assert doc["header"] == {"sellerId": SELLER, "version": "2.0", "issueLocale": "en_US"}
    assert [m["messageId"] for m in doc["messages"]] == list(range(1, 9))
    first, price_only, both = doc["messages"][:3]
    assert first == {"messageId": 1, "sku": "PLAIN-1", "operationType": "PATCH", "productType": "PRODUCT",
                     "patches": [{"op": "merge", "path": "/attributes/fulfillment_availability",
                                  "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 5,
                                             "lead_time_to_ship_max_days": 2}]}]}
    assert [p["path"] for p in price_only["patches"]] == ["/attributes/purchasable_offer"]
    offer = both["patches"][1]["value"][0]
    assert offer["marketplace_id"] == US and offer["currency"] == "USD"
    assert offer["our_price"] == [{"schedule": [{"value_with_tax": 1000}]}]
    assert offer["minimum_seller_allowed_price"] == [{"schedule": [{"value_with_tax": 900.5}]}]
    assert offer["maximum_seller_allowed_price"] == [{"schedule": [{"value_with_tax": 1200.25}]}]


def test_g2_text_is_utf8_as_written_not_escaped():
    content = feed.build_listings_feed(SELLER, feed.split_documents(mixed())[0], US)
    for text in TEXTS:
        assert f"SKU {text}".encode() in content  # raw UTF-8: never larger than \\u escapes
    assert b"\\u" not in content
    assert [m["sku"] for m in json.loads(content)["messages"]][3:] == [f"SKU {t}" for t in TEXTS]


def test_h2_documents_split_at_25000_messages_with_ids_1_to_n():
    updates = [ListingUpdate(f"S{n}", US, quantity=n % 50) for n in range(FEED_MAX_MESSAGES * 2 + 3)]
    documents = feed.split_documents(updates)
    assert [len(d) for d in documents] == [FEED_MAX_MESSAGES, FEED_MAX_MESSAGES, 3]
    assert [u.sku for d in documents for u in d] == [u.sku for u in updates]
    for document in documents:
        assert [u.message_id for u in document] == list(range(1, len(document) + 1))
    content = feed.build_listings_feed(SELLER, documents[1], US)
    messages = json.loads(content)["messages"]
    assert len(messages) == FEED_MAX_MESSAGES and messages[-1]["messageId"] == FEED_MAX_MESSAGES


def test_h2_documents_split_below_10_mib():
    # long SKUs (100 CJK characters, 300 bytes) make fewer than 25,000 messages fill 10 MiB
    updates = [ListingUpdate(f"{n:06d}" + "日" * 100, US, quantity=1, lead_time_days=3, price=Decimal("12.34"),
                             currency="USD", minimum_price=Decimal("10"), maximum_price=Decimal("20"))
               for n in range(20_000)]
    documents = feed.split_documents(updates)
    assert len(documents) == 2 and len(documents[0]) < FEED_MAX_MESSAGES
    sizes = [len(feed.build_listings_feed(SELLER, d, US)) for d in documents]
    assert sizes[0] < FEED_MAX_BYTES and sizes[0] > FEED_MAX_BYTES - 1_000  # full: one more would not fit
    assert sum(len(d) for d in documents) == len(updates)


def test_h2_a_small_byte_limit_splits_by_size():
    updates = [ListingUpdate(f"SKU-{n}", US, quantity=n) for n in range(100)]
    documents = feed.split_documents(updates, max_bytes=5_000)
    assert len(documents) > 1
    for document in documents:
        assert len(feed.build_listings_feed(SELLER, document, US)) < 5_000


@pytest.mark.parametrize("updates, problem", [
    ([], "at least one"),
    ([ListingUpdate("A", US, quantity=1), ListingUpdate("B", "A2EUQ1WTGCTBG2", quantity=1)], "one marketplace"),
    ([ListingUpdate("A", US, quantity=1, message_id=3), ListingUpdate("B", US, quantity=1, message_id=3)],
     "unique"),
    ([ListingUpdate("A", US)], "changes nothing"),
])
def test_g2_a_feed_amazon_would_refuse_whole_is_not_built(updates, problem):
    with pytest.raises(ValueError, match=problem):
        feed.build_listings_feed(SELLER, updates, US)


def test_e1_whole_and_fractional_amounts_are_json_numbers():
    assert patches.amount(Decimal("1500")) == 1500 and isinstance(patches.amount(Decimal("1500")), int)
    assert patches.amount(Decimal("19.99")) == 19.99 and json.dumps(patches.amount(Decimal("19.99"))) == "19.99"
    assert patches.patches_of(ListingUpdate("A", US)) == []
    with pytest.raises(ValueError, match="finite"):
        patches.amount(Decimal("NaN"))


@pytest.mark.parametrize("update", [*mixed(), ListingUpdate("J", "A1VC38T7YXB528", price=Decimal("1500"),
                                                             currency="JPY", maximum_price=Decimal("2000.5"))])
def test_g2_the_feed_writes_the_same_patches_as_patch_listings_item(update):
    assert json.loads(patches.patches_text(update)) == patches.patches_of(update)


# --- the processing report ----------------------------------------------------------------------


def amazon_report(issues, processed=3, accepted=2, invalid=1) -> str:
    doc = {"header": {"sellerId": SELLER, "version": "2.0", "feedId": "50001"}, "issues": issues,
           "summary": {"errors": sum(i["severity"] == "ERROR" for i in issues),
                       "warnings": sum(i["severity"] == "WARNING" for i in issues),
                       "messagesProcessed": processed, "messagesAccepted": accepted, "messagesInvalid": invalid}}
    jsonschema.Draft7Validator(load_schema("listings-feed-processing-report-schema-v2.json")).validate(doc)
    return json.dumps(doc, ensure_ascii=False)


def test_d8_report_messages_are_invalid_unknown_sku_or_warning():
    text = amazon_report([
        {"messageId": 1, "code": "4000001", "severity": "ERROR", "message": "Prix invalide – « 0 »"},
        {"messageId": 1, "code": "90220", "severity": "ERROR", "message": "second"},
        {"messageId": 2, "code": "13013", "severity": "ERROR", "message": "SKU 'X' is not in your catalog"},
        {"messageId": 3, "code": "18027", "severity": "WARNING", "message": "price far from the reference"},
        {"messageId": 4, "code": "99", "severity": "INFO", "message": "fyi"}], processed=4, accepted=2, invalid=2)
    parsed = report.parse_listings_report(text)
    assert (parsed.processed, parsed.accepted, parsed.invalid, parsed.document_error) == (4, 2, 2, None)
    assert (parsed.answer_for(1).outcome, parsed.answer_for(1).code) == (ListingOutcome.INVALID, "4000001")
    assert parsed.answer_for(1).message == "Prix invalide – « 0 »"
    assert parsed.answer_for(2).outcome is ListingOutcome.UNKNOWN_SKU
    assert parsed.answer_for(3).outcome is ListingOutcome.WARNING and parsed.answer_for(3).taken
    assert parsed.answer_for(4).outcome is ListingOutcome.ACCEPTED and parsed.answer_for(5).taken


def test_g2_a_document_level_issue_is_the_answer_of_every_message():
    parsed = report.parse_listings_report(amazon_report(
        [{"code": "4002001", "severity": "ERROR", "message": "Item 'Feed' cannot be parsed."}], 0, 0, 0))
    assert parsed.document_error.outcome is ListingOutcome.INVALID and parsed.document_error.code == "4002001"
    assert parsed.answer_for(1) == parsed.document_error == parsed.answer_for(25_000)


@pytest.mark.parametrize("text", [
    "", "not json", "[]", "null", '{"issues": []}', '{"header": [], "issues": []}',
    '{"header": {}, "issues": {}}', '{"header": {}, "issues": ["x"]}',
    '{"header": {}, "issues": [{"messageId": "one", "severity": "ERROR"}]}',
    '{"header": {}, "issues": [{"messageId": true, "severity": "ERROR"}]}',
    '{"header": {}, "issues": [], "summary": {"messagesProcessed": -1}}',
    '{"header": {}, "issues": [], "summary": {"messagesProcessed": "3"}}',
    '{"header": {}, "issues": [], "summary": []}', "[" * 100_000,
])
def test_g2_a_report_that_is_not_a_listings_report_is_refused_not_a_crash(text):
    with pytest.raises(report.ReportUnreadable):
        report.parse_listings_report(text)


# --- the status table ---------------------------------------------------------------------------


def test_d7_patch_answers_through_the_one_status_table():
    warning = {"code": "18027", "severity": "WARNING", "message": "w"}
    error = {"code": "4000001", "severity": "ERROR", "message": "bad"}
    assert statuses.answer_of_submission({"status": "ACCEPTED", "issues": []}).outcome is ListingOutcome.ACCEPTED
    assert statuses.answer_of_submission({"status": "ACCEPTED", "issues": [warning]}).outcome \
        is ListingOutcome.WARNING
    assert statuses.answer_of_submission({"status": "INVALID", "issues": [warning, error]}).code == "4000001"
    assert statuses.answer_of_submission({"status": "INVALID", "issues": []}).outcome is ListingOutcome.INVALID
    unknown = statuses.answer_of_submission({"status": "INVALID", "issues": [
        {"code": "13013", "severity": "ERROR", "message": "not in your catalog"}]})
    assert unknown.outcome is ListingOutcome.UNKNOWN_SKU
    assert statuses.answer_of_submission("garbage").outcome is ListingOutcome.RETRY
    assert statuses.answer_of_submission({"status": "INVALID", "issues": "x"}).outcome is ListingOutcome.INVALID


def test_d8_g2_call_failures_through_the_status_table():
    def failure(status, retryable=False, code=None):
        return AmazonError("m", retryable=retryable, status=status, code=code, operation="patchListingsItem")

    assert statuses.answer_of_error(failure(404, code="NOT_FOUND")).outcome is ListingOutcome.UNKNOWN_SKU
    assert statuses.answer_of_error(failure(503, retryable=True)).outcome is ListingOutcome.RETRY
    assert statuses.answer_of_error(failure(None, retryable=True)).outcome is ListingOutcome.RETRY
    bad = statuses.answer_of_error(failure(400, code="InvalidInput"))
    assert (bad.outcome, bad.code) == (ListingOutcome.INVALID, "InvalidInput")
    for raised in (failure(403, code="Unauthorized"), Throttled("patchListingsItem", 1.0, 900.0),
                   AuthError("refused", retryable=False, code="invalid_grant")):
        with pytest.raises(AmazonError):
            statuses.answer_of_error(raised)


# --- getListingsItem's Item -----------------------------------------------------------------------


def test_d7_a_listed_offer_from_amazons_item_shape():
    item = {"sku": "A", "summaries": [{"marketplaceId": US}],
            "attributes": {"fulfillment_availability": [{"fulfillment_channel_code": "DEFAULT", "quantity": 9,
                                                         "lead_time_to_ship_max_days": 3}],
                           "purchasable_offer": [{"marketplace_id": US, "currency": "USD", "audience": "B2B",
                                                  "our_price": [{"schedule": [{"value_with_tax": 8.0}]}]},
                                                 {"marketplace_id": US, "currency": "USD",
                                                  "our_price": [{"schedule": [{"value_with_tax": 10.99}]}]}]},
            "fulfillmentAvailability": [{"fulfillmentChannelCode": "DEFAULT", "quantity": 9}]}
    offer = offers.listed_offer(item, "A", US)
    assert (offer.quantity, offer.lead_time_days, offer.price, offer.currency, offer.fulfillment_channel) == \
        (9, 3, Decimal("10.99"), "USD", "MFN")
    from_offers = offers.listed_offer({"offers": [{"marketplaceId": US, "offerType": "B2C",
                                                   "price": {"currencyCode": "USD", "amount": "4.50"}}]}, "A", US)
    assert (from_offers.price, from_offers.currency, from_offers.quantity) == (Decimal("4.50"), "USD", None)
    afn = offers.listed_offer({"fulfillmentAvailability": [{"fulfillmentChannelCode": "AMAZON_NA"}]}, "A", US)
    assert afn.fulfillment_channel == "AFN" and afn.quantity is None


@pytest.mark.parametrize("item", [None, [], "x", {"attributes": []}, {"fulfillmentAvailability": "x"},
                                  {"offers": [{"price": {"amount": "NaN"}}]},
                                  {"offers": [{"price": {"amount": "1e999999"}}]},
                                  {"offers": [{"price": {"amount": "9" * 5000}}]},
                                  {"fulfillmentAvailability": [{"fulfillmentChannelCode": "DEFAULT",
                                                                "quantity": 10 ** 40}]},
                                  {"attributes": {"fulfillment_availability": [{"quantity": True}]}}])
def test_g2_a_hostile_item_reads_as_nothing_known(item):
    offer = offers.listed_offer(item, "A", US)
    assert offer.quantity is None and offer.price is None
