"""Orders as Amazon writes them, stored and shown (issue 9), on SQLite and PostgreSQL (``db_url``).

The sandbox is Amazon where it can be (a JP seller for yen, scripted programs); where no Amazon
marketplace has the case (BHD, KWD), the order is built from Amazon's model (``tests/contract/
order_payloads``) and goes through the order flow's real store. Every amount is compared as the store
keeps it, as the preview shows it, and as the REST API and the CLI (``orders show --json``) print it.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from sellerbridge.amazon.orders.v2026 import to_order_draft
from sellerbridge.api.app import create_api
from sellerbridge.cli import context
from sellerbridge.cli.main import app
from sellerbridge.db.repositories import catalog, connections, customers, order_reads
from sellerbridge.db.stores.orders import DbOrderStore, load_order_settings
from sellerbridge.domain.orders.mapping import map_order
from sellerbridge.sandbox.state import SHIPPED, Shipment, ShipmentItem
from sellerbridge.services import api_keys
from sellerbridge.services import pii as pii_gate
from sellerbridge.services.orders import show_order
from sellerbridge.services.pii import count_due
from sellerbridge.services.preview import preview_order
from tests.contract import order_payloads as amazon
from tests.flows.support import World
from tests.support.flows import run_flow, sync_orders

GRANTED = pii_gate.cli_viewer("test", may_view_pii=True)  # a person holding the PII grant (recorded)
MASKED = pii_gate.cli_viewer("test", may_view_pii=False)


def _iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _views(world: World, monkeypatch: pytest.MonkeyPatch, amazon_order_id: str) -> dict[str, dict[str, Any]]:
    """The order as the service, the REST API and the CLI show it (no PII: amounts are not PII)."""
    key = api_keys.create_key(world.hub, f"viewer-{amazon_order_id}", ["viewer"])[1]
    with TestClient(create_api(world.hub)) as client:
        r = client.get(f"/api/orders/{amazon_order_id}", headers={"X-API-Key": key})
        assert r.status_code == 200, r.text
        rest = r.json()
    monkeypatch.setattr(context, "hub_options", {"clock": world.clock})
    env = {"SELLERBRIDGE_DATABASE_URL": world.settings.database_url,
           "SELLERBRIDGE_SECRET_KEY": world.settings.secret_key.get_secret_value(),
           "SELLERBRIDGE_DATA_DIR": str(world.settings.data_dir)}
    result = CliRunner().invoke(app, ["orders", "show", amazon_order_id, "--json"], env=env)
    assert result.exit_code == 0, result.output
    service = show_order(world.hub, amazon_order_id, viewer=MASKED)
    return {"service": service, "rest": rest, "cli": json.loads(result.output)}


def _amounts(order: dict[str, Any]) -> list[str]:
    """Every amount of an order view, as text: the total and each line's money."""
    money = [order["order_total"]] + [line[name] for line in order["lines"]
                                      for name in ("unit_price", "item_tax", "shipping_price", "shipping_tax")]
    return [f"{m['amount']} {m['currency']}" for m in money if m is not None]


def _store_built(world: World, payload: dict[str, Any], *, connection_id: int | None = None) -> None:
    """Map and store an order built from Amazon's model through the order flow's store (the sync's path)."""
    connection_id = connection_id or world.connection_id
    with world.hub.store.uow(read_only=True) as session:
        record = connections.get_connection(session, connection_id)
    settings = load_order_settings(record.settings, record.name)
    store = DbOrderStore(world.hub.store, connection_id, settings, now=world.hub.now)
    draft = to_order_draft(payload)
    with store.transaction() as tx:
        tx.prepare([draft])
        mapped = map_order(draft, settings, tx.catalog, tx.customers, tx.ship_methods, email_hash=tx.email_hash)
        assert tx.insert([(draft, mapped)])[draft.amazon_order_id].value == "created"


def test_a_yen_order_has_whole_yen_in_the_store_the_preview_and_the_rest_and_cli_views(make_world, monkeypatch):
    world = make_world(marketplaces=["JP"])
    [order_id] = world.create_orders(1, status="Unshipped", fba=False)
    amazon_prices = [line["unit_price"] for line in world.amazon_orders()[order_id]["lines"]]

    preview = preview_order(world.hub, world.connection_id, order_id).as_dict()["order"]
    world.past_search_lag()
    assert sync_orders(world.hub, world.connection_id).counts["created"] == 1
    views = _views(world, monkeypatch, order_id)

    shown = {name: _amounts(view) for name, view in views.items()}
    assert shown["service"] == shown["rest"] == shown["cli"]
    assert all(amount.endswith(" JPY") and "." not in amount for amount in shown["rest"])
    assert [line["unit_price"]["amount"] for line in views["rest"]["lines"]] == amazon_prices
    previewed = [preview["order_total"]] + [line[name] for line in preview["lines"]
                                            for name in ("unit_price", "item_tax", "shipping_price", "shipping_tax")]
    assert [f"{m['amount']} {m['currency']}" for m in previewed if m is not None] == shown["rest"]
    [[stored_total]] = world.rows("SELECT order_total FROM orders WHERE amazon_order_id = :a", a=order_id)
    assert f"{views['rest']['order_total']['amount']}" == str(int(stored_total))


