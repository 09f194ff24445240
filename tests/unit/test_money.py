"""Money is Decimal with a currency (house rule for F2-F4)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sellerbridge.domain.common.money import CurrencyMismatch, Money


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
