"""Connections as the CLI and the REST API use them: add, list, show, update, test, disable, enable,
and the authorization-expiry check (A1-A5).

Rules:
- A1: a connection is one seller account in one marketplace; the marketplace is given as an id or a
  country code and the region (hence the SP-API endpoint) follows from it, unless overridden.
- A3: secrets go in through here and never come out: every record and dict this module hands out
  has no secret, only ``has_credentials``.
- A4: an authorization lasts 365 days from ``authorized_at``; :func:`check_authorizations` warns at
  30, 7 and 1 days before (once per threshold) and marks an expired connection ``expired``, which
  stops its syncs with a message saying how to re-authorize.
- A5: disabling stops every sync of the connection (the gateway refuses it) and deletes nothing.
- Issue 9: what comes in is checked here too, not only by the REST API (the CLI writes through this
  module): names, client ids, seller ids and URLs are storable text of their column's length, an id
  is ASCII digits in range (``domain/common/inputs.py``), ``authorized_at`` lies in the hub's range,
  and every settings value is plain, storable JSON. A bad value is a ConfigError, never a database
  error.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..amazon.gateway import ConnectionCheck
from ..amazon.regions import ConnectionEndpoints, marketplace
from ..bootstrap import Hub
from ..db.repositories import connections as repo
from ..db.repositories.connections import KEEP, ConnectionRecord
from ..domain.common import inputs
from ..domain.common.errors import ConfigError
from ..domain.orders.filters import OrderImportSettings
from . import endpoint_guard

AUTHORIZATION_LIFETIME = timedelta(days=365)  # A4: Amazon's seller authorization lasts 12 months
EXPIRY_WARNING_DAYS = (30, 7, 1)  # A4: warn this many days before, once each
PENDING_SELLER_PREFIX = "pending-"  # seller id of a connection waiting for its OAuth callback (A2)

__all__ = [
    "AUTHORIZATION_LIFETIME", "EXPIRY_WARNING_DAYS", "KEEP", "ExpiryNotice", "add_connection",
    "check_authorizations", "disable_connection", "enable_connection", "get_connection", "is_pending",
    "list_connections", "local_sandbox_endpoints", "marketplace_country", "summary", "test_connection",
    "update_connection",
]


@dataclass(frozen=True, slots=True)
class ExpiryNotice:
    """One A4 announcement: ``kind`` is ``warning`` (``days`` = 30, 7 or 1) or ``expired``."""

    connection_id: int
    name: str
    kind: str
    days: int | None
    expires_at: datetime
    message: str


def is_pending(record: ConnectionRecord) -> bool:
    """The connection waits for the seller's consent (OAuth): its seller id is not known yet."""
    return record.seller_id.startswith(PENDING_SELLER_PREFIX)


def summary(record: ConnectionRecord) -> dict[str, Any]:
    """A JSON-ready view of a connection, without any secret (A3)."""
    return {
        "id": record.id, "name": record.name, "seller_id": None if is_pending(record) else record.seller_id,
        "marketplace_id": record.marketplace_id, "country": marketplace(record.marketplace_id).country,
        "region": record.region, "client_id": record.client_id, "status": record.status,
        "has_credentials": record.has_credentials, "pending_authorization": is_pending(record),
        "api_base_url": record.api_base_url, "lwa_token_url": record.lwa_token_url,
        "authorized_at": _iso(record.authorized_at), "authorization_expires_at": _iso(record.authorization_expires_at),
        "settings": record.settings, "last_error": record.last_error,
        "created_at": _iso(record.created_at), "updated_at": _iso(record.updated_at),
    }


def marketplace_country(marketplace_ref: str) -> str:
    """The country code (``US``, ``DE``) of a marketplace given by id or country code (A1); ConfigError
    naming the known ones when there is no such marketplace."""
    return marketplace(marketplace_ref).country


