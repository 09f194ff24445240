"""Orders of the sandbox stored in the hub, for the shipment tests of the API and the CLI (C1)."""

from __future__ import annotations

from dataclasses import dataclass

from sellerbridge.db.repositories import jobs as job_repo
from tests.flows.support import World
from tests.support.flows import sync_orders


@dataclass(frozen=True)
class StoredLine:
    order_item_id: str
    sku: str
    quantity: int


@dataclass(frozen=True)
class StoredOrder:
    amazon_order_id: str
    lines: tuple[StoredLine, ...]


def stored_orders(world: World, count: int, *, cancel: int = 0) -> list[StoredOrder]:
    """``count`` unshipped merchant-fulfilled orders made on the sandbox and read by the hub's poll; the
    last ``cancel`` of them cancelled on Amazon (and in the hub) afterwards."""
    ids = world.create_orders(count, status="Unshipped", fba=False)
    world.past_search_lag()
    sync_orders(world.hub, world.connection_id)
    if cancel:
        for order_id in ids[-cancel:]:
            world.cancel(order_id, by="AMAZON")
        world.past_search_lag()
        sync_orders(world.hub, world.connection_id)
    out = []
    for order_id in ids:
        rows = world.rows("SELECT l.order_item_id, l.sku, l.quantity FROM order_lines l JOIN orders o "
                          "ON o.id = l.order_id WHERE o.amazon_order_id = :a ORDER BY l.id", a=order_id)
        assert rows, f"order {order_id} was not stored"
        out.append(StoredOrder(order_id, tuple(StoredLine(*row) for row in rows)))
    return out


def confirm_job(world: World) -> str:
    """The connection's ``shipment_confirm`` job row (the confirmation flow's; made here when the flow is not
    registered in this build), so a test can see that the intake asked for it."""
    key = job_repo.job_key("shipment_confirm", world.connection_id)
    with world.hub.store.uow() as session:
        job_repo.ensure_job(session, flow="shipment_confirm", connection_id=world.connection_id, every_seconds=None,
                            now=world.hub.now())
    return key


def confirm_asked(world: World, key: str) -> int:
    with world.hub.store.uow(read_only=True) as session:
        job = job_repo.get_job(session, key)
    assert job is not None
    return job.requests
