"""The SP-API website authorization workflow (A2): start link, consent, callback, confirmation.

1. A flow always starts in the browser that will approve: the hub's ``/setup/{token}`` page (a
   signed link: :func:`setup_link` for a client, valid a week; :func:`start_authorization` for the
   admin, valid an hour). Opening it (:func:`begin`) issues a random ``state``, stored server-side by
   hash with the hash of a random *binding nonce* that the page sets as an HttpOnly cookie, and
   redirects to Seller Central's consent URL
   (``/apps/authorize/consent?application_id=..&state=..&redirect_uri=..&version=beta``).
2. The seller approves; Amazon redirects to ``/oauth/callback?state&spapi_oauth_code&selling_partner_id``.
3. :func:`complete` consumes the state once (a conditional UPDATE: single use across replicas) and
   only with the cookie of the browser that started it, exchanges the code at the connection's LWA
   token URL for a refresh token, then ASKS AMAZON whose token it is (``amazon/sellers/identity.py``):
   the query's ``selling_partner_id`` is only a claim. A connection whose seller is known accepts
   only that seller; a pending one takes the seller Amazon confirmed.
4. A connection that already has a refresh token is never changed by this unauthenticated callback:
   the new token is parked, encrypted, and an administrator confirms it (:func:`confirm_parked`, by
   CLI or REST) or discards it (issue 9; ``docs/adr/0005-web-security.md``).

Link tokens are ``base64url(json).base64url(HMAC-SHA256)`` with a key derived from the hub's secret
key; they name the connection id, a purpose, an expiry and the admin's overrides (no secret).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

from ..amazon.errors import AmazonError, AuthError
from ..amazon.gateway import AmazonGateway
from ..amazon.notifications.parse import SELLER_ID
from ..amazon.regions import ConnectionEndpoints, marketplace
from ..amazon.transport.auth import SellerCredentials, exchange_authorization_code
from ..bootstrap import Hub
from ..db.crypto import load_or_create_key
from ..db.repositories import connections as repo
from ..db.repositories import oauth_states
from ..db.repositories.connections import ConnectionRecord
from ..domain.common.errors import ConfigError
from . import connections as service
from . import endpoint_guard

STATE_LIFETIME = timedelta(hours=1)  # the seller approves within minutes; an old state is refused
START_LINK_LIFETIME = timedelta(hours=1)  # the admin's own start link (start_authorization)
SETUP_LINK_LIFETIME = timedelta(days=7)  # a link mailed to a client stays usable for a week
CALLBACK_PATH = "/oauth/callback"
SETUP_PATH = "/setup/"
CONSENT_PATH = "/apps/authorize/consent"
BINDING_COOKIE_PREFIX = "sb_oauth_"  # + a short hash of the state: parallel flows in one browser coexist
MAX_PARAMETER_LENGTH = 2048  # states, codes and seller ids are far shorter; anything longer is refused
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
    """The admin's start of a flow. ``consent_url`` is the hub's start page (``/setup/<token>``): opened in
    the browser that approves, it binds that browser and forwards it to Seller Central's consent page."""

    connection_id: int
    consent_url: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class BrowserStart:
    """What ``/setup/{token}`` answers: the redirect to the consent page and the binding cookie."""

    consent_url: str
    cookie_name: str
    binding: str = field(repr=False)
    max_age: int
    secure: bool


@dataclass(frozen=True, slots=True)
class CallbackResult:
    """What the callback did: ``parked`` when the token waits for an admin's confirmation."""

    record: ConnectionRecord
    seller_id: str
    parked: bool


# --- signed link tokens -------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signing_key(hub: Hub) -> bytes:
    return hashlib.sha256(_KEY_CONTEXT + load_or_create_key(hub.settings)).digest()


def sign(hub: Hub, connection_id: int, purpose: str, lifetime: timedelta, **extra: str) -> tuple[str, datetime]:
    """A token naming ``connection_id`` for ``purpose``, valid for ``lifetime``, with ``extra`` fields."""
    expires = hub.now() + lifetime
    payload = {"c": connection_id, "p": purpose, "e": int(expires.timestamp()), "n": secrets.token_hex(8), **extra}
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    mac = hmac.new(_signing_key(hub), body.encode("ascii"), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}", expires


