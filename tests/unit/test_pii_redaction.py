"""B13: one PII list and one redaction of Amazon documents, in every spelling Amazon uses."""

from __future__ import annotations

from sellerbridge.amazon.transport.calllog import Redactor
from sellerbridge.domain.common.pii import (
    ADDRESS_PII_FIELDS,
    AMAZON_NAMES_OF,
    AMAZON_PII_KEYS,
    BUYER_PII_FIELDS,
    LINE_PII_FIELDS,
    is_pii_key,
    redact_document,
)


def test_b13_every_personal_field_of_the_hub_is_redacted_from_amazons_documents_too():
    hub_fields = {*(f"address.{n}" for n in ADDRESS_PII_FIELDS), *(f"buyer.{n}" for n in BUYER_PII_FIELDS),
                  *(f"line.{n}" for n in LINE_PII_FIELDS)}
    assert hub_fields <= set(AMAZON_NAMES_OF), hub_fields - set(AMAZON_NAMES_OF)
    assert all(AMAZON_NAMES_OF[name] for name in hub_fields)


def test_b13_every_hub_pii_field_has_its_amazon_names_in_the_one_list():
    for name in ("AddressLine1", "addressLine1", "ship-address-1", "PostalCode", "postalCode", "ship-postal-code",
                 "Phone", "ship-phone-number", "BuyerEmail", "buyer-email", "GiftMessageText", "giftMessage",
                 "gift-message-text", "recipient-name"):
        assert is_pii_key(name) and name.lower() in AMAZON_PII_KEYS
    for kept in ("orderId", "AmazonOrderId", "SellerSKU", "City", "countryCode", "ship-city", "marketplaceName"):
        assert not is_pii_key(kept)


def test_b13_a_flat_file_row_loses_its_buyer_columns_and_keeps_the_rest():
    row = {"order-id": "111-1", "sku": "S-1", "buyer-email": "x@marketplace.amazon.com", "buyer-name": "Zoë",
           "recipient-name": "Zoë", "ship-address-1": "1 Main St", "ship-postal-code": "98101", "ship-city": "Seattle",
           "ship-phone-number": "+1 555", "gift-message-text": "hi"}
    assert redact_document(row) == {"order-id": "111-1", "sku": "S-1", "ship-city": "Seattle"}
    assert redact_document([row, "text", 3]) == [{"order-id": "111-1", "sku": "S-1", "ship-city": "Seattle"}, "text", 3]


def test_b13_a_body_that_is_not_json_keeps_only_its_size_in_the_call_log():
    report = "order-id\tbuyer-name\tship-address-1\n111-1\tZoë Example\t1 Main St\n".encode()
    assert Redactor().excerpt(report) == f"[{len(report)} bytes, not JSON: not kept]"
