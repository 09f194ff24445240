"""Every table of the hub, one import away: ``from sellerbridge.db.tables import metadata, orders``.

The schema is created only by the Alembic migrations (``db/migrations``); this metadata is what they
must produce, checked by ``tests/adapters/test_db_migrations.py``.
"""

from __future__ import annotations

from ..meta import metadata
from .audit import pii_access_log
from .catalog import channel_listings, holds, items, ship_method_rules, ship_methods, ship_rates, stock, warehouses
from .connections import api_keys, connections
from .deliveries import deliveries, delivery_attempts, receiver_audit, receivers
from .documents import feed_submissions, report_requests
from .inventory import quantity_pushes, stock_commitments, stock_settings
from .jobs import jobs
from .ops import connection_marks, error_log, outbox, pending_fetches, sp_api_calls, sync_runs, watermarks
from .orders import customers, order_addresses, order_lines, orders
from .prices import price_pushes
from .security import intake_tallies, oauth_states, order_change_subscriptions, pending_authorizations
from .shipments import (
    line_cancellations,
    shipment_package_items,
    shipment_packages,
    shipments,
    stock_movements,
)

__all__ = [
    "api_keys",
    "channel_listings",
    "connection_marks",
    "connections",
    "customers",
    "deliveries",
    "delivery_attempts",
    "error_log",
    "feed_submissions",
    "holds",
    "intake_tallies",
    "items",
    "jobs",
    "line_cancellations",
    "metadata",
    "oauth_states",
    "order_addresses",
    "order_change_subscriptions",
    "order_lines",
    "orders",
    "outbox",
    "pending_authorizations",
    "pending_fetches",
    "pii_access_log",
    "price_pushes",
    "quantity_pushes",
    "receiver_audit",
    "receivers",
    "report_requests",
    "ship_method_rules",
    "ship_methods",
    "ship_rates",
    "shipment_package_items",
    "shipment_packages",
    "shipments",
    "sp_api_calls",
    "stock",
    "stock_commitments",
    "stock_movements",
    "stock_settings",
    "sync_runs",
    "warehouses",
    "watermarks",
]
