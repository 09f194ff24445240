"""API keys and roles (I2).

Roles: ``viewer`` reads; ``operator`` also runs syncs and reprocesses errors; ``admin`` also manages
connections and keys. ``view_pii`` is an extra grant, never implied by another role: only a key that
holds it sees buyer data (B13).

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


def create_key(hub: Hub, name: str, roles: Iterable[str]) -> tuple[ApiKey, str]:
    """A new key; the clear key is returned once and never stored."""
    if not name.strip():
        raise ConfigError("an API key needs a name")
    with hub.store.uow() as session:
        return repo.create_api_key(session, name=name.strip(), roles=validate_roles(roles), now=hub.now())


def list_keys(hub: Hub) -> list[ApiKey]:
    with hub.store.uow(read_only=True) as session:
        return repo.list_api_keys(session)


def revoke_key(hub: Hub, ref: int | str) -> None:
    with hub.store.uow() as session:
        key_id = int(ref) if str(ref).isdigit() else next(
            (k.id for k in repo.list_api_keys(session) if k.name == ref), None)
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