def read_token(hub: Hub, token: str, purpose: str) -> dict[str, Any]:
    """The fields of a valid, unexpired token of ``purpose``; OAuthError otherwise."""
    try:
        body, mac = token.split(".", 1)
        expected = hmac.new(_signing_key(hub), body.encode("ascii"), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(mac)):
            raise OAuthError("the authorization link is not valid (signature)")
        data = json.loads(_unb64(body))
    except (ValueError, UnicodeError) as exc:
        raise OAuthError(f"the authorization link is malformed ({type(exc).__name__})") from None
    if not isinstance(data, dict) or data.get("p") != purpose or not isinstance(data.get("c"), int):
        raise OAuthError("the authorization link is not valid here")
    if int(data.get("e", 0)) < hub.now().timestamp():
        raise OAuthError("the authorization link has expired: ask for a new one")
    return data


# --- consent URL, start and setup links -----------------------------------------------------------------


def consent_url(application_id: str, state: str, redirect_uri: str, seller_central_url: str) -> str:
    """Seller Central's consent page for the app (A2).

    ``seller_central_url`` is Seller Central's origin (the page is ``/apps/authorize/consent`` there)
    or a whole consent-page URL ending in ``/consent`` (the local sandbox's ``/_sandbox/consent?seller_id=..``),
    whose own query is kept.
    """
    parts = _seller_central_parts(seller_central_url)
    path = parts.path if parts.path.rstrip("/").endswith("/consent") else parts.path.rstrip("/") + CONSENT_PATH
    query = [*parse_qsl(parts.query), ("application_id", application_id), ("state", state),
             ("redirect_uri", redirect_uri), ("version", "beta")]
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), ""))


def _seller_central_parts(seller_central_url: str) -> SplitResult:
    parts = urlsplit(seller_central_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"the Seller Central URL must be an http(s) URL, got {seller_central_url!r}")
    return parts


def redirect_uri_for(hub: Hub) -> str:
    return hub.settings.public_base_url.rstrip("/") + CALLBACK_PATH


def _seller_central_for(record: ConnectionRecord, override: str | None) -> str:
    if override:
        return override
    return SELLER_CENTRAL.get(marketplace(record.marketplace_id).country, SELLER_CENTRAL["US"])


def _link(hub: Hub, ref: int | str, lifetime: timedelta, **extra: str) -> tuple[str, datetime]:
    record = service.get_connection(hub, ref)
    token, expires = sign(hub, record.id, "setup", lifetime, **{k: v for k, v in extra.items() if v})
    return hub.settings.public_base_url.rstrip("/") + SETUP_PATH + token, expires


def start_authorization(hub: Hub, ref: int | str, *, application_id: str | None = None,
                        seller_central_url: str | None = None) -> Authorization:
    """The admin's start link for connection ``ref``, valid an hour (A2): open it in the approving browser.

    ``application_id`` and ``seller_central_url`` override the settings' app id and the marketplace's
    Seller Central (e.g. the local sandbox's consent page); they travel signed inside the link.
    """
    record = service.get_connection(hub, ref)
    if not (application_id or hub.settings.spapi_application_id):
        raise ConfigError("the SP-API application id is needed: pass --application-id or set "
                          "SELLERBRIDGE_SPAPI_APPLICATION_ID")
    if seller_central_url:
        _seller_central_parts(seller_central_url)  # refuse a bad URL now, not in the seller's browser
    url, expires = _link(hub, record.id, START_LINK_LIFETIME, a=application_id or "", u=seller_central_url or "")
    return Authorization(record.id, url, expires)


def setup_link(hub: Hub, ref: int | str, *, lifetime: timedelta = SETUP_LINK_LIFETIME) -> tuple[str, datetime]:
    """A shareable link to the hub's ``/setup/{token}`` page for a client holding the Amazon login (A2)."""
    return _link(hub, ref, lifetime)


