"""The fulfillment and acknowledgement feed documents, pinned by golden files, and Amazon's processing
report read per message (C2, C4, B9).

Amazon's XSDs (OrderFulfillment.xsd, OrderAcknowledgement.xsd, amzn-envelope.xsd) could not be reached
from here, so the structure is pinned by golden files (tests/contract/golden/feeds/) and by the sandbox,
which reads the documents the way Amazon's schema describes them (tests/sandbox/test_feeds_acknowledgement.py).
Regenerate a golden file only after checking the change against Amazon's schema.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sellerbridge.amazon.feeds.acknowledgement import build_acknowledgement_feed
from sellerbridge.amazon.feeds.fulfillment import build_fulfillment_feed
from sellerbridge.amazon.feeds.processing_report import parse_processing_report
from sellerbridge.amazon.feeds.xml import ReportUnreadable
from sellerbridge.domain.ports.confirmations import CancelLine, OrderCancellation, PackageLine, PackageToConfirm

GOLDEN = Path(__file__).parent / "golden" / "feeds"
SHIP = datetime(2026, 11, 30, 15, 4, 5, tzinfo=UTC)


def packages() -> list[PackageToConfirm]:
    return [
        PackageToConfirm(101, 1, "111-2223334-4445556", "ATVPDKIKX0DER", "UPS", None, "Ground",
                         "1Z999AA10123456784", SHIP, (PackageLine(1, "11111111111111", 2),
                                                       PackageLine(2, "22222222222222", 1))),
        # a carrier Amazon does not list: CarrierName alone; names with (R), accents, CJK, emoji, a control char
        PackageToConfirm(102, 2, "111-2223334-4445557", "ATVPDKIKX0DER", "Other", "Müller® Kurier 快递 🚚\x07",
                         "Éxpress & <Same-Day>", "MK-0042", SHIP, (PackageLine(3, "33333333333333", 1),)),
    ]


def test_c2_fulfillment_feed_matches_the_golden_file():
    built = build_fulfillment_feed("A1SELLER", packages())
    assert built == (GOLDEN / "order_fulfillment.xml").read_bytes()


def test_c2_fulfillment_feed_carries_any_text_and_stays_well_formed():
    root = ET.fromstring(build_fulfillment_feed("A1SELLER", packages()))
    [first, second] = root.findall("Message")
    assert first.findtext("MessageID") == "101" and first.findtext("OrderFulfillment/MerchantFulfillmentID") == "101"
    assert first.findtext("OrderFulfillment/FulfillmentData/CarrierCode") == "UPS"
    assert second.find("OrderFulfillment/FulfillmentData/CarrierCode") is None
    assert second.findtext("OrderFulfillment/FulfillmentData/CarrierName") == "Müller® Kurier 快递 🚚"
    assert second.findtext("OrderFulfillment/FulfillmentData/ShippingMethod") == "Éxpress & <Same-Day>"
    assert [(i.findtext("AmazonOrderItemCode"), i.findtext("Quantity"))
            for i in first.findall("OrderFulfillment/Item")] == [("11111111111111", "2"), ("22222222222222", "1")]


def cancellations() -> list[OrderCancellation]:
    return [
        OrderCancellation(5, "111-2223334-4445556", (CancelLine(5, 1, "111-2223334-4445556", 1, "11111111111111", 2,
                                                                "NoInventory"),), whole_order=False),
        OrderCancellation(6, "111-2223334-4445557", (CancelLine(6, 2, "111-2223334-4445557", 3, "33333333333333", 1,
                                                                "ShippingAddressUndeliverable"),), whole_order=True),
    ]


def test_b9_acknowledgement_feed_matches_the_golden_file():
    built = build_acknowledgement_feed("A1SELLER", cancellations())
    assert built == (GOLDEN / "order_acknowledgement.xml").read_bytes()
    root = ET.fromstring(built)
    assert [m.findtext("OrderAcknowledgement/StatusCode") for m in root.findall("Message")] == ["Success", "Failure"]


REPORT = """<?xml version="1.0" encoding="UTF-8"?>
<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">
  <Header><DocumentVersion>1.02</DocumentVersion><MerchantIdentifier>A1SELLER</MerchantIdentifier></Header>
  <MessageType>ProcessingReport</MessageType>
  <Message><MessageID>1</MessageID><ProcessingReport>
    <DocumentTransactionID>50001</DocumentTransactionID><StatusCode>Complete</StatusCode>
    <ProcessingSummary><MessagesProcessed>3</MessagesProcessed><MessagesSuccessful>1</MessagesSuccessful>
      <MessagesWithError>2</MessagesWithError><MessagesWithWarning>1</MessagesWithWarning></ProcessingSummary>
    <Result><MessageID>101</MessageID><ResultCode>Warning</ResultCode><ResultMessageCode>18500</ResultMessageCode>
      <ResultDescription>Tracking number format looks unusual.</ResultDescription></Result>
    <Result><MessageID>102</MessageID><ResultCode>Error</ResultCode><ResultMessageCode>18031</ResultMessageCode>
      <ResultDescription>CarrierCode 'Pigeon' is not a valid carrier code.</ResultDescription></Result>
    <Result><MessageID>103</MessageID><ResultCode>Error</ResultCode><ResultMessageCode>18013</ResultMessageCode>
      <ResultDescription>Order 111-2223334-4445558 has already been shipped in full.</ResultDescription></Result>
  </ProcessingReport></Message>
</AmazonEnvelope>"""


def test_c4_processing_report_per_message_with_amazons_code_and_text():
    report = parse_processing_report(REPORT)
    assert (report.processed, report.successful) == (3, 1)
    assert report.answer_for(101).ok  # a warning: applied
    refused = report.answer_for(102)
    assert not refused.ok and refused.code == "18031" and "not a valid carrier code" in refused.message
    shipped = report.answer_for(103)
    assert shipped.already_shipped and not shipped.order_cancelled
    assert report.answer_for(999).ok  # not named: applied


def test_c4_a_document_error_fails_every_message():
    text = REPORT.replace("<MessageID>102</MessageID>", "<MessageID>0</MessageID>")
    report = parse_processing_report(text)
    assert report.document_error is not None and not report.answer_for(101).ok


@pytest.mark.parametrize("text", ["not xml", "<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>", "<AmazonEnvelope/>"])
def test_c4_an_unreadable_report_is_refused_not_a_crash(text):
    with pytest.raises(ReportUnreadable):
        parse_processing_report(text)
