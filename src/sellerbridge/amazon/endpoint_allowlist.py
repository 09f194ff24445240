"""Where the hub may send a connection's secrets: Amazon's hosts, and origins the operator allows (issue 9).

A connection's endpoints receive its LWA client secret and refresh token (the LWA token URL) and its
access tokens (the SP-API base URL). An endpoint that anyone with an admin key could point anywhere is
a way to steal them, and a server-side request forgery path. So an endpoint must be one of:

- Amazon's own: the SP-API hosts of the three regions, Amazon's static sandbox hosts, and Login with
  Amazon (``regions.py`` knows them), over https;
- an origin the process settings allow (``SELLERBRIDGE_ALLOWED_ENDPOINT_ORIGINS``, comma-separated:
  the local sandbox, a proxy). An origin is ``scheme://host[:port]``; ``:*`` allows every port of
  the host (the tests' loopback sandboxes on free ports).

:class:`EndpointAllowlist` is checked when an endpoint is written (``services/endpoint_guard.py``) and
again before any secret is sent (``transport/session.py``, ``services/oauth.py``): defence in depth
for a URL that reached the database another way.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from ..domain.common.errors import ConfigError
from .regions import AMAZON_SANDBOX_ENDPOINTS, LWA_TOKEN_URL, SP_API_ENDPOINTS, ConnectionEndpoints

SETTING = "SELLERBRIDGE_ALLOWED_ENDPOINT_ORIGINS"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL without user info; None for anything else."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname or "@" in parts.netloc:
        return None
    return parts.scheme, parts.hostname.lower().rstrip("."), port or _DEFAULT_PORTS[parts.scheme]


AMAZON_ORIGINS: frozenset[tuple[str, str, int]] = frozenset(
    o for o in (origin_of(u) for u in (*SP_API_ENDPOINTS.values(), *AMAZON_SANDBOX_ENDPOINTS.values(), LWA_TOKEN_URL))
    if o is not None)


def _parse_allowed(entry: str) -> tuple[str, str, int | None]:
    """One allowed origin of the setting; port None for ``:*``."""
    text = entry.strip().rstrip("/")
    wildcard = text.endswith(":*")
    found = origin_of(text[:-2] if wildcard else text)
    if found is None or urlsplit(text[:-2] if wildcard else text).path not in ("",):
        raise ConfigError(f"{SETTING}: {entry!r} is not an origin (scheme://host[:port] or scheme://host:*)")
    scheme, host, port = found
    return scheme, host, None if wildcard else port


@dataclass(frozen=True, slots=True)
class EndpointAllowlist:
    """Amazon's origins plus ``extra`` ones (see the module)."""

    extra: tuple[tuple[str, str, int | None], ...] = ()

    @classmethod
    def of(cls, setting: str | None) -> EndpointAllowlist:
        """The allow-list of the setting's comma-separated origins (empty: Amazon's only)."""
        return cls(tuple(_parse_allowed(e) for e in (setting or "").split(",") if e.strip()))

    def allows(self, url: str) -> bool:
        found = origin_of(url)
        if found is None:
            return False
        if found in AMAZON_ORIGINS:
            return True
        scheme, host, port = found
        return any(s == scheme and h == host and p in (None, port) for s, h, p in self.extra)

    def require(self, url: str, what: str) -> None:
        """ConfigError unless ``url`` is allowed; the message says how to allow an origin."""
        if not self.allows(url):
            found = origin_of(url)
            hint = f" (to allow it: {SETTING}={found[0]}://{found[1]}:{found[2]})" if found else ""
            raise ConfigError(f"{what} {url!r} is not one of Amazon's endpoints nor an origin allowed by "
                              f"{SETTING}: the hub sends the connection's secrets there, so only those are "
                              f"accepted{hint}")

    def require_endpoints(self, endpoints: ConnectionEndpoints) -> None:
        self.require(endpoints.api_base_url, "the SP-API base URL")
        self.require(endpoints.lwa_token_url, "the LWA token URL")
