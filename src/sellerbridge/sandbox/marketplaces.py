"""Amazon marketplaces and the SP-API region each belongs to (A1, I4)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Marketplace:
    marketplace_id: str
    country: str
    region: str  # "NA" | "EU" | "FE"
    currency: str
    name: str
    language_tag: str


MARKETPLACES: dict[str, Marketplace] = {m.marketplace_id: m for m in [
    Marketplace("ATVPDKIKX0DER", "US", "NA", "USD", "Amazon.com", "en_US"),
    Marketplace("A2EUQ1WTGCTBG2", "CA", "NA", "CAD", "Amazon.ca", "en_CA"),
    Marketplace("A1AM78C64UM0Y8", "MX", "NA", "MXN", "Amazon.com.mx", "es_MX"),
    Marketplace("A2Q3Y263D00KWC", "BR", "NA", "BRL", "Amazon.com.br", "pt_BR"),
    Marketplace("A1F83G8C2ARO7P", "GB", "EU", "GBP", "Amazon.co.uk", "en_GB"),
    Marketplace("A1PA6795UKMFR9", "DE", "EU", "EUR", "Amazon.de", "de_DE"),
    Marketplace("A13V1IB3VIYZZH", "FR", "EU", "EUR", "Amazon.fr", "fr_FR"),
    Marketplace("APJ6JRA9NG5V4", "IT", "EU", "EUR", "Amazon.it", "it_IT"),
    Marketplace("A1RKKUPIHCS9HS", "ES", "EU", "EUR", "Amazon.es", "es_ES"),
    Marketplace("A1805IZSGTT6HS", "NL", "EU", "EUR", "Amazon.nl", "nl_NL"),
    Marketplace("A2NODRKZP88ZB9", "SE", "EU", "SEK", "Amazon.se", "sv_SE"),
    Marketplace("A1C3SOZRARQ6R3", "PL", "EU", "PLN", "Amazon.pl", "pl_PL"),
    Marketplace("A1VC38T7YXB528", "JP", "FE", "JPY", "Amazon.co.jp", "ja_JP"),
    Marketplace("A39IBJ37TRP1C6", "AU", "FE", "AUD", "Amazon.com.au", "en_AU"),
    Marketplace("A19VAU5U5O7RUS", "SG", "FE", "SGD", "Amazon.sg", "en_SG"),
]}

# ISO 4217 minor units where they are not 2: how Amazon writes amounts in these currencies
CURRENCY_EXPONENTS: dict[str, int] = {"JPY": 0, "KRW": 0, "CLP": 0, "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3}


def quantum(currency: str) -> Decimal:
    """The smallest unit of ``currency`` as a Decimal (JPY 1, USD 0.01, KWD 0.001)."""
    return Decimal(1).scaleb(-CURRENCY_EXPONENTS.get(currency, 2))


BY_COUNTRY: dict[str, Marketplace] = {m.country: m for m in MARKETPLACES.values()}
BY_COUNTRY["UK"] = BY_COUNTRY["GB"]


def resolve(id_or_country: str) -> Marketplace:
    """A marketplace by id or by country code (US, UK, DE, JP, ...)."""
    key = id_or_country.strip()
    if key in MARKETPLACES:
        return MARKETPLACES[key]
    if key.upper() in BY_COUNTRY:
        return BY_COUNTRY[key.upper()]
    raise KeyError(f"unknown marketplace {id_or_country!r}")
