"""Product and ship-method mappings as the CLI, the REST API and the demo write them (B6, B7).

Rules:
- B6: an internal item has a unique SKU; each Amazon SKU of a connection maps to at most one item
  (its channel listing, which keeps the ASIN too). Mapping a SKU again replaces its item and ASIN;
  ``item=None`` unmaps it. An order line whose SKU is not mapped goes to the error log
  (``unknown_sku``) until it is mapped and the error reprocessed.
- B7: each Amazon service level (``ServiceLevel``) maps to one or more ship methods (unique
  ``code``) by rules: a rule applies to one connection or to all (``connection=None``), with an
  optional priority (lowest first) and destination countries (None: every country). A level with
  no rule sends the order to the error log (``unmapped_ship_level``) until a rule is added.
- Errors are the domain's: a taken SKU or code is a ``Conflict``, an unknown item or ship method a
  ``NotFound``, an unknown connection, an unknown service level or an empty SKU/code a ``ConfigError``.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..bootstrap import Hub
from ..db.repositories import catalog, shipping
from ..db.repositories.catalog import ItemRecord, ListingRecord
from ..db.repositories.shipping import ShipMethodRecord
from ..domain.common.errors import ConfigError, NotFound
from ..domain.orders.model import ServiceLevel
from . import connections as connection_service

Item = ItemRecord  # public names of what these use cases return
Listing = ListingRecord
ShipMethod = ShipMethodRecord

__all__ = ["Item", "Listing", "ShipMethod", "add_item", "add_ship_method", "add_ship_rule", "map_sku"]


def _required(value: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ConfigError(f"{what} must not be empty")
    return text


def add_item(hub: Hub, *, sku: str, description: str | None = None) -> Item:
    """B6: a new internal item; its SKU is unique (``Conflict`` when taken). A missing product name on
    an order line is filled from ``description``."""
    with hub.store.uow() as session:
        return catalog.add_item(session, sku=_required(sku, "an item's SKU"), description=description or None,
                                now=hub.now())


def map_sku(hub: Hub, connection: int | str, amazon_sku: str, *, item: int | str | None,
            asin: str | None = None, fulfillment_channel: str | None = None) -> Listing:
    """B6: map the connection's Amazon SKU to ``item`` (its id or internal SKU; None unmaps it), keeping
    ``asin``; mapping again replaces the previous item. ``NotFound`` when there is no such item.
    ``fulfillment_channel`` "AFN" says Amazon fulfils the listing: its stock is never pushed (D1)."""
    connection_id = connection_service.get_connection(hub, connection).id
    amazon_sku = _required(amazon_sku, "an Amazon SKU")
    with hub.store.uow() as session:
        item_id = None
        if item is not None:
            found = catalog.get_item(session, item) if isinstance(item, int) else catalog.get_item_by_sku(session, item)
            if found is None:
                raise NotFound("item", item)
            item_id = found.id
        return catalog.set_listing(session, connection_id=connection_id, amazon_sku=amazon_sku, asin=asin,
                                   item_id=item_id, now=hub.now(), fulfillment_channel=fulfillment_channel)


def add_ship_method(hub: Hub, *, code: str, carrier: str, name: str) -> ShipMethod:
    """B7: a new internal carrier method; its code is unique (``Conflict`` when taken)."""
    with hub.store.uow() as session:
        return shipping.add_ship_method(session, code=_required(code, "a ship method's code"),
                                        carrier=carrier.strip(), name=name.strip())


def add_ship_rule(hub: Hub, *, service_level: ServiceLevel | str, ship_method: int | str,
                  connection: int | str | None = None, priority: int | None = None,
                  countries: Sequence[str] | None = None) -> int:
    """B7: map an Amazon service level to ``ship_method`` (its id or code) for ``connection`` (None: all
    connections), with an optional priority (lowest first) and destination countries (None: all).
    Returns the rule's id."""
    try:
        level = ServiceLevel(service_level)
    except ValueError:
        raise ConfigError(f"unknown service level {service_level!r}: choose from "
                          f"{', '.join(known.value for known in ServiceLevel)}") from None
    connection_id = None if connection is None else connection_service.get_connection(hub, connection).id
    with hub.store.uow() as session:
        found = next((m for m in shipping.list_ship_methods(session)
                      if (m.id if isinstance(ship_method, int) else m.code) == ship_method), None)
        if found is None:
            raise NotFound("ship method", ship_method)
        return shipping.add_rule(session, service_level=level.value, ship_method_id=found.id,
                                 connection_id=connection_id, priority=priority,
                                 countries=list(countries) if countries is not None else None)
