"""``getListingsItem``'s ``Item`` -> :class:`ListedOffer`: what Amazon shows for a SKU now (D7, E1, E3).

Read from the parts asked for (``summaries``, ``attributes``, ``fulfillmentAvailability``, ``offers``):

- quantity: the ``DEFAULT`` entry of ``fulfillmentAvailability``, else of the
  ``fulfillment_availability`` attribute; lead time from that attribute
  (``lead_time_to_ship_max_days``);
- price and currency: the marketplace's ``purchasable_offer`` (audience ALL) ``our_price``, else the
  B2C entry of ``offers``;
- channel: AFN when the listing's channel code is not ``DEFAULT`` (``AMAZON_NA``, ``AMAZON_EU`` ...):
  Amazon fulfils it and counts its stock (D1).

Anything missing or of the wrong type is None, never an exception: the answer comes from outside.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from ...domain.ports.listings import ListedOffer
from .patches import MERCHANT_CHANNEL

INCLUDED_DATA = ["summaries", "attributes", "fulfillmentAvailability", "offers"]
MAX_COUNT = 2_147_483_647  # what a quantity column holds; more is not a quantity Amazon shows
MAX_PRICE = Decimal("1e12")  # no offer costs this much; "1e999999" must not reach a Numeric column


def _rows(value: Any, key: str) -> list[Mapping[str, Any]]:
    found = value.get(key) if isinstance(value, Mapping) else None
    return [r for r in found if isinstance(r, Mapping)] if isinstance(found, list) else []


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT else None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)) or len(str(value)) > 40:
        return None
    try:
        out = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return out if out.is_finite() and 0 <= out < MAX_PRICE else None


def _ours(rows: list[Mapping[str, Any]], marketplace_id: str) -> list[Mapping[str, Any]]:
    return [r for r in rows if r.get("marketplace_id") in (None, marketplace_id)]


def _availability(item: Mapping[str, Any], marketplace_id: str) -> tuple[str | None, int | None, int | None]:
    listed = _rows(item, "fulfillmentAvailability")
    attribute = _ours(_rows(item.get("attributes"), "fulfillment_availability"), marketplace_id)
    channel = next((str(r["fulfillmentChannelCode"]) for r in listed if r.get("fulfillmentChannelCode")), None) \
        or next((str(r["fulfillment_channel_code"]) for r in attribute if r.get("fulfillment_channel_code")), None)
    quantity = next((_int(r.get("quantity")) for r in listed
                     if r.get("fulfillmentChannelCode") == MERCHANT_CHANNEL and _int(r.get("quantity")) is not None),
                    None)
    merchant = [r for r in attribute if r.get("fulfillment_channel_code") == MERCHANT_CHANNEL]
    if quantity is None:
        quantity = next((_int(r.get("quantity")) for r in merchant if _int(r.get("quantity")) is not None), None)
    lead = next((_int(r.get("lead_time_to_ship_max_days")) for r in merchant
                 if _int(r.get("lead_time_to_ship_max_days")) is not None), None)
    return channel, quantity, lead


def _price(item: Mapping[str, Any], marketplace_id: str) -> tuple[Decimal | None, str | None]:
    for offer in _ours(_rows(item.get("attributes"), "purchasable_offer"), marketplace_id):
        if offer.get("audience", "ALL") != "ALL":
            continue
        for price in _rows(offer, "our_price"):
            for row in _rows(price, "schedule"):
                value = _decimal(row.get("value_with_tax"))
                if value is not None:
                    currency = offer.get("currency")
                    return value, currency if isinstance(currency, str) else None
    for offer in _rows(item, "offers"):
        if offer.get("marketplaceId") not in (None, marketplace_id) or offer.get("offerType", "B2C") != "B2C":
            continue
        money = offer.get("price")
        value = _decimal(money.get("amount")) if isinstance(money, Mapping) else None
        if value is not None:
            currency = money.get("currencyCode")
            return value, currency if isinstance(currency, str) else None
    return None, None


def listed_offer(item: Any, sku: str, marketplace_id: str) -> ListedOffer:
    """The SKU's offer in ``marketplace_id`` as the ``Item`` shows it."""
    item = item if isinstance(item, Mapping) else {}
    channel, quantity, lead = _availability(item, marketplace_id)
    price, currency = _price(item, marketplace_id)
    afn = channel is not None and channel != MERCHANT_CHANNEL
    return ListedOffer(sku=sku, marketplace_id=marketplace_id, quantity=None if afn else quantity,
                       lead_time_days=lead, price=price, currency=currency,
                       fulfillment_channel="AFN" if afn else "MFN")
