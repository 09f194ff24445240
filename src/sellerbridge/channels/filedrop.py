"""File drop (B14): one file per batch of messages, to a local directory or an SFTP server.

Layout under the receiver's ``config["directory"]`` (docs/warehouse.md "File drop and SFTP"):

    orders/<batch>.json | orders/<batch>.csv   a batch, complete under this name only
    ack/<batch>.ack                            the warehouse's acknowledgement (any content), or
    orders/done/<batch>.<ext>                  the warehouse moved the file there once it took it

A file is written atomically (a temporary name in the same directory, flushed, then renamed: a reader
listing ``orders/`` sees a batch whole or not at all) with mode 0600 in directories created 0700
(buyer data may be inside, B13). The batch name (``batchfiles.batch_name``) is unique and sorts by time.
:meth:`send` answers an ``Attempt`` (``ok``, not yet ``acknowledged``, ``batch_name``); the delivery flow
asks :meth:`acknowledged` later. The receiver's failures (directory not writable, disk full, server down,
login refused, host key changed) are failed attempts with a message for a person, never exceptions; a
failed look for acknowledgements answers none acknowledged (asked again later).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from ..domain.ports.deliveries import Attempt, Message, ReceiverSpec
from . import batchfiles
from .localfs import private_dirs, write_atomic
from .sftp import SftpError, join, session, target_of

ORDERS, ACK, DONE = "orders", "ack", "done"
ACK_SUFFIX = ".ack"
CHECK_FILE = ".sellerbridge-check"  # written and removed by check(): a dot-name no reader takes


def _utc_now() -> datetime:
    return datetime.now(UTC)


class _Drop:
    def __init__(self, now: Callable[[], datetime] = _utc_now) -> None:
        self._now = now

    def _batch(self, receiver: ReceiverSpec, messages: Sequence[Message]) -> tuple[str, str, bytes]:
        """The batch's name, file name and bytes; ValueError for a format the hub does not write."""
        if not messages:
            raise ValueError("a batch needs at least one message")
        if receiver.file_format not in batchfiles.FORMATS:
            raise ValueError(f"the receiver's file format {receiver.file_format!r} is not one of "
                             f"{', '.join(batchfiles.FORMATS)}")
        batch = batchfiles.batch_name(self._now(), receiver.id, messages[0].delivery_id)
        file_format = receiver.file_format
        return batch, batchfiles.file_name(batch, file_format), batchfiles.render(batch, messages, file_format)


def acked_names(batch_names: Sequence[str], ack_entries: set[str], done_entries: set[str]) -> list[str]:
    """Of ``batch_names``, those with ``ack/<batch>.ack`` (or ``ack/<batch>.<ext>.ack``) or a file
    ``orders/done/<batch>.<ext>``."""
    acked = []
    for batch in batch_names:
        files = {batchfiles.file_name(batch, file_format) for file_format in batchfiles.FORMATS}
        marks = {batch + ACK_SUFFIX} | {name + ACK_SUFFIX for name in files}
        if ack_entries & marks or done_entries & files:
            acked.append(batch)
    return acked


def _plain_batches(batch_names: Sequence[str]) -> list[str]:
    """Only names the hub makes: nothing else may become a path."""
    return [name for name in batch_names if batchfiles.is_batch_name(name)]


