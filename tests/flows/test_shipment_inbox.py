"""Flow ``shipment_inbox`` (C1): inbox files to the shipment intake, counted, moved, never imported twice.

The hub is real (its run log, its jobs, SQLite and PostgreSQL); the receivers and the intake are small
test implementations of their ports (``Receivers``, ``ShipmentIntake``: their real ones are the delivery
and the shipment intake stores), the inboxes the real local directory and the real SFTP server.
"""

from __future__ import annotations

from dataclasses import replace

from sellerbridge.bootstrap import HubFlowContext
from sellerbridge.channels.inbox import ChannelInboxes, InboxError
from sellerbridge.domain.common.results import RunStatus
from sellerbridge.domain.ports.deliveries import Inbox, ReceiverSpec
from sellerbridge.domain.ports.runs import RunPorts
from sellerbridge.domain.ports.shipments import ImportOutcome, LineError
from sellerbridge.jobs.registry import flow as registered
from sellerbridge.sync import shipment_inbox
from tests.channels.messages import local_receiver, sftp_receiver
from tests.support.sftp_server import SftpTestServer, sftp_server  # noqa: F401  (fixture)

GOOD = b"order,qty\n113-1,1\n113-2,2\n"
MIXED = b"order,qty\n113-3,1\n113-4,bad\n113-5,1\n"


class RowIntake:
    """A ``ShipmentIntake``: a row ``order,qty`` is a shipment, its key the row; ``qty`` must be a number."""

    def __init__(self) -> None:
        self.stored: dict[str, str] = {}
        self.calls: list[tuple[str, str]] = []

    def import_file(self, content: bytes, *, file_name: str, source: str = "inbox") -> ImportOutcome:
        self.calls.append((file_name, source))
        accepted = duplicates = 0
        errors = []
        for number, row in enumerate(content.decode().splitlines()[1:], start=2):
            _order, qty = row.split(",")
            if not qty.isdigit():
                errors.append(LineError(number, f"{qty!r} is not\na quantity", field="qty", code="bad_quantity"))
            elif row in self.stored:
                duplicates += 1
            else:
                self.stored[row] = file_name
                accepted += 1
        held = 1 if accepted and file_name.startswith("held") else 0
        return ImportOutcome(accepted - held, duplicates, held, tuple(errors))


class ListedReceivers:
    def __init__(self, specs: list[ReceiverSpec]) -> None:
        self.specs = specs

    def active(self) -> list[ReceiverSpec]:
        return self.specs

    def inboxes(self) -> list[ReceiverSpec]:
        return [spec for spec in self.specs if "inbox" in spec.config]


class FlakyMove:
    """Inboxes whose first ``done`` fails (the SFTP server gone between the import and the move)."""

    def __init__(self) -> None:
        self.failures = 1

    def open(self, spec: ReceiverSpec) -> Inbox:
        inbox = ChannelInboxes().open(spec)
        opener = self

        class Wrapped:
            def pending(self) -> list[str]:
                return inbox.pending()

            def read(self, name: str) -> bytes:
                return inbox.read(name)

            def done(self, name: str, *, ok: bool, report: str = "") -> None:
                if opener.failures:
                    opener.failures -= 1
                    raise InboxError("the inbox went away before the move")
                inbox.done(name, ok=ok, report=report)

            def close(self) -> None:
                inbox.close()

        return Wrapped()


class Context(HubFlowContext):
    """The hub's real flow context, with the test's receivers and intake in every run's ports."""

    def __init__(self, hub, receivers: ListedReceivers, intake: RowIntake, opener=None) -> None:
        super().__init__(hub)
        self.receivers, self.intake, self.opener = receivers, intake, opener

    def ports(self, connection_id: int | None) -> RunPorts:
        ports = super().ports(connection_id)
        return replace(ports, receivers=self.receivers, shipments=self.intake,
                       inbox_opener=self.opener or ports.inbox_opener)


def test_c1_the_flow_is_registered_every_minute() -> None:
    assert registered("shipment_inbox").every_seconds == 60


