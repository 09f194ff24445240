"""``sellerbridge shipments`` (C1, C2, H1, I1): add, import, list, show, retry, with their exit codes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.flows.support import World
from tests.support.shipments import confirm_asked, confirm_job, stored_orders

UPS = "1Z999AA10123456784"


@pytest.fixture
def orders(world: World):
    return stored_orders(world, 2, cancel=1)


def test_c1_shipments_add_stores_once_and_refuses_with_a_reason(cli, world, orders):
    job = confirm_job(world)
    a, cancelled = orders
    args = ["shipments", "add", "-c", str(world.connection_id), "--order", a.amazon_order_id,
            "--key", "cli-1", "--carrier", "UPS", "--tracking", UPS, "--item", f"{a.lines[0].order_item_id}=1"]
    first = cli(*args, "--json")
    assert first.exit_code == 0, first.output
    shipment = json.loads(first.output)
    assert shipment["source"] == "cli" and shipment["packages"][0]["status"] == "queued"
    assert confirm_asked(world, job) == 1
    again = cli(*args)
    assert again.exit_code == 0 and "already stored" in again.output
    other = cli(*args[:-1], f"{a.lines[0].order_item_id}=2")
    assert other.exit_code == 2 and "another shipment" in other.output
    refused = cli("shipments", "add", "-c", str(world.connection_id), "--order", cancelled.amazon_order_id,
                  "--key", "cli-2", "--carrier", "UPS", "--tracking", UPS, "--sku", f"{cancelled.lines[0].sku}=1")
    assert refused.exit_code == 1 and "order_cancelled" in refused.output and "error log" in refused.output
    assert cli("shipments", "add", "-c", str(world.connection_id), "--order", "x", "--key", "k").exit_code == 2
    bad_item = cli(*args[:-1], "no-quantity")
    assert bad_item.exit_code == 2


def test_c1_shipments_add_with_several_packages_from_a_file(cli, world, orders, tmp_path):
    # one unit per package, from an order of at least two units (a line of 2, or two lines)
    a = next(o for o in [orders[0], *stored_orders(world, 8)] if sum(line.quantity for line in o.lines) >= 2)
    units = [line for line in a.lines for _ in range(line.quantity)][:2]
    packages = tmp_path / "packages.json"
    packages.write_text(json.dumps([
        {"carrier": "UPS", "tracking_number": UPS, "items": [{"order_item_id": units[0].order_item_id, "quantity": 1}]},
        {"carrier": "Speedy 🚀", "tracking_number": "SPEEDY0001", "items": [{"sku": units[1].sku, "quantity": 1}]},
    ]))
    ship_date = (world.hub.now() - timedelta(minutes=1)).isoformat()
    r = cli("shipments", "add", "-c", str(world.connection_id), "--order", a.amazon_order_id, "--key", "multi",
            "--packages", str(packages), "--ship-date", ship_date, "--json")
    assert r.exit_code == 0, r.output
    assert [p["carrier_code"] for p in json.loads(r.output)["packages"]] == ["UPS", "Other"]
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert cli("shipments", "add", "-c", str(world.connection_id), "--order", a.amazon_order_id, "--key", "m2",
               "--packages", str(bad)).exit_code == 2


def test_c1_shipments_import_lists_refused_lines_and_exits_4(cli, world, orders, tmp_path):
    a, cancelled = orders
    day = world.hub.now().date().isoformat()
    file = tmp_path / "wms.csv"
    file.write_bytes(("Order;Item;Qty;Via;Track;Shipped\n"
                      f"{a.amazon_order_id};{a.lines[0].order_item_id};1;UPS;{UPS};{day}\n"
                      f"{cancelled.amazon_order_id};{cancelled.lines[0].order_item_id};1;UPS;1Z12345E6605272234;{day}\n")
                     .encode())
    mapping = json.dumps({"columns": {"Order": "amazon_order_id", "Item": "order_item_id", "Qty": "quantity",
                                      "Via": "carrier", "Track": "tracking_number", "Shipped": "ship_date"}})
    r = cli("shipments", "import", str(file), "-c", str(world.connection_id), "--mapping", mapping, "--json")
    assert r.exit_code == 4, r.output
    out = json.loads(r.output)
    assert out["accepted"] == 1 and [(e["line"], e["code"]) for e in out["errors"]] == [(3, "order_cancelled")]
    mapping_file = tmp_path / "mapping.json"
    mapping_file.write_text(mapping)
    again = cli("shipments", "import", str(file), "-c", str(world.connection_id), "--mapping", str(mapping_file))
    assert again.exit_code == 4 and "1 already stored" in again.output and "order_cancelled" in again.output
    bad = cli("shipments", "import", str(file), "-c", str(world.connection_id), "--mapping", "{nope")
    assert bad.exit_code == 2 and "mapping" in bad.output


def test_c2_shipments_list_show_and_retry_a_held_package(cli, world, orders):
    a = orders[0]
    r = cli("shipments", "add", "-c", str(world.connection_id), "--order", a.amazon_order_id, "--key", "held-1",
            "--carrier", "UPS", "--tracking", "1Z999AA10123456785", "--item", f"{a.lines[0].order_item_id}=1",
            "--json")
    assert r.exit_code == 0, r.output
    shipment = json.loads(r.output)
    package_id = shipment["packages"][0]["id"]
    listed = cli("shipments", "list", "--status", "held", "--json")
    assert [s["id"] for s in json.loads(listed.output)["items"]] == [shipment["id"]]
    assert "held-1" in cli("shipments", "list").output
    shown = cli("shipments", "show", str(shipment["id"]))
    assert shown.exit_code == 0 and "check digit" in shown.output
    assert cli("shipments", "show", "999999").exit_code == 3
    still = cli("shipments", "retry", str(package_id), "--tracking", "1Z999AA10123456786")
    assert still.exit_code == 4 and "held" in still.output
    fixed = cli("shipments", "retry", str(package_id), "--tracking", UPS, "--json")
    assert fixed.exit_code == 0 and json.loads(fixed.output)["status"] == "queued"
    assert cli("shipments", "retry", str(package_id)).exit_code == 2
    assert cli("shipments", "list", "--status", "bogus").exit_code == 2


def test_h1_shipments_reprocess_posts_a_refused_shipment_again(cli, world, orders):
    from tests.support.flows import sync_orders

    [early] = world.create_orders(1, status="Unshipped", fba=False)
    line = world.amazon_orders()[early]["lines"][0]
    args = ("shipments", "add", "-c", str(world.connection_id), "--order", early, "--key", "early",
            "--carrier", "UPS", "--tracking", UPS, "--item", f"{line['order_item_id']}=1")
    refused = cli(*args)
    assert refused.exit_code == 1 and "unknown_order" in refused.output
    [error_id] = [r[0] for r in world.rows("SELECT id FROM error_log WHERE kind = 'shipment' AND key = 'early'")]
    assert cli("shipments", "reprocess", str(error_id)).exit_code == 1
    world.past_search_lag()
    sync_orders(world.hub, world.connection_id)
    done = cli("shipments", "reprocess", str(error_id), "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["amazon_order_id"] == early
    assert cli("shipments", "reprocess", "999999").exit_code == 3
