"""What the order mapping rules read from the database (``domain.orders.mapping`` views; B5-B7); the
queries are the repositories'.

- :class:`DbCatalog` (B6): an Amazon SKU, SKU or ASIN to the hub's item, cached per transaction; the
  batched path loads a whole page's listings in one query first.
- :class:`DbCustomers` (B5): a customer by the keyed hash of the buyer's e-mail.
- :class:`DbShipMethods` (B7): the connection's ship-method rules and rates, read once per sync run.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from sqlalchemy.orm import Session

from sellerbridge.domain.common.errors import DomainError
from sellerbridge.domain.orders.mapping import CatalogItem
from sellerbridge.domain.orders.model import ServiceLevel
from sellerbridge.domain.orders.ship_methods import Rate, ShipMethodChooser, ShipMethodOption

from ..repositories import catalog, customers, shipping


class DbCatalog:
    """``CatalogView`` over the connection's channel listings and the items (B6); cached per transaction."""

    def __init__(self, session: Session, connection_id: int) -> None:
        self._session = session
        self._connection_id = connection_id
        self._cache: dict[tuple[str, str], CatalogItem | None] = {}

    def _cached(self, kind: str, key: str, load: Callable[[], CatalogItem | None]) -> CatalogItem | None:
        if (kind, key) not in self._cache:
            self._cache[(kind, key)] = load()
        return self._cache[(kind, key)]

    def _item(self, item_id: int | None) -> CatalogItem | None:
        item = catalog.get_item(self._session, item_id) if item_id is not None else None
        return None if item is None else CatalogItem(item.id, item.sku, item.description)

    def prefetch_channel_skus(self, amazon_skus: set[str]) -> None:
        """Load the listings of a whole page in one query (the batched path, B1/B6)."""
        missing = [sku for sku in amazon_skus if ("channel", sku) not in self._cache]
        if not missing:
            return
        found = catalog.listed_items(self._session, self._connection_id, missing)
        for sku in missing:
            item = found.get(sku)
            self._cache[("channel", sku)] = None if item is None else CatalogItem(item.id, item.sku, item.description)

    def by_channel_sku(self, amazon_sku: str) -> CatalogItem | None:
        if ("channel", amazon_sku) in self._cache:  # every line of a page, once prefetched
            return self._cache[("channel", amazon_sku)]

        def load() -> CatalogItem | None:
            listing = catalog.find_listing(self._session, self._connection_id, amazon_sku)
            return self._item(listing.item_id) if listing is not None else None
        return self._cached("channel", amazon_sku, load)

    def by_sku(self, sku: str) -> CatalogItem | None:
        def load() -> CatalogItem | None:
            item = catalog.get_item_by_sku(self._session, sku)
            return None if item is None else CatalogItem(item.id, item.sku, item.description)
        return self._cached("sku", sku, load)

    def by_asin(self, asin: str) -> CatalogItem | None:
        def load() -> CatalogItem | None:
            item = catalog.find_item_for_line(self._session, self._connection_id, sku=None, asin=asin,
                                              product_code="asin")
            return None if item is None else CatalogItem(item.id, item.sku, item.description)
        return self._cached("asin", asin, load)


class DbCustomers:
    """``CustomerView``: a customer by the keyed hash of the buyer's e-mail (B5)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._known: dict[str, int | None] = {}

    def by_email_hash(self, email_hash: str) -> int | None:
        if email_hash in self._known:  # prefetched for a page; a customer created since is found
            return self._known[email_hash]  # again by insert_customer (idempotent on the hash)
        found = customers.find_by_email_hash(self._session, email_hash)
        return None if found is None else found.id

    def prefetch(self, email_hashes: set[str]) -> None:
        """Look a whole page's buyers up in one query (the batched path, B5)."""
        self._known = dict.fromkeys(email_hashes)
        self._known.update(customers.ids_by_email_hash(self._session, email_hashes))


class DbShipMethods:
    """``ShipMethods`` from the connection's rules and rate table, loaded per service level on first use (B7)."""

    def __init__(self, session: Session, connection_id: int, shared: dict[str, dict] | None = None) -> None:
        self._session = session
        self._connection_id = connection_id
        # ``shared``: the rules as read by an earlier transaction of the same run (one sync run reads
        # them once, not once per page: 14 queries a page on PostgreSQL otherwise)
        shared = {} if shared is None else shared
        self._options: dict[ServiceLevel, tuple[ShipMethodOption, ...]] = shared.setdefault("options", {})
        self._ids: dict[str, int] = shared.setdefault("ids", {})  # method code -> ship_methods.id
        self._choosers: dict[tuple[ServiceLevel, str | None], ShipMethodChooser] = shared.setdefault("choosers", {})

    def choose(self, level: ServiceLevel | None, country: str | None) -> str:
        if level is None:  # the chooser says why (an Amazon level the hub does not know)
            return ShipMethodChooser({}).choose(None, country)
        key = (level, country.upper() if country else None)
        chooser = self._choosers.get(key)
        if chooser is None:
            options = self._level(level)
            ids = [self._ids[option.method] for option in options]
            prices = shipping.rates_for(self._session, ids, country)
            codes = {method_id: code for code, method_id in self._ids.items()}
            # rates_for already resolved country-or-'*': one '*' rate per method is the price here
            rates = [Rate(codes[method_id], "*", Decimal(price.amount)) for method_id, price in prices.items()]
            chooser = self._choosers[key] = ShipMethodChooser({level: options}, rates)
        return chooser.choose(level, country)

    def _level(self, level: ServiceLevel) -> tuple[ShipMethodOption, ...]:
        if level not in self._options:
            rules = shipping.rules_for(self._session, self._connection_id, level.value)
            for rule in rules:
                self._ids[rule.ship_method.code] = rule.ship_method.id
            self._options[level] = tuple(
                ShipMethodOption(rule.ship_method.code, rule.priority,
                                 frozenset(rule.countries) if rule.countries is not None else None)
                for rule in rules)
        return self._options[level]

    def method_id(self, code: str | None) -> int | None:
        if code is None:
            return None
        if code not in self._ids:
            found = shipping.get_ship_method_by_code(self._session, code)
            if found is None:
                raise DomainError("unknown_ship_method", f"ship method {code!r} does not exist", where=code)
            self._ids[code] = found.id
        return self._ids[code]
