"""Flow-test world: the real sandbox on loopback, a real hub on SQLite or PostgreSQL, and checks.

Nothing of the hub is replaced. The one stand-in is the clock, and it is the sandbox's own: ``now``
reads Amazon's clock and ``sleep`` advances it, so a throttled wait of 178 simulated seconds takes
milliseconds and the sandbox's order lifecycles move with it.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text

from sellerbridge.bootstrap import Hub, build_hub
from sellerbridge.db.repositories import catalog, connections, shipping, sync_runs
from sellerbridge.domain.orders.model import ServiceLevel
from sellerbridge.settings import Settings
from tests.support.fleet import channel_of
from tests.support.sandbox import Sandbox, SellerCreds

SELECTED = ("Unshipped", "PartiallyShipped")  # the default statuses (B2), in the sandbox's words
HOLDING = ("pending", "pending_availability", "unshipped", "partially_shipped")


class RemoteSandboxClock:
    """The hub's clock: the sandbox's time over HTTP; ``sleep`` advances it (thread-safe)."""

    def __init__(self, base_url: str, sandbox: Sandbox | None = None) -> None:
        self._http = httpx.Client(base_url=base_url, timeout=30)
        self._lock = threading.Lock()
        self._sandbox = sandbox  # in the sandbox's own process: read its clock without a request
        self.slept = 0.0

    def now(self) -> datetime:
        if self._sandbox is not None:
            return self._sandbox.backend.now()
        with self._lock:
            r = self._http.get("/_sandbox/clock")
        r.raise_for_status()
        return datetime.fromisoformat(r.json()["now"])

    def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            return
        with self._lock:
            self.slept += seconds
            self._http.post("/_sandbox/clock", json={"advance_seconds": seconds}).raise_for_status()

    def close(self) -> None:
        self._http.close()


@dataclass(frozen=True)
class Event:
    topic: str
    key: str
    version: int
    payload: dict[str, Any]


@dataclass
class World:
    sandbox: Sandbox
    base_url: str
    creds: SellerCreds
    hub: Hub
    connection_id: int
    settings: Settings
    clock: RemoteSandboxClock

    @property
    def seller_id(self) -> str:
        return self.creds.seller_id

    # --- Amazon's side --------------------------------------------------------------------------

    def create_orders(self, count: int, **spec: Any) -> list[str]:
        r = self.sandbox.http.post(f"/_sandbox/sellers/{self.seller_id}/orders", json={"count": count, **spec})
        assert r.status_code == 201, r.text
        return r.json()["order_ids"]

    def amazon_orders(self) -> dict[str, dict[str, Any]]:
        r = self.sandbox.http.get(f"/_sandbox/sellers/{self.seller_id}/orders")
        assert r.status_code == 200, r.text
        return {o["order_id"]: o for o in r.json()["orders"]}

    def cancel(self, order_id: str, by: str) -> None:
        r = self.sandbox.http.post(f"/_sandbox/sellers/{self.seller_id}/orders/{order_id}/cancel", json={"by": by})
        assert r.status_code == 200, r.text

    def advance(self, seconds: float) -> None:
        self.sandbox.advance(seconds)

    def past_search_lag(self) -> None:
        """Let Amazon's search index catch up (it trails changes by two minutes)."""
        self.advance(180)

    def calls(self, operation: str) -> int:
        stats = self.sandbox.http.get("/_sandbox/stats").json()["calls"].get(self.seller_id, {})
        return sum(stats.get(operation, {}).values())

    # --- the hub's side -------------------------------------------------------------------------

    def other_hub(self) -> Hub:
        """A second process's hub: its own engine, gateways and token buckets, the same database."""
        return build_hub(self.settings, clock=self.clock)

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.hub.store.engine.connect() as conn:
            return list(conn.execute(text(sql), params))

    def stored_ids(self) -> list[str]:
        return [r[0] for r in self.rows("SELECT amazon_order_id FROM orders")]

    def stored(self, amazon_order_id: str) -> Any:
        [row] = self.rows("SELECT * FROM orders WHERE amazon_order_id = :a", a=amazon_order_id)
        return row

    def events(self, topic: str | None = None) -> list[Any]:
        sql = "SELECT topic, key, version, payload FROM outbox ORDER BY id"
        return [Event(r.topic, r.key, r.version, json.loads(r.payload) if isinstance(r.payload, str) else r.payload)
                for r in self.rows(sql) if topic is None or r.topic == topic]

    def open_errors(self) -> list[Any]:
        return self.rows("SELECT * FROM error_log WHERE status = 'open' ORDER BY id")

    def runs(self) -> list[Any]:
        with self.hub.store.uow(read_only=True) as session:
            return sorted(sync_runs.list_runs(session, connection_id=self.connection_id), key=lambda r: r.id)

    def map_sku(self, amazon_sku: str, asin: str | None = None) -> None:
        with self.hub.store.uow() as session:
            item = catalog.get_item_by_sku(session, f"INT-{amazon_sku}") or catalog.add_item(
                session, sku=f"INT-{amazon_sku}", description=f"Internal {amazon_sku}")
            catalog.set_listing(session, connection_id=self.connection_id, amazon_sku=amazon_sku, asin=asin,
                                item_id=item.id)

    def unmap_sku(self, amazon_sku: str) -> None:
        with self.hub.store.uow() as session:
            catalog.set_listing(session, connection_id=self.connection_id, amazon_sku=amazon_sku, item_id=None)

    # --- the checks every scenario makes ----------------------------------------------------------

    def assert_consistent(self, *, expect_errors: set[str] = frozenset()) -> None:
        """Zero lost, zero duplicates, holds consistent (issue 3, "It must show")."""
        amazon = self.amazon_orders()
        stored = self.stored_ids()
        # zero duplicates: one row per Amazon order, one line per order item, one hold per line
        assert len(stored) == len(set(stored)), Counter(stored).most_common(3)
        [[lines, distinct_lines]] = self.rows(
            "SELECT COUNT(*), COUNT(DISTINCT order_id || '/' || order_item_id) FROM order_lines")
        assert lines == distinct_lines
        [[hold_rows, distinct_holds]] = self.rows("SELECT COUNT(*), COUNT(DISTINCT order_line_id) FROM holds")
        assert hold_rows == distinct_holds
        # zero lost: every order Amazon has in the selected statuses is here (or waits in the error log)
        wanted = {oid for oid, o in amazon.items() if o["status"] in SELECTED}
        missing = wanted - set(stored)
        assert missing <= expect_errors, sorted(missing - expect_errors)[:5]
        # each stored order shows Amazon's current status
        for row in self.rows("SELECT amazon_order_id, status FROM orders"):
            assert _hub_status(amazon[row.amazon_order_id]["status"]) == row.status, row
        # holds: what is held is exactly the open quantity of merchant-fulfilled orders still to ship
        [[held]] = self.rows("SELECT COALESCE(SUM(quantity), 0) FROM holds WHERE status = 'held'")
        [[open_quantity]] = self.rows(
            "SELECT COALESCE(SUM(l.quantity - l.quantity_shipped - l.quantity_cancelled), 0) "
            "FROM order_lines l JOIN orders o ON o.id = l.order_id "
            "WHERE o.fulfillment = 'MFN' AND o.import_mode <> 'completed' AND o.status IN "
            "('pending', 'pending_availability', 'unshipped', 'partially_shipped')")
        assert held == open_quantity
        [[held_on_cancelled]] = self.rows(
            "SELECT COUNT(*) FROM holds h JOIN order_lines l ON l.id = h.order_line_id "
            "JOIN orders o ON o.id = l.order_id WHERE h.status = 'held' AND o.status = 'cancelled'")
        assert held_on_cancelled == 0
        # the warehouse hears of each sendable order exactly once
        created = [e.key for e in self.events("order.created")]
        assert len(created) == len(set(created))
        sendable = {r[0] for r in self.rows("SELECT amazon_order_id FROM orders WHERE send_to_warehouse = :t",
                                            t=True)}
        assert set(created) == sendable


