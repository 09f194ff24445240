"""Buyer data for the PII tests: seeded on Amazon's side with values found nowhere else, and searched
for in every column of every table of the hub's database (B13)."""

from __future__ import annotations

import json
import secrets
from typing import Any

from sqlalchemy import column, inspect, select, table

from tests.flows.support import World


def _unique(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(5)}"


def seed_every_pii_field(world: World, order_ids: list[str]) -> list[str]:
    """Give each order (on Amazon's side) personal values that occur nowhere else; returns them all."""
    values: list[str] = []
    backend = world.sandbox.backend
    with backend.lock:
        seller = backend.sellers[world.seller_id]
        for order_id in order_ids:
            order = seller.orders[order_id]
            name = _unique("Quokkaname ")
            order.buyer.name, order.buyer.email = name, f"{_unique('buyer')}@marketplace.amazon.com"
            order.ship_to.name = name
            order.ship_to.line1, order.ship_to.line2 = _unique("1 Wombat Way "), _unique("Apt ")
            order.ship_to.postal_code, order.ship_to.phone = _unique("ZQ"), f"+1 206-{secrets.randbelow(10**7):07d}"
            for line in order.lines:
                line.gift_message = _unique("Happy birthday from ")
                values.append(line.gift_message)
            values += [name, order.buyer.email, order.ship_to.line1, order.ship_to.line2, order.ship_to.postal_code,
                       order.ship_to.phone]
            backend.touch_order(seller, order)  # a change: search shows it after its lag, getOrder at once
    return values


def _texts(value: Any, box) -> list[str]:
    """A stored value as text, and its clear text when it is one of the hub's ciphertexts."""
    if value is None:
        return []
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    value = str(value)
    out = [value]
    if value.startswith("gAAAAA"):  # a Fernet token: every one in the hub is under the hub's key
        out.append(box.decrypt(value))
    return out


def pii_found(world: World, values: list[str]) -> dict[str, list[str]]:
    """Every table and every column of the database: which seeded values each column holds."""
    engine = world.hub.store.engine
    found: dict[str, list[str]] = {}
    wanted = [v.lower() for v in values]
    with engine.connect() as conn:
        names = inspect(conn).get_table_names()
        assert "orders" in names and "sp_api_calls" in names and "error_log" in names
        for name in names:
            columns = [c["name"] for c in inspect(conn).get_columns(name)]
            for row in conn.execute(select(table(name, *[column(c) for c in columns]))):
                for column_name, value in zip(columns, row, strict=True):
                    for shown in _texts(value, world.hub.store.box):
                        hits = [v for v in wanted if v in shown.lower()]
                        if hits:
                            found.setdefault(f"{name}.{column_name}", []).extend(hits)
    return found


