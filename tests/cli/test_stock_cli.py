"""``sellerbridge stock ...`` and ``warehouses`` (D2, D3, D4, D6, I5, H1) on SQLite and PostgreSQL: as a user
runs them, with their exit codes."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from sellerbridge.db.repositories import catalog

pytestmark = pytest.mark.server


def _sku(world) -> str:
    with world.hub.store.uow(read_only=True) as s:
        return s.execute(select(catalog.items.c.sku).order_by(catalog.items.c.id).limit(1)).scalar_one()


def test_i5_set_adjust_commit_and_the_ledger_from_the_command_line(cli, world) -> None:
    sku = _sku(world)
    assert cli("warehouses", "add", "WH1", "--name", "Main").exit_code == 0
    assert cli("warehouses", "add", "WH1").exit_code == 2  # taken
    done = cli("stock", "set", sku, "WH1", "12", "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["delta"] == 12
    out = cli("stock", "adjust", sku, "WH1", "-2", "--ref", "damaged-1")
    assert out.exit_code == 0 and "on hand 10, moved -2" in out.output
    again = cli("stock", "adjust", sku, "WH1", "-2", "--ref", "damaged-1")
    assert again.exit_code == 0 and "nothing moved" in again.output
    assert cli("stock", "adjust", sku, "WH1", "-2", "--reason", "receipt", "--ref", "x").exit_code == 2
    assert cli("stock", "adjust", sku, "WH1", "1.5", "--ref", "y").exit_code == 2
    assert cli("stock", "commit", sku, "ebay", "3").exit_code == 0
    ledger = json.loads(cli("stock", "ledger", sku, "--json").output)
    assert [(e["kind"], e["delta"]) for e in ledger["entries"]] == [("adjustment", -2), ("count", 12)]
    assert ledger["commitments"] == {"ebay": 3}
    shown = cli("stock", "ledger", sku)
    assert shown.exit_code == 0 and "on hand WH1 10" in shown.output
    assert cli("stock", "set", "NO-SUCH-SKU", "WH1", "1").exit_code == 3
    assert cli("stock", "set", sku, "NOPE", "1").exit_code == 3


def test_d3_buffers_items_and_settings_from_the_command_line(cli, world) -> None:
    sku = _sku(world)
    cli("warehouses", "add", "WH1")
    cli("warehouses", "add", "WH2")
    assert cli("stock", "buffer", "item", sku, "percent:12.5").exit_code == 0
    assert cli("stock", "buffer", "warehouse", "WH2", "fixed:3").exit_code == 0
    assert cli("stock", "buffer", "warehouse", "WH2", "percent:150").exit_code == 2
    assert cli("stock", "buffer", "item", sku, "grams").exit_code == 2
    item = json.loads(cli("stock", "item", sku, "--no-track", "--handling-days", "2", "--json").output)
    assert (item["track_stock"], item["handling_days"], item["buffer"]) == (False, 2,
                                                                            {"kind": "percent", "value": "12.5"})
    changed = cli("stock", "settings", "us-main", "--buffer", "fixed:2", "--warehouses", "WH1", "--patch-max", "5",
                  "--json")
    assert changed.exit_code == 0, changed.output
    got = json.loads(cli("stock", "settings", "us-main", "--json").output)
    assert (got["buffer"], got["warehouses"], got["patch_max"]) == ({"kind": "fixed", "value": "2"}, ["WH1"], 5)
    assert cli("stock", "settings", "us-main", "--warehouses", "NOPE").exit_code == 3
    assert cli("stock", "settings", "nope").exit_code == 2
    listed = json.loads(cli("warehouses", "list", "--json").output)
    assert [w["code"] for w in listed] == ["WH1", "WH2"]


def test_i5_a_stock_file_from_the_command_line_exits_4_with_its_refused_lines(cli, world, tmp_path) -> None:
    sku = _sku(world)
    cli("warehouses", "add", "WH1")
    path = tmp_path / "stock.csv"
    path.write_bytes(f"sku,warehouse,delta,reason\r\n{sku},WH1,+5,receipt\r\nNOPE,WH1,1,receipt\r\n"
                     f"{sku},WH1,x,receipt\r\n".encode())
    out = cli("stock", "import", str(path))
    assert out.exit_code == 4 and "1 applied" in out.output and "2 lines refused" in out.output
    again = json.loads(cli("stock", "import", str(path), "--json").output)
    assert (again["accepted"], again["duplicates"]) == (0, 1)
    ledger = json.loads(cli("stock", "ledger", sku, "--json").output)
    assert ledger["on_hand"] == {"WH1": 5}
