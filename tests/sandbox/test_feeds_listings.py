"""JSON_LISTINGS_FEED processing in the sandbox: messages applied, processing report (I4, D8, G2)."""

from __future__ import annotations

import json

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sellerbridge.sandbox.feed_processors import PROCESSORS
from sellerbridge.sandbox.feeds_listings import plainly_valid, process_listings_feed
from sellerbridge.sandbox.state import Feed
from tests.support.models import load_schema

US = "ATVPDKIKX0DER"


@pytest.fixture
def shop(sandbox, seller):
    """(backend, seller state, an MFN SKU, an FBA SKU)."""
    backend = sandbox.backend
    state = backend.sellers[seller.creds.seller_id]
    mfn = sorted(sku for (sku, _), x in state.listings.items() if x.fulfillment_channel == "DEFAULT")
    fba = sorted(sku for (sku, _), x in state.listings.items() if x.fulfillment_channel != "DEFAULT")
    return backend, state, mfn, fba


def _run(backend, state, document, marketplace_id=US):
    content = document if isinstance(document, bytes) else json.dumps(document, ensure_ascii=False).encode()
    feed = Feed(feed_id="50000000001", seller_id=state.seller_id, feed_type="JSON_LISTINGS_FEED",
                marketplace_ids=[marketplace_id], input_document_id="amzn1.tortuga.4.na.x", created=backend.now())
    outcome = process_listings_feed(backend, state, feed, content, backend.now())
    assert outcome.result_content_type == "application/json"
    report = json.loads(outcome.result.decode("utf-8"))
    jsonschema.Draft7Validator(load_schema("listings-feed-processing-report-schema-v2.json")).validate(report)
    assert report["header"]["feedId"] == "50000000001"
    return outcome, report


def _feed(seller_id, *messages, **header):
    return {"header": {"sellerId": seller_id, "version": "2.0", **header}, "messages": list(messages)}


def _qty_patch(mid, sku, quantity, channel="DEFAULT"):
    return {"messageId": mid, "sku": sku, "operationType": "PATCH", "productType": "PRODUCT",
            "patches": [{"op": "replace", "path": "/attributes/fulfillment_availability",
                         "value": [{"fulfillment_channel_code": channel, "quantity": quantity}]}]}


def _qty(state, sku):
    return state.listings[(sku, US)].attributes["fulfillment_availability"][0].get("quantity")


def test_i4_processor_is_registered_for_json_listings_feed():
    assert PROCESSORS["JSON_LISTINGS_FEED"] is process_listings_feed


def test_i4_valid_feed_applies_every_message_and_reports_done(shop):
    backend, state, mfn, _ = shop
    doc = _feed(
        state.seller_id,
        _qty_patch(1, mfn[0], 17),
        {"messageId": 2, "sku": mfn[1], "operationType": "PARTIAL_UPDATE", "productType": "PRODUCT",
         "attributes": {"purchasable_offer": [{"marketplace_id": US, "currency": "USD",
                                               "our_price": [{"schedule": [{"value_with_tax": 42.5}]}]}]}},
        {"messageId": 3, "sku": "BRAND-NEW", "operationType": "UPDATE", "productType": "KITCHEN",
         "requirements": "LISTING",
         "attributes": {"item_name": [{"value": "Neu: Küchenwaage", "marketplace_id": US}],
                        "fulfillment_availability": [{"fulfillment_channel_code": "DEFAULT", "quantity": 3}]}},
        {"messageId": 4, "sku": mfn[2], "operationType": "DELETE"},
    )
    outcome, report = _run(backend, state, doc)
    assert outcome.status == "DONE" and outcome.messages == 4
    assert report["issues"] == []
    assert report["summary"] == {"errors": 0, "warnings": 0, "messagesProcessed": 4, "messagesAccepted": 4,
                                 "messagesInvalid": 0}
    # The feed's processing time is Amazon's delay: its changes are there when it is DONE.
    assert _qty(state, mfn[0]) == 17
    offer = state.listings[(mfn[1], US)].attributes["purchasable_offer"][0]
    assert offer["our_price"][0]["schedule"][0]["value_with_tax"] == 42.5
    assert state.listings[("BRAND-NEW", US)].title == "Neu: Küchenwaage"
    assert (mfn[2], US) not in state.listings


