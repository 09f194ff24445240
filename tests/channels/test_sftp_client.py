"""The SFTP client (channels/sftp.py) against a real asyncssh server on loopback (B14, C1)."""

from __future__ import annotations

import errno

import asyncssh
import pytest

from sellerbridge.channels.sftp import SftpError, session, target_of
from tests.support.sftp_server import PASSWORD, SftpTestServer, generate_client_key


def password_target(server: SftpTestServer, **config):
    return target_of({**server.config(), **config}, {"password": server.password})


def test_b14_put_atomic_leaves_only_the_complete_file(sftp_server: SftpTestServer) -> None:
    with session(password_target(sftp_server)) as sftp:
        sftp.makedirs("/drop/orders")
        sftp.put_atomic("/drop/orders/a.json", b'{"one": 1}')
        sftp.put_atomic("/drop/orders/a.json", b'{"two": 2}')  # replaced whole (posix-rename)
        listed = sftp.listdir("/drop/orders")
        assert sftp.read("/drop/orders/a.json") == b'{"two": 2}'
    assert listed == [("a.json", True)]
    assert sorted(p.name for p in (sftp_server.root / "drop" / "orders").iterdir()) == ["a.json"]
    assert (sftp_server.root / "drop" / "orders" / "a.json").stat().st_mode & 0o777 == 0o600


def test_b14_operations_list_read_rename_mkdir(sftp_server: SftpTestServer) -> None:
    (sftp_server.root / "in").mkdir()
    (sftp_server.root / "in" / "s.csv").write_bytes("order,qty\n®,1\n".encode())
    with session(password_target(sftp_server)) as sftp:
        assert sftp.listdir("/nothing-here") == []
        sftp.makedirs("/in/processed/deeper")
        sftp.makedirs("/in/processed/deeper")  # mkdir -p: no error when it exists
        assert sorted(sftp.listdir("/in")) == [("processed", False), ("s.csv", True)]
        assert sftp.read("/in/s.csv").decode() == "order,qty\n®,1\n"
        sftp.rename("/in/s.csv", "/in/processed/s.csv")
        assert sftp.exists("/in/processed/s.csv") and not sftp.exists("/in/s.csv")
    assert (sftp_server.root / "in" / "processed" / "s.csv").is_file()


def test_b14_the_client_is_chrooted_to_the_servers_root(sftp_server: SftpTestServer) -> None:
    with session(password_target(sftp_server)) as sftp:
        sftp.put_atomic("/../../escape.txt", b"x")
    assert (sftp_server.root / "escape.txt").read_bytes() == b"x"


def test_b14_public_key_login(sftp_server: SftpTestServer) -> None:
    key = generate_client_key()
    sftp_server.authorize(key.public_openssh)
    target = target_of(sftp_server.config(), {"private_key": key.private_openssh})
    with session(target) as sftp:
        sftp.put_atomic("/k.txt", b"key")
    assert (sftp_server.root / "k.txt").read_bytes() == b"key"


def test_b14_host_key_pinned_by_fingerprint(sftp_server: SftpTestServer) -> None:
    config = {**sftp_server.config(), "host_key": None, "host_key_fingerprint": sftp_server.host_fingerprint}
    with session(target_of(config, {"password": PASSWORD})) as sftp:
        assert sftp.listdir("/") == []


def test_b14_a_wrong_host_key_is_refused_with_both_fingerprints(sftp_server: SftpTestServer) -> None:
    other = asyncssh.generate_private_key("ssh-ed25519")
    target = password_target(sftp_server, host_key=other.export_public_key().decode())
    with pytest.raises(SftpError) as refused, session(target) as sftp:
        sftp.put_atomic("/x", b"x")
    assert refused.value.kind == "host_key" and not refused.value.retryable
    assert sftp_server.host_fingerprint in str(refused.value) and other.get_fingerprint("sha256") in str(refused.value)
    assert not (sftp_server.root / "x").exists()


