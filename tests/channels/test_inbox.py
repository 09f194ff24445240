"""The shipment inbox (C1): complete files only, processed/failed moves with the errors report (channels/inbox.py)."""

from __future__ import annotations

import pytest

from sellerbridge.channels.inbox import InboxError, LocalInbox, SftpInbox, open_inbox
from sellerbridge.channels.sftp import SftpError
from sellerbridge.domain.common.errors import DomainError
from sellerbridge.domain.ports.deliveries import ReceiverKind, ReceiverSpec
from tests.channels.messages import local_receiver, sftp_receiver
from tests.support.sftp_server import SftpTestServer


def fill(directory) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "b-shipments.csv").write_text("order,qty\n1,1\n")
    (directory / "a-shipments.csv").write_text("order,qty\n2,2\n")
    (directory / "c-shipments.csv.part").write_text("order,qty\n3,")  # the warehouse still writing it
    (directory / "d.tmp").write_text("")
    (directory / ".hidden.csv").write_text("")
    (directory / "old.csv.errors.txt").write_text("line 2: x")
    (directory / "processed").mkdir(exist_ok=True)


def check_moves(inbox, directory) -> None:
    assert inbox.pending() == ["a-shipments.csv", "b-shipments.csv"]  # complete files only, oldest name first
    assert inbox.read("a-shipments.csv") == b"order,qty\n2,2\n"
    inbox.done("a-shipments.csv", ok=True)
    inbox.done("b-shipments.csv", ok=False, report="line 2: quantity: 1 is above the 0 left to ship\n")
    assert (directory / "processed" / "a-shipments.csv").read_text() == "order,qty\n2,2\n"
    assert (directory / "failed" / "b-shipments.csv").is_file()
    assert (directory / "failed" / "b-shipments.csv.errors.txt").read_text() == (
        "line 2: quantity: 1 is above the 0 left to ship\n")
    assert inbox.pending() == []
    (directory / "c-shipments.csv.part").rename(directory / "c-shipments.csv")  # the warehouse finished it
    assert inbox.pending() == ["c-shipments.csv"]


def test_c1_local_inbox_complete_files_and_moves(tmp_path) -> None:
    directory = tmp_path / "inbox"
    fill(directory)
    inbox = open_inbox(local_receiver(tmp_path / "drop", inbox=str(directory)))
    assert isinstance(inbox, LocalInbox)
    check_moves(inbox, directory)
    assert (directory / "failed").stat().st_mode & 0o777 == 0o700
    assert (directory / "failed" / "b-shipments.csv.errors.txt").stat().st_mode & 0o777 == 0o600


def test_c1_sftp_inbox_complete_files_and_moves(sftp_server: SftpTestServer) -> None:
    directory = sftp_server.root / "wms" / "shipments"
    fill(directory)
    inbox = open_inbox(sftp_receiver(sftp_server, inbox="/wms/shipments"))
    assert isinstance(inbox, SftpInbox)
    check_moves(inbox, directory)


def test_c1_inbox_names_never_leave_the_directory(tmp_path, sftp_server: SftpTestServer) -> None:
    for inbox in (LocalInbox(tmp_path), open_inbox(sftp_receiver(sftp_server, inbox="/"))):
        for name in ("../x", "a/b", "..", ""):
            with pytest.raises(ValueError):
                inbox.read(name)


def test_c1_sftp_inbox_down_is_a_retryable_upstream_error(sftp_server: SftpTestServer) -> None:
    inbox = open_inbox(sftp_receiver(sftp_server, inbox="/wms"))
    sftp_server.stop()
    with pytest.raises(SftpError) as down:
        inbox.pending()
    assert down.value.retryable and down.value.kind == "unreachable"


def test_c1_a_file_too_large_is_refused_as_a_whole(tmp_path, monkeypatch) -> None:
    from sellerbridge.channels import inbox as module
    monkeypatch.setattr(module, "MAX_FILE_BYTES", 10)
    (tmp_path / "big.csv").write_bytes(b"x" * 11)
    with pytest.raises(DomainError) as refused:
        LocalInbox(tmp_path).read("big.csv")
    assert refused.value.code == "file_too_large"


def test_c1_a_local_inbox_that_cannot_be_listed_is_an_inbox_error(tmp_path) -> None:
    (tmp_path / "file").write_text("")
    inbox = LocalInbox(tmp_path)
    with pytest.raises(InboxError):
        inbox.read("missing.csv")
    with pytest.raises(InboxError):
        inbox.done("missing.csv", ok=True)


def test_c1_open_inbox_refuses_receivers_without_an_inbox(tmp_path) -> None:
    with pytest.raises(InboxError) as missing:
        open_inbox(local_receiver(tmp_path))
    assert "no inbox directory" in str(missing.value) and not missing.value.retryable
    webhook = ReceiverSpec(9, 1, ReceiverKind.WEBHOOK, "hook", {"url": "https://x.example", "inbox": "/in"})
    with pytest.raises(InboxError) as wrong_kind:
        open_inbox(webhook)
    assert "cannot have a file inbox" in str(wrong_kind.value)


def test_c1_a_reused_name_never_replaces_an_earlier_file_or_report(tmp_path, sftp_server: SftpTestServer) -> None:
    local = tmp_path / "inbox"
    local.mkdir()
    remote = sftp_server.root / "in"
    remote.mkdir()
    for directory, inbox in ((local, LocalInbox(local)), (remote, open_inbox(sftp_receiver(sftp_server, inbox="/in")))):
        for number in (1, 2, 3):
            (directory / "s.csv").write_text(f"file {number}")
            inbox.done("s.csv", ok=False, report=f"line 2: qty: error {number}\n")
        inbox.close()
        failed = directory / "failed"
        assert sorted(p.name for p in failed.iterdir()) == [
            "s-2.csv", "s-2.csv.errors.txt", "s-3.csv", "s-3.csv.errors.txt", "s.csv", "s.csv.errors.txt"]
        assert (failed / "s-3.csv").read_text() == "file 3"
        assert (failed / "s-2.csv.errors.txt").read_text() == "line 2: qty: error 2\n"


def test_c1_an_sftp_inbox_uses_one_connection_for_a_runs_operations(sftp_server: SftpTestServer) -> None:
    fill(sftp_server.root / "in")
    inbox = open_inbox(sftp_receiver(sftp_server, inbox="/in"))
    for name in inbox.pending():
        inbox.read(name)
        inbox.done(name, ok=True)
    inbox.close()
    assert sftp_server.connections == 1
    assert sorted(p.name for p in (sftp_server.root / "in" / "processed").iterdir()) == [
        "a-shipments.csv", "b-shipments.csv"]


def test_c1_an_sftp_inbox_reconnects_after_the_server_came_back(sftp_server: SftpTestServer) -> None:
    fill(sftp_server.root / "in")
    inbox = open_inbox(sftp_receiver(sftp_server, inbox="/in"))
    assert inbox.pending() == ["a-shipments.csv", "b-shipments.csv"]
    sftp_server.stop()
    with pytest.raises(SftpError):
        inbox.read("a-shipments.csv")
    sftp_server.start()
    assert inbox.read("a-shipments.csv") == b"order,qty\n2,2\n"
    inbox.close()
