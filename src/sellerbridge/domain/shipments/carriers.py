"""A warehouse's carrier words -> Amazon's carrier code (C2; Amazon's ``CarrierCode`` of confirmShipment
and the ``POST_ORDER_FULFILLMENT_DATA`` feed).

Amazon takes a code from its published list, or ``Other`` with the carrier's name. :func:`carrier_code`
maps what a warehouse writes ("UPS Ground", "ups", "Fedex", "Deutsche Post DHL", "Royal Mail Tracked 48")
to ``(code, None)`` for a known carrier and to ``("Other", the warehouse's name)`` otherwise: the words are
compared without case, punctuation or marks such as (R), and the longest known name that starts them wins
("UPS Mail Innovations" before "UPS"). A connection may add its own words (``overrides``: word -> code).

The list is the hub's own copy of Amazon's (the sandbox keeps another: neither imports the other).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

OTHER = "Other"
MAX_NAME = 100  # the column; Amazon's CarrierName is free text

# Amazon's carrier codes for shipment confirmation (the representative part of the list Amazon publishes
# for confirmShipment and the OrderFulfillment feed that sellers' warehouses use).
CARRIER_CODES: tuple[str, ...] = (
    "USPS", "UPS", "UPS Mail Innovations", "FedEx", "FedEx SmartPost", "DHL", "DHL eCommerce",
    "DHL Global Mail", "DHL Express", "OnTrac", "LaserShip", "Amazon Shipping", "Amazon Logistics",
    "Newgistics", "Pitney Bowes", "Streamlite", "Lone Star Overnight", "Estes", "Old Dominion",
    "R+L Carriers", "Saia", "XPO Freight", "Yellow Freight", "Canada Post", "Purolator", "Canpar",
    "Dicom", "Loomis", "Estafeta", "Correos de Mexico", "Royal Mail", "Parcelforce", "Hermes", "Evri",
    "Yodel", "DPD", "GLS", "Deutsche Post", "Hermes Logistik Gruppe", "Chronopost", "Colissimo",
    "La Poste", "Mondial Relay", "Colis Prive", "Poste Italiane", "BRT", "SDA", "Nexive", "Correos",
    "SEUR", "MRW", "Nacex", "PostNL", "Bpost", "PostNord", "InPost", "Poczta Polska", "Japan Post",
    "Yamato Transport", "Sagawa Express", "Seino Transportation", "Australia Post", "StarTrack",
    "Couriers Please", "Aramex", "Singapore Post", "Ninja Van", "TNT", "China Post", "SF Express",
    OTHER,
)

# Other words warehouses write for a listed carrier (normalised as by :func:`words`).
ALIASES: dict[str, str] = {
    "united parcel service": "UPS",
    "ups surepost": "UPS Mail Innovations",
    "united states postal service": "USPS",
    "us postal service": "USPS",
    "us mail": "USPS",
    "federal express": "FedEx",
    "fedex ground economy": "FedEx SmartPost",
    "fed ex": "FedEx",
    "deutsche post dhl": "DHL",
    "dhl paket": "DHL",
    "dhl parcel": "DHL",
    "dhl express worldwide": "DHL Express",
    "dhl ecommerce solutions": "DHL eCommerce",
    "amazon shipping": "Amazon Shipping",
    "amzl": "Amazon Logistics",
    "parcel force": "Parcelforce",
    "myhermes": "Hermes",
    "la poste colissimo": "Colissimo",
    "poste italiane": "Poste Italiane",
    "bartolini": "BRT",
    "yamato": "Yamato Transport",
    "kuroneko yamato": "Yamato Transport",
    "sagawa": "Sagawa Express",
    "tnt express": "TNT",
    "sf": "SF Express",
    "lso": "Lone Star Overnight",
    "rl carriers": "R+L Carriers",
    "r l carriers": "R+L Carriers",
}


def words(text: str) -> str:
    """Lower case, accents and marks ((R), emoji) dropped, punctuation as spaces: the form compared."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch) and ch.isascii()).casefold()
    plain = plain.replace("(r)", " ").replace("(tm)", " ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


_KNOWN: dict[str, str] = {words(code): code for code in CARRIER_CODES if code != OTHER} | ALIASES
_NO_SPACE: dict[str, str] = {key.replace(" ", ""): code for key, code in _KNOWN.items()}


def carrier_code(carrier: str, overrides: Mapping[str, str] | None = None) -> tuple[str, str | None]:
    """``(code, None)`` for a carrier Amazon lists; ``("Other", name)`` for any other (C2)."""
    name = " ".join(carrier.split())[:MAX_NAME]
    key = words(carrier)
    for word, code in (overrides or {}).items():
        if words(word) == key:
            return (code, None) if code in CARRIER_CODES and code != OTHER else (OTHER, name)
    if key in _KNOWN:
        return _KNOWN[key], None
    if key.replace(" ", "") in _NO_SPACE:  # "Fed-Ex", "Post NL"
        return _NO_SPACE[key.replace(" ", "")], None
    tokens = key.split()
    for n in range(len(tokens) - 1, 0, -1):  # the longest known name the words start with: "ups ground" -> UPS
        prefix = " ".join(tokens[:n])
        if prefix in _KNOWN:
            return _KNOWN[prefix], None
    return OTHER, name or "Unknown"