def test_b14_a_wrong_fingerprint_is_refused(sftp_server: SftpTestServer) -> None:
    config = {**sftp_server.config(), "host_key": None, "host_key_fingerprint": "SHA256:" + "A" * 43}
    with pytest.raises(SftpError) as refused, session(target_of(config, {"password": PASSWORD})):
        pass
    assert refused.value.kind == "host_key"


def test_b14_no_pinned_host_key_is_refused_before_connecting(sftp_server: SftpTestServer) -> None:
    with pytest.raises(SftpError) as refused:
        target_of({**sftp_server.config(), "host_key": None}, {"password": PASSWORD})
    assert refused.value.kind == "config" and "host_key" in str(refused.value)


def test_b14_a_wrong_password_is_refused_clearly_without_the_password(sftp_server: SftpTestServer) -> None:
    wrong = "hunter2-not-it"
    with pytest.raises(SftpError) as refused, session(target_of(sftp_server.config(), {"password": wrong})):
        pass
    assert refused.value.kind == "auth" and not refused.value.retryable
    assert "refused the login" in str(refused.value) and wrong not in str(refused.value)
    assert wrong not in repr(target_of(sftp_server.config(), {"password": wrong}))


def test_b14_server_down_is_unreachable_and_retryable(sftp_server: SftpTestServer) -> None:
    target = password_target(sftp_server)
    sftp_server.stop()
    with pytest.raises(SftpError) as down, session(target):
        pass
    assert down.value.kind == "unreachable" and down.value.retryable
    assert f"127.0.0.1:{sftp_server.port}" in str(down.value)
    sftp_server.start()  # back on the same port
    with session(target) as sftp:
        assert sftp.listdir("/") == []


@pytest.mark.parametrize(("fault", "kind"), [(errno.ENOSPC, "disk_full"), (errno.EACCES, "permission")])
def test_b14_a_failed_write_is_explained_and_leaves_no_part_file(sftp_server: SftpTestServer, fault: int,
                                                                 kind: str) -> None:
    sftp_server.fail_writes = fault
    with pytest.raises(SftpError) as failed, session(password_target(sftp_server)) as sftp:
        sftp.put_atomic("/big.json", b"x" * 1000)
    assert failed.value.kind == kind
    assert "/big.json.part" in str(failed.value)
    assert list(sftp_server.root.iterdir()) == []


def test_b14_read_above_the_limit_is_refused(sftp_server: SftpTestServer) -> None:
    (sftp_server.root / "big").write_bytes(b"x" * 100)
    with pytest.raises(SftpError) as refused, session(password_target(sftp_server)) as sftp:
        sftp.read("/big", limit=10)
    assert refused.value.kind == "too_large"


@pytest.mark.parametrize(("config", "secrets", "words"), [
    ({"username": "u", "host_key_fingerprint": "SHA256:x"}, {"password": "p"}, "host and a username"),
    ({"host": "h", "username": "u", "port": 70000, "host_key_fingerprint": "SHA256:x"}, {"password": "p"}, "port"),
    ({"host": "h", "username": "u", "host_key": "not a key"}, {"password": "p"}, "not an OpenSSH public key"),
    ({"host": "h", "username": "u", "host_key_fingerprint": "MD5:aa"}, {"password": "p"}, "SHA256"),
    ({"host": "h", "username": "u", "host_key_fingerprint": "SHA256:x"}, {}, "no password or private key"),
])
def test_b14_a_bad_receiver_config_is_a_clear_config_error(config, secrets, words) -> None:
    with pytest.raises(SftpError) as refused:
        target_of(config, secrets)
    assert refused.value.kind == "config" and words in str(refused.value)


def test_b14_a_server_that_never_answers_is_a_retryable_timeout(sftp_server: SftpTestServer) -> None:
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the TCP connection, never says a word of SSH
    try:
        config = {**sftp_server.config(), "port": listener.getsockname()[1], "timeout_seconds": 0.3}
        with pytest.raises(SftpError) as slow, session(target_of(config, {"password": PASSWORD})):
            pass
    finally:
        listener.close()
    assert slow.value.kind == "timeout" and slow.value.retryable


