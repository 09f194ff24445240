"""Flow ``price_push`` on the real sandbox (E1, E3, G2, D8, H1): changed-only by patch and by feed, the guard
and its approvals, the seller's range, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sellerbridge.db.tables import items, price_pushes, stock_settings
from sellerbridge.domain.common.results import RunStatus
from sellerbridge.services import prices as service
from tests.support import confirmations
from tests.support.flows import run_flow

FLOW = "price_push"
US = "ATVPDKIKX0DER"


def run_until_done(world, limit: int = 10):
    return confirmations.run_until_done(world, FLOW, limit=limit)


def amazon_listing(world, sku: str) -> dict:
    world.advance(6)  # Amazon shows an accepted change a few seconds later
    listings = world.sandbox.http.get(f"/_sandbox/sellers/{world.seller_id}/listings").json()["listings"]
    return next(x for x in listings if x["sku"] == sku and x["marketplace_id"] == US)


def offer_of(world, sku: str) -> dict:
    seller = world.sandbox.backend.sellers[world.seller_id]
    return seller.listings[(sku, US)].attributes["purchasable_offer"][0]


def settings(world, *, guard: str | None = "20", patch_max: int = 50) -> None:
    now = world.hub.now()
    with world.hub.store.uow() as session:
        session.execute(stock_settings.delete().where(stock_settings.c.connection_id == world.connection_id))
        session.execute(stock_settings.insert().values(connection_id=world.connection_id, updated_at=now,
                                                       price_guard_percent=Decimal(guard) if guard else None,
                                                       patch_max=patch_max))


def skus(world, count: int, *, fba: bool | None = False) -> list[str]:
    listings = world.sandbox.http.get(f"/_sandbox/sellers/{world.seller_id}/listings").json()["listings"]
    found = sorted({x["sku"] for x in listings if fba is None or (x["fulfillment_channel"] != "DEFAULT") == fba})
    return found[:count]


def settle_everything(world) -> None:
    """A first run gives every mapped SKU its push state; the world has no prices yet, so nothing is sent
    (``unpriced``): the tests start from a quiet push state."""
    settings(world, guard=None)
    run_until_done(world)


class Push:
    """A price_pushes row with its amounts as Decimal (SQLite hands raw SQL a float)."""

    def __init__(self, row) -> None:
        for name, value in row._mapping.items():
            if name.startswith(("sent_", "held_", "in_flight_")) and isinstance(value, float | int) \
                    and not name.endswith(("version", "_at")):
                value = Decimal(str(value)).quantize(Decimal("0.01"))
            setattr(self, name, value)


def pushes(world, sku: str) -> Push:
    [row] = world.rows("SELECT * FROM price_pushes WHERE amazon_sku = :s", s=sku)
    return Push(row)


def test_e1_a_price_set_is_sent_by_patch_once_then_not_again(world):
    settle_everything(world)
    [sku] = skus(world, 1)
    service.set_price(world.hub, world.connection_id, sku, price="23.45", minimum="20", maximum="30", by="test")
    [report] = run_until_done(world)
    assert report.counts["sent"] == 1 and world.calls("patchListingsItem") == 1
    shown = amazon_listing(world, sku)
    assert (Decimal(str(shown["price"])), shown["currency"]) == (Decimal("23.45"), "USD")
    offer = offer_of(world, sku)
    assert offer["minimum_seller_allowed_price"][0]["schedule"][0]["value_with_tax"] == 20
    assert offer["maximum_seller_allowed_price"][0]["schedule"][0]["value_with_tax"] == 30
    row = pushes(world, sku)
    assert (row.sent_price, row.sent_currency, row.amazon_status, row.sent_channel) == (
        Decimal("23.45"), "USD", "accepted", "patch")
    again = run_flow(world.hub, FLOW, world.connection_id)
    assert again.counts["sent"] == 0 and world.calls("patchListingsItem") == 1  # changed-only (E1)
    service.set_price(world.hub, world.connection_id, sku, price="23.45", minimum="20", maximum="30", by="test")
    same = run_flow(world.hub, FLOW, world.connection_id)
    assert same.counts["unchanged"] == 1 and world.calls("patchListingsItem") == 1


def test_e1_the_list_price_when_no_amazon_price_and_a_currency_mismatch_is_refused(world):
    settle_everything(world)
    first, second = skus(world, 2)
    with world.hub.store.uow() as session:  # the world's items have no list price: give them one
        for sku, currency in ((first, "USD"), (second, "EUR")):
            session.execute(items.update().where(items.c.sku == f"INT-{sku}")
                            .values(list_price=Decimal("15.00"), currency=currency))
    service.send_now(world.hub, world.connection_id, [first, second], by="test")
    [report] = run_until_done(world)
    assert report.counts["sent"] == 1 and report.counts["refused"] == 1
    assert report.status is RunStatus.PARTIAL
    assert pushes(world, first).sent_price == Decimal("15.00")
    refused = pushes(world, second)
    assert (refused.amazon_status, refused.amazon_code, refused.sent_price) == ("refused", "currency_mismatch", None)
    [error] = [e for e in world.open_errors() if e.kind == "price_push"]
    assert error.key == f"sku:{second}" and "never converted" in error.message


def test_e1_many_prices_go_by_one_feed_and_amazons_answers_are_kept_per_sku(world):
    settle_everything(world)
    settings(world, guard=None, patch_max=2)
    chosen = skus(world, 5)
    for n, sku in enumerate(chosen):
        service.set_price(world.hub, world.connection_id, sku, price=f"{10 + n}.99", by="test")
    reports = run_until_done(world)
    assert reports[0].status is RunStatus.WAITING and reports[-1].status is RunStatus.DONE
    assert reports[0].counts["feeds"] == 1 and reports[-1].counts["sent"] == 5
    assert world.calls("patchListingsItem") == 0 and world.calls("createFeed") == 1
    for n, sku in enumerate(chosen):
        assert Decimal(str(amazon_listing(world, sku)["price"])) == Decimal(f"{10 + n}.99")
        row = pushes(world, sku)
        assert (row.sent_channel, row.amazon_status, row.in_flight) == ("feed", "accepted", None)
    [feed] = world.rows("SELECT purpose, status FROM feed_submissions")
    assert (feed.purpose, feed.status) == ("price_push", "imported")
    assert run_flow(world.hub, FLOW, world.connection_id).counts["sent"] == 0  # changed-only


def test_e3_a_large_change_is_held_then_approved_is_sent_with_who(world):
    settle_everything(world)
    [sku] = skus(world, 1)
    service.set_price(world.hub, world.connection_id, sku, price="10.00", by="test")
    run_until_done(world)  # the guard was off: sent
    settings(world, guard="20")
    service.set_price(world.hub, world.connection_id, sku, price="15.00", by="test")
    [held] = run_until_done(world)
    assert held.counts["held"] == 1 and held.counts["sent"] == 0
    [waiting] = service.approvals(world.hub)
    assert waiting["held"]["price"] == "15.00" and waiting["held"]["from"] == "10.00"
    assert "more than the guard" in waiting["held"]["reason"]
    assert pushes(world, sku).sent_price == Decimal("10.00")
    assert run_flow(world.hub, FLOW, world.connection_id).counts["sent"] == 0  # still held
    decided = service.decide(world.hub, waiting["held"]["id"], "approve", by="alice")
    assert decided["held"]["decision"] == "approved" and decided["held"]["decided_by"] == "alice"
    [sent] = run_until_done(world)
    assert sent.counts["sent"] == 1
    assert Decimal(str(amazon_listing(world, sku)["price"])) == Decimal("15.00")
    assert service.approvals(world.hub) == []
    with pytest.raises(service.PriceRefused, match="alice"):
        service.decide(world.hub, waiting["held"]["id"], "reject", by="bob")


def test_e3_a_rejected_price_is_not_sent(world):
    settle_everything(world)
    [sku] = skus(world, 1)
    service.set_price(world.hub, world.connection_id, sku, price="10.00", by="test")
    run_until_done(world)
    settings(world, guard="20")
    service.set_price(world.hub, world.connection_id, sku, price="5.00", by="test")
    run_until_done(world)
    [waiting] = service.approvals(world.hub)
    service.decide(world.hub, waiting["held"]["id"], "reject", by="bob")
    patches = world.calls("patchListingsItem")
    run_until_done(world)
    assert world.calls("patchListingsItem") == patches
    row = pushes(world, sku)
    assert (row.sent_price, row.decision, row.decided_by) == (Decimal("10.00"), "rejected", "bob")
    assert Decimal(str(amazon_listing(world, sku)["price"])) == Decimal("10.00")


def test_e3_never_sent_is_guarded_against_amazons_current_price(world):
    settle_everything(world)
    settings(world, guard="20")
    [sku] = skus(world, 1)
    current = Decimal(str(amazon_listing(world, sku)["price"]))
    service.send_now(world.hub, world.connection_id, [sku], by="test")
    service.set_price(world.hub, world.connection_id, sku, price=str((current * 3).quantize(Decimal("0.01"))),
                      by="test")
    [report] = run_until_done(world)
    assert report.counts["held"] == 1 and world.calls("getListingsItem") >= 1
    assert pushes(world, sku).held_from == current


def test_e1_fba_listings_prices_are_pushed(world):
    settle_everything(world)
    [sku] = skus(world, 1, fba=True)
    service.set_price(world.hub, world.connection_id, sku, price="31.00", by="test")
    [report] = run_until_done(world)
    assert report.counts["sent"] == 1
    assert Decimal(str(amazon_listing(world, sku)["price"])) == Decimal("31.00")


def test_d8_a_sku_amazon_does_not_know_is_a_warning_not_a_failed_run(world):
    settle_everything(world)
    world.map_sku("NOT-ON-AMAZON")
    service.set_price(world.hub, world.connection_id, "NOT-ON-AMAZON", price="9.99", by="test")
    [report] = run_until_done(world)
    assert report.status is RunStatus.DONE and report.counts["warnings"] == 1
    assert pushes(world, "NOT-ON-AMAZON").amazon_status == "warning"


def test_e1_a_patch_a_crashed_run_left_in_flight_is_sent_by_the_next_run(world):
    settle_everything(world)
    [sku] = skus(world, 1)
    service.set_price(world.hub, world.connection_id, sku, price="17.25", by="test")
    run_flow(world.hub, FLOW, world.connection_id)  # sent once: now pretend the run died before the answer
    with world.hub.store.uow() as session:
        session.execute(price_pushes.update().where(price_pushes.c.amazon_sku == sku)
                        .values(in_flight="patch", in_flight_version=price_pushes.c.version + 1,
                                version=price_pushes.c.version + 1, in_flight_price=Decimal("17.25"),
                                in_flight_currency="USD"))
    [report] = run_until_done(world)
    assert report.status is RunStatus.DONE
    row = pushes(world, sku)
    assert row.in_flight is None and row.version == row.sent_version and row.sent_price == Decimal("17.25")


def test_g2_a_5xx_after_the_transports_retries_leaves_the_price_dirty_for_the_next_run(world):
    settle_everything(world)
    [sku] = skus(world, 1)
    service.set_price(world.hub, world.connection_id, sku, price="8.75", by="test")
    world.sandbox.fault(operation="patchListingsItem", kind="status", status=503, count=5)
    [first] = run_until_done(world)
    assert first.counts["requeued"] == 1 and first.counts["sent"] == 0
    row = pushes(world, sku)
    assert row.in_flight is None and row.version > row.sent_version
    [second] = run_until_done(world)
    assert second.counts["sent"] == 1
    assert Decimal(str(amazon_listing(world, sku)["price"])) == Decimal("8.75")