@pytest.mark.parametrize(("currency", "unit", "tax", "total"), [("BHD", "12.500", "1.255", "13.755"),
                                                                 ("KWD", "3.125", "0.313", "3.438")])
def test_three_decimal_currencies_keep_their_third_decimal_in_the_store_and_the_views(world, monkeypatch, currency,
                                                                                      unit, tax, total):
    world.map_sku("SKU-1")
    payload = amazon.order(order_id="404-0000001-0000001", currency=currency, grand_total=total,
                           items=[amazon.item(1, currency=currency, unit=unit, tax=tax)])
    _store_built(world, payload)

    views = _views(world, monkeypatch, "404-0000001-0000001")

    for view in views.values():
        assert _amounts(view) == [f"{total} {currency}", f"{unit} {currency}", f"{tax} {currency}"]


def test_an_in_store_pick_up_order_keeps_its_program_and_never_reaches_the_warehouse(world, monkeypatch):
    [pickup] = world.create_orders(1, status="Unshipped", fba=False, programs=["IN_STORE_PICK_UP"])
    [preorder] = world.create_orders(1, status="Unshipped", fba=False, programs=["PREORDER", "FBM_SHIP_PLUS"])
    world.past_search_lag()

    assert sync_orders(world.hub, world.connection_id).counts["created"] == 2

    kept = world.stored(pickup)
    assert (kept.handling, bool(kept.send_to_warehouse), kept.ship_method_id) == ("pickup", False, None)
    assert world.rows("SELECT h.id FROM holds h JOIN order_lines l ON l.id = h.order_line_id "
                      "WHERE l.order_id = :o", o=kept.id) == []
    assert [e.key for e in world.events("order.created")] == [preorder]
    early = world.stored(preorder)
    assert early.handling == "parcel" and early.ship_not_before is not None and early.ship_method_id is not None
    views = _views(world, monkeypatch, pickup)
    assert all("in_store_pick_up" in v["programs"] and v["handling"] == "pickup" for v in views.values())
    assert {"preorder", "fbm_ship_plus"} <= set(_views(world, monkeypatch, preorder)["rest"]["programs"])


def test_brazilian_address_parts_and_the_gift_wrap_level_are_kept_encrypted_and_purged(world):
    world.map_sku("SKU-1")
    gift = {"giftMessage": "Feliz aniversário!", "giftWrapLevel": "PREMIUM"}
    shipped = _iso(world.hub.now() - timedelta(days=40))
    payload = amazon.order(order_id="701-0000001-0000001", marketplace=amazon.MARKETPLACE_BR, currency="BRL",
                           grand_total="107.80", address=amazon.brazilian_address(), status="SHIPPED",
                           items=[amazon.item(1, currency="BRL", unit="99.90", tax="7.90", gift=gift, shipped=1)],
                           packages=[amazon.package("1", "DELIVERED", ship_time=shipped)], last_updated=shipped)
    _store_built(world, payload)

    shown = show_order(world.hub, "701-0000001-0000001", viewer=GRANTED)
    masked = show_order(world.hub, "701-0000001-0000001", viewer=MASKED)
    assert {k: shown["address"][k] for k in ("street_name", "street_number", "complement", "neighborhood",
                                             "district_or_county", "municipality")} == {
        "street_name": "Avenida Paulista", "street_number": "1578", "complement": "Apto 42",
        "neighborhood": "Bela Vista", "district_or_county": "Bela Vista", "municipality": "São Paulo"}
    assert masked["address"]["street_name"] == "***" and masked["address"]["neighborhood"] == "***"
    assert shown["lines"][0]["gift_wrap_level"] == masked["lines"][0]["gift_wrap_level"] == "PREMIUM"
    [row] = world.rows("SELECT street_name_enc, neighborhood_enc FROM order_addresses")
    assert "Paulista" not in row.street_name_enc and "Bela Vista" not in row.neighborhood_enc  # ciphertext

    assert run_flow(world.hub, "pii_purge", None).counts["orders"] == 1

    gone = show_order(world.hub, "701-0000001-0000001", viewer=GRANTED)["address"]
    assert [gone[k] for k in ("street_name", "street_number", "complement", "neighborhood", "district_or_county",
                              "municipality", "postal_code")] == [None] * 7
    assert gone["city"] == "São Paulo"