def binding_cookie_name(state: str) -> str:
    """The cookie holding the binding nonce of ``state`` (named after it, so flows in one browser coexist)."""
    return BINDING_COOKIE_PREFIX + oauth_states.digest(state)[:16]


def begin(hub: Hub, token: str, *, seller_central_url: str | None = None) -> BrowserStart:
    """What ``/setup/{token}`` does: check the link, issue a state bound to a new browser nonce, and
    answer the consent URL with the cookie to set (A2; issue 9: states are single-use and bound)."""
    data = read_token(hub, token, "setup")
    record = service.get_connection(hub, int(data["c"]))
    app_id = data.get("a") or hub.settings.spapi_application_id
    if not app_id:
        raise OAuthError("the hub has no SP-API application id configured (SELLERBRIDGE_SPAPI_APPLICATION_ID)")
    state, binding = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = hub.now()
    with hub.store.uow() as session:
        oauth_states.add_state(session, state=state, connection_id=record.id, binding=binding, now=now,
                               expires_at=now + STATE_LIFETIME)
    url = consent_url(str(app_id), state, redirect_uri_for(hub),
                      _seller_central_for(record, data.get("u") or seller_central_url))
    return BrowserStart(url, binding_cookie_name(state), binding, int(STATE_LIFETIME.total_seconds()),
                        secure=hub.settings.public_base_url.lower().startswith("https://"))


# --- callback ------------------------------------------------------------------------------------------

_STATE_PROBLEMS = {
    "unknown": "the authorization state is not valid: start again from the setup link",
    "used": "this authorization was already used: start again from the setup link",
    "expired": "the authorization state has expired: start again from the setup link",
    "other_browser": "this authorization was started in another browser: finish it in the browser that "
                     "opened the setup link, or start again here",
}


def _exchange(token_url: str, code: str, client_id: str, client_secret: str, redirect_uri: str) -> str:
    """The code exchange at LWA (``amazon.auth``); its refusal as an OAuthError the callback page shows."""
    try:
        return exchange_authorization_code(token_url, code, client_id, client_secret, redirect_uri)
    except AuthError as exc:
        if exc.code == "unreachable":
            raise OAuthError(exc.message) from None
        raise OAuthError(f"{exc.message}: start the authorization again") from None


def _consume(hub: Hub, state: str, binding: str | None) -> int:
    """The connection of ``state``, now used; OAuthError when unknown, used, expired or from another browser."""
    with hub.store.uow() as session:
        check = oauth_states.consume_state(session, state=state, binding=binding or "", now=hub.now())
    if check.problem is not None:
        raise OAuthError(_STATE_PROBLEMS[check.problem])
    assert check.connection_id is not None
    return check.connection_id


def _confirm_owner(hub: Hub, record: ConnectionRecord, endpoints: ConnectionEndpoints, client_id: str,
                   client_secret: str, refresh_token: str, seller_id: str) -> None:
    """Ask Amazon whether ``refresh_token`` is ``seller_id``'s (``amazon/sellers/identity.py``)."""
    credentials = SellerCredentials(seller_id=seller_id, marketplace_id=record.marketplace_id, region=record.region,
                                    client_id=client_id, client_secret=client_secret, refresh_token=refresh_token)
    try:
        with AmazonGateway(credentials, endpoints, buckets=hub.buckets, clock=hub.clock,
                           allowlist=endpoint_guard.allowlist(hub)) as gateway:
            owned = gateway.token_is_sellers(seller_id)
    except AmazonError as exc:
        raise OAuthError(f"Amazon could not confirm which seller account approved ({exc.message}): "
                         "start the authorization again") from None
    if not owned:
        raise OAuthError(f"Amazon says this authorization does not belong to seller {seller_id}: nothing was "
                         "stored; approve with the seller account of this connection")


