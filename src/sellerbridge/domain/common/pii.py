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

The helpers work on any dataclass carrying these attribute names (the domain's ``Address`` and
``Buyer``, the store's records), so this module needs nothing of the order model.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, TypeVar

__all__ = [
    "ADDRESS_PII_FIELDS",
    "BUYER_PII_FIELDS",
    "LINE_PII_FIELDS",
    "carries_address_pii",
    "redact_address",
    "redact_buyer",
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

T = TypeVar("T")


def carries_address_pii(address: Any) -> bool:
    """Whether any personal field of the address has a value (B13); an empty text is no value."""
    return any(getattr(address, name) for name in ADDRESS_PII_FIELDS)


def redact_address(address: T) -> T:
    """The address without its personal fields (B13): what may be kept without the PII grant."""
    return replace(address, **dict.fromkeys(ADDRESS_PII_FIELDS))  # type: ignore[type-var]


def redact_buyer(buyer: T) -> T:
    """The buyer without name and e-mail (B13); company and purchase order number stay."""
    return replace(buyer, **dict.fromkeys(BUYER_PII_FIELDS))  # type: ignore[type-var]
