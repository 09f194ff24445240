"""Receivers as people manage them (B14, B13): add, list, show, test, rotate the secret, pause, allow PII.

- A webhook receiver gets a signing secret made here, shown ONCE (in the answer to ``add`` and to
  ``rotate_secret``), never again: responses and listings carry ``has_secrets`` only.
- Rotation: the new secret signs first and the older one stays valid for the grace period
  (``webhook_rotation_grace_hours``, default 24) or until ``finish_rotation``; the receiver switches
  at its pace, every message verifying with either (``channels/signature.py``).
- Buyer data (B13): a receiver gets the ship-to address and buyer name only once an admin allowed it
  (``set_pii``); who and when are on the receiver and in its audit trail. The front ends let only
  admin keys do it.
- ``test`` sends a signed ``ping`` (no order, no buyer data) and keeps the attempt like any other.
"""

from __future__ import annotations

import secrets as tokens
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ..bootstrap import Hub
from ..channels.webhook import UrlRefused, check_url
from ..db.repositories import deliveries as delivery_repo
from ..db.repositories import receivers as repo
from ..db.repositories.receivers import ReceiverRecord
from ..domain.common import inputs
from ..domain.common.errors import ConfigError, NotFound
from ..domain.deliveries.message import ConnectionRef, build_ping
from ..domain.ports.deliveries import AttemptOutcome, Message, ReceiverKind
from . import connections as connection_service
from .orders import jsonable

SECRET_PREFIX = "whsec_"
FILE_CONFIG_KEYS = {
    ReceiverKind.LOCAL_DIR: {"directory": True, "inbox": False},
    ReceiverKind.SFTP: {"host": True, "port": False, "username": True, "directory": True, "host_key": False,
                        "host_key_fingerprint": False, "inbox": False, "timeout_seconds": False},
}
FILE_SECRET_KEYS = ("password", "private_key", "private_key_passphrase")


@dataclass(frozen=True, slots=True)
class Revealed:
    """A receiver and its new secret, the one time it is shown."""

    receiver: ReceiverRecord
    secret: str | None


def text(value: str, what: str, max_length: int) -> str:
    """``value`` if it is storable text, else ConfigError (a 400, a CLI exit 2) naming ``what``."""
    try:
        return inputs.check_text(value, what, max_length=max_length)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def summary(record: ReceiverRecord) -> dict[str, Any]:
    """A JSON-ready receiver, without any secret (A3)."""
    out = jsonable(record)
    out.pop("event_cursor", None)
    out["breaker"] = {"state": out.pop("breaker_state"), "failures": out.pop("breaker_failures"),
                      "trips": out.pop("breaker_trips"), "retry_at": out.pop("breaker_retry_at")}
    return out


def new_secret() -> str:
    return SECRET_PREFIX + tokens.token_urlsafe(32)


def add_receiver(hub: Hub, connection: int | str, *, name: str, kind: str, actor: str, url: str | None = None,
                 config: Mapping[str, Any] | None = None, secrets: Mapping[str, Any] | None = None,
                 file_format: str = "json") -> Revealed:
    """A new receiver of the connection's messages; a webhook's signing secret is in the answer only."""
    record = connection_service.get_connection(hub, connection)
    text(name, "the receiver's name", 100)
    if not name.strip():
        raise ConfigError("a receiver needs a name")
    try:
        receiver_kind = ReceiverKind(kind)
    except ValueError:
        raise ConfigError(f"receiver kind must be one of {', '.join(k.value for k in ReceiverKind)}") from None
    if file_format not in ("json", "csv"):
        raise ConfigError("file format must be json or csv")
    secret: str | None = None
    if receiver_kind is ReceiverKind.WEBHOOK:
        if not url:
            raise ConfigError("a webhook receiver needs --url")
        settings = {"url": _webhook_url(hub, url)}
        secret = new_secret()
        sealed: dict[str, Any] | None = {"signing": [secret]}
    else:
        settings = _file_config(receiver_kind, config or {})
        sealed = {k: str(v) for k, v in (secrets or {}).items() if k in FILE_SECRET_KEYS and v} or None
    with hub.store.uow() as session:
        added = repo.add_receiver(session, hub.store.box, connection_id=record.id, kind=receiver_kind.value, name=name,
                                  config=settings, secrets=sealed, file_format=file_format, actor=actor, now=hub.now())
    return Revealed(added, secret)


def _webhook_url(hub: Hub, url: str) -> str:
    text(url, "the URL", 500)
    try:
        return check_url(url, allow_http=hub.settings.allow_http_webhooks)
    except UrlRefused as exc:
        raise ConfigError(f"webhook URL refused: {exc}") from None


def _file_config(kind: ReceiverKind, config: Mapping[str, Any]) -> dict[str, Any]:
    allowed = FILE_CONFIG_KEYS[kind]
    unknown = sorted(set(config) - set(allowed))
    if unknown:
        raise ConfigError(f"unknown {kind.value} settings: {', '.join(unknown)} (known: {', '.join(allowed)})")
    out: dict[str, Any] = {}
    for key, required in allowed.items():
        value = config.get(key)
        if value in (None, ""):
            if required:
                raise ConfigError(f"a {kind.value} receiver needs {key}")
            continue
        if key == "port":
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 65535:
                raise ConfigError("port must be a number 1-65535")
            out[key] = value
            continue
        if key == "timeout_seconds":
            if not isinstance(value, int | float) or isinstance(value, bool) or not 0 < value <= 600:
                raise ConfigError("timeout_seconds must be a number of seconds, at most 600")
            out[key] = value
            continue
        if not isinstance(value, str):
            raise ConfigError(f"{key} must be text")
        text(value, key, 1000)
        out[key] = value
    if kind is ReceiverKind.SFTP and not (out.get("host_key") or out.get("host_key_fingerprint")):
        # never trust on first use: the server's key is pinned when the receiver is made (channels/sftp.py)
        raise ConfigError("an sftp receiver needs the server's host_key (its public key line) or "
                          "host_key_fingerprint (SHA256:...)")
    return out


