"""The price a SKU is sent at, and whether it may be sent (issue 11: E1, E3).

- E1: the price per marketplace is the listing's Amazon price (``channel_listings.price``, set by people),
  else the item's list price, in the marketplace's currency. A price in another currency is refused with
  a reason, never converted (the hub has no exchange rates, and a guessed one would sell at a loss).
  Prices are Decimal at the currency's ISO 4217 exponent (``domain/common/money.in_currency``), never float.
- E1 changed-only: a price (with its minimum and maximum) equal to the one Amazon was last told is not sent.
- E3 the guard: a change of more than the connection's ``price_guard_percent`` (default 20; None: off) from
  the last price sent (or, never sent, from Amazon's current price) is held for a person's approval; a
  price outside the seller's minimum/maximum is refused with the reason (Amazon would refuse it too).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from ..common.money import exponent_of, in_currency

DEFAULT_GUARD_PERCENT = Decimal("20")
MAX_PRICE = Decimal("999999999.99")  # what the store's money column holds (14 digits, 2 decimals)

# Amazon's marketplaces and their currencies (Amazon's "Marketplace IDs" page).
MARKETPLACE_CURRENCIES: dict[str, str] = {
    "ATVPDKIKX0DER": "USD", "A2EUQ1WTGCTBG2": "CAD", "A1AM78C64UM0Y8": "MXN", "A2Q3Y263D00KWC": "BRL",
    "A28R8C7NBKEWEA": "EUR", "A1RKKUPIHCS9HS": "EUR", "A1F83G8C2ARO7P": "GBP", "A13V1IB3VIYZZH": "EUR",
    "AMEN7PMS3EDWL": "EUR", "A1805IZSGTT6HS": "EUR", "A1PA6795UKMFR9": "EUR", "APJ6JRA9NG5V4": "EUR",
    "A2NODRKZP88ZB9": "SEK", "AE08WJ6YKNBMC": "ZAR", "A1C3SOZRARQ6R3": "PLN", "ARBP9OOSHTCHU": "EGP",
    "A33AVAJ2PDY3EV": "TRY", "A17E79C6D8DWNP": "SAR", "A2VIGQ35RCS4UG": "AED", "A21TJRUUN4KGV": "INR",
    "A19VAU5U5O7RUS": "SGD", "A39IBJ37TRP1C6": "AUD", "A1VC38T7YXB528": "JPY",
}


def currency_of(marketplace_id: str) -> str | None:
    return MARKETPLACE_CURRENCIES.get(marketplace_id)


class PriceError(ValueError):
    """A price a person typed that cannot be a price in this currency (the REST/CLI 4xx reason)."""


def parse_price(value: str | int | Decimal, currency: str, *, what: str = "price") -> Decimal:
    """A price as people give it: a finite, positive Decimal with at most the currency's decimals (JPY none,
    EUR two) and under :data:`MAX_PRICE`. Never rounded silently: ``19.999 EUR`` is refused, not sent as 20.00.
    A float is refused (``0.1`` is not a tenth in binary)."""
    if isinstance(value, float | bool):
        raise PriceError(f"{what}: give the amount as a string or a whole number, not {type(value).__name__}")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise PriceError(f"{what}: {str(value)[:40]!r} is not an amount") from None
    if not amount.is_finite():
        raise PriceError(f"{what}: {str(value)[:40]!r} is not an amount")
    if amount <= 0:
        raise PriceError(f"{what}: must be more than 0, not {amount}")
    if amount > MAX_PRICE:
        raise PriceError(f"{what}: {amount} is more than the largest price the hub keeps ({MAX_PRICE})")
    exponent = exponent_of(currency)
    if -amount.as_tuple().exponent > exponent and amount != in_currency(amount, currency):
        raise PriceError(f"{what}: {amount} has more decimals than {currency} has ({exponent})")
    return in_currency(amount, currency)


@dataclass(frozen=True, slots=True)
class PriceFacts:
    """What decides one SKU's price in one marketplace (read from the listing and its item)."""

    sku: str
    marketplace_id: str
    listing_price: Decimal | None  # the listing's Amazon price (E1), set by people
    listing_currency: str | None
    list_price: Decimal | None  # the item's list price: the fallback
    item_currency: str | None
    minimum: Decimal | None = None  # the seller's allowed range (E3)
    maximum: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Offer:
    """The offer to send: the price, its currency, and the seller's range (None: not sent)."""

    price: Decimal
    currency: str
    minimum: Decimal | None
    maximum: Decimal | None
    source: str  # "listing" (the Amazon price) | "list_price"

    def same_as(self, price: Decimal | None, currency: str | None, minimum: Decimal | None,
                maximum: Decimal | None) -> bool:
        return (price is not None and currency == self.currency and Decimal(price) == self.price
                and _eq(minimum, self.minimum) and _eq(maximum, self.maximum))


@dataclass(frozen=True, slots=True)
class Refused:
    """The hub will not send this SKU's price: a code and a reason for a person."""

    code: str
    reason: str


NO_PRICE = "no_price"
NO_CURRENCY = "unknown_marketplace"
CURRENCY_MISMATCH = "currency_mismatch"
BELOW_MINIMUM = "below_minimum"
ABOVE_MAXIMUM = "above_maximum"
BAD_RANGE = "bad_range"
NOT_POSITIVE = "not_positive"


