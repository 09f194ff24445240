"""The items import store (``domain.ports.prices.ItemImportStore``) for one connection (I5, E2, D1, H1).

One transaction per page of the report. Per line: the item with the Amazon SKU as its SKU is created or
its description set to Amazon's title; the connection's listing of the SKU gets Amazon's ASIN and
fulfillment channel and is mapped to that item, unless it is mapped to another item already: that mapping
is kept and the line says so (``kept``), never remapped silently. The report's prices and quantities are
never written (E2: the hub's price wins; D1: the hub's stock). Newly mapped items are marked dirty for the
quantity push (``mark_items_dirty``; a SKU new to the push state is added by its next run, asked for here)
and the price push (``mark_prices_dirty``, its job asked). A bad line goes to the error log (kind
``items_import``) with its line number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import select

from ...domain.ports.prices import ImportedListing, ImportOutcome
from ..repositories import error_log
from ..repositories import item_import as repo
from ..repositories.price_marks import ask_price_push, mark_prices_dirty
from ..repositories.stock_marks import ask_owners, mark_items_dirty
from ..store import Store
from ..tables import connections

ERROR_KIND = "items_import"
CAUSE = "items import"


class DbItemImportStore:
    def __init__(self, store: Store, connection_id: int, now: Callable[[], datetime]) -> None:
        self._store = store
        self.connection_id = connection_id
        self._now = now

    def upsert(self, listings: Sequence[ImportedListing], *, now: datetime) -> list[ImportOutcome]:
        outcomes: list[ImportOutcome] = []
        mapped: list[int] = []
        with self._store.uow() as session:
            for listing in listings:
                outcome = self._one(session, listing, now)
                outcomes.append(outcome)
                if outcome.result in ("created", "mapped") and outcome.item_id is not None:
                    mapped.append(outcome.item_id)
            if mapped:
                mark_items_dirty(session, mapped, cause=CAUSE, now=now)
                mark_prices_dirty(session, item_ids=mapped, cause=CAUSE, now=now)
                # SKUs new to the push state: the push flows add them at their next run, asked for now
                ask_price_push(session, [self.connection_id], now=now)
                ask_owners(session, select(connections.c.seller_id, connections.c.region)
                           .where(connections.c.id == self.connection_id), now=now)
        return outcomes

    def _one(self, session, listing: ImportedListing, now: datetime) -> ImportOutcome:
        existing = repo.listing_of(session, self.connection_id, listing.sku)
        if existing is not None and existing.item_id is not None and existing.item_sku != listing.sku:
            repo.upsert_listing(session, self.connection_id, listing.sku, asin=listing.asin,
                                fulfillment_channel=listing.fulfillment_channel, item_id=None, now=now)
            return ImportOutcome(listing.sku, "kept", existing.item_id,
                                 f"line {listing.line}: SKU {listing.sku} stays mapped to item {existing.item_sku}; "
                                 "change the mapping by hand to move it")
        item = repo.item_by_sku(session, listing.sku)
        if item is None:
            item_id = repo.add_item(session, listing.sku, listing.title, now=now)
            result = "created"
        else:
            item_id = item.id
            changed = listing.title is not None and item.description != listing.title
            if changed:
                repo.set_description(session, item_id, listing.title, now=now)
            if existing is not None and existing.item_id == item_id:
                same = existing.asin == listing.asin and existing.fulfillment_channel == listing.fulfillment_channel
                result = "unchanged" if same and not changed else "updated"
            else:
                result = "mapped"
        repo.upsert_listing(session, self.connection_id, listing.sku, asin=listing.asin,
                            fulfillment_channel=listing.fulfillment_channel, item_id=item_id, now=now)
        return ImportOutcome(listing.sku, result, item_id)

    def bad_line(self, line: int, code: str, message: str, *, raw: str | None, now: datetime) -> None:
        with self._store.uow() as session:
            error_log.record_error(session, self._store.box, connection_id=self.connection_id, kind=ERROR_KIND,
                                   key=f"line:{line}", code=code, message=f"line {line}: {message}",
                                   where=f"merchant listings report, line {line}",
                                   payload={"line": line, "raw": raw[:2000] if raw else None}, now=now)