def get_receiver(hub: Hub, ref: int | str, connection: int | str | None = None) -> ReceiverRecord:
    """By id, or by name (with the connection when names repeat across connections)."""
    connection_id = connection_service.get_connection(hub, connection).id if connection is not None else None
    if isinstance(ref, str):
        text(ref, "a receiver reference", 100)
    with hub.store.uow(read_only=True) as session:
        record = repo.find(session, ref, connection_id)
    if record is None:
        raise NotFound("receiver", ref)
    return record


def list_receivers(hub: Hub, connection: int | str | None = None) -> list[ReceiverRecord]:
    connection_id = connection_service.get_connection(hub, connection).id if connection is not None else None
    with hub.store.uow(read_only=True) as session:
        return repo.list_receivers(session, connection_id=connection_id)


def show(hub: Hub, ref: int | str, connection: int | str | None = None) -> dict[str, Any]:
    record = get_receiver(hub, ref, connection)
    with hub.store.uow(read_only=True) as session:
        trail = repo.audit_trail(session, record.id)
    return {**summary(record), "audit": [jsonable(a) for a in trail]}


def set_paused(hub: Hub, receiver: ReceiverRecord, paused: bool, *, actor: str) -> ReceiverRecord:
    with hub.store.uow() as session:
        repo.set_paused(session, receiver.id, paused, actor=actor, now=hub.now())
        return repo.require(session, receiver.id)


def set_pii(hub: Hub, receiver: ReceiverRecord, allowed: bool, *, actor: str) -> ReceiverRecord:
    """B13: the admin's decision, audited (who, when); the front ends check the admin role."""
    with hub.store.uow() as session:
        repo.set_pii_allowed(session, receiver.id, allowed, actor=actor, now=hub.now())
        return repo.require(session, receiver.id)


def rotate_secret(hub: Hub, receiver: ReceiverRecord, *, actor: str) -> Revealed:
    """A new signing secret (shown once); the current one stays valid for the grace period."""
    if receiver.kind != ReceiverKind.WEBHOOK:
        raise ConfigError("only a webhook receiver has a signing secret")
    now = hub.now()
    secret = new_secret()
    ends = now + timedelta(hours=hub.settings.webhook_rotation_grace_hours)
    with hub.store.uow() as session:
        current = repo.valid_secrets(repo.get_secrets(session, hub.store.box, receiver.id),
                                     receiver.rotation_ends_at, now)
        repo.set_secrets(session, hub.store.box, receiver.id, {**current, "signing": [secret, *current["signing"][:1]]},
                         rotation_ends_at=ends, now=now)
        repo.audit(session, receiver.id, receiver.connection_id, actor, "secret_rotated",
                   f"the older secret is valid until {ends.isoformat()}", now)
        return Revealed(repo.require(session, receiver.id), secret)


def finish_rotation(hub: Hub, receiver: ReceiverRecord, *, actor: str) -> ReceiverRecord:
    """Only the newest secret is valid from now on."""
    if receiver.kind != ReceiverKind.WEBHOOK:
        raise ConfigError("only a webhook receiver has a signing secret")
    now = hub.now()
    with hub.store.uow() as session:
        current = repo.get_secrets(session, hub.store.box, receiver.id)
        repo.set_secrets(session, hub.store.box, receiver.id,
                         {**current, "signing": [s for s in current.get("signing", [])][:1]},
                         rotation_ends_at=None, now=now)
        repo.audit(session, receiver.id, receiver.connection_id, actor, "rotation_finished", None, now)
        return repo.require(session, receiver.id)


def test_receiver(hub: Hub, receiver: ReceiverRecord) -> dict[str, Any]:
    """Send a signed ping now and keep its attempt; the answer says what the receiver did."""
    transport = hub.transports().get(receiver.kind)
    if transport is None:
        raise ConfigError(f"this hub has no transport for {receiver.kind} receivers")
    now = hub.now()
    connection = connection_service.get_connection(hub, receiver.connection_id)
    with hub.store.uow() as session:
        spec = repo.spec_of(session, hub.store.box, receiver.id, now=now)
        message_id = f"ping-{receiver.id}-{tokens.token_hex(6)}"
        delivery_id = delivery_repo.add_ping(session, receiver_id=receiver.id, connection_id=receiver.connection_id,
                                             message_id=message_id, now=now)
    body = build_ping(message_id=message_id, at=now, receiver_name=receiver.name,
                      connection=ConnectionRef(connection.id, connection.name, connection.marketplace_id))
    attempt = transport.send(spec, [Message(delivery_id, message_id, "ping", body)])
    status = "acknowledged" if attempt.acknowledged else "sent" if attempt.ok else "failed"
    with hub.store.uow() as session:
        delivery_repo.record(session, [AttemptOutcome(delivery_id, attempt, status)], now=hub.now())
    return {"receiver_id": receiver.id, "delivery_id": delivery_id, "message_id": message_id, "ok": attempt.ok,
            "status": attempt.status, "duration_ms": attempt.duration_ms, "excerpt": attempt.excerpt,
            "batch_name": attempt.batch_name}
