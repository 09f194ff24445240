"""B13: the PII purge job erases buyer data N days after shipment, on SQLite and PostgreSQL (``db_url``)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from sellerbridge.cli import context
from sellerbridge.cli.main import app
from sellerbridge.db.repositories import order_reads, orders, pii
from sellerbridge.db.stores.pii import DbPiiStore
from sellerbridge.db.tables import order_lines
from sellerbridge.domain.orders.model import OrderStatus
from sellerbridge.services.pii import count_due
from sellerbridge.sync.pii_purge import purge
from tests.flows.support import World
from tests.support.flows import run_flow, sync_orders


def purge_pii(hub):
    """The daily job's run, as a worker starts it (the hub-wide flow pii_purge)."""
    report = run_flow(hub, "pii_purge", None)
    assert report is not None and report.status == "done", report
    return report


@pytest.fixture
def cli(world: World, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(context, "hub_options", {"clock": world.clock})  # the sandbox's Amazon time
    env = {"SELLERBRIDGE_DATABASE_URL": world.settings.database_url,
           "SELLERBRIDGE_SECRET_KEY": world.settings.secret_key.get_secret_value(),
           "SELLERBRIDGE_DATA_DIR": str(world.settings.data_dir), "COLUMNS": "200"}
    return lambda *args: CliRunner().invoke(app, list(args), env=env)


def _import_three(world: World) -> dict[str, int]:
    ids = world.create_orders(3, status="Unshipped", fba=False)
    world.past_search_lag()
    assert sync_orders(world.hub, world.connection_id).counts["created"] == 3
    return {oid: world.stored(oid).id for oid in ids}


def _ship(world: World, order_id: int, days_ago: float) -> None:
    """Shipped and delivered ``days_ago`` (Amazon's times): the purge clock counts from the delivery."""
    when = world.hub.now() - timedelta(days=days_ago)
    with world.hub.store.uow() as session:
        orders.set_order_fields(session, order_id, status=OrderStatus.SHIPPED, shipped_at=when, delivered_at=when)


def _detail(world: World, order_id: int):
    with world.hub.store.uow(read_only=True) as session:
        return order_reads.get_order_detail(session, order_id, box=world.hub.store.box)


def _customer(world: World, order_id: int):
    [row] = world.rows("SELECT c.email_enc, c.name_enc FROM customers c JOIN orders o ON o.customer_id = c.id "
                       "WHERE o.id = :i", i=order_id)
    return row


def test_b13_an_order_shipped_31_days_ago_loses_its_pii_and_one_shipped_29_days_ago_keeps_it(world: World):
    old, recent, open_ = _import_three(world).values()
    with world.hub.store.uow() as session:  # a gift message on every line, to see it go
        session.execute(order_lines.update().values(gift_message_enc=world.hub.store.box.encrypt("Happy birthday!")))
    _ship(world, old, 31)
    _ship(world, recent, 29)
    assert all(_detail(world, i).address.has_pii for i in (old, recent, open_))

    dry = count_due(world.hub)
    assert (dry.orders, dry.dry_run) == (1, True) and _detail(world, old).address.has_pii  # nothing changed

    first = purge_pii(world.hub)

    assert first.counts["orders"] == 1 and first.counts["customers"] == 1
    gone = _detail(world, old)
    assert not gone.address.has_pii
    assert (gone.address.name, gone.address.line1, gone.address.line2, gone.address.phone) == (None,) * 4
    assert gone.order.pii_purged_at is not None
    assert world.rows("SELECT gift_message_enc FROM order_lines WHERE order_id = :i", i=old) \
        and all(r[0] is None for r in world.rows("SELECT gift_message_enc FROM order_lines WHERE order_id = :i", i=old))
    assert _customer(world, old) == (None, None)
    kept = _detail(world, recent)
    assert kept.address.has_pii and kept.address.line1 and kept.order.pii_purged_at is None
    assert all(r[0] is not None for r in world.rows("SELECT gift_message_enc FROM order_lines WHERE order_id = :i",
                                                    i=recent))
    assert _customer(world, recent)[0] is not None and _detail(world, open_).address.has_pii
    # what stays: the order itself, its lines, amounts and the ship-to country (for reporting)
    assert gone.order.amazon_order_id and gone.lines and gone.address.country_code

    again = purge_pii(world.hub)  # idempotent
    assert (again.counts["orders"], again.counts["customers"]) == (0, 0)
    assert _detail(world, recent).address.has_pii


def test_b13_a_customer_keeps_name_and_email_while_an_order_of_theirs_still_holds_pii(world: World):
    old, recent, _ = _import_three(world).values()
    with world.hub.store.uow() as session:  # the same buyer placed both orders
        [[customer_id]] = world.rows("SELECT customer_id FROM orders WHERE id = :i", i=old)
        orders.set_order_fields(session, recent, customer_id=customer_id)
        assert pii.customers_without_pii_orders(session, [customer_id]) == []
    _ship(world, old, 40)
    _ship(world, recent, 5)

    counts = purge_pii(world.hub).counts

    assert (counts["orders"], counts["customers"]) == (1, 0)
    assert _customer(world, old)[0] is not None
    store = DbPiiStore(world.hub.store, retention_days=30)
    later = purge(store, now=world.hub.now() + timedelta(days=30), retention_days=30)  # the second order's turn
    assert (later.orders, later.customers) == (1, 1) and _customer(world, old) == (None, None)


def test_b13_pii_purge_command_dry_run_then_purge(world: World, cli):
    old, _, _ = _import_three(world).values()
    _ship(world, old, 45)

    r = cli("pii", "purge", "--dry-run", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["orders"] == 1 and _detail(world, old).address.has_pii

    r = cli("pii", "purge", "--json")  # the pii_purge job's run, now, followed to its end
    assert r.exit_code == 0, r.output
    run = json.loads(r.output)
    assert run["flow"] == "pii_purge" and run["status"] == "done" and run["counts"]["orders"] == 1
    assert not _detail(world, old).address.has_pii
    assert json.loads(cli("pii", "purge", "--json").output)["counts"]["orders"] == 0
    r = cli("pii", "purge", "--days", "10")  # the retention is the installation's policy, not a run's choice
    assert r.exit_code == 2 and "SELLERBRIDGE_PII_RETENTION_DAYS" in r.output