def test_d8_invalid_messages_are_reported_and_the_rest_applied(shop):
    backend, state, mfn, _ = shop
    doc = _feed(
        state.seller_id,
        _qty_patch(1, mfn[0], 5),
        {"messageId": 2, "sku": mfn[1], "operationType": "PATCH", "productType": "PRODUCT"},  # no patches
        _qty_patch(3, mfn[2], -4),
        {"messageId": 4, "sku": mfn[3], "operationType": "PATCH", "productType": "PRODUCT",
         "patches": [{"op": "replace", "path": "/attributes/purchasable_offer",
                      "value": [{"currency": "GBP", "our_price": [{"schedule": [{"value_with_tax": 3}]}]}]}]},
        _qty_patch(5, mfn[4], 6),
    )
    before = {sku: _qty(state, sku) for sku in mfn[:5]}
    outcome, report = _run(backend, state, doc)
    assert outcome.status == "DONE"
    by_message = {i["messageId"]: i for i in report["issues"]}
    assert set(by_message) == {2, 3, 4}
    assert by_message[2]["code"] == "4002008" and by_message[2]["sku"] == mfn[1]
    assert by_message[3]["code"] == "4000001" and by_message[3]["attributeName"] == "fulfillment_availability"
    assert by_message[4]["severity"] == "ERROR" and "GBP" in by_message[4]["message"]
    assert report["summary"]["messagesAccepted"] == 2 and report["summary"]["messagesInvalid"] == 3
    assert report["summary"]["errors"] == 3 and report["summary"]["messagesProcessed"] == 5
    assert _qty(state, mfn[0]) == 5 and _qty(state, mfn[4]) == 6
    assert _qty(state, mfn[2]) == before[mfn[2]]


def test_d8_patch_for_unknown_sku_is_invalid_and_creates_nothing(shop):
    backend, state, _, _ = shop
    outcome, report = _run(backend, state, _feed(state.seller_id, _qty_patch(1, "NOT-AT-AMAZON", 9)))
    assert outcome.status == "DONE"
    assert report["issues"] == [{"messageId": 1, "sku": "NOT-AT-AMAZON", "code": "13013", "severity": "ERROR",
                                 "message": report["issues"][0]["message"]}]
    assert report["summary"]["messagesInvalid"] == 1
    assert ("NOT-AT-AMAZON", US) not in state.listings


def test_d1_fba_quantity_in_a_feed_is_invalid(shop):
    backend, state, _, fba = shop
    _, report = _run(backend, state, _feed(state.seller_id, _qty_patch(1, fba[0], 9, channel="AMAZON_NA")))
    assert report["summary"]["messagesInvalid"] == 1
    assert "fulfilled by Amazon" in report["issues"][0]["message"]


def test_g2_more_than_25000_messages_is_fatal_and_applies_nothing(shop):
    backend, state, mfn, _ = shop
    before = _qty(state, mfn[0])
    messages = [_qty_patch(n, mfn[0], 1) for n in range(1, 25_002)]
    outcome, report = _run(backend, state, _feed(state.seller_id, *messages))
    assert outcome.status == "FATAL"
    assert len(report["issues"]) == 1 and "messageId" not in report["issues"][0]
    assert "25001" in report["issues"][0]["message"]
    assert report["summary"]["messagesProcessed"] == 0
    assert _qty(state, mfn[0]) == before


def test_g2_exactly_25000_messages_is_processed(shop):
    backend, state, mfn, _ = shop
    messages = [_qty_patch(n, mfn[n % 5], n % 50) for n in range(1, 25_001)]
    outcome, report = _run(backend, state, _feed(state.seller_id, *messages))
    assert outcome.status == "DONE" and report["summary"]["messagesAccepted"] == 25_000


@pytest.mark.parametrize("content", [
    b"this is not json",
    b'{"header": {"sellerId": "X", "version": "2.0"}, "messages": [',
    b"\xff\xfe{\x00}\x00",  # UTF-16: Amazon reads UTF-8 only
    b"[]",
    b'{"header": {"sellerId": "A", "version": "2.0"}, "messages": [{"messageId": 1}]}'.replace(b"1}", b"NaN}"),
])
def test_given_unreadable_document_then_fatal_with_an_explaining_report(shop, content):
    backend, state, _, _ = shop
    outcome, report = _run(backend, state, content)
    assert outcome.status == "FATAL"
    assert report["issues"][0]["code"] == "4002001" and report["issues"][0]["severity"] == "ERROR"
    assert report["summary"]["errors"] == 1 and report["summary"]["messagesProcessed"] == 0


