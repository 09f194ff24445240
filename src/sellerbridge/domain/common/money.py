"""Money: a Decimal amount with its currency, never a float (house rule; F2-F4 depend on it).

An amount always carries its currency's ISO 4217 exponent (the number of minor-unit digits): JPY
19940 is ``19940``, never ``19940.00``; BHD 1.250 keeps three decimals; most currencies have two.
:func:`in_currency` is the one place that applies it: every ``Money`` is built through it, so the
mapped order, the stored one read back, the preview and the REST/CLI views write the same digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# ISO 4217 minor units that are not 2 (the default). Zero-decimal and three-decimal currencies in
# use today; a currency missing here gets 2, which is what most of ISO 4217 says.
EXPONENTS: dict[str, int] = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
                     "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}
DEFAULT_EXPONENT = 2
_QUANTUM = {exponent: Decimal(1).scaleb(-exponent) for exponent in (0, 2, 3)}


def exponent_of(currency: str) -> int:
    """The ISO 4217 exponent of a currency code (upper case): 0 for JPY, 3 for BHD, else 2."""
    return EXPONENTS.get(currency, DEFAULT_EXPONENT)


def in_currency(amount: Decimal, currency: str) -> Decimal:
    """``amount`` with exactly the currency's ISO 4217 decimals (half-up: the cent a computed share,
    such as v0's line total / quantity, leaves over goes the commercial way)."""
    return amount.quantize(_QUANTUM[exponent_of(currency)], rounding=ROUND_HALF_UP)


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined."""


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in a currency; the amount is held at the currency's exponent (:func:`in_currency`)."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", in_currency(self.amount, self.currency))

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> Money:
        """Parse an amount as Amazon writes it ("19.99"); raises ValueError on anything else."""
        try:
            value = Decimal(str(amount).strip())
        except InvalidOperation:
            raise ValueError(f"not an amount: {amount!r}") from None
        if not value.is_finite():
            raise ValueError(f"not an amount: {amount!r}")
        if len(currency) != 3 or not currency.isalpha():
            raise ValueError(f"not a currency code: {currency!r}")
        return cls(value, currency.upper())

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal("0"), currency)

    def _check(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} vs {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        return Money(self.amount * factor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
