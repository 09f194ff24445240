"""Ship-method mapping: Amazon's service level -> the carrier method the warehouse uses (B7).

The rule (seed 004, UltraCart's mapping):

- Each service level maps to several internal methods. A method may carry a priority and a list of
  destination countries it serves (none = it serves every country).
- Only methods that serve the order's destination are candidates.
- Among candidates with a priority, the LOWEST priority wins (1 before 2); candidates without one come
  after all prioritized ones. Ties go to the method listed first.
- With no priority on any candidate, the cheapest candidate by the rate table wins. A method "rates"
  for a country when the table has a price for (method, country) or, failing that, (method, "*").
  A method that does not rate is not a choice (it cannot be priced for this address), except when it
  is the only candidate: then there is nothing to compare and it is used.
- Every level in use must be mapped: an order whose level has no method, or a level Amazon added that
  the hub does not know (``None``), is a ``DomainError("unmapped_ship_level")`` in the error log, and
  reprocessing after the mapping is fixed imports it (B11).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..common.errors import DomainError
from .model import ServiceLevel

UNMAPPED_SHIP_LEVEL = "unmapped_ship_level"
NO_SHIP_METHOD_FOR_COUNTRY = "no_ship_method_for_country"
NO_SHIP_RATE = "no_ship_rate"
ANY_COUNTRY = "*"


@dataclass(frozen=True, slots=True)
class ShipMethodOption:
    """One internal method mapped to a level; ``countries`` None serves everywhere."""

    method: str
    priority: int | None = None
    countries: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if not self.method:
            raise ValueError("a ship method needs a name")
        if self.countries is not None:
            object.__setattr__(self, "countries", frozenset(c.upper() for c in self.countries))

    def serves(self, country: str | None) -> bool:
        if self.countries is None:
            return True
        return country is not None and country.upper() in self.countries


@dataclass(frozen=True, slots=True)
class Rate:
    """The price of shipping with ``method`` to ``country`` ("*" for any country)."""

    method: str
    country: str
    price: Decimal

    def __post_init__(self) -> None:
        if not isinstance(self.price, Decimal) or not self.price.is_finite() or self.price < 0:
            raise ValueError(f"a rate must be a Decimal >= 0, got {self.price!r}")
        object.__setattr__(self, "country", self.country.upper())


class RateTable:
    """Prices per (method, country); an exact country beats the "*" row."""

    def __init__(self, rates: Iterable[Rate] = ()) -> None:
        self._prices: dict[tuple[str, str], Decimal] = {}
        for rate in rates:
            self._prices[(rate.method, rate.country)] = rate.price

    def price(self, method: str, country: str | None) -> Decimal | None:
        if country is not None:
            exact = self._prices.get((method, country.upper()))
            if exact is not None:
                return exact
        return self._prices.get((method, ANY_COUNTRY))


class ShipMethodChooser:
    """Chooses the internal ship method for an order's service level and destination (B7)."""

    def __init__(self, rules: Mapping[ServiceLevel, Sequence[ShipMethodOption]],
                 rates: RateTable | Iterable[Rate] = ()) -> None:
        self._rules = {level: tuple(options) for level, options in rules.items()}
        self._rates = rates if isinstance(rates, RateTable) else RateTable(rates)

    def unmapped(self, levels: Iterable[ServiceLevel]) -> list[ServiceLevel]:
        """The levels among ``levels`` with no method: to warn about before orders fail on them."""
        return [level for level in levels if not self._rules.get(level)]

    def choose(self, level: ServiceLevel | None, country: str | None) -> str:
        """The method for this level and country; ``DomainError`` when the mapping cannot decide."""
        if level is None:
            raise DomainError(UNMAPPED_SHIP_LEVEL, "Amazon sent a shipping service level the hub does not know; "
                              "map it to a ship method, then reprocess", where="ship service level")
        options = self._rules.get(level, ())
        if not options:
            raise DomainError(UNMAPPED_SHIP_LEVEL, f"no ship method is mapped to the {level.value} service level",
                              where=f"ship service level {level.value}")
        candidates = [option for option in options if option.serves(country)]
        if not candidates:
            raise DomainError(NO_SHIP_METHOD_FOR_COUNTRY,
                              f"no ship method of the {level.value} service level serves {country or 'an unknown'} "
                              "destination", where=f"ship service level {level.value}")
        prioritized = [option for option in candidates if option.priority is not None]
        if prioritized:
            # min() keeps the first of equal priorities: ties go to the method listed first.
            return min(prioritized, key=lambda option: option.priority or 0).method
        if len(candidates) == 1:
            return candidates[0].method
        priced = [(price, index, option.method) for index, option in enumerate(candidates)
                  if (price := self._rates.price(option.method, country)) is not None]
        if not priced:
            raise DomainError(NO_SHIP_RATE, f"none of the {level.value} ship methods has a rate for "
                              f"{country or 'this destination'}: give them a priority or a rate",
                              where=f"ship service level {level.value}")
        return min(priced)[2]
