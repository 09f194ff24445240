"""The gateway's listings family against the served sandbox: patch, read back, feed, report (D1, D2, D6-D8, E1,
E3, G2; amazon/listings/)."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

import pytest

from sellerbridge.amazon.errors import AmazonError
from sellerbridge.amazon.listings import feed
from sellerbridge.domain.documents import DocumentStatus
from sellerbridge.domain.ports.listings import ListingOutcome, ListingUpdate
from tests.adapters.test_gateway_support import GENEROUS_PLANS, CallLog, make_gateway, served_sandbox

US, CA = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"
PLANS = GENEROUS_PLANS | {op: [50, 500] for op in ("patchListingsItem", "getListingsItem", "putListingsItem",
                                                     "createFeedDocument", "createFeed", "getFeed",
                                                     "getFeedDocument")}

pytestmark = pytest.mark.server


@pytest.fixture
def live():
    with served_sandbox() as (sandbox, base):
        creds = sandbox.create_seller(marketplaces=["US"], catalog_size=20, usage_plans=PLANS)
        yield sandbox, base, creds


def listings_of(sandbox, creds, *, fba: bool) -> list:
    found = [x for x in sandbox.backend.sellers[creds.seller_id].listings.values()
             if (x.fulfillment_channel != "DEFAULT") == fba]
    assert found, "the generated catalog has both kinds"
    return sorted(found, key=lambda x: x.sku)


def test_d7_patch_quantity_and_lead_time_then_read_it_back_after_amazons_five_seconds(live):
    sandbox, base, creds = live
    listing = listings_of(sandbox, creds, fba=False)[0]
    log = CallLog()
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        answer = gateway.patch_listing(ListingUpdate(listing.sku, US, quantity=7, lead_time_days=4))
        assert answer.outcome is ListingOutcome.ACCEPTED and answer.taken
        before = gateway.read_listing(listing.sku, US)
        assert before.quantity != 7 or before.lead_time_days != 4  # Amazon shows it a few seconds later
        sandbox.advance(5)
        after = gateway.read_listing(listing.sku, US)
    assert (after.quantity, after.lead_time_days, after.fulfillment_channel) == (7, 4, "MFN")
    [patch] = log.of("patchListingsItem")
    assert patch.method == "PATCH" and "merge" in patch.request_summary


def test_e1_e3_patch_price_with_minimum_and_maximum(live):
    sandbox, base, creds = live
    listing = listings_of(sandbox, creds, fba=False)[1]
    with make_gateway(sandbox, base, creds) as gateway:
        answer = gateway.patch_listing(ListingUpdate(listing.sku, US, price=Decimal("21.49"), currency="USD",
                                                     minimum_price=Decimal("18.00"), maximum_price=Decimal("30")))
        assert answer.outcome is ListingOutcome.ACCEPTED
        sandbox.advance(5)
        offer = gateway.read_listing(listing.sku, US)
    assert (offer.price, offer.currency) == (Decimal("21.49"), "USD")
    stored = sandbox.backend.sellers[creds.seller_id].listings[(listing.sku, US)].attributes["purchasable_offer"][0]
    assert stored["minimum_seller_allowed_price"][0]["schedule"][0]["value_with_tax"] == 18
    assert stored["maximum_seller_allowed_price"][0]["schedule"][0]["value_with_tax"] == 30
    # the offer merge left the rest of the listing alone
    assert sandbox.backend.sellers[creds.seller_id].listings[(listing.sku, US)].attributes["fulfillment_availability"]


def test_d8_an_unknown_sku_is_unknown_sku_and_reads_back_as_none(live):
    sandbox, base, creds = live
    with make_gateway(sandbox, base, creds) as gateway:
        answer = gateway.patch_listing(ListingUpdate("NO-SUCH-SKU", US, quantity=3))
        assert gateway.read_listing("NO-SUCH-SKU", US) is None
    assert answer.outcome is ListingOutcome.UNKNOWN_SKU and answer.code == "13013"
    assert not answer.taken and "NO-SUCH-SKU" in answer.message


def test_d7_an_invalid_value_is_invalid_with_amazons_code_and_text(live):
    sandbox, base, creds = live
    listing = listings_of(sandbox, creds, fba=False)[2]
    with make_gateway(sandbox, base, creds) as gateway:
        lead = gateway.patch_listing(ListingUpdate(listing.sku, US, quantity=1, lead_time_days=99))
        currency = gateway.patch_listing(ListingUpdate(listing.sku, US, price=Decimal("5"), currency="EUR"))
    assert (lead.outcome, lead.code) == (ListingOutcome.INVALID, "4000001") and "Handling Time" in lead.message
    assert (currency.outcome, currency.code) == (ListingOutcome.INVALID, "4000001") and "EUR" in currency.message


def test_d1_an_fba_listing_reads_back_as_afn_without_a_quantity(live):
    sandbox, base, creds = live
    listing = listings_of(sandbox, creds, fba=True)[0]
    with make_gateway(sandbox, base, creds) as gateway:
        offer = gateway.read_listing(listing.sku, US)
        refused = gateway.patch_listing(ListingUpdate(listing.sku, US, quantity=5))
    assert offer.fulfillment_channel == "AFN" and offer.quantity is None and offer.price is not None
    assert refused.outcome is ListingOutcome.INVALID  # Amazon counts FBA stock itself


def test_g2_amazons_5xx_after_the_transports_retries_is_retry(live):
    sandbox, base, creds = live
    listing = listings_of(sandbox, creds, fba=False)[0]
    sandbox.fault(operation="patchListingsItem", kind="status", status=503, count=5)
    with make_gateway(sandbox, base, creds) as gateway:
        answer = gateway.patch_listing(ListingUpdate(listing.sku, US, quantity=2))
    assert answer.outcome is ListingOutcome.RETRY and not answer.taken


def test_d7_a_feed_of_mixed_messages_answers_per_message(live):
    sandbox, base, creds = live
    good, also = listings_of(sandbox, creds, fba=False)[:2]
    updates = [ListingUpdate(good.sku, US, quantity=11, lead_time_days=2),
               ListingUpdate("NOT-MINE", US, quantity=1),
               ListingUpdate(also.sku, US, quantity=4, price=Decimal("-1"), currency="USD"),
               ListingUpdate(also.sku, US, price=Decimal("12.5"), currency="USD")]
    [document] = feed.split_documents(updates)
    log = CallLog()
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        state = gateway.submit_listings_feed(document, US)
        assert (state.amazon_type, state.status) == ("JSON_LISTINGS_FEED", DocumentStatus.REQUESTED)
        sandbox.advance(200)
        done = gateway.feed_state(state.amazon_id)
        assert done.status is DocumentStatus.DONE
        report = gateway.read_listings_feed_report(done.document_id)
    assert (report.processed, report.accepted, report.invalid, report.document_error) == (4, 2, 2, None)
    assert report.answer_for(1).outcome is ListingOutcome.ACCEPTED
    assert (report.answer_for(2).outcome, report.answer_for(2).code) == (ListingOutcome.UNKNOWN_SKU, "13013")
    assert report.answer_for(3).outcome is ListingOutcome.INVALID and report.answer_for(3).code == "4000001"
    assert report.answer_for(4).taken
    seller = sandbox.backend.sellers[creds.seller_id]
    assert seller.listings[(good.sku, US)].attributes["fulfillment_availability"][0]["quantity"] == 11
    [upload] = log.of("uploadDocument")
    assert upload.status == 200


def test_g2_a_fatal_document_is_a_document_error_for_every_message(live):
    sandbox, base, creds = live
    with make_gateway(sandbox, base, creds) as gateway:
        state = gateway._submit_feed(feed.FEED_TYPE, b"{not json", feed.CONTENT_TYPE, marketplace_id=US)
        sandbox.advance(200)
        done = gateway.feed_state(state.amazon_id)
        assert done.status is DocumentStatus.FATAL
        report = gateway.read_listings_feed_report(done.document_id)
    assert report.document_error is not None and report.document_error.code == "4002001"
    assert report.answer_for(1) == report.document_error and not report.answer_for(7).taken


def test_d2_a_feed_goes_to_the_marketplace_it_names_not_the_connections(live):
    sandbox, base, _ = live
    creds = sandbox.create_seller(marketplaces=["US", "CA"], catalog_size=10, usage_plans=PLANS)
    listing = next(x for (sku, mp), x in sorted(sandbox.backend.sellers[creds.seller_id].listings.items())
                   if mp == CA and x.fulfillment_channel == "DEFAULT")
    with make_gateway(sandbox, base, creds) as gateway:
        state = gateway.submit_listings_feed([ListingUpdate(listing.sku, CA, price=Decimal("9.99"), currency="CAD")],
                                             CA)
        sandbox.advance(200)
        report = gateway.read_listings_feed_report(gateway.feed_state(state.amazon_id).document_id)
        offer = gateway.read_listing(listing.sku, CA)
    assert report.answer_for(1).outcome is ListingOutcome.ACCEPTED
    assert (offer.price, offer.currency) == (Decimal("9.99"), "CAD")


TEXTS = ["(R)", "®", "Café crème", "日本語タイトル", "😀"]


def put_listing(sandbox, creds, sku: str, title: str, *, channel: str = "DEFAULT") -> None:
    """A listing created the way a seller creates one: putListingsItem (the SKU percent-encoded in the path)."""
    availability = {"fulfillment_channel_code": channel} | ({"quantity": 1} if channel == "DEFAULT" else {})
    body = {"productType": "PRODUCT", "requirements": "LISTING", "attributes": {
        "item_name": [{"value": title, "language_tag": "en_US", "marketplace_id": US}],
        "purchasable_offer": [{"marketplace_id": US, "currency": "USD",
                               "our_price": [{"schedule": [{"value_with_tax": 10}]}]}],
        "fulfillment_availability": [availability]}}
    client = sandbox.client_for(creds)
    r = client.put(f"/listings/2021-08-01/items/{creds.seller_id}/{quote(sku, safe='')}",
                   params={"marketplaceIds": US}, json=body)
    assert r.status_code == 200 and r.json()["status"] == "ACCEPTED", r.text


def test_g2_skus_and_titles_in_any_script_go_through_patch_and_feed_and_read_back_equal(live):
    sandbox, base, creds = live
    skus = [f"SB {text}/{n}" for n, text in enumerate(TEXTS, 1)]  # a space and a slash too
    for sku, text in zip(skus, TEXTS, strict=True):
        put_listing(sandbox, creds, sku, f"Title {text}")
    sandbox.advance(5)
    with make_gateway(sandbox, base, creds) as gateway:
        answers = [gateway.patch_listing(ListingUpdate(sku, US, quantity=n)) for n, sku in enumerate(skus, 20)]
        assert all(a.outcome is ListingOutcome.ACCEPTED for a in answers), answers
        sandbox.advance(5)
        patched = [gateway.read_listing(sku, US) for sku in skus]
        state = gateway.submit_listings_feed(feed.split_documents(
            [ListingUpdate(sku, US, quantity=n, price=Decimal("7.77"), currency="USD")
             for n, sku in enumerate(skus, 40)])[0], US)
        sandbox.advance(200)
        report = gateway.read_listings_feed_report(gateway.feed_state(state.amazon_id).document_id)
        fed = [gateway.read_listing(sku, US) for sku in skus]
    assert [(x.sku, x.quantity) for x in patched] == [(sku, n) for n, sku in enumerate(skus, 20)]
    assert (report.processed, report.accepted, report.answers) == (5, 5, {})
    assert [(x.sku, x.quantity, x.price) for x in fed] == [(sku, n, Decimal("7.77")) for n, sku in enumerate(skus, 40)]
    listings = sandbox.backend.sellers[creds.seller_id].listings
    assert [listings[(sku, US)].title for sku in skus] == [f"Title {text}" for text in TEXTS]


def test_g2_a_report_that_is_not_a_listings_report_is_an_amazon_error(live, monkeypatch):
    sandbox, base, creds = live
    with make_gateway(sandbox, base, creds) as gateway:
        monkeypatch.setattr(gateway, "_document", lambda operation, document_id, **kw: "<xml>not json</xml>")
        with pytest.raises(AmazonError, match="not JSON") as caught:
            gateway.read_listings_feed_report("doc-1")
    assert not caught.value.retryable


def test_d7_an_update_that_changes_nothing_sends_nothing(live):
    sandbox, base, creds = live
    log = CallLog()
    with make_gateway(sandbox, base, creds, sink=log) as gateway:
        assert gateway.patch_listing(ListingUpdate("ANY", US)).outcome is ListingOutcome.ACCEPTED
    assert not log.of("patchListingsItem")