@pytest.mark.parametrize("mutate", [
    lambda d: d.pop("header"),
    lambda d: d["header"].update(version="1.0"),
    lambda d: d.update(messages=[]),
    lambda d: d.update(messages=[1, 2]),
])
def test_given_document_not_matching_the_feed_schema_then_fatal(shop, mutate):
    backend, state, mfn, _ = shop
    doc = _feed(state.seller_id, _qty_patch(1, mfn[0], 2))
    mutate(doc)
    outcome, report = _run(backend, state, doc)
    assert outcome.status == "FATAL" and "schema" in report["issues"][0]["message"]


def test_given_another_sellers_id_in_the_header_then_fatal(shop):
    backend, state, mfn, _ = shop
    outcome, report = _run(backend, state, _feed("AOTHERSELLER01", _qty_patch(1, mfn[0], 2)))
    assert outcome.status == "FATAL"
    assert report["header"]["sellerId"] == "AOTHERSELLER01"
    assert "sellerId" in report["issues"][0]["message"]


def test_d8_registered_and_emoji_text_is_accepted_and_stored_verbatim(shop):
    backend, state, mfn, _ = shop
    title = "Café Crème® Tassen 抹茶 – 4 Stück 😀☕"
    doc = _feed(state.seller_id, {
        "messageId": 1, "sku": mfn[0], "operationType": "PARTIAL_UPDATE", "productType": "PRODUCT",
        "attributes": {"item_name": [{"value": title, "language_tag": "en_US", "marketplace_id": US}]}},
        issueLocale="de_DE")
    outcome, report = _run(backend, state, doc)
    assert outcome.status == "DONE" and report["summary"]["messagesAccepted"] == 1
    assert state.listings[(mfn[0], US)].title == title


def test_i4_report_includes_requested_items(shop):
    backend, state, mfn, _ = shop
    doc = _feed(state.seller_id, _qty_patch(1, mfn[0], 8), _qty_patch(2, "GHOST", 1),
                report={"includedData": ["summaries", "fulfillmentAvailability"], "apiVersion": "2021-08-01"})
    _, report = _run(backend, state, doc)
    assert report["header"]["report"]["apiVersion"] == "2021-08-01"
    assert [i["sku"] for i in report["items"]] == [mfn[0]]
    assert report["items"][0]["fulfillmentAvailability"] == [{"fulfillmentChannelCode": "DEFAULT", "quantity": 8}]
    assert report["summary"]["itemSummary"] == {"items": 1, "errors": 0, "warnings": 0}


def test_i4_message_naming_another_marketplace_is_invalid(shop):
    backend, state, mfn, _ = shop
    doc = _feed(state.seller_id, {
        "messageId": 1, "sku": mfn[0], "operationType": "PATCH", "productType": "PRODUCT",
        "patches": [{"op": "replace", "path": "/attributes/purchasable_offer",
                     "value": [{"marketplace_id": "A2EUQ1WTGCTBG2", "currency": "CAD",
                                "our_price": [{"schedule": [{"value_with_tax": 10}]}]}]}]})
    _, report = _run(backend, state, doc)
    assert report["summary"]["messagesInvalid"] == 1


def test_i4_amazons_example_feed_is_processed(shop):
    backend, state, _, _ = shop
    doc = load_schema("listings-feed-schema-v2.example.json")
    doc = {**doc, "header": {**doc["header"], "sellerId": state.seller_id}}
    outcome, report = _run(backend, state, doc)
    assert outcome.status == "DONE" and report["summary"]["messagesProcessed"] == 5
    # Its SKUs are not the seller's: DELETE, PARTIAL_UPDATE and PATCH of them are INVALID (13013).
    codes = {i["messageId"]: i["code"] for i in report["issues"]}
    assert codes[1] == codes[2] == codes[4] == codes[5] == "13013"


