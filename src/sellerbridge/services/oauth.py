"""The SP-API website authorization workflow (A2): consent URL, callback, shareable setup link.

1. :func:`start_authorization` signs a ``state`` naming the pending connection and builds Seller
   Central's consent URL (``/apps/authorize/consent?application_id=..&state=..&redirect_uri=..&version=beta``).
2. The seller approves; Amazon redirects to the hub's ``/oauth/callback?state&spapi_oauth_code&selling_partner_id``.
3. :func:`complete` checks the state (signature and age), exchanges the code at the connection's LWA
   token URL (``amazon.auth.exchange_authorization_code``) for a refresh token and stores it encrypted (A3),
   dating a new 365-day authorization (A4).

A client who holds the Amazon login gets a *setup link* instead (:func:`setup_link`): a URL to the
hub's ``/setup/{token}`` page that, when opened, signs a fresh state and redirects to the consent URL,
so the link can be sent by e-mail and used days later.

Tokens are ``base64url(json).base64url(HMAC-SHA256)`` with a key derived from the hub's secret key;
they name only the connection id, a purpose and an expiry (no secret, no seller data).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..amazon.errors import AuthError
from ..amazon.regions import ConnectionEndpoints, marketplace
from ..amazon.transport.auth import exchange_authorization_code
from ..bootstrap import Hub
from ..db.crypto import load_or_create_key
from ..db.repositories import connections as repo
from ..db.repositories.connections import ConnectionRecord
from ..domain.common.errors import ConfigError
from . import connections as service

STATE_LIFETIME = timedelta(hours=1)  # the seller approves within minutes; an old state is refused
SETUP_LINK_LIFETIME = timedelta(days=7)  # a link mailed to a client stays usable for a week
CALLBACK_PATH = "/oauth/callback"
SETUP_PATH = "/setup/"
CONSENT_PATH = "/apps/authorize/consent"
_KEY_CONTEXT = b"sellerbridge/oauth-state/v1\x00"  # the signing key is derived from, never equal to, the secret key

# Seller Central per marketplace country (the consent page lives on the seller's own Seller Central).
SELLER_CENTRAL = {
    "US": "https://sellercentral.amazon.com", "CA": "https://sellercentral.amazon.ca",
    "MX": "https://sellercentral.amazon.com.mx", "BR": "https://sellercentral.amazon.com.br",
    "GB": "https://sellercentral.amazon.co.uk", "DE": "https://sellercentral.amazon.de",
    "FR": "https://sellercentral.amazon.fr", "IT": "https://sellercentral.amazon.it",
    "ES": "https://sellercentral.amazon.es", "NL": "https://sellercentral.amazon.nl",
    "SE": "https://sellercentral.amazon.se", "PL": "https://sellercentral.amazon.pl",
    "BE": "https://sellercentral.amazon.com.be", "IE": "https://sellercentral.amazon.ie",
    "TR": "https://sellercentral.amazon.com.tr", "AE": "https://sellercentral.amazon.ae",
    "SA": "https://sellercentral.amazon.sa", "EG": "https://sellercentral.amazon.eg",
    "IN": "https://sellercentral.amazon.in", "ZA": "https://sellercentral.amazon.co.za",
    "JP": "https://sellercentral.amazon.co.jp", "AU": "https://sellercentral.amazon.com.au",
    "SG": "https://sellercentral.amazon.sg",
}


class OAuthError(Exception):
    """The authorization cannot complete; the message says why and never holds a secret."""


@dataclass(frozen=True, slots=True)
class Authorization:
    connection_id: int
    consent_url: str
    state: str
    expires_at: datetime


# --- signed tokens ----------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signing_key(hub: Hub) -> bytes:
    return hashlib.sha256(_KEY_CONTEXT + load_or_create_key(hub.settings)).digest()


def sign(hub: Hub, connection_id: int, purpose: str, lifetime: timedelta) -> tuple[str, datetime]:
    """A token naming ``connection_id`` for ``purpose``, valid for ``lifetime``."""
    expires = hub.now() + lifetime
    body = _b64(json.dumps({"c": connection_id, "p": purpose, "e": int(expires.timestamp()),
                            "n": secrets.token_hex(8)}, separators=(",", ":")).encode())
    mac = hmac.new(_signing_key(hub), body.encode("ascii"), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}", expires


def verify(hub: Hub, token: str, purpose: str) -> int:
    """The connection id a valid, unexpired token of ``purpose`` names; OAuthError otherwise."""
    try:
        body, mac = token.split(".", 1)
        expected = hmac.new(_signing_key(hub), body.encode("ascii"), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(mac)):
            raise OAuthError("the authorization link or state is not valid (signature)")
        data = json.loads(_unb64(body))
    except (ValueError, UnicodeError) as exc:
        raise OAuthError(f"the authorization link or state is malformed ({type(exc).__name__})") from None
    if data.get("p") != purpose:
        raise OAuthError("the authorization link or state is not valid here")
    if int(data.get("e", 0)) < hub.now().timestamp():
        raise OAuthError("the authorization link or state has expired: ask for a new one")
    return int(data["c"])


# --- consent URL and setup link ------------------------------------------------------------------------


def consent_url(application_id: str, state: str, redirect_uri: str, seller_central_url: str) -> str:
    """Seller Central's consent page for the app (A2).

    ``seller_central_url`` is Seller Central's origin (the page is ``/apps/authorize/consent`` there)
    or a whole consent-page URL ending in ``/consent`` (the local sandbox's ``/_sandbox/consent?seller_id=..``),
    whose own query is kept.
    """
    parts = urlsplit(seller_central_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"the Seller Central URL must be an http(s) URL, got {seller_central_url!r}")
    path = parts.path if parts.path.rstrip("/").endswith("/consent") else parts.path.rstrip("/") + CONSENT_PATH
    query = [*parse_qsl(parts.query), ("application_id", application_id), ("state", state),
             ("redirect_uri", redirect_uri), ("version", "beta")]
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), ""))


def redirect_uri_for(hub: Hub) -> str:
    return hub.settings.public_base_url.rstrip("/") + CALLBACK_PATH


def _seller_central_for(record: ConnectionRecord, override: str | None) -> str:
    if override:
        return override
    return SELLER_CENTRAL.get(marketplace(record.marketplace_id).country, SELLER_CENTRAL["US"])


def start_authorization(hub: Hub, ref: int | str, *, application_id: str | None = None,
                        seller_central_url: str | None = None, redirect_uri: str | None = None) -> Authorization:
    """The consent URL with a fresh signed state for connection ``ref`` (A2)."""
    record = service.get_connection(hub, ref)
    app_id = application_id or hub.settings.spapi_application_id
    if not app_id:
        raise ConfigError("the SP-API application id is needed: pass --application-id or set "
                          "SELLERBRIDGE_SPAPI_APPLICATION_ID")
    state, expires = sign(hub, record.id, "state", STATE_LIFETIME)
    url = consent_url(app_id, state, redirect_uri or redirect_uri_for(hub),
                      _seller_central_for(record, seller_central_url))
    return Authorization(record.id, url, state, expires)


def setup_link(hub: Hub, ref: int | str, *, lifetime: timedelta = SETUP_LINK_LIFETIME) -> tuple[str, datetime]:
    """A shareable link to the hub's ``/setup/{token}`` page for a client holding the Amazon login (A2)."""
    record = service.get_connection(hub, ref)
    token, expires = sign(hub, record.id, "setup", lifetime)
    return hub.settings.public_base_url.rstrip("/") + SETUP_PATH + token, expires


def open_setup_link(hub: Hub, token: str, *, seller_central_url: str | None = None) -> Authorization:
    """What ``/setup/{token}`` does: check the link and start the consent with a fresh state."""
    return start_authorization(hub, verify(hub, token, "setup"), seller_central_url=seller_central_url)


# --- callback ------------------------------------------------------------------------------------------


def _exchange(token_url: str, code: str, client_id: str, client_secret: str, redirect_uri: str) -> str:
    """The code exchange at LWA (``amazon.auth``); its refusal as an OAuthError the callback page shows."""
    try:
        return exchange_authorization_code(token_url, code, client_id, client_secret, redirect_uri)
    except AuthError as exc:
        if exc.code == "unreachable":
            raise OAuthError(exc.message) from None
        raise OAuthError(f"{exc.message}: start the authorization again") from None


def complete(hub: Hub, state: str, spapi_oauth_code: str, selling_partner_id: str, *,
             redirect_uri: str | None = None) -> ConnectionRecord:
    """The OAuth callback (A2): verify the state, exchange the code, store the refresh token encrypted.

    A pending connection takes the seller id Amazon names; a connection that already has one refuses
    a consent given by another seller account.
    """
    if not (state and spapi_oauth_code and selling_partner_id):
        raise OAuthError("state, spapi_oauth_code and selling_partner_id are required")
    connection_id = verify(hub, state, "state")
    record = service.get_connection(hub, connection_id)
    if not service.is_pending(record) and record.seller_id != selling_partner_id:
        raise OAuthError(f"this consent is from seller {selling_partner_id}, but connection {record.name!r} "
                         f"belongs to seller {record.seller_id}")
    with hub.store.uow(read_only=True) as session:
        clash = [c for c in repo.find_connections_by_seller(session, selling_partner_id, record.marketplace_id)
                 if c.id != record.id]
        creds = repo.get_secrets(session, hub.store.box, record.id)
    if clash:
        raise OAuthError(f"seller {selling_partner_id} in this marketplace is already connection {clash[0].name!r}")
    if not creds.client_secret:
        raise OAuthError(f"connection {record.name!r} has no LWA client secret: set it with "
                         f"`sellerbridge connection update {record.name} --client-secret-env ...`")
    endpoints = ConnectionEndpoints.resolve(record.marketplace_id, api_base_url=record.api_base_url,
                                            lwa_token_url=record.lwa_token_url)
    refresh_token = _exchange(endpoints.lwa_token_url, spapi_oauth_code, creds.client_id, creds.client_secret,
                              redirect_uri or redirect_uri_for(hub))
    if service.is_pending(record):
        with hub.store.uow() as session:
            repo.update_connection(session, record.id, seller_id=selling_partner_id, now=hub.now())
    return service.update_connection(hub, record.id, refresh_token=refresh_token)
