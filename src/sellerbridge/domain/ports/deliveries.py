"""Deliveries to the warehouse and files from it: the values and ports (B14, C1; implemented in ``channels/``).

One :class:`Transport` per receiver kind.

A receiver is a place a connection's messages go (a webhook URL, a local directory, an SFTP directory).
The delivery flow (``sync/deliveries.py``) hands a transport a batch of :class:`Message` and keeps the
:class:`Attempt` it answers, every one (saleor's payload -> delivery -> attempts). A webhook's 2xx is the
receiver's acknowledgement; a file is acknowledged later (an ``.ack`` file next to it, or the API), which
:meth:`FileTransport.acknowledged` reports. Transports never raise for the receiver's failures (down,
500, timeout, refused login): those are attempts with ``ok=False``; only a bug raises.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from ..deliveries.breaker import Breaker
from ..deliveries.message import ConnectionRef, OrderSnapshot


class ReceiverKind(StrEnum):
    WEBHOOK = "webhook"
    LOCAL_DIR = "local_dir"
    SFTP = "sftp"


@dataclass(frozen=True, slots=True)
class ReceiverSpec:
    """A receiver as a transport needs it: its settings and its secrets, decrypted (never logged)."""

    id: int
    connection_id: int
    kind: ReceiverKind
    name: str
    config: Mapping[str, Any]  # url | directory | host, port, username, directory, host_key, inbox ...
    secrets: Mapping[str, Any] = field(default_factory=dict, repr=False)  # webhook secrets, SFTP password/key
    file_format: str = "json"  # json | csv: for files
    pii_allowed: bool = False  # an admin allowed it the ship-to address and buyer name (B13)


@dataclass(frozen=True, slots=True)
class Message:
    """One message to a receiver: a document of the versioned warehouse schema (docs/schemas/)."""

    delivery_id: int
    message_id: str  # stable across attempts: the receiver's idempotency key
    topic: str  # order.created | order.updated | order.cancelled ...
    body: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Attempt:
    """What one try to deliver a batch gave (every attempt is kept: status, duration, excerpt)."""

    ok: bool  # the receiver took it: a 2xx, or the file is in place
    acknowledged: bool  # and acknowledged it: a webhook's 2xx; a file waits for its ack
    duration_ms: int
    excerpt: str  # the answer's first bytes, the file's name, or the error, redacted
    status: int | None = None  # HTTP status; None for files or no answer
    retry_after: float | None = None  # seconds the receiver asked us to wait (429/503 Retry-After)
    batch_name: str | None = None  # the file written (file drop): its ack names it


class Transport(Protocol):
    """Delivers a batch to one kind of receiver."""

    def send(self, receiver: ReceiverSpec, messages: Sequence[Message]) -> Attempt: ...


class FileTransport(Transport, Protocol):
    """A transport whose receiver acknowledges later, by an acknowledgement file."""

    def acknowledged(self, receiver: ReceiverSpec, batch_names: Sequence[str]) -> list[str]:
        """Of ``batch_names`` (files written before), those whose acknowledgement is there now."""


class Inbox(Protocol):
    """Files the warehouse leaves for the hub (``channels/inbox.py``: a local directory or SFTP)."""

    def pending(self) -> list[str]:
        """Names of the complete files waiting, oldest name first."""

    def read(self, name: str) -> bytes: ...

    def done(self, name: str, *, ok: bool, report: str = "") -> None:
        """Move the file out of the way: to ``processed/``, or to ``failed/`` with ``report`` beside it."""

    def close(self) -> None:
        """Release what the inbox holds open (an SFTP connection kept for one run's operations)."""


class Receivers(Protocol):
    """One connection's receivers, as the delivery and inbox flows read them (``db/``)."""

    def active(self) -> list[ReceiverSpec]:
        """Receivers not paused, with their secrets."""

    def inboxes(self) -> list[ReceiverSpec]:
        """File receivers that also have an inbox (``config["inbox"]``: the directory the warehouse writes to)."""


@dataclass(frozen=True, slots=True)
class DueDelivery:
    """A delivery whose next attempt is due (``deliveries`` row; the message is built when it is sent)."""

    id: int
    receiver_id: int
    message_id: str
    topic: str
    order_id: int | None
    occurred_at: datetime  # the outbox event's created_at: when the hub stored the change
    attempts: int = 0
    first_attempt_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AttemptOutcome:
    """What one attempt did to one delivery: the attempt as kept, and the delivery's new state."""

    delivery_id: int
    attempt: Attempt
    status: str  # pending (retry at next_attempt_at) | sent | acknowledged | failed
    next_attempt_at: datetime | None = None
    error: str | None = None  # failed: why (goes to the error log with the receiver's name)


class DeliveryStore(Protocol):
    """One connection's deliveries, as the delivery flow works them (``db/stores/deliveries.py``).

    Every method is its own short transaction: nothing is held open across a network call."""

    def connection_ref(self) -> ConnectionRef: ...

    def fan_out(self, limit: int) -> int:
        """Turn up to ``limit`` of the connection's outbox events newer than each receiver's cursor into
        deliveries (one per receiver and event, UNIQUE); returns how many events were read."""

    def due(self, receiver_id: int, limit: int) -> list[DueDelivery]:
        """Pending deliveries of the receiver whose next attempt is due, oldest first."""

    def snapshot(self, order_id: int, *, pii: bool) -> OrderSnapshot | None:
        """The order as it is now; with ``pii`` its ship-to and buyer name (decrypted). None: gone."""

    def record(self, outcomes: Sequence[AttemptOutcome], *, receiver_name: str) -> None:
        """Keep every attempt and the deliveries' new states; a failed one goes to the error log (H1)."""

    def skip(self, delivery_ids: Sequence[int], reason: str) -> None: ...

    def breaker(self, receiver_id: int) -> Breaker: ...

    def set_breaker(self, receiver_id: int, breaker: Breaker) -> None: ...

    def unacknowledged_batches(self, receiver_id: int) -> list[str]:
        """Names of the files written for the receiver whose acknowledgement was not seen yet."""

    def acknowledge_batches(self, receiver_id: int, batch_names: Sequence[str]) -> int: ...

    def next_due(self, receiver_id: int) -> datetime | None:
        """The earliest next attempt of the receiver's pending deliveries."""


class InboxOpener(Protocol):
    """Opens the inbox of a file receiver (``channels.inbox.open_inbox``; wired by ``bootstrap``)."""

    def open(self, spec: ReceiverSpec) -> Inbox:
        """The receiver's ``config["inbox"]``; an ``UpstreamError`` when it is not configured or unreachable."""
