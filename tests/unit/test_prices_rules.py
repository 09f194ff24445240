"""The price rules of issue 11 (E1, E3): the offer per marketplace, changed-only, the guard, the range."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sellerbridge.domain.listings.prices import (
    ABOVE_MAXIMUM,
    BAD_RANGE,
    BELOW_MINIMUM,
    CURRENCY_MISMATCH,
    NO_PRICE,
    Action,
    Offer,
    PriceError,
    PriceFacts,
    Refused,
    SentState,
    guard,
    needs_amazon_price,
    offer_for,
    parse_price,
    plan,
)

US, DE, JP = "ATVPDKIKX0DER", "A1PA6795UKMFR9", "A1VC38T7YXB528"
D = Decimal


def facts(marketplace=US, listing=None, listing_currency=None, list_price=None, item_currency="USD", minimum=None,
          maximum=None) -> PriceFacts:
    return PriceFacts("SKU-1", marketplace, listing, listing_currency, list_price, item_currency, minimum, maximum)


def test_e1_the_listing_price_wins_over_the_list_price():
    offer = offer_for(facts(listing=D("12.50"), listing_currency="USD", list_price=D("19.99")))
    assert offer == Offer(D("12.50"), "USD", None, None, "listing")


def test_e1_the_list_price_when_no_amazon_price():
    offer = offer_for(facts(list_price=D("19.99")))
    assert isinstance(offer, Offer) and offer.price == D("19.99") and offer.source == "list_price"


def test_e1_a_currency_mismatch_is_refused_never_converted():
    refused = offer_for(facts(marketplace=DE, list_price=D("19.99"), item_currency="USD"))
    assert isinstance(refused, Refused) and refused.code == CURRENCY_MISMATCH
    assert "EUR" in refused.reason and "never converted" in refused.reason


def test_e1_no_price_at_all_is_refused_with_a_reason():
    assert offer_for(facts()).code == NO_PRICE


def test_e1_prices_are_quantized_to_the_currency_exponent():
    offer = offer_for(facts(marketplace=JP, list_price=D("1980.00"), item_currency="JPY"))
    assert offer.price == D("1980") and str(offer.price) == "1980"
    assert str(offer_for(facts(list_price=D("5"))).price) == "5.00"


@pytest.mark.parametrize(("price", "minimum", "maximum", "code"), [
    (D("9.99"), D("10.00"), None, BELOW_MINIMUM),
    (D("30.01"), None, D("30.00"), ABOVE_MAXIMUM),
    (D("15.00"), D("20.00"), D("10.00"), BAD_RANGE),
])
def test_e3_outside_the_sellers_range_is_refused(price, minimum, maximum, code):
    refused = offer_for(facts(listing=price, listing_currency="USD", minimum=minimum, maximum=maximum))
    assert isinstance(refused, Refused) and refused.code == code


def test_e3_the_range_is_sent_with_the_offer():
    offer = offer_for(facts(listing=D("15"), minimum=D("10"), maximum=D("30")))
    assert (offer.minimum, offer.maximum) == (D("10.00"), D("30.00"))


def test_e3_a_change_over_the_percent_is_held_and_one_under_goes():
    offer = Offer(D("13.00"), "USD", None, None, "listing")
    assert guard(offer, D("10.00"), D("20")) is not None
    assert guard(offer, D("11.00"), D("20")) is None
    assert guard(offer, D("10.00"), None) is None  # the guard off
    assert guard(offer, None, D("20")) is None  # nothing to compare with
    hold = guard(Offer(D("5.00"), "USD", None, None, "listing"), D("10.00"), D("20"))
    assert hold.price_from == D("10.00") and "down 50.0%" in hold.reason


def test_e1_changed_only_the_price_amazon_has_is_not_sent():
    state = SentState(sent_price=D("19.99"), sent_currency="USD")
    assert plan(facts(list_price=D("19.99")), state, D("20")).action is Action.UNCHANGED
    assert plan(facts(list_price=D("20.99")), state, D("20")).action is Action.SEND


def test_e3_never_sent_compares_with_amazons_current_price():
    state = SentState()
    assert needs_amazon_price(state, D("20"))
    assert not needs_amazon_price(state, None)
    held = plan(facts(list_price=D("50.00")), state, D("20"), amazon_price=D("20.00"))
    assert held.action is Action.HOLD and held.hold.price_from == D("20.00")
    assert plan(facts(list_price=D("21.00")), state, D("20"), amazon_price=D("20.00")).action is Action.SEND


def test_e3_a_decision_applies_to_the_held_price_only():
    sent = {"sent_price": D("10.00"), "sent_currency": "USD", "held_price": D("50.00")}
    assert plan(facts(list_price=D("50")), SentState(**sent), D("20")).action is Action.WAITING
    assert plan(facts(list_price=D("50")), SentState(**sent, decision="approved"), D("20")).action is Action.SEND
    assert plan(facts(list_price=D("50")), SentState(**sent, decision="rejected"), D("20")).action is Action.REJECTED
    again = plan(facts(list_price=D("60")), SentState(**sent, decision="rejected"), D("20"))
    assert again.action is Action.HOLD  # a new price: a new question


def test_e3_a_range_change_alone_is_not_guarded():
    state = SentState(sent_price=D("10.00"), sent_currency="USD")
    assert plan(facts(list_price=D("10"), minimum=D("5")), state, D("20")).action is Action.SEND


@pytest.mark.parametrize("value", ["-1", "0", "NaN", "inf", "1e30", "abc", "", "19.999"])
def test_e1_hostile_prices_are_refused_with_a_reason(value):
    with pytest.raises(PriceError):
        parse_price(value, "USD")


def test_e1_a_price_with_decimals_jpy_has_not_is_refused():
    with pytest.raises(PriceError, match="decimals"):
        parse_price("1980.5", "JPY")
    assert parse_price("1980", "JPY") == D("1980")
    assert parse_price("19.990", "EUR") == D("19.99")
    with pytest.raises(PriceError):
        parse_price(19.99, "USD")