def test_b14_without_posix_rename_the_old_file_is_replaced(sftp_server: SftpTestServer, monkeypatch) -> None:
    extensions = [(name, data) for name, data in asyncssh.sftp.SFTPServerHandler._extensions
                  if name != b"posix-rename@openssh.com"]
    monkeypatch.setattr(asyncssh.sftp.SFTPServerHandler, "_extensions", extensions)  # a plain SFTP v3 server
    with session(password_target(sftp_server)) as sftp:
        sftp.put_atomic("/a.json", b"one")
        sftp.put_atomic("/a.json", b"two")
    assert [p.name for p in sftp_server.root.iterdir()] == ["a.json"]
    assert (sftp_server.root / "a.json").read_bytes() == b"two"


def test_b14_the_pinned_key_is_negotiated_when_the_server_has_several(tmp_path) -> None:
    server = SftpTestServer(tmp_path / "root", key_types=("ssh-ed25519", "ecdsa-sha2-nistp256")).start()
    try:
        second = server.host_keys[1].export_public_key().decode()
        with session(target_of({**server.config(), "host_key": second}, {"password": PASSWORD})) as sftp:
            assert sftp.listdir("/") == []
    finally:
        server.close()


def test_b14_an_encrypted_private_key_with_its_passphrase(sftp_server: SftpTestServer) -> None:
    key = asyncssh.generate_private_key("ssh-ed25519")
    sftp_server.authorize(key.export_public_key().decode())
    # PKCS#8 PEM: an encrypted OpenSSH-format key needs bcrypt, which the hub does not depend on
    encrypted = key.export_private_key("pkcs8-pem", passphrase="open sesame").decode()
    with session(target_of(sftp_server.config(), {"private_key": encrypted,
                                                  "private_key_passphrase": "open sesame"})) as sftp:
        assert sftp.listdir("/") == []
    with pytest.raises(SftpError) as wrong, session(target_of(sftp_server.config(), {
            "private_key": encrypted, "private_key_passphrase": "not it"})):
        pass
    assert wrong.value.kind == "config" and "not it" not in str(wrong.value)
    with pytest.raises(SftpError) as garbage, session(target_of(sftp_server.config(), {"private_key": "garbage"})):
        pass
    assert garbage.value.kind == "config" and "private key" in str(garbage.value)


def test_b14_a_reader_never_sees_a_partial_batch_under_its_final_name(sftp_server: SftpTestServer) -> None:
    import threading

    data = b"x" * (4 * 1024 * 1024)
    final = sftp_server.root / "orders" / "big.json"
    seen: list[int] = []
    stop = threading.Event()

    def reader() -> None:  # the warehouse, listing and reading while the hub writes
        while not stop.is_set():
            if final.exists():
                seen.append(len(final.read_bytes()))

    with session(password_target(sftp_server)) as sftp:
        sftp.makedirs("/orders")
        watcher = threading.Thread(target=reader)
        watcher.start()
        try:
            sftp.put_atomic("/orders/big.json", data)
        finally:
            stop.set()
            watcher.join()
    assert final.read_bytes() == data
    assert all(size == len(data) for size in seen)  # whenever the name was there, the whole file was


def test_b14_the_machines_own_ssh_keys_are_never_used(sftp_server: SftpTestServer, tmp_path, monkeypatch) -> None:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    own = generate_client_key()  # the hub user's own key, which the warehouse's server would accept
    (home / ".ssh" / "id_ed25519").write_text(own.private_openssh)
    (home / ".ssh" / "id_ed25519").chmod(0o600)
    sftp_server.authorize(own.public_openssh)
    monkeypatch.setenv("HOME", str(home))
    with pytest.raises(SftpError) as refused, session(target_of(sftp_server.config(), {"password": "wrong"})):
        pass
    assert refused.value.kind == "auth"  # only the receiver's own credentials are tried


def test_b14_the_test_server_stops_cleanly(tmp_path) -> None:
    import socket

    server = SftpTestServer(tmp_path / "root").start()
    with session(target_of(server.config(), {"password": PASSWORD})) as sftp:
        sftp.put_atomic("/a", b"a")
        server.close()  # with a client connected
    assert not server._thread.is_alive()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", server.port), timeout=2):
        pass
