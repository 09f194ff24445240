"""Ship methods, their rules per Amazon service level, and rates (B7). Lookups only; the choice is domain's.

A rule with ``connection_id`` NULL applies to every connection. A rate's ``country`` is an ISO code
or '*' for any other country.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sellerbridge.domain.common.money import Money

from ..errors import DuplicateName
from ..tables import ship_method_rules, ship_methods, ship_rates
from ._sql import upsert

ANY_COUNTRY = "*"


@dataclass(frozen=True, slots=True)
class ShipMethodRecord:
    id: int
    code: str
    carrier: str
    name: str


@dataclass(frozen=True, slots=True)
class ShipRuleRecord:
    id: int
    connection_id: int | None
    service_level: str
    ship_method: ShipMethodRecord
    priority: int | None
    countries: tuple[str, ...] | None  # None: serves every country


def add_ship_method(session: Session, *, code: str, carrier: str, name: str) -> ShipMethodRecord:
    stmt = upsert(session, ship_methods).values(code=code, carrier=carrier, name=name).on_conflict_do_nothing()
    new_id = session.execute(stmt.returning(ship_methods.c.id)).scalar_one_or_none()
    if new_id is None:
        raise DuplicateName(f"a ship method with code {code!r} exists")
    return ShipMethodRecord(new_id, code, carrier, name)


def get_ship_method_by_code(session: Session, code: str) -> ShipMethodRecord | None:
    row = session.execute(select(ship_methods).where(ship_methods.c.code == code)).first()
    return None if row is None else ShipMethodRecord(row.id, row.code, row.carrier, row.name)


def list_ship_methods(session: Session) -> list[ShipMethodRecord]:
    rows = session.execute(select(ship_methods).order_by(ship_methods.c.code))
    return [ShipMethodRecord(row.id, row.code, row.carrier, row.name) for row in rows]


def add_rule(
    session: Session,
    *,
    service_level: str,
    ship_method_id: int,
    connection_id: int | None = None,
    priority: int | None = None,
    countries: Sequence[str] | None = None,
) -> int:
    stmt = ship_method_rules.insert().values(
        connection_id=connection_id,
        service_level=service_level,
        ship_method_id=ship_method_id,
        priority=priority,
        countries=[c.upper() for c in countries] if countries is not None else None,
    )
    return session.execute(stmt.returning(ship_method_rules.c.id)).scalar_one()


def rules_for(session: Session, connection_id: int, service_level: str) -> list[ShipRuleRecord]:
    """Rules of the level for this connection and for all connections: connection's own first,
    then by priority (lowest first, none last), then by id."""
    r, m = ship_method_rules, ship_methods
    rows = session.execute(
        select(r, m.c.code, m.c.carrier, m.c.name)
        .join(m, m.c.id == r.c.ship_method_id)
        .where(r.c.service_level == service_level, or_(r.c.connection_id == connection_id, r.c.connection_id.is_(None)))
        .order_by(r.c.connection_id.is_(None), r.c.priority.is_(None), r.c.priority, r.c.id)
    )
    return [
        ShipRuleRecord(
            id=row.id,
            connection_id=row.connection_id,
            service_level=row.service_level,
            ship_method=ShipMethodRecord(row.ship_method_id, row.code, row.carrier, row.name),
            priority=row.priority,
            countries=tuple(row.countries) if row.countries is not None else None,
        )
        for row in rows
    ]


def levels_with_rules(session: Session, connection_id: int) -> set[str]:
    """Service levels mapped for the connection (B7: every level in use must be mapped)."""
    rows = session.execute(
        select(ship_method_rules.c.service_level)
        .where(or_(ship_method_rules.c.connection_id == connection_id, ship_method_rules.c.connection_id.is_(None)))
        .distinct()
    )
    return set(rows.scalars())


def set_rate(session: Session, *, ship_method_id: int, country: str, price: Money) -> None:
    """The method's price to ``country`` ('*' for any other); replaces an existing rate."""
    stmt = upsert(session, ship_rates).values(
        ship_method_id=ship_method_id,
        country=country if country == ANY_COUNTRY else country.upper(),
        price=price.amount,
        currency=price.currency,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["ship_method_id", "country"],
        set_={"price": stmt.excluded.price, "currency": stmt.excluded.currency},
    )
    session.execute(stmt)


def rates_for(session: Session, ship_method_ids: Iterable[int], country: str | None) -> dict[int, Money]:
    """Each method's price to the country: its own rate for the country, else its '*' rate; methods
    without either are left out."""
    ids = list(ship_method_ids)
    if not ids:
        return {}
    wanted = [ANY_COUNTRY] + ([country.upper()] if country else [])
    rows = session.execute(
        select(ship_rates.c.ship_method_id, ship_rates.c.country, ship_rates.c.price, ship_rates.c.currency).where(
            ship_rates.c.ship_method_id.in_(ids), ship_rates.c.country.in_(wanted)
        )
    )
    found: dict[int, Money] = {}
    for row in sorted(rows, key=lambda row: row.country != ANY_COUNTRY):  # '*' first, the country overrides
        found[row.ship_method_id] = Money(Decimal(row.price), row.currency)
    return found
