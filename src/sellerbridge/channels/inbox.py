"""Files the warehouse leaves for the hub (C1: shipment files; D: stock files later), one :class:`Inbox` per place.

An inbox is a directory (local, or on an SFTP server). A file is taken only once it is complete: the
warehouse writes it under a temporary name (``.tmp``/``.part`` or a leading dot) and renames it, the same
rule our own file drop follows. :meth:`Inbox.done` moves a read file to ``processed/`` or, when some of
its rows were refused, to ``failed/`` with a ``<name>.errors.txt`` beside it that lists each refused row
by line number (nothing is lost: the valid rows were taken, the file stays for a person).

A moved file never replaces another: when ``processed/`` or ``failed/`` already holds a file of that
name (the warehouse re-used a name), the new one is stored as ``<stem>-2<suffix>`` (then ``-3``...), so
no earlier file and no earlier errors report is lost. An SFTP inbox keeps one connection for one run's
operations (:meth:`SftpInbox.close` ends it; the flow closes every inbox it opened).

A place that cannot be read (the directory unreadable, the SFTP server down or refusing the login) is an
:class:`InboxError` / ``SftpError``, both ``UpstreamError``: the inbox flow's run fails (retryably when
waiting can help) and every file stays where it is for the next run. A file larger than
:data:`MAX_FILE_BYTES` is refused as a whole (``DomainError``): no warehouse writes such a shipment file.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path, PurePosixPath
from typing import Any

from ..domain.common.errors import DomainError, UpstreamError
from ..domain.ports.deliveries import Inbox, ReceiverKind, ReceiverSpec
from .localfs import private_dirs, write_atomic
from .sftp import MAX_READ_BYTES, SftpError, SftpSession, SftpTarget, join, session, target_of

PARTIAL_SUFFIXES = (".tmp", ".part", ".partial")
PROCESSED, FAILED = "processed", "failed"
ERRORS_SUFFIX = ".errors.txt"
MAX_SAME_NAME = 1000  # copies of one name kept in processed/ or failed/; past it, the plain name is replaced
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
            moved = free_name(name, lambda candidate: (target / candidate).exists())
            if report:
                write_atomic(target / f"{moved}{ERRORS_SUFFIX}", report.encode("utf-8"))
            os.replace(self.directory / name, target / moved)
        except OSError as exc:
            raise InboxError(f"cannot move {name} to {target}: {exc.strerror or type(exc).__name__}") from None

    def close(self) -> None:
        """Nothing held open."""


class SftpInbox:
    """``domain.ports.deliveries.Inbox`` in a directory of an SFTP server: one connection, opened at the
    first operation and kept until :meth:`close` (or dropped after a failure: the next call reconnects)."""

    def __init__(self, target: SftpTarget, directory: str) -> None:
        self.target = target
        self.directory = directory
        self._stack: ExitStack | None = None
        self._session: SftpSession | None = None

    def pending(self) -> list[str]:
        entries = self._do(lambda sftp: sftp.listdir(self.directory))
        # The server's listing is its word: a name that is not a plain file name is nobody's shipment file.
        return sorted(name for name, is_file in entries if is_file and is_complete_name(name) and _is_plain(name))

    def read(self, name: str) -> bytes:
        path = join(self.directory, _plain(name))
        try:
            return self._do(lambda sftp: sftp.read(path, limit=MAX_FILE_BYTES))
        except SftpError as exc:
            if exc.kind == "too_large":
                raise _too_large(name) from None
            raise

    def done(self, name: str, *, ok: bool, report: str = "") -> None:
        name = _plain(name)
        target = join(self.directory, PROCESSED if ok else FAILED)

        def move(sftp: SftpSession) -> None:
            sftp.makedirs(target)
            moved = free_name(name, lambda candidate: sftp.exists(join(target, candidate)))
            if report:
                sftp.put_atomic(join(target, f"{moved}{ERRORS_SUFFIX}"), report.encode("utf-8"))
            sftp.rename(join(self.directory, name), join(target, moved))
        self._do(move)

    def close(self) -> None:
        if self._stack is not None:
            stack, self._stack, self._session = self._stack, None, None
            stack.close()

    def _do(self, work: Callable[[SftpSession], Any]) -> Any:
        try:
            if self._session is None:
                stack = ExitStack()
                self._session = stack.enter_context(session(self.target))
                self._stack = stack
            return work(self._session)
        except SftpError:
            self.close()  # the connection may be broken: the next operation opens a new one
            raise


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


def free_name(name: str, taken: Callable[[str], bool]) -> str:
    """``name``, or ``<stem>-2<suffix>``, ``-3``... the first that is not ``taken`` (see the module's rules)."""
    if not taken(name):
        return name
    path = PurePosixPath(name)
    stem, suffix = (path.stem, path.suffix) if path.stem else (name, "")
    for number in range(2, MAX_SAME_NAME + 1):
        candidate = f"{stem}-{number}{suffix}"
        if not taken(candidate):
            return candidate
    return name


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