class LocalDropTransport(_Drop):
    """``FileTransport`` into a local directory (``config["directory"]``)."""

    def send(self, receiver: ReceiverSpec, messages: Sequence[Message]) -> Attempt:
        started = time.monotonic()
        try:
            batch, name, data = self._batch(receiver, messages)
        except ValueError as exc:
            return _failed(started, str(exc))
        directory = receiver.config.get("directory")
        if not isinstance(directory, str) or not directory:
            return _failed(started, "the receiver has no directory (config directory)")
        orders = Path(directory) / ORDERS
        try:
            write_atomic(private_dirs(orders) / name, data)
        except OSError as exc:
            return _failed(started, f"cannot write {orders / name}: {exc.strerror or type(exc).__name__}")
        return _written(started, batch, name)

    def check(self, receiver: ReceiverSpec) -> Attempt:
        """Whether a batch could be written now (``receivers test``): a probe file written and removed."""
        started = time.monotonic()
        directory = receiver.config.get("directory")
        if not isinstance(directory, str) or not directory:
            return _failed(started, "the receiver has no directory (config directory)")
        probe = Path(directory) / ORDERS / CHECK_FILE
        try:
            write_atomic(private_dirs(probe.parent) / CHECK_FILE, b"sellerbridge")
            probe.unlink()
        except OSError as exc:
            return _failed(started, f"cannot write {probe}: {exc.strerror or type(exc).__name__}")
        return Attempt(ok=True, acknowledged=True, duration_ms=_ms(started), excerpt=f"{probe.parent} is writable")

    def acknowledged(self, receiver: ReceiverSpec, batch_names: Sequence[str]) -> list[str]:
        directory = receiver.config.get("directory")
        if not isinstance(directory, str) or not directory:
            return []
        root = Path(directory)
        return acked_names(_plain_batches(batch_names), _entries(root / ACK), _entries(root / ORDERS / DONE))


def _entries(directory: Path) -> set[str]:
    try:
        return {entry.name for entry in directory.iterdir() if entry.is_file()}
    except OSError:  # not there (nothing acknowledged yet) or unreadable: none acknowledged, asked again later
        return set()


class SftpDropTransport(_Drop):
    """``FileTransport`` to an SFTP server (``channels/sftp.py``: pinned host key, atomic put)."""

    def send(self, receiver: ReceiverSpec, messages: Sequence[Message]) -> Attempt:
        started = time.monotonic()
        try:
            batch, name, data = self._batch(receiver, messages)
        except ValueError as exc:
            return _failed(started, str(exc))
        try:
            target = target_of(receiver.config, receiver.secrets)
            orders = join(_remote_dir(receiver), ORDERS)
            with session(target) as sftp:
                sftp.makedirs(orders)
                sftp.put_atomic(join(orders, name), data)
        except SftpError as exc:
            return _failed(started, str(exc))
        return _written(started, batch, name)

    def acknowledged(self, receiver: ReceiverSpec, batch_names: Sequence[str]) -> list[str]:
        names = _plain_batches(batch_names)
        if not names:
            return []
        try:
            target = target_of(receiver.config, receiver.secrets)
            root = _remote_dir(receiver)
            with session(target) as sftp:
                acks = {name for name, is_file in sftp.listdir(join(root, ACK)) if is_file}
                done = {name for name, is_file in sftp.listdir(join(root, ORDERS, DONE)) if is_file}
        except SftpError:
            return []  # the server down: none acknowledged now, the delivery flow asks again later
        return acked_names(names, acks, done)

    def check(self, receiver: ReceiverSpec) -> Attempt:
        """Whether a batch could be written now (``receivers test``): login, host key, a probe file written
        and removed in ``orders/``; the inbox is listed too when the receiver has one."""
        started = time.monotonic()
        try:
            target = target_of(receiver.config, receiver.secrets)
            orders = join(_remote_dir(receiver), ORDERS)
            with session(target) as sftp:
                sftp.makedirs(orders)
                sftp.put_atomic(join(orders, CHECK_FILE), b"sellerbridge")
                sftp.remove(join(orders, CHECK_FILE))
                inbox = receiver.config.get("inbox")
                if isinstance(inbox, str) and inbox:
                    sftp.listdir(inbox)
        except SftpError as exc:
            return _failed(started, str(exc))
        return Attempt(ok=True, acknowledged=True, duration_ms=_ms(started),
                       excerpt=f"{target.where}{orders} is writable")


def _remote_dir(receiver: ReceiverSpec) -> str:
    directory = receiver.config.get("directory", ".")
    if not isinstance(directory, str) or not directory:
        raise SftpError("config", "the receiver's SFTP directory must be a path", retryable=False)
    return directory


def _written(started: float, batch: str, name: str) -> Attempt:
    return Attempt(ok=True, acknowledged=False, duration_ms=_ms(started), excerpt=f"{ORDERS}/{name}",
                   batch_name=batch)


def _failed(started: float, message: str) -> Attempt:
    return Attempt(ok=False, acknowledged=False, duration_ms=_ms(started), excerpt=message[:500])


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
