"""B13, I1: `orders show --pii` and `orders preview --pii` write the PII access log as the OS user;
without --pii the data is masked and nothing is written."""

from __future__ import annotations

import getpass
import json

import pytest

from sellerbridge.services.orders import MASK
from sellerbridge.services.pii import list_accesses
from tests.flows.support import World
from tests.support.flows import fetch_orders
from tests.support.pii import seed_every_pii_field

pytestmark = pytest.mark.server


def _seeded(world: World) -> tuple[str, list[str]]:
    [order_id] = world.create_orders(1, status="Unshipped", fba=False)
    return order_id, seed_every_pii_field(world, [order_id])


def test_b13_orders_show_with_pii_writes_an_audit_row_and_without_it_writes_none(cli, world: World):
    order_id, values = _seeded(world)
    assert fetch_orders(world.hub, world.connection_id, [order_id]).counts["created"] == 1

    masked = cli("orders", "show", order_id, "--json")
    assert masked.exit_code == 0, masked.output
    assert json.loads(masked.output)["address"]["line1"] == MASK and list_accesses(world.hub) == []

    shown = cli("orders", "show", order_id, "--pii", "--json")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["address"]["line1"] in values
    [row] = list_accesses(world.hub)
    assert (row.actor, row.channel, row.route) == (f"cli:{getpass.getuser()}", "cli", "orders show --pii")
    assert (row.connection_id, row.amazon_order_id) == (world.connection_id, order_id)
    assert "address.line1" in row.fields and "line.gift_message" in row.fields


def test_b13_the_preview_with_pii_writes_an_audit_row_and_without_it_writes_none(cli, world: World):
    order_id, values = _seeded(world)  # not imported: the preview reads Amazon

    masked = cli("orders", "preview", order_id, "-c", "us-main", "--json")
    assert masked.exit_code == 0, masked.output
    assert not any(value in masked.output for value in values) and list_accesses(world.hub) == []

    shown = cli("orders", "preview", order_id, "-c", "us-main", "--pii", "--json")
    assert shown.exit_code == 0, shown.output
    assert any(value in shown.output for value in values)
    [row] = list_accesses(world.hub)
    assert (row.channel, row.route, row.amazon_order_id) == ("preview", "orders preview --pii", order_id)
    assert {"buyer.name", "buyer.email", "address.line1", "line.gift_message"} <= set(row.fields)
    assert world.stored_ids() == []  # the preview stored nothing else
