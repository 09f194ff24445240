"""Connections, customers, items and listings, ship methods and API keys round-trip (A1-A5, B5-B7, I2)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sellerbridge.db.errors import DuplicateConnection, DuplicateName, NotFound
from sellerbridge.db.repositories import api_keys, catalog, connections, customers, shipping
from sellerbridge.db.repositories.connections import KEEP
from sellerbridge.db.store import Store
from tests.support.db_samples import BUYER_EMAIL, BUYER_NAME, SECRET_CLIENT, SECRET_REFRESH, T0, add_connection, usd


def test_a1_a_connection_round_trips_and_its_secrets_come_out_only_on_request(db_store: Store):
    with db_store.uow() as s:
        added = add_connection(s, db_store.box, api_base_url="http://127.0.0.1:8900",
                               authorization_expires_at=T0 + timedelta(days=365), settings={"pii_grant": True})
    with db_store.uow(read_only=True) as s:
        got = connections.get_connection(s, added.id)
        secrets = connections.get_secrets(s, db_store.box, added.id)
        by_name = connections.get_connection_by_name(s, "us-main")
        by_seller = connections.find_connections_by_seller(s, "A1SELLER", "ATVPDKIKX0DER")
    assert got == added == by_name and by_seller == [got]
    assert (got.status, got.region, got.api_base_url, got.lwa_token_url) == ("active", "na", "http://127.0.0.1:8900",
                                                                             None)
    assert got.authorization_expires_at == T0 + timedelta(days=365) and got.settings == {"pii_grant": True}
    assert got.has_credentials
    assert (secrets.client_secret, secrets.refresh_token) == (SECRET_CLIENT, SECRET_REFRESH)


def test_a1_one_connection_per_name_and_per_seller_and_marketplace(db_store):
    with db_store.uow() as s:
        add_connection(s, db_store.box)
        with pytest.raises(DuplicateConnection):
            add_connection(s, db_store.box, name="us-main", seller_id="OTHER")
        with pytest.raises(DuplicateConnection):
            add_connection(s, db_store.box, name="us-second")
        add_connection(s, db_store.box, name="ca", marketplace_id="A2EUQ1WTGCTBG2")  # same seller, other market
    with db_store.uow(read_only=True) as s:
        assert [c.name for c in connections.list_connections(s)] == ["ca", "us-main"]


def test_a5_disabling_or_removing_credentials_is_visible_on_the_connection(db_store):
    with db_store.uow() as s:
        conn = add_connection(s, db_store.box)
        connections.set_status(s, conn.id, "disabled", last_error="disabled by operator")
        connections.set_secrets(s, db_store.box, conn.id, refresh_token=None)
        with pytest.raises(ValueError):
            connections.set_status(s, conn.id, "paused")
        with pytest.raises(NotFound):
            connections.set_status(s, 999, "active")
    with db_store.uow(read_only=True) as s:
        got = connections.get_connection(s, conn.id)
        assert connections.list_connections(s, status="active") == []
        assert connections.get_secrets(s, db_store.box, conn.id).refresh_token is None
    assert (got.status, got.last_error, got.has_credentials) == ("disabled", "disabled by operator", False)


def test_a2_a_new_authorization_replaces_the_token_and_restarts_expiry_warnings(db_store):
    with db_store.uow() as s:
        conn = add_connection(s, db_store.box)
        connections.update_connection(s, conn.id, expiry_warned_days=7, lwa_token_url="http://127.0.0.1:8900/auth")
        connections.set_secrets(s, db_store.box, conn.id, refresh_token="Atzr|new", authorized_at=T0,
                                authorization_expires_at=T0 + timedelta(days=365), client_secret=KEEP)
    with db_store.uow(read_only=True) as s:
        got = connections.get_connection(s, conn.id)
        secrets = connections.get_secrets(s, db_store.box, conn.id)
    assert (got.expiry_warned_days, got.authorized_at, got.lwa_token_url) == (None, T0, "http://127.0.0.1:8900/auth")
    assert (secrets.refresh_token, secrets.client_secret) == ("Atzr|new", SECRET_CLIENT)


def test_b2_connection_settings_merge_or_replace(db_store):
    with db_store.uow() as s:
        conn = add_connection(s, db_store.box, settings={"statuses": ["unshipped"], "product_code": "sku"})
        merged = connections.update_settings(s, conn.id, {"product_code": "asin", "ignored_skus": ["X"]})
    assert merged == {"statuses": ["unshipped"], "product_code": "asin", "ignored_skus": ["X"]}
    with db_store.uow() as s:
        assert connections.update_settings(s, conn.id, {"pii_grant": False}, replace=True) == {"pii_grant": False}
        assert connections.get_connection(s, conn.id).settings == {"pii_grant": False}


def test_b5_a_customer_is_matched_by_e_mail_whatever_its_case_and_created_once(db_store):
    box = db_store.box
    with db_store.uow() as s:
        first, created = customers.insert_customer(s, box, email=BUYER_EMAIL, name=BUYER_NAME, company="ACME")
        again, created_again = customers.insert_customer(s, box, email=f"  {BUYER_EMAIL.upper()} ", name="x")
        anonymous, _ = customers.insert_customer(s, box, email=None, name=None)
        anonymous2, _ = customers.insert_customer(s, box, email=None, name=None)
    assert created and not created_again and again.id == first.id
    assert anonymous.id != anonymous2.id and not anonymous.has_email
    with db_store.uow(read_only=True) as s:
        found = customers.find_by_email(s, box, BUYER_EMAIL.title())
        full = customers.get_customer(s, first.id, box=box)
        assert customers.find_by_email(s, box, "someone@else.example") is None
    assert found.id == first.id and found.email is None
    assert (full.email, full.name, full.company) == (BUYER_EMAIL, BUYER_NAME, "ACME")
    with db_store.uow() as s:
        customers.purge_customer_pii(s, first.id)
        assert customers.find_by_email(s, box, BUYER_EMAIL).id == first.id  # still matches after the purge
        assert customers.get_customer(s, first.id, box=box).name is None


def test_b6_a_line_maps_to_an_item_by_channel_sku_internal_sku_or_asin(db_store):
    with db_store.uow() as s:
        conn = add_connection(s, db_store.box).id
        widget = catalog.add_item(s, sku="WIDGET-1", description="Blue widget", list_price=usd("9.99").amount,
                                  currency="USD")
        same = catalog.add_item(s, sku="SB-002")
        catalog.set_listing(s, connection_id=conn, amazon_sku="AMZ-W1", asin="B000WIDGET", item_id=widget.id)
        catalog.set_listing(s, connection_id=conn, amazon_sku="AMZ-UNMAPPED", asin="B000NOPE")
        with pytest.raises(DuplicateName):
            catalog.add_item(s, sku="WIDGET-1")
    with db_store.uow(read_only=True) as s:
        def find(**kw):
            item = catalog.find_item_for_line(s, conn, **kw)
            return None if item is None else item.sku

        assert find(sku="AMZ-W1", asin=None) == "WIDGET-1"  # channel SKU mapping
        assert find(sku="SB-002", asin=None) == "SB-002"  # same SKU both sides
        assert find(sku="AMZ-UNMAPPED", asin=None) is None
        assert find(sku=None, asin="B000WIDGET", product_code="asin") == "WIDGET-1"
        assert find(sku="SB-002", asin="B000NOPE", product_code="asin") is None
        assert catalog.get_item(s, widget.id).description == "Blue widget"
        assert catalog.get_item_by_sku(s, "SB-002") == same
    with db_store.uow() as s:
        catalog.set_listing(s, connection_id=conn, amazon_sku="AMZ-UNMAPPED", asin="B000NOPE", item_id=same.id)
        assert catalog.find_listing(s, conn, "AMZ-UNMAPPED").item_id == same.id


def test_d2_on_hand_is_kept_per_item_and_warehouse(db_store):
    with db_store.uow() as s:
        item = catalog.add_item(s, sku="SB-001")
        east = catalog.add_warehouse(s, code="EAST", name="East DC")
        west = catalog.add_warehouse(s, code="WEST", name="West DC")
        catalog.set_on_hand(s, item_id=item.id, warehouse_id=east.id, on_hand=5)
        catalog.set_on_hand(s, item_id=item.id, warehouse_id=east.id, on_hand=7)
        catalog.set_on_hand(s, item_id=item.id, warehouse_id=west.id, on_hand=1)
        with pytest.raises(DuplicateName):
            catalog.add_warehouse(s, code="EAST", name="again")
    with db_store.uow(read_only=True) as s:
        assert catalog.on_hand_by_warehouse(s, item.id) == {east.id: 7, west.id: 1}
        assert [w.code for w in catalog.list_warehouses(s)] == ["EAST", "WEST"]
        assert catalog.get_warehouse_by_code(s, "WEST") == west


def test_b7_ship_rules_come_by_connection_then_priority_and_rates_by_country(db_store):
    with db_store.uow() as s:
        conn = add_connection(s, db_store.box).id
        ground = shipping.add_ship_method(s, code="UPS-GND", carrier="UPS", name="UPS Ground")
        post = shipping.add_ship_method(s, code="USPS-PRI", carrier="USPS", name="Priority Mail")
        fedex = shipping.add_ship_method(s, code="FDX-HOME", carrier="FedEx", name="Home Delivery")
        shipping.add_rule(s, service_level="Standard", ship_method_id=post.id, priority=2)
        shipping.add_rule(s, service_level="Standard", ship_method_id=ground.id, priority=1, countries=["us", "ca"])
        shipping.add_rule(s, service_level="Standard", ship_method_id=fedex.id, connection_id=conn)
        shipping.add_rule(s, service_level="NextDay", ship_method_id=fedex.id)
        shipping.set_rate(s, ship_method_id=ground.id, country="*", price=usd("12.00"))
        shipping.set_rate(s, ship_method_id=ground.id, country="us", price=usd("8.50"))
        shipping.set_rate(s, ship_method_id=post.id, country="*", price=usd("9.00"))
        shipping.set_rate(s, ship_method_id=post.id, country="*", price=usd("9.25"))
        with pytest.raises(DuplicateName):
            shipping.add_ship_method(s, code="UPS-GND", carrier="UPS", name="again")
    with db_store.uow(read_only=True) as s:
        rules = shipping.rules_for(s, conn, "Standard")
        rates_us = shipping.rates_for(s, [ground.id, post.id, fedex.id], "US")
        rates_de = shipping.rates_for(s, [ground.id, post.id], "DE")
        levels = shipping.levels_with_rules(s, conn)
    assert [r.ship_method.code for r in rules] == ["FDX-HOME", "UPS-GND", "USPS-PRI"]
    assert rules[1].countries == ("US", "CA") and rules[0].priority is None
    assert rates_us == {ground.id: usd("8.50"), post.id: usd("9.25")}
    assert rates_de == {ground.id: usd("12.00"), post.id: usd("9.25")}
    assert levels == {"Standard", "NextDay"}


def test_i2_an_api_key_is_shown_once_verified_by_hash_and_revocable(db_store):
    with db_store.uow() as s:
        record, clear = api_keys.create_api_key(s, name="ops", roles=["operator", "view_pii"], now=T0)
        with pytest.raises(DuplicateName):
            api_keys.create_api_key(s, name="ops", roles=["viewer"])
    assert clear.startswith("sb_") and record.key_prefix == clear[:10] and clear not in repr(record)
    with db_store.uow() as s:
        found = api_keys.verify_api_key(s, clear)
        assert api_keys.verify_api_key(s, clear + "x") is None and api_keys.verify_api_key(s, "") is None
        api_keys.touch_api_key(s, found.id, now=T0 + timedelta(minutes=1))
    assert found.id == record.id and found.roles == ("operator", "view_pii")
    with db_store.uow() as s:
        api_keys.revoke_api_key(s, record.id, now=T0 + timedelta(days=1))
        assert api_keys.verify_api_key(s, clear) is None
        listed = api_keys.list_api_keys(s)
    assert [(k.name, k.active, k.last_used_at) for k in listed] == [("ops", False, T0 + timedelta(minutes=1))]


def test_b5_a_page_of_buyers_is_matched_and_created_in_one_go(db_store):
    from sellerbridge.domain.orders.model import Buyer

    box = db_store.box
    with db_store.uow() as s:
        known, _ = customers.insert_customer(s, box, email="known@example.com", name="Known")
        buyers = [Buyer(email="new@example.com", name="New"), Buyer(email="KNOWN@example.com ", name="K"),
                  Buyer(email=None, name="No mail"), None, Buyer(email="new@example.com", name="New again")]
        ids = customers.get_or_create_customers(s, box, buyers)
        assert customers.get_or_create_customers(s, box, buyers[:2]) == ids[:2]
    assert ids[1] == known.id and ids[0] == ids[4] and len({ids[0], ids[2], ids[3], known.id}) == 4
    with db_store.uow(read_only=True) as s:
        assert customers.get_customer(s, ids[0], box=box).name == "New"
        assert customers.get_customer(s, ids[2], box=box).name == "No mail"
