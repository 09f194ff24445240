"""Stock-out test worlds (tests only): the flow world's sandbox catalog with stock in the hub, and looks at
what Amazon shows and what the hub sent.

``stock_up`` gives the world's mapped SKUs warehouses and on-hand figures through the hub's stock ledger (H1),
marks the sandbox's FBA listings ``AFN`` in the hub (what the items import does), and optionally lowers
``patch_max`` (feeds). ``amazon_quantity`` reads the sandbox's listing as Amazon shows it now; ``Sent``
records, at the moment the hub builds them, the quantities in its patch and feed bodies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update

from sellerbridge.amazon.listings import api as listings_api
from sellerbridge.amazon.listings import feed as listings_feed
from sellerbridge.db.repositories import catalog, stock_config, stock_ledger
from sellerbridge.db.tables import channel_listings
from tests.flows.support import World
from tests.support.flows import run_flow

FLOW = "stock_push"


@dataclass
class Stocked:
    skus: list[str]  # mapped MFN SKUs, in catalog order
    fba: list[str]
    items: dict[str, int]  # SKU -> item id
    warehouses: dict[str, int]  # code -> id


def sandbox_listings(world: World) -> list[Any]:
    seller = world.sandbox.backend.sellers[world.seller_id]
    return sorted(seller.listings.values(), key=lambda x: (x.sku, x.marketplace_id))


def stock_up(world: World, *, on_hand: Callable[[int, str], int] | None = None, patch_max: int | None = None,
             warehouses: tuple[str, ...] = ("WH1", "WH2"), limit: int | None = None) -> Stocked:
    """Warehouses and on-hand per mapped MFN SKU (``on_hand(index, warehouse)``, default 10 each)."""
    now = world.hub.now()
    on_hand = on_hand or (lambda n, code: 10)
    mfn, fba = [], []
    for listing in sandbox_listings(world):
        if listing.marketplace_id != world.creds.marketplace_ids[0]:
            continue
        (mfn if listing.fulfillment_channel == "DEFAULT" else fba).append(listing.sku)
    if limit is not None:
        mfn = mfn[:limit]
    items: dict[str, int] = {}
    with world.hub.store.uow() as session:
        codes = {code: (catalog.get_warehouse_by_code(session, code)
                        or catalog.add_warehouse(session, code=code, name=code, now=now)).id for code in warehouses}
        for sku in fba:
            session.execute(update(channel_listings).where(channel_listings.c.amazon_sku == sku)
                            .values(fulfillment_channel="AFN"))
        for n, sku in enumerate(mfn):
            listing = catalog.find_listing(session, world.connection_id, sku)
            assert listing is not None and listing.item_id is not None
            items[sku] = listing.item_id
            for code, wid in codes.items():
                stock_ledger.record_count(session, item_id=listing.item_id, warehouse_id=wid,
                                          on_hand=on_hand(n, code), ref=f"seed:{sku}:{code}", now=now)
        if patch_max is not None:
            stock_config.set_settings(session, world.connection_id, now=now, patch_max=patch_max)
    return Stocked(mfn, fba, items, codes)


def push(world: World, connection_id: int | None = None) -> Any:
    report = run_flow(world.hub, FLOW, connection_id or world.connection_id)
    assert report is not None
    return report


def amazon_quantity(world: World, sku: str, marketplace_id: str | None = None, *,
                    seller_id: str | None = None) -> int | None:
    """What Amazon shows now (accepted patches become visible a few seconds later)."""
    seller = world.sandbox.backend.sellers[seller_id or world.seller_id]
    listing = seller.listings[(sku, marketplace_id or world.creds.marketplace_ids[0])]
    availability = (listing.attributes.get("fulfillment_availability") or [{}])[0]
    return availability.get("quantity")


def push_row(world: World, sku: str) -> Any:
    [row] = world.rows("SELECT * FROM quantity_pushes WHERE amazon_sku = :s", s=sku)
    return row


@dataclass
class Sent:
    """Quantities in the hub's patch and feed bodies, recorded as they are built (``install`` wraps the
    listings builders; nothing is changed); ``check`` is called with each (SKU, quantity, path)."""

    records: list[tuple[str, int, str]] = field(default_factory=list)
    marketplaces: list[str] = field(default_factory=list)  # of each record
    check: Callable[[str, int, str], None] | None = None

    def install(self, monkeypatch: Any) -> Sent:
        patches_of, build = listings_api.patches_of, listings_feed.build_listings_feed

        def patches(one: Any) -> Any:
            self._saw(one, "patch")
            return patches_of(one)

        def feed(seller_id: str, updates: Any, marketplace_id: str) -> bytes:
            for one in updates:
                self._saw(one, "feed")
            return build(seller_id, updates, marketplace_id)

        monkeypatch.setattr(listings_api, "patches_of", patches)
        monkeypatch.setattr(listings_feed, "build_listings_feed", feed)
        return self

    def _saw(self, update: Any, path: str) -> None:
        if update.quantity is None:
            return
        self.records.append((update.sku, update.quantity, path))
        self.marketplaces.append(update.marketplace_id)
        if self.check is not None:
            self.check(update.sku, update.quantity, path)

    def paths(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for _, _, path in self.records:
            out[path] = out.get(path, 0) + 1
        return out
