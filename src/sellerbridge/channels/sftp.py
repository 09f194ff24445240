"""A small synchronous SFTP client (B14 file drop, C1 shipment inbox) over asyncssh.

The hub's flows are synchronous: :func:`session` opens one SSH connection on a private event loop for a
batch of operations and closes both at the end (never a loop shared with anyone else; a thread that
already runs an event loop is refused). Every step has a named timeout.

Rules:

- **The host key is pinned, always.** A receiver's config holds the server's public host key
  (``host_key``: one OpenSSH line, ``ssh-ed25519 AAAA...``) or its fingerprint (``host_key_fingerprint``:
  ``SHA256:...``, as ``ssh-keygen -lf`` prints it). A receiver with neither is refused before any
  connection; a server presenting another key is refused with both fingerprints in the message (a key
  is public; the message is for the person who must decide whether the change was expected).
- **Credentials** come from the receiver's secrets: ``password`` or ``private_key`` (OpenSSH or PEM
  text, with ``private_key_passphrase`` when it is encrypted). They never appear in a message.
- **Errors are values for a person**: :class:`SftpError` (an ``UpstreamError``, so a flow fails its run
  as it does for Amazon) with a ``kind`` (unreachable, timeout, host_key, auth, permission, not_found,
  disk_full, config, failed), a message naming the host, port and path, and ``retryable`` (the server
  down or slow: yes; a refused key or login, a missing permission: a person must act first).
- **A file appears complete or not at all**: :meth:`SftpSession.put_atomic` writes ``<name>.part``,
  then renames it over the final name with the ``posix-rename@openssh.com`` extension when the server
  offers it, else removes the old file and renames (a plain SFTP v3 rename refuses an existing target).
"""

from __future__ import annotations

import asyncio
import posixpath
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import asyncssh

from ..domain.common.errors import UpstreamError

# Named timeouts (seconds). A warehouse's SFTP server is on the internet, often slow to greet: a TCP
# connect longer than CONNECT is a server down; the SSH handshake and login get LOGIN; one file
# operation (a batch file of a few MB) gets OPERATION. A receiver may override them (``timeout_seconds``).
CONNECT_TIMEOUT = 10.0
LOGIN_TIMEOUT = 20.0
OPERATION_TIMEOUT = 60.0
PART_SUFFIX = ".part"
MAX_READ_BYTES = 64 * 1024 * 1024  # a shipment file larger than this is not a warehouse's file


class SftpError(UpstreamError):
    """One SFTP operation batch failed as a whole; ``kind`` says how, the message says what to do."""

    def __init__(self, kind: str, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.kind = kind
        self.retryable = retryable


@dataclass(frozen=True, slots=True)
class SftpTarget:
    """Where to connect and as whom, from a receiver's config and secrets (``repr`` hides the secrets)."""

    host: str
    port: int
    username: str
    host_key: str | None = None
    host_key_fingerprint: str | None = None
    password: str | None = None
    private_key: str | None = None
    private_key_passphrase: str | None = None
    timeout: float | None = None

    def __repr__(self) -> str:
        return f"SftpTarget({self.username}@{self.host}:{self.port})"

    @property
    def where(self) -> str:
        return f"sftp://{self.username}@{self.host}:{self.port}"


def target_of(config: Mapping[str, Any], secrets: Mapping[str, Any]) -> SftpTarget:
    """The target of a receiver's config; ``SftpError(kind="config")`` names what is missing or wrong."""
    def text(source: Mapping[str, Any], key: str) -> str | None:
        value = source.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise SftpError("config", f"the receiver's SFTP {key} must be text", retryable=False)
        return value

    host, username = text(config, "host"), text(config, "username")
    if host is None or username is None:
        raise SftpError("config", "the receiver's SFTP config needs a host and a username", retryable=False)
    port = config.get("port", 22)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise SftpError("config", "the receiver's SFTP port must be a number from 1 to 65535", retryable=False)
    host_key, fingerprint = text(config, "host_key"), text(config, "host_key_fingerprint")
    if host_key is None and fingerprint is None:
        raise SftpError("config", f"no host key pinned for {host}:{port}: set the receiver's host_key (the "
                        "server's public key line) or host_key_fingerprint (SHA256:...)", retryable=False)
    if host_key is not None:
        try:
            asyncssh.import_public_key(host_key)
        except (asyncssh.KeyImportError, ValueError):
            raise SftpError("config", f"the pinned host_key for {host}:{port} is not an OpenSSH public key line",
                            retryable=False) from None
    if fingerprint is not None and not fingerprint.startswith("SHA256:"):
        raise SftpError("config", "host_key_fingerprint must be a SHA256 fingerprint (SHA256:...)", retryable=False)
    password, private_key = text(secrets, "password"), text(secrets, "private_key")
    if password is None and private_key is None:
        raise SftpError("config", f"no password or private key for {username}@{host}: set the receiver's "
                        "secrets", retryable=False)
    timeout = config.get("timeout_seconds")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0):
        raise SftpError("config", "timeout_seconds must be a positive number", retryable=False)
    return SftpTarget(host, port, username, host_key, fingerprint, password, private_key,
                      text(secrets, "private_key_passphrase"), float(timeout) if timeout else None)


