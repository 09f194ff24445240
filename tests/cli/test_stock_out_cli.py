"""``sellerbridge stock why|send-now`` and ``feeds list|show`` (D5, D9, H2) on SQLite and PostgreSQL, with their
exit codes."""

from __future__ import annotations

import json

import pytest

from tests.support.stock_push import push, stock_up

pytestmark = pytest.mark.server


def test_d9_why_send_now_and_feeds_from_the_command_line(cli, world) -> None:
    stocked = stock_up(world, on_hand=lambda n, code: 3, patch_max=2)
    push(world)
    world.advance(300)
    push(world)
    sku = stocked.skus[0]
    why = cli("stock", "why", sku, "--connection", "us-main")
    assert why.exit_code == 0, why.output
    assert "available to sell: 6" in why.output and "Amazon was told 6" in why.output
    data = json.loads(cli("stock", "why", sku, "-c", "us-main", "--json").output)
    assert data["told"]["quantity"] == 6 and data["amazon"]["status"] == "accepted"
    assert cli("stock", "why", "NO-SUCH-SKU", "-c", "us-main").exit_code != 0
    assert cli("stock", "why", sku).exit_code == 2  # --connection is required
    sent = json.loads(cli("stock", "send-now", sku, "-c", "us-main", "--json").output)
    assert sent["marked"] == 1 and sent["run_id"] >= 1
    feeds = json.loads(cli("feeds", "list", "--json").output)
    assert feeds and feeds[0]["skus"] == {"accepted": len(stocked.skus)}
    shown = cli("feeds", "show", str(feeds[0]["id"]))
    assert shown.exit_code == 0 and sku in shown.output
    assert cli("feeds", "show", "999999").exit_code != 0
    assert cli("feeds", "show", "abc").exit_code == 2
