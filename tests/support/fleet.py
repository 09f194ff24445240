"""Many sandbox sellers, each connected to one hub: seeding and the per-connection checks (issue 4).

- :func:`create_sellers`: sellers on a served sandbox, with seller ids unique to this run (the Redis
  token buckets are keyed by seller id: parallel runs on one Redis never share a budget).
- :func:`seed_connections`: as ``tests/flows/support.seed_hub`` for each seller, through the
  repositories: a connection with the PII grant pointed at the sandbox, its catalog mapped, ship
  methods for every service level.
- :func:`problems`: what ``World.assert_consistent`` asserts (zero lost, zero duplicates, Amazon's
  status, holds, one ``order.created`` per sendable order), per connection, as a list of findings,
  so a test can wait for the hub to catch up and then assert the list is empty.
"""

from __future__ import annotations

import json
import secrets
import string
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import Engine, text

from sellerbridge.bootstrap import Hub
from sellerbridge.db.repositories import catalog, connections, shipping
from sellerbridge.domain.orders.model import ServiceLevel

SELECTED = ("Unshipped", "PartiallyShipped")  # the default statuses (B2), in Amazon's words
HUB_STATUS = {"Pending": "pending", "Unshipped": "unshipped", "PartiallyShipped": "partially_shipped",
              "Shipped": "shipped", "Canceled": "cancelled", "InvoiceUnconfirmed": "shipped",
              "Unfulfillable": "unfulfillable"}


@dataclass(frozen=True)
class FleetSeller:
    seller_id: str
    creds: dict[str, Any]
    connection_id: int | None = None


def unique_seller_id() -> str:
    return "A" + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(13))


def create_sellers(http: httpx.Client, count: int, *, catalog_size: int = 20, seed: int = 1,
                   order_rate_per_hour: float = 0.0) -> list[FleetSeller]:
    sellers = []
    for n in range(count):
        r = http.post("/_sandbox/sellers", json={
            "seller_id": unique_seller_id(), "marketplaces": ["US"], "catalog_size": catalog_size,
            "seed": seed + n, "order_rate_per_hour": order_rate_per_hour})
        assert r.status_code == 201, r.text
        creds = r.json()
        sellers.append(FleetSeller(creds["seller_id"], creds))
    return sellers


def seed_connections(hub: Hub, http: httpx.Client, base_url: str, sellers: list[FleetSeller]) -> list[FleetSeller]:
    """A connection per seller (named ``seller-N``), catalog mapped, PII grant; returns them with their ids."""
    now = hub.now()
    seeded = []
    with hub.store.uow() as session:
        ground = shipping.add_ship_method(session, code="UPS-GND", carrier="UPS", name="UPS Ground")
        fast = shipping.add_ship_method(session, code="UPS-NDA", carrier="UPS", name="UPS Next Day Air")
        for level in ServiceLevel:
            method = fast if level in (ServiceLevel.NEXT_DAY, ServiceLevel.SAME_DAY) else ground
            shipping.add_rule(session, service_level=level.value, ship_method_id=method.id, priority=1)
    for n, seller in enumerate(sellers):
        listings = http.get(f"/_sandbox/sellers/{seller.seller_id}/listings").raise_for_status().json()["listings"]
        creds = seller.creds
        with hub.store.uow() as session:
            record = connections.add_connection(
                session, hub.store.box, name=f"seller-{n}", seller_id=seller.seller_id,
                marketplace_id=creds["marketplace_ids"][0], region="na", client_id=creds["client_id"],
                client_secret=creds["client_secret"], refresh_token=creds["refresh_token"], api_base_url=base_url,
                lwa_token_url=f"{base_url}/auth/o2/token", authorized_at=now,
                authorization_expires_at=now + timedelta(days=365), settings={"pii_grant": True}, now=now)
            for sku in dict.fromkeys(listing["sku"] for listing in listings):
                listing = next(x for x in listings if x["sku"] == sku)
                # items are hub-wide, listings per connection: one item per connection and SKU
                item = catalog.add_item(session, sku=f"INT-{n}-{sku}"[:64], description=f"Internal {sku}")
                catalog.set_listing(session, connection_id=record.id, amazon_sku=sku, asin=listing["asin"],
                                    item_id=item.id, fulfillment_channel=channel_of(listing))
        seeded.append(FleetSeller(seller.seller_id, creds, record.id))
    return seeded


def channel_of(listing: dict[str, Any]) -> str:
    """The hub's word for a sandbox listing's fulfillment channel ("DEFAULT": the merchant ships it)."""
    return "MFN" if listing.get("fulfillment_channel", "DEFAULT") == "DEFAULT" else "AFN"


def _rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params))