def local_sandbox_endpoints(base_url: str) -> ConnectionEndpoints:
    """Both endpoints of a connection (SP-API base URL and LWA token URL) on one local sandbox server
    (``sellerbridge sandbox serve``, I4); ConfigError when ``base_url`` is not an http(s) URL (A1)."""
    return ConnectionEndpoints.local_sandbox(base_url)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _clean_url(value: str | None) -> str | None:
    return value.strip().rstrip("/") if value and value.strip() else None


# The longest text each field may hold: the store's column lengths (db/tables/connections.py).
TEXT_LIMITS = {"name": 100, "client id": 255, "seller id": 32, "API base URL": 500, "LWA token URL": 500,
               "secret": 2000, "reason": 200}


def _text(value: str | None, what: str) -> str | None:
    """``value`` when it is storable text within the field's length; ConfigError naming the field."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"the {what} must be text")
    try:
        return inputs.check_text(value, f"the {what}", max_length=TEXT_LIMITS[what])
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _moment(value: datetime | None) -> datetime | None:
    try:
        return None if value is None else inputs.check_moment(value, "authorized_at")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _validated_settings(order_settings: Mapping[str, Any] | None) -> dict[str, Any]:
    """The settings as the filters read them; every value is checked as plain, storable JSON first,
    since a value of the wrong type (a number where text belongs) would fail deep in the filters."""
    try:
        inputs.check_json_value(dict(order_settings or {}), "settings")
        settings = OrderImportSettings.from_dict(dict(order_settings or {}))
        if settings.not_before is not None:
            inputs.check_moment(settings.not_before, "not_before")
        return settings.to_dict()
    except (TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"invalid order settings: {exc}") from None


def get_connection(hub: Hub, ref: int | str) -> ConnectionRecord:
    """A connection by id or by name; ConfigError naming it when there is none."""
    try:  # an id is ASCII digits in range; `²` or 2^63 are not ids, and no name is only digits
        connection_id = inputs.numeric_id(ref)
        if isinstance(ref, str):
            inputs.check_text(ref, "a connection reference", max_length=TEXT_LIMITS["name"])
    except ValueError as exc:
        raise ConfigError(f"no connection {ref!r}: {exc}") from None
    with hub.store.uow(read_only=True) as session:
        record = None
        if connection_id is not None:
            record = repo.get_connection(session, connection_id)
        if record is None and isinstance(ref, str) and not ref.isdigit():
            record = repo.get_connection_by_name(session, ref)
    if record is None:
        raise ConfigError(f"no connection {ref!r}: see `sellerbridge connection list`")
    return record


def list_connections(hub: Hub, *, status: str | None = None) -> list[ConnectionRecord]:
    with hub.store.uow(read_only=True) as session:
        return repo.list_connections(session, status=status)


def add_connection(
    hub: Hub, *, name: str, marketplace_ref: str, client_id: str, client_secret: str | None,
    refresh_token: str | None = None, seller_id: str | None = None, api_base_url: str | None = None,
    lwa_token_url: str | None = None, authorized_at: datetime | None = None,
    order_settings: Mapping[str, Any] | None = None,
) -> ConnectionRecord:
    """Store a new connection (A1). Without a refresh token it waits for the OAuth consent (A2).

    The authorization is dated ``authorized_at`` (default now) and expires 365 days later (A4).
    Raises ConfigError for an unknown marketplace, a bad URL or bad settings, and
    ``DuplicateConnection`` for a taken name or seller + marketplace.
    """
    name = (_text(name, "name") or "").strip()
    if not name or name.isdigit():
        raise ConfigError("a connection name must be non-empty and not only digits (digits mean an id)")
    if not (_text(client_id, "client id") or "").strip():
        raise ConfigError("the LWA client id is required")
    _text(client_secret, "secret")
    _text(refresh_token, "secret")
    seller_id = _text(seller_id, "seller id")
    api_base_url, lwa_token_url = _text(api_base_url, "API base URL"), _text(lwa_token_url, "LWA token URL")
    authorized_at = _moment(authorized_at)
    info = marketplace(marketplace_ref)
    api_base_url, lwa_token_url = _clean_url(api_base_url), _clean_url(lwa_token_url)
    endpoint_guard.check_new(hub, ConnectionEndpoints.resolve(info.marketplace_id, api_base_url=api_base_url,
                                                              lwa_token_url=lwa_token_url))
    settings = _validated_settings(order_settings)
    seller = (seller_id or "").strip() or PENDING_SELLER_PREFIX + secrets.token_hex(8)
    now = hub.now()
    if refresh_token:
        authorized_at = authorized_at or now
        expires_at: datetime | None = authorized_at + AUTHORIZATION_LIFETIME
    else:
        authorized_at, expires_at = None, None
    with hub.store.uow() as session:
        return repo.add_connection(
            session, hub.store.box, name=name, seller_id=seller, marketplace_id=info.marketplace_id,
            region=str(info.region).lower(), client_id=client_id.strip(), client_secret=client_secret or None,
            refresh_token=refresh_token or None, api_base_url=api_base_url, lwa_token_url=lwa_token_url,
            authorized_at=authorized_at, authorization_expires_at=expires_at, settings=settings, now=now)


def update_connection(
    hub: Hub, ref: int | str, *, name: str = KEEP, client_id: str = KEEP, client_secret: str | None = KEEP,
    refresh_token: str | None = KEEP, api_base_url: str | None = KEEP, lwa_token_url: str | None = KEEP,
    authorized_at: datetime | None = KEEP, order_settings: Mapping[str, Any] | None = None,
    replace_settings: bool = False,
) -> ConnectionRecord:
    """Change credentials, endpoints or order settings; KEEP leaves a field (A2, A5).

    A new refresh token is a new authorization: dated now (or ``authorized_at``), expiring in 365 days,
    its warnings reset, and an ``expired`` connection becomes active again. ``None`` for a secret
    removes it, which stops the syncs (A5). The repository bumps the connection's
    ``credentials_version``, so every process's next call uses the new values (``Hub.gateway_of``).
    """
    if client_id is not KEEP and not (_text(client_id, "client id") or "").strip():
        raise ConfigError("the LWA client id is required: a connection always has one")
    for what, value in (("name", name), ("secret", client_secret), ("secret", refresh_token),
                        ("API base URL", api_base_url), ("LWA token URL", lwa_token_url)):
        if value is not KEEP:
            _text(value, what)
    if authorized_at is not KEEP:
        authorized_at = _moment(authorized_at)
    record = get_connection(hub, ref)
    now = hub.now()
    if api_base_url is not KEEP:
        api_base_url = _clean_url(api_base_url)
    if lwa_token_url is not KEEP:
        lwa_token_url = _clean_url(lwa_token_url)
    endpoints = ConnectionEndpoints.resolve(
        record.marketplace_id,
        api_base_url=record.api_base_url if api_base_url is KEEP else api_base_url,
        lwa_token_url=record.lwa_token_url if lwa_token_url is KEEP else lwa_token_url)
    endpoint_guard.check_change(hub, record, endpoints, client_secret=client_secret, refresh_token=refresh_token)
    if name is not KEEP and (not name.strip() or name.strip().isdigit()):
        raise ConfigError("a connection name must be non-empty and not only digits")
    merged = None
    if order_settings is not None:
        base = {} if replace_settings else dict(record.settings)
        merged = _validated_settings({**base, **order_settings})
    new_authorization = refresh_token is not KEEP and refresh_token
    if new_authorization and authorized_at is KEEP:
        authorized_at = now
    with hub.store.uow() as session:
        repo.update_connection(session, record.id, name=name.strip() if name is not KEEP else KEEP,
                               api_base_url=api_base_url, lwa_token_url=lwa_token_url, now=now)
        repo.set_secrets(
            session, hub.store.box, record.id, client_id=client_id, client_secret=client_secret,
            refresh_token=refresh_token, authorized_at=authorized_at,
            authorization_expires_at=KEEP if authorized_at is KEEP or authorized_at is None
            else authorized_at + AUTHORIZATION_LIFETIME, now=now)
        if merged is not None:
            repo.update_settings(session, record.id, merged, replace=True, now=now)
        if new_authorization and record.status == "expired":
            repo.set_status(session, record.id, "active", last_error=None, now=now)
    return get_connection(hub, record.id)


def test_connection(hub: Hub, ref: int | str) -> ConnectionCheck:
    """A2 "test connection": an access token and one cheap SP-API call; the message never holds a secret.

    The outcome is kept as the connection's ``last_error`` (cleared on success).
    """
    record = get_connection(hub, ref)
    try:
        check = hub.gateway_for(record.id).test_connection()
    except ConfigError as exc:
        return ConnectionCheck(False, False, False, str(exc), record.api_base_url or "")
    if not check.ok:
        hub.forget_gateway(record.id)  # a fresh token cache next time (the seller may re-authorize)
    with hub.store.uow() as session:
        repo.update_connection(session, record.id, last_error=None if check.ok else f"test failed: {check.message}",
                               now=hub.now())
    return check


def disable_connection(hub: Hub, ref: int | str, *, reason: str | None = None) -> ConnectionRecord:
    """A5: stop every sync of the connection; orders, errors and settings stay."""
    _text(reason, "reason")
    record = get_connection(hub, ref)
    with hub.store.uow() as session:
        repo.set_status(session, record.id, "disabled", last_error=reason or "disabled by an operator", now=hub.now())
    hub.forget_gateway(record.id)
    return get_connection(hub, record.id)


def enable_connection(hub: Hub, ref: int | str) -> ConnectionRecord:
    """Resume a disabled connection; an expired authorization must be renewed first (A4)."""
    record = get_connection(hub, ref)
    expires = record.authorization_expires_at
    if record.status == "expired" or (expires is not None and expires <= hub.now()):
        raise ConfigError(f"the authorization of {record.name!r} expired on {expires:%Y-%m-%d}: re-authorize it "
                          f"(`sellerbridge connection oauth-url {record.name}` or `connection update "
                          f"{record.name} --refresh-token-env ...`) before enabling it")
    with hub.store.uow() as session:
        repo.set_status(session, record.id, "active", last_error=None, now=hub.now())
    hub.forget_gateway(record.id)
    return get_connection(hub, record.id)


def check_authorizations(hub: Hub, now: datetime | None = None) -> list[ExpiryNotice]:
    """A4: warnings 30/7/1 days before expiry (each once) and ``expired`` for the past-due connections.

    Returns what to announce now; calling it again at the same moment returns nothing new. Only the
    smallest threshold reached is announced (a connection found 5 days from expiry gets the 7-day
    warning, not also the 30-day one). Disabled connections are left alone.
    """
    now = now or hub.now()
    notices: list[ExpiryNotice] = []
    for record in list_connections(hub):
        expires = record.authorization_expires_at
        if expires is None or record.status == "disabled":
            continue
        left = expires - now
        if left <= timedelta(0):
            if record.status == "expired":
                continue
            message = (f"the Amazon authorization of {record.name!r} expired on {expires:%Y-%m-%d %H:%M} UTC; its "
                       f"syncs are stopped. Re-authorize with `sellerbridge connection oauth-url {record.name}`.")
            with hub.store.uow() as session:
                repo.set_status(session, record.id, "expired", last_error=message, now=now)
            hub.forget_gateway(record.id)
            notices.append(ExpiryNotice(record.id, record.name, "expired", None, expires, message))
            continue
        reached = [d for d in EXPIRY_WARNING_DAYS if left <= timedelta(days=d)]
        if not reached:
            continue
        threshold = min(reached)
        if record.expiry_warned_days is not None and record.expiry_warned_days <= threshold:
            continue
        days_left = max(1, -(-left // timedelta(days=1)))  # whole days, rounded up
        message = (f"the Amazon authorization of {record.name!r} expires on {expires:%Y-%m-%d} "
                   f"(in {days_left} day{'s' if days_left != 1 else ''}): have the seller re-authorize it")
        with hub.store.uow() as session:
            repo.update_connection(session, record.id, expiry_warned_days=threshold, now=now)
        notices.append(ExpiryNotice(record.id, record.name, "warning", threshold, expires, message))
    return notices
