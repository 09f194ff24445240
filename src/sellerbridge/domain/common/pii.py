"""The one list of buyer and recipient data the hub treats as personal (B13).

Personal data is kept only with the connection's PII grant, stored encrypted where the tables have
an encrypted column, shown only to callers with the view-PII permission (masked for everyone else),
and erased for good by the PII purge. Every one of those places reads the lists below, so that what
the mapping drops without the grant is exactly what storage guards, masking hides and purge erases.

- An address: the recipient's name, the address lines, the postal code and the phone; the parts
  of the street Amazon writes apart (Brazil's street name, number, complement and neighbourhood)
  and the district/county and municipality, which sit below the city. The postal
  code counts: with the street gone it still narrows a buyer down to a few houses in many countries,
  and Amazon itself withholds it without the restricted role. City, region, country, company and
  address type stay (they route a shipment and identify nobody).
- A buyer: name and e-mail (Amazon's per-seller relay address; it still identifies the buyer).
- An order line: the gift message.

Amazon's documents carry the same data under Amazon's names (v0 PascalCase, 2026 camelCase, the
flat-file reports' kebab-case): :data:`AMAZON_PII_KEYS` names them, and :func:`redact_document` is
the one redaction of an Amazon document the hub keeps anything of (the call log's excerpts, the
error log's payloads, a run's items). It drops those keys at any depth; an object Amazon uses to
hold buyer or recipient data (``buyer``, ``BuyerInfo``, ``recipient``, ``ShippingAddress``...)
goes whole, with whatever Amazon adds inside it later.

The helpers work on any dataclass carrying these attribute names (the domain's ``Address`` and
``Buyer``, the store's records), so this module needs nothing of the order model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, TypeVar

__all__ = [
    "ADDRESS_PII_FIELDS",
    "AMAZON_NAMES_OF",
    "AMAZON_PII_KEYS",
    "BUYER_PII_FIELDS",
    "LINE_PII_FIELDS",
    "carries_address_pii",
    "is_pii_key",
    "redact_address",
    "redact_buyer",
    "redact_document",
]

ADDRESS_PII_FIELDS: tuple[str, ...] = (
    "name", "line1", "line2", "line3", "postal_code", "phone",
    "street_name",  # Brazil's extendedFields: the address line, split (issue 9)
    "street_number",
    "complement",
    "neighborhood",
    "district_or_county",  # below the city: narrows a buyer down as a postal code does
    "municipality",
)
BUYER_PII_FIELDS: tuple[str, ...] = ("name", "email")
LINE_PII_FIELDS: tuple[str, ...] = ("gift_message",)

# Amazon's names of the fields above (compared lower-case), so that a document is redacted by the
# same list as a record. A new Amazon name of a personal field is one more entry in its line; a new
# personal field of the hub needs its line here too (tests/unit/test_pii_redaction.py checks).
AMAZON_NAMES_OF: dict[str, tuple[str, ...]] = {
    "address.name": ("Name", "name", "recipientName", "recipient-name"),
    "address.line1": ("AddressLine1", "addressLine1", "address1", "street", "ship-address-1"),
    "address.line2": ("AddressLine2", "addressLine2", "address2", "ship-address-2"),
    "address.line3": ("AddressLine3", "addressLine3", "address3", "ship-address-3"),
    "address.postal_code": ("PostalCode", "postalCode", "ship-postal-code"),
    "address.phone": ("Phone", "phone", "phoneNumber", "ship-phone-number", "buyer-phone-number"),
    "address.street_name": ("StreetName", "streetName"),  # Brazil's ExtendedFields / extendedFields
    "address.street_number": ("StreetNumber", "streetNumber"),
    "address.complement": ("Complement", "complement"),
    "address.neighborhood": ("Neighborhood", "neighborhood"),
    "address.district_or_county": ("districtOrCounty", "District", "County"),
    "address.municipality": ("Municipality", "municipality"),
    "buyer.name": ("BuyerName", "buyerName", "buyer-name"),
    "buyer.email": ("BuyerEmail", "buyerEmail", "email", "emailAddress", "buyer-email"),
    "line.gift_message": ("GiftMessageText", "giftMessage", "giftMessageText", "gift-message-text"),
}
# Objects that hold buyer or recipient data: dropped whole. Tax identities and legal names of a
# business buyer go too: a sole trader's tax id or legal name is a person's.
_AMAZON_PII_CONTAINERS = (
    "buyer", "BuyerInfo", "buyerInfo", "BuyerTaxInfo", "buyerTaxInfo", "buyerTaxInformation", "recipient",
    "ShippingAddress", "shippingAddress", "deliveryAddress", "billingAddress",
    "BuyerCounty", "BuyerTaxRegistrationId", "taxRegistrationNumber", "taxClassifications", "legalName",
    "companyLegalName", "companyName", "buyerCompanyName",
)
AMAZON_PII_KEYS: frozenset[str] = frozenset(
    name.lower() for names in (*AMAZON_NAMES_OF.values(), _AMAZON_PII_CONTAINERS) for name in names)

T = TypeVar("T")


def is_pii_key(key: object) -> bool:
    """Whether a key of an Amazon document names buyer data (B13), in any of Amazon's spellings."""
    return str(key).lower() in AMAZON_PII_KEYS


def redact_document(document: Any) -> Any:
    """A copy of a JSON-like Amazon document without its buyer data, at any depth (B13).

    The one redaction of Amazon documents: keys of :data:`AMAZON_PII_KEYS` are dropped with their
    values, everything else is kept as it is (order ids, SKUs, amounts, statuses, city and country).
    """
    if isinstance(document, Mapping):
        return {key: redact_document(value) for key, value in document.items() if not is_pii_key(key)}
    if isinstance(document, list | tuple):
        return [redact_document(value) for value in document]
    return document


def carries_address_pii(address: Any) -> bool:
    """Whether any personal field of the address has a value (B13); an empty text is no value."""
    return any(getattr(address, name) for name in ADDRESS_PII_FIELDS)


def redact_address(address: T) -> T:
    """The address without its personal fields (B13): what may be kept without the PII grant."""
    return replace(address, **dict.fromkeys(ADDRESS_PII_FIELDS))  # type: ignore[type-var]


def redact_buyer(buyer: T) -> T:
    """The buyer without name and e-mail (B13); company and purchase order number stay."""
    return replace(buyer, **dict.fromkeys(BUYER_PII_FIELDS))  # type: ignore[type-var]
