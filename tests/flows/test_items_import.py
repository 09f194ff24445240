"""Flow ``items_import`` on the real sandbox (I5, E2, D1): items and mappings from Amazon's merchant listings
report, idempotent, existing mappings kept, the report's prices ignored (the hub's price wins)."""

from __future__ import annotations

import gzip
from decimal import Decimal

from sqlalchemy import text

from sellerbridge.domain.common.results import RunStatus
from sellerbridge.services import prices as price_service
from tests.support import confirmations

US = "ATVPDKIKX0DER"


def listings(world) -> list[dict]:
    found = world.sandbox.http.get(f"/_sandbox/sellers/{world.seller_id}/listings").json()["listings"]
    return sorted((x for x in found if x["marketplace_id"] == US), key=lambda x: x["sku"])


def test_i5_import_creates_items_maps_skus_and_keeps_existing_mappings(make_world):
    world = make_world(catalog_size=12)
    all_listings = listings(world)
    skus = [x["sku"] for x in all_listings]
    for sku in skus[:4]:
        world.unmap_sku(sku)
    reports = confirmations.run_until_done(world, "items_import")
    assert reports[0].status is RunStatus.WAITING and reports[-1].status is RunStatus.DONE
    done = reports[-1]
    new = {x["sku"] for x in all_listings} & set(skus[:4])
    assert done.counts["created"] == len(new)
    assert done.counts["kept"] == len({x["sku"] for x in all_listings}) - len(new)
    rows = {r.amazon_sku: r for r in world.rows(
        "SELECT l.amazon_sku, l.asin, l.fulfillment_channel, l.price, i.sku AS item_sku, i.description, i.list_price "
        "FROM channel_listings l JOIN items i ON i.id = l.item_id WHERE l.connection_id = :c", c=world.connection_id)}
    for listing in all_listings:
        row = rows[listing["sku"]]
        assert row.asin == listing["asin"]
        assert row.fulfillment_channel == ("MFN" if listing["fulfillment_channel"] == "DEFAULT" else "AFN")
        assert row.price is None and row.list_price is None  # E2: the report's price is never kept
        if listing["sku"] in new:
            assert (row.item_sku, row.description) == (listing["sku"], listing["title"])
        else:
            assert row.item_sku == f"INT-{listing['sku']}"  # mapped to another item: kept, not remapped
    jobs = {r.key: r for r in world.rows("SELECT key, requested_at FROM jobs")}
    assert all(r.requested_at is not None for k, r in jobs.items() if k.startswith("price_push:"))


def test_i5_a_reimport_updates_and_never_duplicates(make_world):
    world = make_world(catalog_size=10, unmapped={"__none__"})
    with world.hub.store.uow() as session:  # start from an empty catalog: the import builds it
        session.execute(text("DELETE FROM channel_listings"))
    confirmations.run_until_done(world, "items_import")
    [[items_before]] = world.rows("SELECT COUNT(*) FROM items")
    [[listings_before]] = world.rows("SELECT COUNT(*) FROM channel_listings")
    again = confirmations.run_until_done(world, "items_import")[-1]
    assert again.counts["created"] == 0 and again.counts["mapped"] == 0
    assert again.counts["unchanged"] == listings_before
    assert world.rows("SELECT COUNT(*) FROM items")[0][0] == items_before
    assert world.rows("SELECT COUNT(*) FROM channel_listings")[0][0] == listings_before


def test_e2_after_an_import_the_hubs_price_wins(make_world):
    world = make_world(catalog_size=10, unmapped={"__none__"})
    with world.hub.store.uow() as session:
        session.execute(text("DELETE FROM channel_listings"))
    confirmations.run_until_done(world, "items_import")
    sku = next(x["sku"] for x in listings(world) if x["price"] is not None)
    amazon_price = Decimal(str(next(x for x in listings(world) if x["sku"] == sku)["price"]))
    mine = amazon_price + Decimal("1.00")  # within the guard of Amazon's current price
    price_service.set_price(world.hub, world.connection_id, sku, price=str(mine), by="test")
    confirmations.run_until_done(world, "price_push")
    world.advance(6)
    shown = next(x for x in listings(world) if x["sku"] == sku)
    assert Decimal(str(shown["price"])) == mine


class _Recoded(dict):
    """The sandbox's report documents as a legacy NA tool writes them: windows-1252, no charset named."""

    def __setitem__(self, key, document) -> None:
        if document.kind == "report":
            text = gzip.decompress(document.content).decode("utf-8")
            header, first, *rest = text.split("\n")
            cells = first.split("\t")
            cells[0] = "Café crème Brand® 12\" Skillet"
            recoded = "\n".join([header, "\t".join(cells), *rest])
            document.content = gzip.compress(recoded.encode("cp1252", errors="replace"))
            document.content_type = "text/tab-separated-values"
        super().__setitem__(key, document)


def test_i5_a_windows_1252_report_without_a_charset_is_decoded_and_said(make_world):
    world = make_world(catalog_size=6)
    with world.hub.store.uow() as session:
        session.execute(text("DELETE FROM channel_listings"))
    backend = world.sandbox.backend
    with backend.lock:
        backend.documents = _Recoded(backend.documents)
    done = confirmations.run_until_done(world, "items_import")[-1]
    assert done.status is RunStatus.DONE, done
    assert any(m.text == "decoded as cp1252" for item in done.items for m in item.messages)
    first = listings(world)[0]["sku"]
    [[description]] = world.rows("SELECT description FROM items WHERE sku = :s", s=first)
    assert description == "Café crème Brand® 12\" Skillet"