def offer_for(facts: PriceFacts) -> Offer | Refused:
    """E1: the listing's Amazon price, else the item's list price, in the marketplace's currency (never
    converted); E3: inside the seller's minimum and maximum."""
    currency = currency_of(facts.marketplace_id)
    if currency is None:
        return Refused(NO_CURRENCY, f"marketplace {facts.marketplace_id} has no known currency")
    if facts.listing_price is not None:
        price, given, source = facts.listing_price, facts.listing_currency or currency, "listing"
    elif facts.list_price is not None:
        price, given, source = facts.list_price, facts.item_currency, "list_price"
    else:
        return Refused(NO_PRICE, f"{facts.sku}: no Amazon price and no list price; nothing to send")
    if given is None:
        return Refused(CURRENCY_MISMATCH, f"{facts.sku}: the list price {price} has no currency; "
                                          f"the marketplace sells in {currency}")
    if given.upper() != currency:
        return Refused(CURRENCY_MISMATCH, f"{facts.sku}: the {_what(source)} is in {given.upper()}, the marketplace "
                                          f"sells in {currency}; prices are never converted: set its Amazon price")
    price = in_currency(Decimal(price), currency)
    if price <= 0:
        return Refused(NOT_POSITIVE, f"{facts.sku}: the {_what(source)} {price} {currency} is not more than 0")
    minimum = in_currency(Decimal(facts.minimum), currency) if facts.minimum is not None else None
    maximum = in_currency(Decimal(facts.maximum), currency) if facts.maximum is not None else None
    if minimum is not None and maximum is not None and minimum > maximum:
        return Refused(BAD_RANGE, f"{facts.sku}: the minimum {minimum} is above the maximum {maximum} {currency}")
    if minimum is not None and price < minimum:
        return Refused(BELOW_MINIMUM, f"{facts.sku}: {price} {currency} is below the seller's minimum {minimum}")
    if maximum is not None and price > maximum:
        return Refused(ABOVE_MAXIMUM, f"{facts.sku}: {price} {currency} is above the seller's maximum {maximum}")
    return Offer(price, currency, minimum, maximum, source)


@dataclass(frozen=True, slots=True)
class Hold:
    """E3: the change is held for a person: the price it would replace and why."""

    price_from: Decimal
    reason: str


def guard(offer: Offer, reference: Decimal | None, percent: Decimal | None) -> Hold | None:
    """E3: a change of more than ``percent`` from ``reference`` (the last price sent, else Amazon's current
    price) is held; None: it may go. No guard (``percent`` None) or nothing to compare with: it goes."""
    if percent is None or reference is None:
        return None
    reference = Decimal(reference)
    if reference == offer.price:
        return None
    if reference <= 0:
        return Hold(reference, f"{offer.price} {offer.currency} replaces {reference}: a change from nothing")
    change = abs(offer.price - reference) * 100 / reference
    if change <= Decimal(percent):
        return None
    direction = "up" if offer.price > reference else "down"
    return Hold(reference, f"{reference} -> {offer.price} {offer.currency} is {direction} "
                           f"{change.quantize(Decimal('0.1'))}%, more than the guard's {Decimal(percent).normalize()}%")


class Action(StrEnum):
    SEND = "send"  # to Amazon
    UNCHANGED = "unchanged"  # Amazon has it already (changed-only, E1)
    HOLD = "hold"  # held for approval (E3), newly
    WAITING = "waiting"  # held before, no decision yet
    REJECTED = "rejected"  # a person rejected this very price: not sent
    REFUSED = "refused"  # the hub will not send it (Refused's reason)


@dataclass(frozen=True, slots=True)
class SentState:
    """What Amazon was last told about the SKU's price, and the hold on it."""

    sent_price: Decimal | None = None
    sent_currency: str | None = None
    sent_minimum: Decimal | None = None
    sent_maximum: Decimal | None = None
    held_price: Decimal | None = None
    decision: str | None = None  # approved | rejected | None


@dataclass(frozen=True, slots=True)
class Plan:
    action: Action
    offer: Offer | None = None
    hold: Hold | None = None
    refused: Refused | None = None


def plan(facts: PriceFacts, state: SentState, percent: Decimal | None, amazon_price: Decimal | None = None) -> Plan:
    """What to do with one dirty SKU's price (E1, E3). ``amazon_price`` is Amazon's current price, asked for
    only when the guard needs it (:func:`needs_amazon_price`)."""
    offer = offer_for(facts)
    if isinstance(offer, Refused):
        return Plan(Action.REFUSED, refused=offer)
    if offer.same_as(state.sent_price, state.sent_currency, state.sent_minimum, state.sent_maximum):
        return Plan(Action.UNCHANGED, offer)
    if state.held_price is not None and Decimal(state.held_price) == offer.price:
        if state.decision == "approved":
            return Plan(Action.SEND, offer)
        if state.decision == "rejected":
            return Plan(Action.REJECTED, offer)
        return Plan(Action.WAITING, offer)
    if state.sent_price is not None and offer.price == Decimal(state.sent_price):
        return Plan(Action.SEND, offer)  # only the range changed: no price change to guard
    reference = state.sent_price if state.sent_price is not None else amazon_price
    hold = guard(offer, reference, percent)
    if hold is not None:
        return Plan(Action.HOLD, offer, hold=hold)
    return Plan(Action.SEND, offer)


def needs_amazon_price(state: SentState, percent: Decimal | None) -> bool:
    """E3: never sent and the guard is on: the reference is Amazon's current price (``getListingsItem``)."""
    return percent is not None and state.sent_price is None


def _eq(a: Decimal | None, b: Decimal | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and Decimal(a) == Decimal(b))


def _what(source: str) -> str:
    return "Amazon price" if source == "listing" else "list price"
