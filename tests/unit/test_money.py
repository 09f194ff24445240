"""Money is Decimal with a currency (house rule for F2-F4)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sellerbridge.domain.common.money import CurrencyMismatch, Money, exponent_of


def test_money_parses_amazons_amount_strings_exactly():
    assert Money.of("19.99", "usd") == Money(Decimal("19.99"), "USD")
    assert Money.of("0.1", "USD") + Money.of("0.2", "USD") == Money.of("0.3", "USD")


@pytest.mark.parametrize("bad", ["", "abc", "NaN", "Infinity", "1,5"])
def test_money_refuses_what_is_not_an_amount(bad):
    with pytest.raises(ValueError):
        Money.of(bad, "USD")


def test_money_refuses_mixing_currencies():
    with pytest.raises(CurrencyMismatch):
        Money.of("1", "USD") + Money.of("1", "EUR")


# amounts as the store keeps them: Numeric(14, 2)
AMOUNTS = st.decimals(min_value=-10**12, max_value=10**12, places=2)


@given(AMOUNTS, AMOUNTS)
def test_money_addition_is_exact_and_reversible(a, b):
    total = Money(a, "EUR") + Money(b, "EUR")
    assert (total - Money(b, "EUR")).amount == a


@pytest.mark.parametrize(("amount", "currency", "text"), [
    ("19940", "JPY", "19940"), ("19940.00", "JPY", "19940"), ("1.25", "BHD", "1.250"), ("3.125", "KWD", "3.125"),
    ("19.9", "USD", "19.90"), ("5", "EUR", "5.00"), ("1200", "KRW", "1200"),
])
def test_an_amount_keeps_its_currencys_iso_4217_exponent(amount, currency, text):
    """Issue 9: JPY 19940 never becomes 19940.00; BHD/KWD keep three decimals; most currencies two."""
    assert str(Money.of(amount, currency).amount) == text
    assert str(Money(Decimal(amount), currency).amount) == text  # however the Money is built


def test_a_computed_share_is_rounded_to_the_currencys_unit():
    assert str(Money(Decimal("10") / 3, "USD").amount) == "3.33"  # v0's line total / quantity
    assert str(Money(Decimal("1000") / 3, "JPY").amount) == "333"
    assert exponent_of("OMR") == 3 and exponent_of("XYZ") == 2
