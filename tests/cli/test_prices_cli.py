"""``sellerbridge prices ...`` and ``sellerbridge items import`` (E1, E3, I5, I1): exit codes and who decided."""

from __future__ import annotations

import json

from sellerbridge.db.tables import stock_settings
from tests.support import confirmations
from tests.support.flows import run_flow


def skus(world, count=1):
    return [r[0] for r in world.rows(
        "SELECT amazon_sku FROM channel_listings WHERE item_id IS NOT NULL ORDER BY amazon_sku")[:count]]


def test_e1_cli_sets_lists_and_sends_now(cli, world):
    [sku] = skus(world)
    result = cli("prices", "set", sku, "21.50", "--min", "20", "--max", "30", "-c", str(world.connection_id))
    assert result.exit_code == 0, result.output
    assert "21.50 USD" in result.output
    listed = cli("prices", "list", "-c", "us-main", "--json")
    assert listed.exit_code == 0, listed.output
    [row] = [x for x in json.loads(listed.output) if x["sku"] == sku]
    assert (row["price"], row["minimum"], row["maximum"]) == ("21.50", "20.00", "30.00")
    with world.hub.store.uow() as session:
        session.execute(stock_settings.insert().values(connection_id=world.connection_id, updated_at=world.hub.now(),
                                                       price_guard_percent=None))
    sent = cli("prices", "send-now", "-c", "us-main", sku, "--json")
    assert sent.exit_code == 0, sent.output
    assert json.loads(sent.output)["counts"]["sent"] == 1


def test_e1_cli_refuses_bad_prices_with_exit_2_and_unknown_skus_with_3(cli, world):
    [sku] = skus(world)
    for bad in ("abc", "NaN", "12.345", "0"):
        result = cli("prices", "set", sku, bad, "-c", "us-main")
        assert result.exit_code == 2, (bad, result.output)
    below = cli("prices", "set", sku, "5", "--min", "10", "-c", "us-main")
    assert below.exit_code == 2 and "below the minimum" in below.output
    assert cli("prices", "set", "NOPE-1", "5", "-c", "us-main").exit_code == 3


def test_e3_cli_approvals_approve_and_reject_record_who(cli, world):
    first, second = skus(world, 2)
    for sku in (first, second):
        assert cli("prices", "set", sku, "10", "-c", "us-main").exit_code == 0
    with world.hub.store.uow() as session:
        session.execute(stock_settings.insert().values(connection_id=world.connection_id, updated_at=world.hub.now(),
                                                       price_guard_percent=None))
    confirmations.run_until_done(world, "price_push")
    with world.hub.store.uow() as session:
        session.execute(stock_settings.update().values(price_guard_percent=20))
    for sku in (first, second):
        assert cli("prices", "set", sku, "40", "-c", "us-main").exit_code == 0
    run_flow(world.hub, "price_push", world.connection_id)
    held = cli("prices", "approvals", "--json")
    assert held.exit_code == 0, held.output
    ids = {row["sku"]: row["held"]["id"] for row in json.loads(held.output)}
    approved = cli("prices", "approve", str(ids[first]), "--by", "carol")
    assert approved.exit_code == 0 and "approved by cli:carol" in approved.output
    rejected = cli("prices", "reject", str(ids[second]), "--by", "dave")
    assert rejected.exit_code == 0 and "rejected by cli:dave" in rejected.output
    assert cli("prices", "approve", str(ids[second])).exit_code == 2  # decided already
    assert cli("prices", "approve", "424242").exit_code == 3


def test_i5_cli_items_import_runs_and_follows(cli, world):
    result = cli("items", "import", "us-main", "--json")
    assert result.exit_code in (0, 4), result.output
    data = json.loads(result.output)
    assert data["status"] in ("done", "partial") and data["counts"]["kept"] > 0