def test_the_purge_counts_from_amazons_delivery_or_ship_time_never_from_the_import(world):
    """B13: delivered 31 days ago: due; shipped 20 days ago, delivery not seen: kept (20 < 14 + 30 days);
    shipped 50 days ago, delivery not seen: due. All imported just now."""
    world.map_sku("SKU-1")
    now = world.hub.now()
    cases = {"405-0000000-0000031": ("DELIVERED", 35, 31), "405-0000000-0000020": ("IN_TRANSIT", 20, 20),
             "405-0000000-0000050": ("SHIPPED", 50, 50)}
    for order_id, (status, shipped_days, updated_days) in cases.items():
        shipped = amazon.package("1", status, ship_time=_iso(now - timedelta(days=shipped_days)))
        updated = _iso(now - timedelta(days=updated_days))
        payload = amazon.order(order_id=order_id, status="SHIPPED", last_updated=updated,
                               items=[amazon.item(1, currency="USD", unit="19.99", tax="1.60", shipped=1)],
                               packages=[shipped])
        _store_built(world, payload)

    assert count_due(world.hub).orders == 2
    run_flow(world.hub, "pii_purge", None)

    purged = {r.amazon_order_id: r.pii_purged_at is not None
              for r in world.rows("SELECT amazon_order_id, pii_purged_at FROM orders")}
    assert purged == {"405-0000000-0000031": True, "405-0000000-0000020": False, "405-0000000-0000050": True}


def test_a_buyer_is_matched_only_within_the_connection_and_never_without_the_pii_grant(world):
    world.map_sku("SKU-1")
    with world.hub.store.uow() as session:
        base = connections.get_connection(session, world.connection_id)
        others = {}
        for name, grant in (("eu-other", True), ("no-grant", False)):
            others[name] = connections.add_connection(
                session, world.hub.store.box, name=name, seller_id=f"A{name.upper()}",
                marketplace_id=base.marketplace_id, region="na", client_id="amzn1.application-oa2-client.x",
                client_secret="s", refresh_token="r",
                api_base_url=world.base_url, authorized_at=world.hub.now(),
                authorization_expires_at=world.hub.now() + timedelta(days=365), settings={"pii_grant": grant},
                now=world.hub.now()).id
    with world.hub.store.uow() as session:
        item = catalog.get_item_by_sku(session, "INT-SKU-1")
        for connection_id in others.values():
            catalog.set_listing(session, connection_id=connection_id, amazon_sku="SKU-1", item_id=item.id)

    _store_built(world, amazon.order(order_id="406-0000000-0000001"))
    _store_built(world, amazon.order(order_id="406-0000000-0000002"))  # the same buyer again: matched
    _store_built(world, amazon.order(order_id="406-0000000-0000003"), connection_id=others["eu-other"])
    _store_built(world, amazon.order(order_id="406-0000000-0000004"), connection_id=others["no-grant"])

    owner = {r.amazon_order_id: r.customer_id for r in world.rows("SELECT amazon_order_id, customer_id FROM orders")}
    assert owner["406-0000000-0000001"] == owner["406-0000000-0000002"] is not None
    assert owner["406-0000000-0000003"] not in (None, owner["406-0000000-0000001"])
    assert owner["406-0000000-0000004"] is None  # no grant: no customer, not even a match
    with world.hub.store.uow(read_only=True) as session:
        email = "buyer@marketplace.amazon.example"
        assert customers.find_by_email(session, world.hub.store.box, email, connection_id=others["no-grant"]) is None
        assert customers.find_by_email(session, world.hub.store.box, email) is None  # nor under the hub-wide key
    [[count]] = world.rows("SELECT COUNT(*) FROM customers")
    assert count == 2


def test_an_updated_order_takes_amazons_ship_time_and_its_delivery_as_the_purge_clock(world):
    """Imported unshipped; Amazon ships it (ship time before the next sync), then delivers it: the store
    keeps the package's ship time and the delivery's lastUpdatedTime, never when the hub synced."""
    [order_id] = world.create_orders(1, status="Unshipped", fba=False)
    world.past_search_lag()
    assert sync_orders(world.hub, world.connection_id).counts["created"] == 1
    backend = world.sandbox.backend
    state = backend.sellers[world.seller_id]
    order = state.orders[order_id]
    shipped = backend.now()
    order.shipments.append(Shipment("1", "UPS", None, None, "1Z9", shipped,
                                    [ShipmentItem(ln.order_item_id, ln.quantity) for ln in order.lines], shipped,
                                    "confirmShipment"))
    for line in order.lines:
        line.quantity_shipped = line.quantity
    order.status = SHIPPED
    backend.touch_order(state, order, shipped)
    world.advance(6 * 3600)  # the hub syncs hours later
    world.past_search_lag()
    sync_orders(world.hub, world.connection_id)
    first = _record(world, order_id)
    assert first.shipped_at == shipped.replace(microsecond=0) and first.delivered_at is None

    world.advance(2 * 86400)
    r = world.sandbox.http.post(f"/_sandbox/sellers/{world.seller_id}/orders/{order_id}/deliver")
    assert r.status_code == 200, r.text
    delivered = order.last_updated
    world.advance(86400)
    world.past_search_lag()
    sync_orders(world.hub, world.connection_id)
    later = _record(world, order_id)
    assert later.delivered_at == delivered.replace(microsecond=0)
    assert later.shipped_at == first.shipped_at  # the clock did not move


def _record(world: World, amazon_order_id: str):
    """The stored order as the store reads it (aware UTC times on both databases)."""
    with world.hub.store.uow(read_only=True) as session:
        return order_reads.get_by_amazon_id(session, world.connection_id, amazon_order_id)