def connection_problems(engine: Engine, amazon: dict[str, dict], connection_id: int) -> list[str]:
    """Findings for one connection against Amazon's truth ``amazon`` (order id -> the sandbox's order)."""
    found: list[str] = []
    c = {"c": connection_id}
    stored = {r.amazon_order_id: r.status for r in _rows(
        engine, "SELECT amazon_order_id, status FROM orders WHERE connection_id = :c", **c)}
    [[order_rows]] = _rows(engine, "SELECT COUNT(*) FROM orders WHERE connection_id = :c", **c)
    if order_rows != len(stored):
        found.append(f"connection {connection_id}: {order_rows - len(stored)} duplicate orders")
    [[lines, distinct_lines]] = _rows(
        engine, "SELECT COUNT(*), COUNT(DISTINCT l.order_id || '/' || l.order_item_id) FROM order_lines l "
                "JOIN orders o ON o.id = l.order_id WHERE o.connection_id = :c", **c)
    if lines != distinct_lines:
        found.append(f"connection {connection_id}: {lines - distinct_lines} duplicate order lines")
    [[holds, distinct_holds]] = _rows(
        engine, "SELECT COUNT(*), COUNT(DISTINCT h.order_line_id) FROM holds h JOIN order_lines l "
                "ON l.id = h.order_line_id JOIN orders o ON o.id = l.order_id WHERE o.connection_id = :c", **c)
    if holds != distinct_holds:
        found.append(f"connection {connection_id}: {holds - distinct_holds} duplicate holds")
    missing = sorted(oid for oid, o in amazon.items() if o["status"] in SELECTED and oid not in stored)
    if missing:
        found.append(f"connection {connection_id}: {len(missing)} orders not stored, e.g. {missing[:3]}")
    unknown = sorted(set(stored) - set(amazon))
    if unknown:
        found.append(f"connection {connection_id}: {len(unknown)} stored orders Amazon does not have")
    stale = sorted(oid for oid, status in stored.items()
                   if oid in amazon and HUB_STATUS[amazon[oid]["status"]] != status)
    if stale:
        found.append(f"connection {connection_id}: {len(stale)} orders not in Amazon's status, e.g. {stale[:3]}")
    [[held]] = _rows(
        engine, "SELECT COALESCE(SUM(h.quantity), 0) FROM holds h JOIN order_lines l ON l.id = h.order_line_id "
                "JOIN orders o ON o.id = l.order_id WHERE h.status = 'held' AND o.connection_id = :c", **c)
    [[open_quantity]] = _rows(
        engine, "SELECT COALESCE(SUM(l.quantity - l.quantity_shipped - l.quantity_cancelled), 0) "
                "FROM order_lines l JOIN orders o ON o.id = l.order_id "
                "WHERE o.connection_id = :c AND o.fulfillment = 'MFN' AND o.import_mode <> 'completed' AND o.status "
                "IN ('pending', 'pending_availability', 'unshipped', 'partially_shipped')", **c)
    if held != open_quantity:
        found.append(f"connection {connection_id}: {held} held, {open_quantity} open to ship")
    [[held_on_cancelled]] = _rows(
        engine, "SELECT COUNT(*) FROM holds h JOIN order_lines l ON l.id = h.order_line_id "
                "JOIN orders o ON o.id = l.order_id WHERE h.status = 'held' AND o.status = 'cancelled' "
                "AND o.connection_id = :c", **c)
    if held_on_cancelled:
        found.append(f"connection {connection_id}: {held_on_cancelled} holds on cancelled orders")
    # A late-shipment warning (the sandbox's latest ship dates come soon on a scaled clock) is about Amazon's
    # deadline, not a document the hub failed: the other kinds are.
    [[errors]] = _rows(engine, "SELECT COUNT(*) FROM error_log WHERE status = 'open' AND connection_id = :c "
                               "AND kind <> 'late_shipment'", **c)
    if errors:
        found.append(f"connection {connection_id}: {errors} open errors in the error log")
    return found


def outbox_problems(engine: Engine) -> list[str]:
    """The warehouse hears of each sendable order exactly once (order ids are unique across sellers)."""
    created = [r.key for r in _rows(engine, "SELECT key FROM outbox WHERE topic = 'order.created'")]
    found = []
    twice = [key for key, n in Counter(created).items() if n > 1]
    if twice:
        found.append(f"{len(twice)} orders announced twice, e.g. {twice[:3]}")
    sendable = {r[0] for r in _rows(engine, "SELECT amazon_order_id FROM orders WHERE send_to_warehouse = :t",
                                    t=True)}
    if set(created) != sendable:
        found.append(f"order.created rows differ from sendable orders: {len(set(created) - sendable)} extra, "
                     f"{len(sendable - set(created))} missing")
    return found


def problems(engine: Engine, http: httpx.Client, sellers: list[FleetSeller]) -> list[str]:
    """Every finding of every connection and the outbox; empty when the hub matches Amazon."""
    found = []
    for seller in sellers:
        assert seller.connection_id is not None
        amazon = http.get(f"/_sandbox/sellers/{seller.seller_id}/orders").raise_for_status().json()["orders"]
        found += connection_problems(engine, {o["order_id"]: o for o in amazon}, seller.connection_id)
    return found + outbox_problems(engine)


def wanted_orders(http: httpx.Client, sellers: list[FleetSeller]) -> dict[str, int]:
    """Per seller, how many orders Amazon has in the default statuses (what the hub must hold)."""
    counts = {}
    for seller in sellers:
        amazon = http.get(f"/_sandbox/sellers/{seller.seller_id}/orders").raise_for_status().json()["orders"]
        counts[seller.seller_id] = sum(1 for o in amazon if o["status"] in SELECTED)
    return counts


def pending_orders(http: httpx.Client, sellers: list[FleetSeller]) -> int:
    """Orders still ``Pending`` on Amazon (they become Unshipped, or cancelled, on their own)."""
    return sum(len(http.get(f"/_sandbox/sellers/{s.seller_id}/orders", params={"status": "Pending"})
                   .raise_for_status().json()["orders"]) for s in sellers)


def runs_summary(engine: Engine) -> dict[str, Any]:
    """Sync runs by flow and status, and the errors of failed ones (counted, first words only)."""
    by_status = Counter()
    errors = Counter()
    for r in _rows(engine, "SELECT flow, status, error FROM sync_runs"):
        by_status[f"{r.flow}:{r.status}"] += 1
        if r.status == "failed":
            errors[(r.error or "")[:80]] += 1
    return {"runs": dict(by_status), "failed_errors": dict(errors)}


def as_json(value: Any) -> str:
    return json.dumps(value, indent=1, default=str, sort_keys=True)
