"""Ship-method mapping: priority among methods that serve the address, else the cheapest rate (B7)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sellerbridge.domain.common.errors import DomainError
from sellerbridge.domain.orders.model import ServiceLevel
from sellerbridge.domain.orders.ship_methods import Rate, RateTable, ShipMethodChooser, ShipMethodOption

STD, EXP = ServiceLevel.STANDARD, ServiceLevel.EXPEDITED


def opt(method: str, priority: int | None = None, countries: str | None = None) -> ShipMethodOption:
    return ShipMethodOption(method, priority, frozenset(countries.split(",")) if countries else None)


def rate(method: str, country: str, price: str) -> Rate:
    return Rate(method, country, Decimal(price))


RATES = [
    rate("USPS First Class", "*", "4.10"),
    rate("USPS Priority", "*", "8.70"),
    rate("UPS Ground", "*", "9.95"),
    rate("UPS Ground", "US", "3.99"),  # an exact country beats the "*" row
    rate("DHL Paket", "DE", "4.50"),
    rate("Canada Post", "CA", "7.00"),
]


@pytest.mark.parametrize("options, country, expected", [
    pytest.param([opt("USPS First Class", 2), opt("USPS Priority", 1), opt("UPS Ground", 3)], "US",
                 "USPS Priority", id="lowest priority wins"),
    pytest.param([opt("USPS First Class", 1, "US"), opt("Canada Post", 2, "CA"), opt("UPS Ground", 3)], "CA",
                 "Canada Post", id="priority among methods that serve the country"),
    pytest.param([opt("DHL Paket", 1, "DE,AT"), opt("UPS Ground", 5)], "us",
                 "UPS Ground", id="country match ignores case; unrestricted method serves all"),
    pytest.param([opt("UPS Ground"), opt("USPS Priority", 7)], "US",
                 "USPS Priority", id="a prioritized method comes before one without priority"),
    pytest.param([opt("A", 1), opt("B", 1)], "US", "A", id="equal priorities: the one listed first"),
    pytest.param([opt("USPS Priority"), opt("USPS First Class"), opt("UPS Ground")], "CA",
                 "USPS First Class", id="no priorities: cheapest by the * rates"),
    pytest.param([opt("USPS Priority"), opt("USPS First Class"), opt("UPS Ground")], "US",
                 "UPS Ground", id="no priorities: an exact-country rate beats the * rate"),
    pytest.param([opt("No Rate Express"), opt("USPS Priority")], "US",
                 "USPS Priority", id="a method that does not rate is not a choice"),
    pytest.param([opt("No Rate Express")], "US", "No Rate Express", id="a lone candidate needs no rate"),
    pytest.param([opt("DHL Paket", countries="DE"), opt("USPS Priority", countries="US")], "DE",
                 "DHL Paket", id="one candidate left after the country filter"),
])
def test_b7_chooses_the_method_by_priority_then_cheapest_rate(options, country, expected):
    chooser = ShipMethodChooser({STD: options}, RATES)
    assert chooser.choose(STD, country) == expected


@pytest.mark.parametrize("rules, level, country, code", [
    pytest.param({STD: [opt("UPS Ground")]}, EXP, "US", "unmapped_ship_level", id="level in use has no method"),
    pytest.param({STD: [opt("UPS Ground")]}, None, "US", "unmapped_ship_level", id="a level unknown to the hub"),
    pytest.param({STD: []}, STD, "US", "unmapped_ship_level", id="an empty mapping"),
    pytest.param({STD: [opt("DHL Paket", 1, "DE")]}, STD, "US", "no_ship_method_for_country",
                 id="no method serves the destination"),
    pytest.param({STD: [opt("DHL Paket", 1, "DE")]}, STD, None, "no_ship_method_for_country",
                 id="no country known: only unrestricted methods serve"),
    pytest.param({STD: [opt("X"), opt("Y")]}, STD, "US", "no_ship_rate", id="no priority and no rate to compare"),
])
def test_b7_an_order_the_mapping_cannot_place_is_a_domain_error(rules, level, country, code):
    with pytest.raises(DomainError) as caught:
        ShipMethodChooser(rules, RATES).choose(level, country)
    assert caught.value.code == code
    assert caught.value.where  # the error log says which level


def test_b7_unmapped_lists_levels_in_use_without_a_method():
    chooser = ShipMethodChooser({STD: [opt("UPS Ground")], EXP: []})
    assert chooser.unmapped([STD, EXP, ServiceLevel.NEXT_DAY]) == [EXP, ServiceLevel.NEXT_DAY]


def test_b7_rates_are_decimal_and_never_negative():
    with pytest.raises(ValueError):
        Rate("UPS", "*", 4.1)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Rate("UPS", "*", Decimal("-1"))
    assert RateTable([rate("UPS", "us", "1.00")]).price("UPS", "US") == Decimal("1.00")


# --- properties ------------------------------------------------------------------------------------

COUNTRIES = ["US", "CA", "DE", "JP"]
METHODS = [f"M{i}" for i in range(6)]
options_st = st.lists(
    st.builds(ShipMethodOption, st.sampled_from(METHODS), st.none() | st.integers(0, 5),
              st.none() | st.frozensets(st.sampled_from(COUNTRIES), min_size=1)),
    min_size=1, max_size=6)
rates_st = st.lists(st.builds(Rate, st.sampled_from(METHODS), st.sampled_from([*COUNTRIES, "*"]),
                              st.decimals(0, 100, places=2)), max_size=12)


@given(options=options_st, rates=rates_st, country=st.sampled_from(COUNTRIES))
def test_b7_the_chosen_method_always_serves_the_destination(options, rates, country):
    chooser = ShipMethodChooser({STD: options}, rates)
    try:
        chosen = chooser.choose(STD, country)
    except DomainError:
        return
    assert any(o.method == chosen and o.serves(country) for o in options)


@given(options=options_st, rates=rates_st, country=st.sampled_from(COUNTRIES))
def test_b7_without_priorities_never_a_more_expensive_method(options, rates, country):
    options = [ShipMethodOption(o.method, None, o.countries) for o in options]
    table = RateTable(rates)
    try:
        chosen = ShipMethodChooser({STD: options}, table).choose(STD, country)
    except DomainError:
        return
    serving = [o.method for o in options if o.serves(country)]
    prices = [p for m in serving if (p := table.price(m, country)) is not None]
    if len(serving) > 1 or table.price(chosen, country) is not None:
        assert table.price(chosen, country) == min(prices)


@given(options=options_st, country=st.sampled_from(COUNTRIES))
def test_b7_with_priorities_the_lowest_serving_priority_wins(options, country):
    try:
        chosen = ShipMethodChooser({STD: options}).choose(STD, country)
    except DomainError:
        return
    ranked = [o.priority for o in options if o.serves(country) and o.priority is not None]
    if ranked:
        assert any(o.method == chosen and o.priority == min(ranked) for o in options)
