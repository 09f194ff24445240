"""Marketplaces, SP-API regions and the endpoints a connection talks to (A1).

Every marketplace belongs to one of Amazon's three SP-API regions (North America, Europe, Far
East); a connection's SP-API endpoint follows its marketplace's region, and Login with Amazon has
one token URL for all of them. Each connection may override both (the local sandbox, Amazon's own
sandbox hosts, a proxy): :meth:`ConnectionEndpoints.resolve`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from sellerbridge.domain.common.errors import ConfigError


class Region(StrEnum):
    NA = "NA"
    EU = "EU"
    FE = "FE"


@dataclass(frozen=True, slots=True)
class MarketplaceInfo:
    marketplace_id: str
    country: str  # ISO 3166 code (GB for the UK)
    region: Region


def _m(marketplace_id: str, country: str, region: Region) -> MarketplaceInfo:
    return MarketplaceInfo(marketplace_id, country, region)


# Amazon's published marketplace ids ("Marketplace IDs", SP-API documentation).
MARKETPLACES: dict[str, MarketplaceInfo] = {m.marketplace_id: m for m in (
    _m("A2EUQ1WTGCTBG2", "CA", Region.NA),
    _m("ATVPDKIKX0DER", "US", Region.NA),
    _m("A1AM78C64UM0Y8", "MX", Region.NA),
    _m("A2Q3Y263D00KWC", "BR", Region.NA),
    _m("A28R8C7NBKEWEA", "IE", Region.EU),
    _m("A1RKKUPIHCS9HS", "ES", Region.EU),
    _m("A1F83G8C2ARO7P", "GB", Region.EU),
    _m("A13V1IB3VIYZZH", "FR", Region.EU),
    _m("AMEN7PMS3EDWL", "BE", Region.EU),
    _m("A1805IZSGTT6HS", "NL", Region.EU),
    _m("A1PA6795UKMFR9", "DE", Region.EU),
    _m("APJ6JRA9NG5V4", "IT", Region.EU),
    _m("A2NODRKZP88ZB9", "SE", Region.EU),
    _m("AE08WJ6YKNBMC", "ZA", Region.EU),
    _m("A1C3SOZRARQ6R3", "PL", Region.EU),
    _m("ARBP9OOSHTCHU", "EG", Region.EU),
    _m("A33AVAJ2PDY3EV", "TR", Region.EU),
    _m("A17E79C6D8DWNP", "SA", Region.EU),
    _m("A2VIGQ35RCS4UG", "AE", Region.EU),
    _m("A21TJRUUN4KGV", "IN", Region.EU),
    _m("A19VAU5U5O7RUS", "SG", Region.FE),
    _m("A39IBJ37TRP1C6", "AU", Region.FE),
    _m("A1VC38T7YXB528", "JP", Region.FE),
)}
_BY_COUNTRY = {m.country: m for m in MARKETPLACES.values()} | {"UK": MARKETPLACES["A1F83G8C2ARO7P"]}

SP_API_ENDPOINTS: dict[Region, str] = {
    Region.NA: "https://sellingpartnerapi-na.amazon.com",
    Region.EU: "https://sellingpartnerapi-eu.amazon.com",
    Region.FE: "https://sellingpartnerapi-fe.amazon.com",
}
# Amazon's static sandbox, for a connection that wants it (an override like any other).
AMAZON_SANDBOX_ENDPOINTS: dict[Region, str] = {
    Region.NA: "https://sandbox.sellingpartnerapi-na.amazon.com",
    Region.EU: "https://sandbox.sellingpartnerapi-eu.amazon.com",
    Region.FE: "https://sandbox.sellingpartnerapi-fe.amazon.com",
}
LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"


def marketplace(id_or_country: str) -> MarketplaceInfo:
    """A marketplace by id (``ATVPDKIKX0DER``) or country code (``US``, ``UK``); ConfigError if unknown."""
    key = id_or_country.strip()
    found = MARKETPLACES.get(key) or _BY_COUNTRY.get(key.upper())
    if found is None:
        raise ConfigError(f"unknown Amazon marketplace {id_or_country!r}: use a marketplace id or a country code "
                          f"({', '.join(sorted(_BY_COUNTRY))})")
    return found


def region_of(marketplace_id: str) -> Region:
    return marketplace(marketplace_id).region


def _url(value: str, what: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{what} must be an http(s) URL, got {value!r}")
    return value.strip().rstrip("/")


@dataclass(frozen=True, slots=True)
class ConnectionEndpoints:
    """Where a connection's SP-API calls and LWA token requests go (A1)."""

    api_base_url: str
    lwa_token_url: str

    @classmethod
    def resolve(cls, marketplace_id: str, *, api_base_url: str | None = None,
                lwa_token_url: str | None = None) -> ConnectionEndpoints:
        """The connection's overrides where set, else its marketplace's region and LWA's URL."""
        region = region_of(marketplace_id)
        return cls(
            api_base_url=_url(api_base_url, "the SP-API base URL") if api_base_url else SP_API_ENDPOINTS[region],
            lwa_token_url=_url(lwa_token_url, "the LWA token URL") if lwa_token_url else LWA_TOKEN_URL,
        )

    @classmethod
    def local_sandbox(cls, base_url: str) -> ConnectionEndpoints:
        """Both endpoints on one sandbox server (``sellerbridge sandbox serve``)."""
        base = _url(base_url, "the sandbox URL")
        return cls(api_base_url=base, lwa_token_url=f"{base}/auth/o2/token")