def _hub_status(amazon_status: str) -> str:
    return {"Pending": "pending", "Unshipped": "unshipped", "PartiallyShipped": "partially_shipped",
            "Shipped": "shipped", "Canceled": "cancelled", "InvoiceUnconfirmed": "shipped",
            "Unfulfillable": "unfulfillable"}[amazon_status]


def seed_hub(hub: Hub, sandbox: Sandbox, base_url: str, creds: SellerCreds, *, unmapped: set[str] = frozenset(),
             order_settings: dict[str, Any] | None = None) -> int:
    """A connection to the sandbox seller, its catalog mapped (but ``unmapped``), ship methods for every level."""
    now = hub.now()
    listings = sandbox.http.get(f"/_sandbox/sellers/{creds.seller_id}/listings").json()["listings"]
    with hub.store.uow() as session:
        record = connections.add_connection(
            session, hub.store.box, name="us-main", seller_id=creds.seller_id,
            marketplace_id=creds.marketplace_ids[0], region="na", client_id=creds.client_id,
            client_secret=creds.client_secret, refresh_token=creds.refresh_token, api_base_url=base_url,
            lwa_token_url=f"{base_url}/auth/o2/token", authorized_at=now,
            authorization_expires_at=now + timedelta(days=365),
            settings={"pii_grant": True} if order_settings is None else order_settings, now=now)
        seen: set[str] = set()
        for listing in listings:
            sku = listing["sku"]
            if sku in seen or sku in unmapped:
                continue
            seen.add(sku)
            item = catalog.add_item(session, sku=f"INT-{sku}", description=f"Internal {listing['title']}"[:200])
            catalog.set_listing(session, connection_id=record.id, amazon_sku=sku, asin=listing["asin"],
                                item_id=item.id, fulfillment_channel=channel_of(listing))
        ground = shipping.add_ship_method(session, code="UPS-GND", carrier="UPS", name="UPS Ground")
        fast = shipping.add_ship_method(session, code="UPS-NDA", carrier="UPS", name="UPS Next Day Air")
        for level in ServiceLevel:
            method = fast if level in (ServiceLevel.NEXT_DAY, ServiceLevel.SAME_DAY) else ground
            shipping.add_rule(session, service_level=level.value, ship_method_id=method.id, priority=1)
    return record.id


def skus_of(world: World, order_ids: list[str]) -> dict[str, set[str]]:
    amazon = world.amazon_orders()
    return {oid: {line["sku"] for line in amazon[oid]["lines"]} for oid in order_ids}