def test_d8_feed_through_the_feeds_api_changes_the_listing_when_done(sandbox, seller, shop):
    from tests.sandbox.test_feeds import download_result, get_feed, submit

    _, state, mfn, _ = shop
    doc = _feed(state.seller_id, _qty_patch(1, mfn[0], 64), _qty_patch(2, "GHOST", 1))
    feed_id = submit(sandbox, seller, "JSON_LISTINGS_FEED", json.dumps(doc).encode(), "application/json")
    assert _qty(state, mfn[0]) != 64
    for _ in range(60):
        sandbox.advance(10)
        feed = get_feed(seller, feed_id)
        if feed["processingStatus"] in ("DONE", "FATAL"):
            break
    assert feed["processingStatus"] == "DONE"
    report = download_result(sandbox, seller, feed["resultFeedDocumentId"]).json()
    assert report["summary"]["messagesAccepted"] == 1 and report["issues"][0]["code"] == "13013"
    r = seller.get(f"/listings/2021-08-01/items/{state.seller_id}/{mfn[0]}",
                   params={"marketplaceIds": US, "includedData": "fulfillmentAvailability"})
    assert r.json()["fulfillmentAvailability"][0]["quantity"] == 64


# --- the fast message check never lets through what Amazon's schema rejects ---------------------

_ANY = st.one_of(st.none(), st.booleans(), st.integers(-2, 3), st.floats(allow_nan=False), st.text(max_size=3),
                 st.lists(st.dictionaries(st.text(max_size=2), st.integers(), max_size=2), max_size=2),
                 st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=2), st.integers(), max_size=2))
_PATCH = st.fixed_dictionaries({}, optional={
    "op": st.sampled_from(["add", "replace", "merge", "delete", "move", 1]),
    "path": st.one_of(st.just("/attributes/item_name"), st.integers()),
    "value": _ANY, "extra": _ANY})
_MESSAGE = st.fixed_dictionaries({}, optional={
    "messageId": st.one_of(st.integers(-1, 3), st.floats(0, 3), st.booleans(), st.text(max_size=1)),
    "sku": st.one_of(st.text(max_size=2), st.integers()),
    "operationType": st.sampled_from(["UPDATE", "PARTIAL_UPDATE", "PATCH", "DELETE", "CREATE"]),
    "productType": st.one_of(st.text(max_size=2), st.none()),
    "requirements": st.one_of(st.sampled_from(["LISTING", "LISTING_OFFER_ONLY", "OTHER"]), _ANY),
    "attributes": _ANY,
    "patches": st.one_of(_ANY, st.lists(_PATCH, max_size=3)),
    "unknown": _ANY})

_MESSAGE_SCHEMA = jsonschema.Draft7Validator(load_schema("listings-feed-message-schema-v2.json"))
_OK_PATCH = st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "replace", "merge", "delete"]), "path": st.just("/attributes/item_name")},
    optional={"value": st.lists(st.dictionaries(st.text(max_size=2), st.integers(), max_size=2), max_size=2)})
_NOISE = {"requirements": st.one_of(st.just("LISTING"), _ANY), "attributes": _ANY, "patches": _ANY,
          "productType": _ANY}


def _near_valid(op: str):
    """Messages with what ``op`` requires, plus now and then a field the schema may forbid."""
    required = {"messageId": st.integers(1, 3), "sku": st.text(min_size=1, max_size=2), "operationType": st.just(op)}
    if op != "DELETE":
        required["productType"] = st.text(min_size=1, max_size=2)
    if op in ("UPDATE", "PARTIAL_UPDATE"):
        required["attributes"] = st.dictionaries(st.text(max_size=2), _ANY, min_size=1, max_size=2)
    if op == "PATCH":
        required["patches"] = st.lists(st.one_of(_OK_PATCH, _OK_PATCH, _PATCH), min_size=1, max_size=2)
    return st.fixed_dictionaries(required, optional={k: v for k, v in _NOISE.items() if k not in required})


_NEAR_VALID = st.sampled_from(["UPDATE", "PARTIAL_UPDATE", "PATCH", "DELETE"]).flatmap(_near_valid)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_MESSAGE, _NEAR_VALID))
def test_i4_fast_message_check_implies_the_message_schema(message):
    if plainly_valid(message):
        _MESSAGE_SCHEMA.validate(message)


def test_i4_ordinary_messages_take_the_fast_path():
    example = load_schema("listings-feed-schema-v2.example.json")
    assert all(plainly_valid(m) for m in example["messages"])