class _PinnedClient(asyncssh.SSHClient):
    """Accepts only the pinned key (compared by key or by fingerprint) and remembers the key it saw."""

    def __init__(self, target: SftpTarget) -> None:
        self.target = target
        self.seen: str | None = None

    def validate_host_public_key(self, host: str, addr: str, port: int, key: asyncssh.SSHKey) -> bool:
        self.seen = key.get_fingerprint("sha256")
        if self.target.host_key is not None:
            return key == asyncssh.import_public_key(self.target.host_key)
        return self.seen == self.target.host_key_fingerprint


class SftpSession:
    """One connection's operations (paths are the server's, POSIX); each step under its timeout."""

    def __init__(self, target: SftpTarget, loop: asyncio.AbstractEventLoop, client: asyncssh.SFTPClient) -> None:
        self.target = target
        self._loop = loop
        self._sftp = client

    def _run(self, what: str, path: str, coroutine: Any) -> Any:
        timeout = self.target.timeout or OPERATION_TIMEOUT
        try:
            return self._loop.run_until_complete(asyncio.wait_for(coroutine, timeout))
        except Exception as exc:
            raise _explained(exc, self.target, f"{what} {path}") from None

    def listdir(self, path: str) -> list[tuple[str, bool]]:
        """``(name, is_file)`` of the directory's entries, without ``.`` and ``..``; [] when it does not exist."""
        async def work() -> list[tuple[str, bool]]:
            try:
                entries = await self._sftp.readdir(path)
            except asyncssh.SFTPNoSuchFile:
                return []
            return [(str(entry.filename), entry.attrs.type == asyncssh.FILEXFER_TYPE_REGULAR)
                    for entry in entries if entry.filename not in (".", "..")]
        return self._run("list", path, work())

    def exists(self, path: str) -> bool:
        return self._run("look at", path, self._sftp.exists(path))

    def read(self, path: str, *, limit: int = MAX_READ_BYTES) -> bytes:
        """The file's bytes; ``SftpError(kind="too_large")`` above ``limit``."""
        async def work() -> bytes:
            async with self._sftp.open(path, "rb") as handle:
                data = await handle.read(limit + 1)
            return data if isinstance(data, bytes) else data.encode()
        data = self._run("read", path, work())
        if len(data) > limit:
            raise SftpError("too_large", f"{path} on {self.target.where} is larger than {limit} bytes", retryable=False)
        return data

    def makedirs(self, path: str) -> None:
        """``mkdir -p`` (0700 where the server honours modes)."""
        self._run("create the directory", path,
                  self._sftp.makedirs(path, attrs=asyncssh.SFTPAttrs(permissions=0o700), exist_ok=True))

    def rename(self, old: str, new: str) -> None:
        """Move ``old`` to ``new``, replacing it (posix-rename when offered, else remove then rename)."""
        async def work() -> None:
            try:
                await self._sftp.posix_rename(old, new)
            except asyncssh.SFTPOpUnsupported:
                with suppress(asyncssh.SFTPNoSuchFile):
                    await self._sftp.remove(new)
                await self._sftp.rename(old, new)
        self._run("rename", f"{old} to {new}", work())

    def put_atomic(self, path: str, data: bytes) -> None:
        """Write ``<path>.part`` (0600), then rename it to ``path``: a reader sees the whole file or none."""
        part = path + PART_SUFFIX

        async def work() -> None:
            async with self._sftp.open(part, "wb", attrs=asyncssh.SFTPAttrs(permissions=0o600)) as handle:
                await handle.write(data)
        try:
            self._run("write", part, work())
        except SftpError:
            with suppress(SftpError):  # a half-written .part is no one's file: leave no litter when we can
                self._run("remove", part, self._sftp.remove(part))
            raise
        self.rename(part, path)

    def remove(self, path: str) -> None:
        self._run("remove", path, self._sftp.remove(path))

    def put(self, path: str, data: bytes) -> None:
        """Write a small file as it is (a report beside a file a person reads)."""
        async def work() -> None:
            async with self._sftp.open(path, "wb", attrs=asyncssh.SFTPAttrs(permissions=0o600)) as handle:
                await handle.write(data)
        self._run("write", path, work())


@contextmanager
def session(target: SftpTarget) -> Iterator[SftpSession]:
    """One SSH connection and SFTP channel on a private event loop, closed at the end (see the module)."""
    with suppress(RuntimeError):
        asyncio.get_running_loop()
        raise SftpError("failed", "the SFTP client cannot run inside an event loop: call it from a worker thread",
                        retryable=False)
    loop = asyncio.new_event_loop()
    client = _PinnedClient(target)
    connection: asyncssh.SSHClientConnection | None = None
    try:
        try:
            connection, sftp = loop.run_until_complete(_open(target, client))
        except Exception as exc:
            raise _explained(exc, target, "connect", seen=client.seen) from None
        yield SftpSession(target, loop, sftp)
    finally:
        if connection is not None:
            connection.close()
            with suppress(Exception):
                loop.run_until_complete(asyncio.wait_for(connection.wait_closed(), CONNECT_TIMEOUT))
        loop.close()