def _check_parameter(name: str, value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise OAuthError("state, spapi_oauth_code and selling_partner_id are required")
    if len(value) > MAX_PARAMETER_LENGTH or not value.isprintable():
        raise OAuthError(f"{name} is not valid")
    return value


def complete(hub: Hub, state: str, spapi_oauth_code: str, selling_partner_id: str, *, binding: str | None,
             redirect_uri: str | None = None) -> CallbackResult:
    """The OAuth callback (A2; issue 9): consume the state, exchange the code, ask Amazon whose token it is.

    ``binding`` is the nonce cookie of the browser that started the flow. A connection with a known
    seller accepts only that seller, confirmed by Amazon; a pending one takes the seller Amazon
    confirmed for the callback's claim. A connection that already holds a refresh token keeps it:
    the new one is parked for an admin (:func:`confirm_parked`).
    """
    state = _check_parameter("state", state)
    spapi_oauth_code = _check_parameter("spapi_oauth_code", spapi_oauth_code)
    selling_partner_id = _check_parameter("selling_partner_id", selling_partner_id)
    if not SELLER_ID.match(selling_partner_id):
        raise OAuthError("selling_partner_id is not a seller id")
    record = service.get_connection(hub, _consume(hub, state, binding))
    pending = service.is_pending(record)
    if not pending and record.seller_id != selling_partner_id:
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
    try:  # defence in depth: the client secret goes to the token URL (issue 9)
        endpoint_guard.check_new(hub, endpoints)
    except ConfigError as exc:
        raise OAuthError(str(exc)) from None
    refresh_token = _exchange(endpoints.lwa_token_url, spapi_oauth_code, creds.client_id, creds.client_secret,
                              redirect_uri or redirect_uri_for(hub))
    _confirm_owner(hub, record, endpoints, creds.client_id, creds.client_secret, refresh_token, selling_partner_id)
    if creds.refresh_token:  # a replacement: never from an unauthenticated page alone
        with hub.store.uow() as session:
            oauth_states.park_authorization(session, hub.store.box, connection_id=record.id,
                                            seller_id=selling_partner_id, refresh_token=refresh_token, now=hub.now())
        return CallbackResult(record, selling_partner_id, parked=True)
    return CallbackResult(_store(hub, record, selling_partner_id, refresh_token), selling_partner_id, parked=False)


def _store(hub: Hub, record: ConnectionRecord, seller_id: str, refresh_token: str) -> ConnectionRecord:
    if service.is_pending(record):
        with hub.store.uow() as session:
            repo.update_connection(session, record.id, seller_id=seller_id, now=hub.now())
    return service.update_connection(hub, record.id, refresh_token=refresh_token)


# --- an admin's confirmation of a parked authorization ---------------------------------------------------


def parked(hub: Hub, ref: int | str) -> oauth_states.PendingAuthorization | None:
    """The connection's authorization waiting for confirmation, if any (no secret in it)."""
    record = service.get_connection(hub, ref)
    with hub.store.uow(read_only=True) as session:
        return oauth_states.get_parked(session, record.id)


def confirm_parked(hub: Hub, ref: int | str) -> ConnectionRecord:
    """An admin accepts the parked refresh token: it replaces the connection's (A2, A4: a new authorization)."""
    record = service.get_connection(hub, ref)
    with hub.store.uow() as session:
        taken = oauth_states.take_parked(session, hub.store.box, record.id)
    if taken is None:
        raise LookupError(f"connection {record.name!r} has no authorization waiting for confirmation")
    seller_id, refresh_token = taken
    if not service.is_pending(record) and record.seller_id != seller_id:  # the seller changed meanwhile
        raise ConfigError(f"the waiting authorization is seller {seller_id}'s, connection {record.name!r} is "
                          f"seller {record.seller_id}'s: discarded")
    return _store(hub, record, seller_id, refresh_token)


def discard_parked(hub: Hub, ref: int | str) -> bool:
    """An admin refuses the parked refresh token; True when there was one."""
    record = service.get_connection(hub, ref)
    with hub.store.uow() as session:
        return oauth_states.drop_parked(session, record.id)