def test_c1_inbox_files_are_imported_counted_and_moved(world, tmp_path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.csv").write_bytes(GOOD)
    (inbox / "b.csv").write_bytes(MIXED)
    (inbox / "held.csv").write_bytes(b"order,qty\n113-9,1\n")
    (inbox / "c.csv.part").write_bytes(b"order,qty\n113-6,")  # still being written: waits
    intake = RowIntake()
    ctx = Context(world.hub, ListedReceivers([local_receiver(tmp_path / "drop", inbox=str(inbox))]), intake)

    report = shipment_inbox.run(ctx, world.connection_id)
    assert report is not None and report.status is RunStatus.PARTIAL  # a row was refused: in the error log
    assert report.counts == {"files": 3, "accepted": 4, "refused": 1, "held": 1, "duplicates": 0}
    assert intake.calls == [("a.csv", "inbox"), ("b.csv", "inbox"), ("held.csv", "inbox")]
    assert sorted(p.name for p in (inbox / "processed").iterdir()) == ["a.csv", "held.csv"]
    assert sorted(p.name for p in (inbox / "failed").iterdir()) == ["b.csv", "b.csv.errors.txt"]
    assert (inbox / "failed" / "b.csv.errors.txt").read_text() == "line 3: qty: 'bad' is not a quantity\n"
    assert [p.name for p in inbox.iterdir() if p.is_file()] == ["c.csv.part"]
    assert [item.key for item in report.items] == ["b.csv"]

    again = shipment_inbox.run(ctx, world.connection_id)
    assert again is not None and again.status is RunStatus.DONE and again.counts["files"] == 0
    assert world.runs()[-1].status == "done"  # recorded in the hub's run log


def test_c1_a_connection_without_an_inbox_records_no_run(world, tmp_path) -> None:
    ctx = Context(world.hub, ListedReceivers([local_receiver(tmp_path / "drop")]), RowIntake())
    before = len(world.runs())
    assert shipment_inbox.run(ctx, world.connection_id) is None
    assert len(world.runs()) == before


def test_c1_a_failing_sftp_read_leaves_the_file_for_the_next_run(world, sftp_server: SftpTestServer) -> None:  # noqa: F811
    (sftp_server.root / "wms" / "in").mkdir(parents=True)
    (sftp_server.root / "wms" / "in" / "s.csv").write_bytes(GOOD)
    intake = RowIntake()
    ctx = Context(world.hub, ListedReceivers([sftp_receiver(sftp_server, inbox="/wms/in")]), intake)
    sftp_server.stop()

    down = shipment_inbox.run(ctx, world.connection_id)
    assert down is not None and down.status is RunStatus.FAILED and down.retryable
    assert "cannot be reached" in (down.error or "") and intake.calls == []
    assert (sftp_server.root / "wms" / "in" / "s.csv").is_file()

    sftp_server.start()
    back = shipment_inbox.run(ctx, world.connection_id)
    assert back is not None and back.status is RunStatus.DONE and back.counts["accepted"] == 2
    assert (sftp_server.root / "wms" / "in" / "processed" / "s.csv").is_file()
    assert not (sftp_server.root / "wms" / "in" / "s.csv").exists()


def test_c1_a_file_read_again_after_a_failed_move_is_not_stored_twice(world, tmp_path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.csv").write_bytes(GOOD)
    intake = RowIntake()
    ctx = Context(world.hub, ListedReceivers([local_receiver(tmp_path / "drop", inbox=str(inbox))]), intake,
                  FlakyMove())

    first = shipment_inbox.run(ctx, world.connection_id)
    assert first is not None and first.status is RunStatus.FAILED and first.retryable
    assert (inbox / "a.csv").is_file() and len(intake.stored) == 2  # stored, not moved

    second = shipment_inbox.run(ctx, world.connection_id)
    assert second is not None and second.status is RunStatus.DONE
    assert second.counts["accepted"] == 0 and second.counts["duplicates"] == 2
    assert len(intake.stored) == 2 and (inbox / "processed" / "a.csv").is_file()


def test_c1_one_unreadable_inbox_does_not_stop_the_others(world, tmp_path, sftp_server: SftpTestServer) -> None:  # noqa: F811
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.csv").write_bytes(GOOD)
    receivers = ListedReceivers([sftp_receiver(sftp_server, inbox="/in"),
                               local_receiver(tmp_path / "drop", inbox=str(inbox))])
    sftp_server.stop()
    report = shipment_inbox.run(Context(world.hub, receivers, RowIntake()), world.connection_id)
    assert report is not None and report.status is RunStatus.FAILED and report.retryable
    assert report.counts["accepted"] == 2 and (inbox / "processed" / "a.csv").is_file()
    assert [item.key for item in report.items] == ["receiver:4"]


def test_c1_a_file_too_large_goes_to_failed_with_the_reason(world, tmp_path, monkeypatch) -> None:
    from sellerbridge.channels import inbox as module
    monkeypatch.setattr(module, "MAX_FILE_BYTES", 10)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "huge.csv").write_bytes(b"x" * 11)
    intake = RowIntake()
    ctx = Context(world.hub, ListedReceivers([local_receiver(tmp_path / "drop", inbox=str(inbox))]), intake)
    report = shipment_inbox.run(ctx, world.connection_id)
    assert report is not None and report.status is RunStatus.PARTIAL and report.counts["refused"] == 1
    assert intake.calls == [] and "larger than 10 bytes" in (inbox / "failed" / "huge.csv.errors.txt").read_text()


def test_c1_the_hub_wires_the_channels_inbox_opener(world, tmp_path) -> None:
    ports = world.hub.flow_context().ports(world.connection_id)
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "s.csv").write_bytes(GOOD)
    assert ports.inbox_opener is not None
    assert ports.inbox_opener.open(local_receiver(tmp_path, inbox=str(inbox))).pending() == ["s.csv"]


