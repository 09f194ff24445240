"""``sellerbridge receivers ...`` and ``sellerbridge deliveries ...`` (B14, B13, H1, I1), with a real webhook
receiver on loopback, on SQLite and PostgreSQL: every command, its output and its exit codes."""

from __future__ import annotations

import json

import pytest

from tests.support.flows import run_flow, sync_orders
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.server


def _json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_b14_i1_receivers_commands(cli, world, tmp_path):
    with WebhookReceiver() as receiver:
        added = _json(cli("receivers", "add", "wms", "-c", "us-main", "--url", receiver.url, "--json"))
        receiver.secrets.append(added["secret"])
        assert added["kind"] == "webhook" and added["secret"].startswith("whsec_")
        plain = cli("receivers", "add", "wms2", "-c", "us-main", "--url", receiver.url)
        assert plain.exit_code == 0 and "shown once" in plain.output
        listed = cli("receivers", "list", "-c", "us-main")
        assert listed.exit_code == 0 and "wms2" in listed.output and added["secret"] not in listed.output
        shown = _json(cli("receivers", "show", "wms", "-c", "us-main", "--json"))
        assert shown["id"] == added["id"] and "secret" not in shown and shown["audit"][0]["action"] == "added"

        tested = _json(cli("receivers", "test", str(added["id"]), "--json"))
        assert tested["ok"] and tested["status"] == 200
        rotated = _json(cli("receivers", "rotate-secret", "wms", "-c", "us-main", "--json"))
        receiver.secrets = [rotated["secret"]]
        assert _json(cli("receivers", "test", "wms", "-c", "us-main", "--json"))["ok"]
        assert cli("receivers", "rotate-secret", "wms", "-c", "us-main", "--finish").exit_code == 0
        receiver.secrets = [added["secret"]]  # the old one is no longer valid
        assert cli("receivers", "test", "wms", "-c", "us-main").exit_code == 1

        allowed = _json(cli("receivers", "allow-pii", "wms", "-c", "us-main", "--json"))
        assert allowed["pii_allowed"] and allowed["pii_changed_by"].startswith("cli:")
        assert not _json(cli("receivers", "deny-pii", "wms", "-c", "us-main", "--json"))["pii_allowed"]
        assert _json(cli("receivers", "pause", "wms", "-c", "us-main", "--json"))["paused"]
        assert not _json(cli("receivers", "resume", "wms", "-c", "us-main", "--json"))["paused"]
        drop = tmp_path / "drop"
        made = _json(cli("receivers", "add", "3pl", "-c", "us-main", "--kind", "local_dir", "--config",
                         json.dumps({"directory": str(drop)}), "--file-format", "csv", "--json"))
        assert made["config"] == {"directory": str(drop)} and made["file_format"] == "csv"
        assert made.get("secret") is None


@pytest.mark.parametrize(("args", "code"), [
    (("receivers", "add", "x", "-c", "us-main", "--url", "http://wms.example.com/hook"), 2),
    (("receivers", "add", "x", "-c", "us-main", "--kind", "pigeon"), 2),
    (("receivers", "add", "x", "-c", "us-main", "--kind", "local_dir", "--config", "[1]"), 2),
    (("receivers", "add", "x", "-c", "us-main", "--kind", "local_dir", "--config", "{"), 2),
    (("receivers", "add", "x", "-c", "nope", "--url", "https://wms.example.com/"), 2),
    (("receivers", "show", "ghost"), 3),
    (("receivers", "test", "999"), 3),
    (("deliveries", "show", "999"), 3),
    (("deliveries", "list", "--status", "lost"), 2),
    (("deliveries", "redeliver"), 2),
    (("deliveries", "ack"), 2),
])
def test_i1_bad_warehouse_commands_exit_with_a_clear_line(cli, args, code):
    result = cli(*args)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output and "error" in result.output


def test_b14_h1_deliveries_commands(cli, world):
    with WebhookReceiver() as receiver:
        added = _json(cli("receivers", "add", "wms", "-c", "us-main", "--url", receiver.url, "--json"))
        receiver.secrets.append(added["secret"])
        ids = world.create_orders(2, status="Unshipped", fba=False)
        world.past_search_lag()
        sync_orders(world.hub, world.connection_id)
        run_flow(world.hub, "deliveries", world.connection_id)
        page = _json(cli("deliveries", "list", "--receiver", str(added["id"]), "--status", "acknowledged", "--json"))
        assert page["total"] == 2
        table = cli("deliveries", "list", "-c", "us-main")
        # the table's width is the terminal's (a narrow one abbreviates the topic): its title says what it lists
        assert table.exit_code == 0 and "2 of 2 deliveries" in table.output
        assert {item["topic"] for item in page["items"]} == {"order.created"}
        one = page["items"][0]
        shown = _json(cli("deliveries", "show", str(one["id"]), "--json"))
        assert [a["status"] for a in shown["attempt_log"]] == [200]
        assert "1 attempts" in cli("deliveries", "show", str(one["id"])).output

        redone = _json(cli("deliveries", "redeliver", str(one["id"]), "--json"))
        assert redone["redelivered"] == [one["id"]] and redone["status"] == "done"
        assert len(receiver.processed) == 2  # sent again, the receiver did not process it twice
        assert sorted(m["order"]["amazon_order_id"] for m in receiver.processed.values()) == sorted(ids)
        nothing = cli("deliveries", "redeliver", "--receiver", "wms", "-c", "us-main")
        assert nothing.exit_code == 0 and "nothing to redeliver" in nothing.output
        acked = cli("deliveries", "ack", "batch-none.json")
        assert acked.exit_code == 0 and "0 deliveries acknowledged" in acked.output
