"""Files the warehouse leaves for the hub (C1: shipment files; D: stock files later), one :class:`Inbox` per place.

An inbox is a directory (local, or on an SFTP server). A file is taken only once it is complete: the
warehouse writes it under a temporary name (``.tmp``/``.part`` or a leading dot) and renames it, the same
rule our own file drop follows. :meth:`Inbox.done` moves a read file to ``processed/`` or, when some of
its rows were refused, to ``failed/`` with a ``<name>.errors.txt`` beside it that lists each refused row
by line number (nothing is lost: the valid rows were taken, the file stays for a person).

A place that cannot be read (the directory unreadable, the SFTP server down or refusing the login) is an
:class:`InboxError` / ``SftpError``, both ``UpstreamError``: the inbox flow's run fails (retryably when
waiting can help) and every file stays where it is for the next run. A file larger than
:data:`MAX_FILE_BYTES` is refused as a whole (``DomainError``): no warehouse writes such a shipment file.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..domain.common.errors import DomainError, UpstreamError
from ..domain.ports.deliveries import Inbox, ReceiverKind, ReceiverSpec
from .localfs import private_dirs, write_atomic
from .sftp import MAX_READ_BYTES, SftpError, SftpTarget, join, session, target_of

PARTIAL_SUFFIXES = (".tmp", ".part", ".partial")
PROCESSED, FAILED = "processed", "failed"
ERRORS_SUFFIX = ".errors.txt"
MAX_FILE_BYTES = MAX_READ_BYTES


class InboxError(UpstreamError):
    """The inbox's place cannot be read or written now (or is not configured: ``retryable`` False)."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


def is_complete_name(name: str) -> bool:
    """A file the warehouse has finished writing (not hidden, not a temporary name, not our report)."""
    return not name.startswith(".") and not name.endswith(PARTIAL_SUFFIXES) and not name.endswith(ERRORS_SUFFIX)


class LocalInbox:
    """``domain.ports.deliveries.Inbox`` in a local directory."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    def pending(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        try:
            return sorted(p.name for p in self.directory.iterdir() if p.is_file() and is_complete_name(p.name))
        except OSError as exc:
            raise InboxError(f"cannot list the inbox {self.directory}: {exc.strerror or type(exc).__name__}") from None

    def read(self, name: str) -> bytes:
        path = self.directory / _plain(name)
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise InboxError(f"cannot read {path}: {exc.strerror or type(exc).__name__}") from None
        return _within_limit(name, data)

    def done(self, name: str, *, ok: bool, report: str = "") -> None:
        target = self.directory / (PROCESSED if ok else FAILED)
        name = _plain(name)
        try:
            private_dirs(target)
            if report:
                write_atomic(target / f"{name}{ERRORS_SUFFIX}", report.encode("utf-8"))
            os.replace(self.directory / name, target / name)
        except OSError as exc:
            raise InboxError(f"cannot move {name} to {target}: {exc.strerror or type(exc).__name__}") from None


class SftpInbox:
    """``domain.ports.deliveries.Inbox`` in a directory of an SFTP server (one connection per operation)."""

    def __init__(self, target: SftpTarget, directory: str) -> None:
        self.target = target
        self.directory = directory

    def pending(self) -> list[str]:
        with session(self.target) as sftp:
            entries = sftp.listdir(self.directory)
        # The server's listing is its word: a name that is not a plain file name is nobody's shipment file.
        return sorted(name for name, is_file in entries if is_file and is_complete_name(name) and _is_plain(name))

    def read(self, name: str) -> bytes:
        path = join(self.directory, _plain(name))
        try:
            with session(self.target) as sftp:
                return sftp.read(path, limit=MAX_FILE_BYTES)
        except SftpError as exc:
            if exc.kind == "too_large":
                raise _too_large(name) from None
            raise

    def done(self, name: str, *, ok: bool, report: str = "") -> None:
        name = _plain(name)
        target = join(self.directory, PROCESSED if ok else FAILED)
        with session(self.target) as sftp:
            sftp.makedirs(target)
            if report:
                sftp.put_atomic(join(target, f"{name}{ERRORS_SUFFIX}"), report.encode("utf-8"))
            sftp.rename(join(self.directory, name), join(target, name))


class ChannelInboxes:
    """``domain.ports.deliveries.InboxOpener`` (wired by ``bootstrap``)."""

    def open(self, spec: ReceiverSpec) -> Inbox:
        return open_inbox(spec)


def open_inbox(spec: ReceiverSpec) -> Inbox:
    """The inbox of a file receiver: ``config["inbox"]`` is a local path (local_dir) or a remote directory
    (sftp, on the receiver's own server and login). InboxError / SftpError when it is not configured."""
    directory = spec.config.get("inbox")
    if not isinstance(directory, str) or not directory.strip():
        raise InboxError(f"receiver {spec.name!r} has no inbox directory (config inbox)", retryable=False)
    if spec.kind is ReceiverKind.LOCAL_DIR:
        return LocalInbox(directory)
    if spec.kind is ReceiverKind.SFTP:
        return SftpInbox(target_of(spec.config, spec.secrets), directory)
    raise InboxError(f"receiver {spec.name!r} ({spec.kind.value}) cannot have a file inbox", retryable=False)


def _within_limit(name: str, data: bytes) -> bytes:
    if len(data) > MAX_FILE_BYTES:
        raise _too_large(name)
    return data


def _too_large(name: str) -> DomainError:
    return DomainError("file_too_large", f"{name} is larger than {MAX_FILE_BYTES} bytes: not a shipment file")


def _is_plain(name: str) -> bool:
    return bool(name) and name not in {".", ".."} and "/" not in name and "\\" not in name and "\0" not in name


def _plain(name: str) -> str:
    """A file name inside the inbox, never a path out of it."""
    if not _is_plain(name):
        raise ValueError(f"not a file name of the inbox: {name!r}")
    return name
