"""API keys and roles (I2).

Roles: ``viewer`` reads; ``operator`` also runs syncs and reprocesses errors; ``admin`` also manages
connections and keys. ``view_pii`` is an extra grant, never implied by another role: only a key that
holds it sees buyer data (B13), and only a key that holds it may grant it (issue 9): an admin key
without ``view_pii`` cannot mint one with it. The server's CLI (``sellerbridge api-key create``) may,
since whoever runs it holds the database and the secret key anyway.

Revoking over REST never leaves the hub without an active admin key: the last one is revoked from the
CLI only (:func:`revoke_key_by`).

``ApiKey`` is the key as front ends see it (id, name, shown prefix, roles, dates; never the clear key
nor its hash, A3): the REST API's dependencies return it, so ``api/`` needs no store type.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from ..bootstrap import Hub
from ..db.repositories import api_keys as repo
from ..db.repositories.api_keys import ApiKeyRecord
from ..domain.common.errors import ConfigError
from ..domain.common.inputs import numeric_id

ApiKey = ApiKeyRecord  # the public name of an API key's record (see the module)

LEVELS = {"viewer": 1, "operator": 2, "admin": 3}  # each level includes the ones below it
VIEW_PII = "view_pii"
ROLES = (*LEVELS, VIEW_PII)
TOUCH_EVERY = timedelta(minutes=1)


def validate_roles(roles: Iterable[str]) -> list[str]:
    chosen = sorted({r.strip().lower() for r in roles if r and r.strip()})
    unknown = [r for r in chosen if r not in ROLES]
    if unknown:
        raise ConfigError(f"unknown role(s) {', '.join(unknown)}: choose from {', '.join(ROLES)}")
    if not any(r in LEVELS for r in chosen):
        raise ConfigError("a key needs one of the roles viewer, operator or admin (view_pii is an extra)")
    return chosen


def has_level(roles: Iterable[str], needed: str) -> bool:
    """True when one of ``roles`` is at least ``needed`` (viewer < operator < admin)."""
    return max((LEVELS.get(r, 0) for r in roles), default=0) >= LEVELS[needed]


class GrantRefused(PermissionError):
    """The calling key may not do this (a 403 for the REST API); the message says which key may."""


def create_key(hub: Hub, name: str, roles: Iterable[str], *, granted_by: ApiKey | None = None) -> tuple[ApiKey, str]:
    """A new key; the clear key is returned once and never stored.

    ``granted_by`` is the REST caller's key: ``view_pii`` is granted only by a key that holds it
    (issue 9). None is the server's CLI.
    """
    if not name.strip():
        raise ConfigError("an API key needs a name")
    chosen = validate_roles(roles)
    if granted_by is not None and VIEW_PII in chosen and VIEW_PII not in granted_by.roles:
        raise GrantRefused("only a key with view_pii may grant view_pii: use an admin key that holds it, or "
                           "`sellerbridge api-key create` on the server")
    with hub.store.uow() as session:
        return repo.create_api_key(session, name=name.strip(), roles=chosen, now=hub.now())


def list_keys(hub: Hub) -> list[ApiKey]:
    with hub.store.uow(read_only=True) as session:
        return repo.list_api_keys(session)


def revoke_key_by(hub: Hub, key_id: int, *, caller: ApiKey) -> ApiKey:
    """REST revocation of key ``key_id`` by ``caller`` (an admin key), never of the last active admin key.

    A caller may revoke itself while another admin key remains (the answer says so). LookupError for
    an unknown key; GrantRefused for the last admin key (the CLI can still revoke it).
    """
    with hub.store.uow() as session:
        active = repo.lock_active_api_keys(session)
        target = next((k for k in active if k.id == key_id), None)
        if target is None:
            known = repo.get_api_key(session, key_id)
            if known is None:
                raise LookupError(f"no API key {key_id}")
            return known  # already revoked: nothing changes
        admins = [k for k in active if has_level(k.roles, "admin")]
        if has_level(target.roles, "admin") and len(admins) == 1:
            raise GrantRefused("this is the last active admin key: create another admin key first, or revoke "
                               "it with `sellerbridge api-key revoke` on the server")
        repo.revoke_api_key(session, key_id, now=hub.now())
        revoked = repo.get_api_key(session, key_id)
    assert revoked is not None
    return revoked


def revoke_key(hub: Hub, ref: int | str) -> None:
    with hub.store.uow() as session:
        try:
            key_id = numeric_id(ref)  # ASCII digits only: "²".isdigit() is true, int("²") is not
        except ValueError as exc:
            raise LookupError(f"no API key {ref!r} ({exc})") from None
        if key_id is None:
            key_id = next((k.id for k in repo.list_api_keys(session) if k.name == ref), None)
        if key_id is None:
            raise LookupError(f"no API key {ref!r}")
        repo.revoke_api_key(session, key_id, now=hub.now())


def authenticate(hub: Hub, clear_key: str | None) -> ApiKey | None:
    """The active key for ``clear_key`` (its last use recorded), or None."""
    if not clear_key:
        return None
    with hub.store.uow(read_only=True) as session:
        record = repo.verify_api_key(session, clear_key)
    now = hub.now()
    # Record the use at most once a minute: a write per request would queue behind syncs on SQLite.
    if record is not None and (record.last_used_at is None or now - record.last_used_at > TOUCH_EVERY):
        with hub.store.uow() as session:
            repo.touch_api_key(session, record.id, now=now)
    return record