async def _open(target: SftpTarget, client: _PinnedClient) -> tuple[asyncssh.SSHClientConnection, Any]:
    keys = []
    if target.private_key is not None:
        try:
            keys = [asyncssh.import_private_key(target.private_key, target.private_key_passphrase)]
        except (asyncssh.KeyImportError, ValueError):
            raise SftpError("config", f"the private key for {target.where} cannot be read (wrong format or "
                            "passphrase)", retryable=False) from None
    timeout = target.timeout
    # The pinned key is the only trusted one (its algorithm is then the one negotiated, so a server with
    # several host keys presents this one); a pinned fingerprint trusts no key up front. Every other key
    # goes through _PinnedClient.validate_host_public_key. Never ``known_hosts=None``: that switches host
    # key checking off.
    pinned = [asyncssh.import_public_key(target.host_key)] if target.host_key is not None else []
    connection = await asyncssh.connect(
        # client_keys None, not []: an empty list makes asyncssh load the machine's own ~/.ssh keys
        target.host, target.port, username=target.username, password=target.password, client_keys=keys or None,
        known_hosts=(pinned, [], []), client_factory=lambda: client, agent_path=None, config=None,
        ignore_encrypted=True, connect_timeout=timeout or CONNECT_TIMEOUT, login_timeout=timeout or LOGIN_TIMEOUT,
        preferred_auth=("publickey", "password") if keys else ("password",))
    try:
        sftp = await asyncio.wait_for(connection.start_sftp_client(), timeout or OPERATION_TIMEOUT)
    except BaseException:
        connection.close()
        raise
    return connection, sftp


def _explained(exc: BaseException, target: SftpTarget, what: str, *, seen: str | None = None) -> SftpError:
    """An SFTP or SSH failure as a message for a person (host, port, path; never a secret)."""
    where = target.where
    if isinstance(exc, SftpError):
        return exc
    if isinstance(exc, asyncssh.HostKeyNotVerifiable):
        pinned = target.host_key_fingerprint or host_key_fingerprint(target.host_key)
        return SftpError("host_key", f"{target.host}:{target.port} presented host key {seen or 'unknown'}, not the "
                         f"pinned {pinned}: refused (if the server's key changed on purpose, pin the new one)",
                         retryable=False)
    if isinstance(exc, asyncssh.PermissionDenied):
        return SftpError("auth", f"{where} refused the login (wrong password or key, or the user is not "
                         "allowed): check the receiver's credentials", retryable=False)
    if isinstance(exc, asyncssh.SFTPPermissionDenied):
        return SftpError("permission", f"{where}: permission denied to {what}", retryable=False)
    if isinstance(exc, asyncssh.SFTPNoSuchFile | asyncssh.SFTPNoSuchPath):
        return SftpError("not_found", f"{where}: cannot {what}: no such file or directory", retryable=False)
    if isinstance(exc, asyncssh.SFTPNoSpaceOnFilesystem | asyncssh.SFTPQuotaExceeded) or (
            isinstance(exc, asyncssh.SFTPError) and _says_full(exc.reason)):
        return SftpError("disk_full", f"{where}: cannot {what}: the server's disk or quota is full", retryable=True)
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return SftpError("timeout", f"{where} did not answer in time ({what})", retryable=True)
    if isinstance(exc, asyncssh.SFTPError):
        return SftpError("failed", f"{where}: cannot {what}: {_short(exc.reason)}", retryable=True)
    if isinstance(exc, asyncssh.DisconnectError | asyncssh.ChannelOpenError):
        return SftpError("unreachable", f"{where} closed the connection ({what}): {_short(exc.reason)}",
                         retryable=True)
    if isinstance(exc, OSError):
        return SftpError("unreachable", f"{where} cannot be reached ({exc.strerror or type(exc).__name__})",
                         retryable=True)
    return SftpError("failed", f"{where}: {what} failed ({type(exc).__name__})", retryable=True)


def _says_full(reason: str) -> bool:
    text = (reason or "").lower()
    return "no space" in text or "quota" in text or "disk full" in text


def _short(text: str) -> str:
    """The server's own words, shortened (they are the server's: no secret of ours can be in them)."""
    return " ".join(str(text or "").split())[:200] or "no reason given"


def host_key_fingerprint(host_key: str | None) -> str:
    """The SHA256 fingerprint of an OpenSSH public key line (to show a pinned key to a person)."""
    if host_key is None:
        return "none"
    with suppress(asyncssh.KeyImportError, ValueError):
        return asyncssh.import_public_key(host_key).get_fingerprint("sha256")
    return "an unreadable key"


def join(*parts: str) -> str:
    """A server path (POSIX), whatever the hub's own OS."""
    return posixpath.join(*parts)
