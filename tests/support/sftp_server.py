"""A real SFTP server on loopback for the tests (asyncssh): the warehouse's side of the file drop and inbox.

The server runs in a background thread with its own event loop, listens on an ephemeral loopback port,
and chroots every client into a temporary root directory (the test reads and writes that directory as
the warehouse would). It accepts one user by password and by public key; its host key is generated per
server, and the test hands the client its public key (or fingerprint) as the pinned key: nothing here
disables host key checking. :meth:`SftpTestServer.stop` closes it cleanly (the port is then refused,
which is how a test makes the server "down"); :meth:`SftpTestServer.start` may bring it back on the same
port. ``fail_writes`` makes every write fail with an OS error (``errno.ENOSPC``: the disk is full).
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh
import pytest

USERNAME = "warehouse"
PASSWORD = "correct horse battery staple"  # the test server's only password (not a secret of the hub)


@dataclass(frozen=True, slots=True)
class ClientKey:
    """A client key pair: the private key as OpenSSH text (what a receiver's secrets hold)."""

    private_openssh: str
    public_openssh: str


def generate_client_key() -> ClientKey:
    key = asyncssh.generate_private_key("ssh-ed25519")
    return ClientKey(key.export_private_key().decode(), key.export_public_key().decode())


class _Server(asyncssh.SSHServer):
    def __init__(self, owner: SftpTestServer) -> None:
        self.owner = owner

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.owner.connections += 1
        self.owner.open_connections.add(conn)
        self.conn = conn

    def connection_lost(self, exc: Exception | None) -> None:
        self.owner.open_connections.discard(self.conn)

    def begin_auth(self, username: str) -> bool:
        return True  # authentication is always required

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == USERNAME and password == self.owner.password

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        return username == USERNAME and key.export_public_key() in self.owner.authorized_keys


class _SftpServer(asyncssh.SFTPServer):
    def __init__(self, chan: Any, owner: SftpTestServer) -> None:
        super().__init__(chan, chroot=str(owner.root).encode())
        self.owner = owner

    def write(self, file_obj: object, offset: int, data: bytes) -> int:
        if self.owner.fail_writes is not None:
            raise OSError(self.owner.fail_writes, os.strerror(self.owner.fail_writes))
        return super().write(file_obj, offset, data)


class SftpTestServer:
    """See the module's rules."""

    def __init__(self, root: Path, *, authorized_keys: tuple[str, ...] = (),
                 key_types: tuple[str, ...] = ("ssh-ed25519",)) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.host = "127.0.0.1"
        self.port = 0
        self.username = USERNAME
        self.password = PASSWORD
        self.authorized_keys: set[bytes] = {key.encode() for key in authorized_keys}
        self.fail_writes: int | None = None
        self.connections = 0  # SSH connections accepted so far
        self.open_connections: set[asyncssh.SSHServerConnection] = set()
        self.host_keys = [asyncssh.generate_private_key(kind) for kind in key_types]
        self.host_key = self.host_keys[0]
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="sftp-test-server", daemon=True)
        self._thread.start()
        self._server: asyncssh.SSHAcceptor | None = None

    @property
    def host_public_key(self) -> str:
        """The server's public host key, one OpenSSH line (what the receiver's config pins)."""
        return self.host_key.export_public_key().decode().strip()

    @property
    def host_fingerprint(self) -> str:
        return self.host_key.get_fingerprint("sha256")

    def authorize(self, public_openssh: str) -> None:
        self.authorized_keys.add(public_openssh.encode())

    def start(self) -> SftpTestServer:
        if self._server is None:
            self._server = self._call(self._listen())
            self.port = self._server.get_port()
        return self

    async def _listen(self) -> asyncssh.SSHAcceptor:
        return await asyncssh.create_server(
            lambda: _Server(self), self.host, self.port, server_host_keys=self.host_keys,
            sftp_factory=lambda chan: _SftpServer(chan, self), allow_scp=False, reuse_address=True)

    def stop(self) -> None:
        """Close the listener and every open session (the port is refused until :meth:`start`)."""
        if self._server is not None:
            server, self._server = self._server, None
            self._call(self._close(server))

    async def _close(self, server: asyncssh.SSHAcceptor) -> None:
        server.close()
        await server.wait_closed()
        for conn in list(self.open_connections):  # a server going down drops its clients too
            conn.close()
            await conn.wait_closed()

    def close(self) -> None:
        self.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=30)

    def config(self, directory: str = "/", **extra: Any) -> dict[str, Any]:
        """A receiver's ``config`` for this server, its host key pinned."""
        return {"host": self.host, "port": self.port, "username": self.username, "directory": directory,
                "host_key": self.host_public_key, **extra}


@pytest.fixture
def sftp_server(tmp_path: Path) -> Iterator[SftpTestServer]:
    """A started SFTP server on loopback, its root ``tmp_path / "sftp-root"``; closed after the test."""
    server = SftpTestServer(tmp_path / "sftp-root").start()
    try:
        yield server
    finally:
        server.close()
