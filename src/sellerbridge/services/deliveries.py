"""Deliveries as people follow them (B14, H1): list, show with every attempt, redeliver, acknowledge.

Redelivery makes deliveries due again at once with a fresh retry period (one, or every failed one of a
receiver) and resolves their error-log rows; the front end then asks the runtime for the connection's
``deliveries`` run (``jobs.manage``): nothing is sent from a web process. The message id stays the
same, so an idempotent receiver that had it already does nothing twice.

An acknowledgement by API (``POST /api/deliveries/ack``) is a file receiver's: by batch name(s), or by
delivery ids; only deliveries waiting for one (``sent``) change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..bootstrap import Hub
from ..db.repositories import deliveries as repo
from ..db.repositories import error_log
from ..db.stores.deliveries import ERROR_KIND
from ..db.tables.deliveries import DELIVERY_STATUSES
from ..domain.common.errors import ConfigError, NotFound
from . import connections as connection_service
from . import receivers as receiver_service
from .orders import jsonable

MAX_ACK = 500


def delivery_dict(record: repo.DeliveryRecord) -> dict[str, Any]:
    out = jsonable(record)
    attempts = out.pop("attempt_log")
    if record.attempt_log:
        out["attempt_log"] = attempts
    return out


def list_deliveries(hub: Hub, *, connection: int | str | None = None, receiver: int | str | None = None,
                    status: str | None = None, order: int | None = None, limit: int = 100,
                    offset: int = 0) -> dict[str, Any]:
    if status not in (None, "", "all") and status not in DELIVERY_STATUSES:
        raise ConfigError(f"delivery status must be one of {', '.join(DELIVERY_STATUSES)} or all")
    connection_id = connection_service.get_connection(hub, connection).id if connection is not None else None
    receiver_id = receiver_service.get_receiver(hub, receiver, connection).id if receiver is not None else None
    with hub.store.uow(read_only=True) as session:
        items, total = repo.list_deliveries(session, connection_id=connection_id, receiver_id=receiver_id,
                                            status=status if status not in (None, "", "all") else None,
                                            order_id=order, limit=limit, offset=offset)
    return {"items": [delivery_dict(d) for d in items], "total": total}


def show(hub: Hub, delivery_id: int) -> dict[str, Any]:
    with hub.store.uow(read_only=True) as session:
        record = repo.get(session, delivery_id, with_attempts=True)
    if record is None:
        raise NotFound("delivery", delivery_id)
    out = delivery_dict(record)
    out.setdefault("attempt_log", [])
    return out


def redeliver(hub: Hub, *, delivery_id: int | None = None, receiver: int | str | None = None,
              connection: int | str | None = None) -> dict[str, Any]:
    """One delivery, or every failed one of a receiver, due again now; ``{"connection_id", "items"}``."""
    now = hub.now()
    if delivery_id is not None:
        with hub.store.uow(read_only=True) as session:
            found = repo.get(session, delivery_id)
        if found is None:
            raise NotFound("delivery", delivery_id)
        if found.event_id is None:
            raise ConfigError(f"delivery {delivery_id} is a test ping: send another with `receivers test`")
        connection_id, receiver_id, ids = found.connection_id, None, [delivery_id]
    elif receiver is not None:
        record = receiver_service.get_receiver(hub, receiver, connection)
        connection_id, receiver_id, ids = record.connection_id, record.id, []
    else:
        raise ConfigError("name a delivery, or a receiver whose failed deliveries to send again")
    with hub.store.uow() as session:
        changed = repo.redeliver(session, now=now, delivery_ids=ids, receiver_id=receiver_id)
        error_log.resolve_keys(session, connection_id, ERROR_KIND, [d.message_id for d in changed], now=now)
    return {"connection_id": connection_id, "items": [delivery_dict(d) for d in changed]}


def redeliver_message(hub: Hub, connection_id: int, message_id: str) -> dict[str, Any]:
    """The delivery of an error-log row (kind ``delivery``, key its message id) due again (H1)."""
    with hub.store.uow(read_only=True) as session:
        found = [d for d in repo.by_message_id(session, [message_id]) if d.connection_id == connection_id]
    if not found:
        raise ConfigError(f"no delivery {message_id!r} to send again (its receiver was removed?)")
    return redeliver(hub, delivery_id=found[0].id)


def acknowledge(hub: Hub, *, batches: Sequence[str] = (), delivery_ids: Sequence[int] = (),
                connection: int | str | None = None) -> dict[str, Any]:
    """A file receiver's acknowledgement: ``{"acknowledged": n}`` deliveries that waited for it."""
    if not batches and not delivery_ids:
        raise ConfigError("give batch names or delivery ids to acknowledge")
    if len(batches) + len(delivery_ids) > MAX_ACK:
        raise ConfigError(f"at most {MAX_ACK} batches and ids at once")
    for name in batches:
        receiver_service.text(name, "a batch name", 255)
    connection_id = connection_service.get_connection(hub, connection).id if connection is not None else None
    now = hub.now()
    with hub.store.uow() as session:
        count = repo.acknowledge_batches(session, list(batches), now=now, connection_id=connection_id)
        count += repo.acknowledge_ids(session, list(delivery_ids), now=now)
    return {"acknowledged": count}