def test_c1_a_run_asked_for_is_recorded_even_without_an_inbox(world, tmp_path) -> None:
    from sellerbridge.jobs import manage

    asked = manage.request_run(world.hub, "shipment_inbox", world.connection_id)
    ctx = Context(world.hub, ListedReceivers([]), RowIntake())
    report = shipment_inbox.run(ctx, world.connection_id)
    assert report is not None and report.run_id == asked["run_id"] and report.status is RunStatus.DONE
    assert report.counts["files"] == 0
    assert shipment_inbox.run(ctx, world.connection_id) is None  # nothing asked, no inbox: nothing recorded


def test_c1_a_changed_host_key_fails_the_run_for_a_person(world, sftp_server: SftpTestServer) -> None:  # noqa: F811
    import asyncssh

    (sftp_server.root / "in").mkdir()
    (sftp_server.root / "in" / "s.csv").write_bytes(GOOD)
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode()
    intake = RowIntake()
    ctx = Context(world.hub, ListedReceivers([sftp_receiver(sftp_server, inbox="/in", host_key=other)]), intake)
    report = shipment_inbox.run(ctx, world.connection_id)
    assert report is not None and report.status is RunStatus.FAILED and not report.retryable
    assert "not the pinned" in (report.error or "") and intake.calls == []
    assert (sftp_server.root / "in" / "s.csv").is_file()


def test_c1_an_inbox_needing_a_person_outranks_one_that_is_down(world, tmp_path,
                                                               sftp_server: SftpTestServer) -> None:  # noqa: F811
    import asyncssh

    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode()
    receivers = ListedReceivers([sftp_receiver(sftp_server, inbox="/in", receiver_id=5, port=1),
                                 sftp_receiver(sftp_server, inbox="/in", receiver_id=6, host_key=other)])
    report = shipment_inbox.run(Context(world.hub, receivers, RowIntake()), world.connection_id)
    assert report is not None and report.status is RunStatus.FAILED and not report.retryable
    assert "not the pinned" in (report.error or "")
    assert [item.key for item in report.items] == ["receiver:5", "receiver:6"]
