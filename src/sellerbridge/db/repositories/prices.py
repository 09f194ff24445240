"""The price push state per connection and SKU (``price_pushes``) and the listings' prices (E1-E3).

Every update is guarded by the state it leaves (the version it settles, ``in_flight`` empty for a
claim), so two racing runs never both send a SKU and an answer never settles a newer change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.orm import Session

from ..tables import channel_listings, connections, items, price_pushes, stock_settings
from ._sql import in_values

t = price_pushes


@dataclass(frozen=True, slots=True)
class PriceRow:
    """A SKU's price as the push and the front ends read it."""

    push_id: int | None
    connection_id: int
    sku: str
    item_id: int | None
    item_sku: str | None
    fulfillment_channel: str
    listing_price: Decimal | None
    listing_currency: str | None
    minimum_price: Decimal | None
    maximum_price: Decimal | None
    list_price: Decimal | None
    item_currency: str | None
    version: int | None = None
    sent_version: int | None = None
    sent_price: Decimal | None = None
    sent_currency: str | None = None
    sent_minimum: Decimal | None = None
    sent_maximum: Decimal | None = None
    sent_at: datetime | None = None
    sent_cause: str | None = None
    in_flight: str | None = None
    amazon_status: str | None = None
    amazon_code: str | None = None
    amazon_message: str | None = None
    held_price: Decimal | None = None
    held_currency: str | None = None
    held_from: Decimal | None = None
    held_at: datetime | None = None
    held_reason: str | None = None
    decision: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None


_PUSH_FIELDS = ("version", "sent_version", "sent_price", "sent_currency", "sent_minimum", "sent_maximum", "sent_at",
                "sent_cause", "in_flight", "amazon_status", "amazon_code", "amazon_message", "held_price",
                "held_currency", "held_from", "held_at", "held_reason", "decision", "decided_by", "decided_at")


def _select():
    listing = channel_listings
    return (select(t.c.id.label("push_id"), listing.c.connection_id, listing.c.amazon_sku.label("sku"),
                   listing.c.item_id, items.c.sku.label("item_sku"), listing.c.fulfillment_channel,
                   listing.c.price.label("listing_price"), listing.c.currency.label("listing_currency"),
                   listing.c.minimum_price, listing.c.maximum_price, items.c.list_price,
                   items.c.currency.label("item_currency"), *(t.c[name] for name in _PUSH_FIELDS))
            .select_from(listing.outerjoin(items, items.c.id == listing.c.item_id)
                         .outerjoin(t, and_(t.c.connection_id == listing.c.connection_id,
                                            t.c.amazon_sku == listing.c.amazon_sku))))


def _row(m: Any) -> PriceRow:
    return PriceRow(**{name: m[name] for name in PriceRow.__dataclass_fields__})


def guard_percent(session: Session, connection_id: int) -> tuple[Decimal | None, int]:
    """The connection's guard (E3: default 20, None off) and patch_max (G2: default 50)."""
    row = session.execute(select(stock_settings.c.price_guard_percent, stock_settings.c.patch_max)
                          .where(stock_settings.c.connection_id == connection_id)).first()
    if row is None:
        return Decimal("20"), 50
    return row.price_guard_percent, row.patch_max


def discover(session: Session, connection_id: int, *, now: datetime) -> int:
    """Push state for the connection's mapped listings that have none (version 1, never sent: dirty)."""
    missing = (select(channel_listings.c.connection_id, channel_listings.c.amazon_sku, channel_listings.c.item_id)
               .where(channel_listings.c.connection_id == connection_id, channel_listings.c.item_id.is_not(None),
                      ~select(t.c.id).where(t.c.connection_id == channel_listings.c.connection_id,
                                            t.c.amazon_sku == channel_listings.c.amazon_sku).exists()))
    rows = session.execute(missing).all()
    if rows:
        session.execute(insert(t), [{"connection_id": r.connection_id, "amazon_sku": r.amazon_sku, "item_id": r.item_id,
                                     "version": 1, "sent_version": 0, "dirty_cause": "new listing", "dirty_at": now,
                                     "created_at": now, "updated_at": now} for r in rows])
    # a listing mapped to another item since: the push state follows the mapping
    session.execute(update(t).where(t.c.connection_id == connection_id)
                    .where(channel_listings.c.connection_id == t.c.connection_id,
                           channel_listings.c.amazon_sku == t.c.amazon_sku,
                           channel_listings.c.item_id.is_not(None), channel_listings.c.item_id != t.c.item_id)
                    .values(item_id=channel_listings.c.item_id, version=t.c.version + 1, updated_at=now))
    return len(rows)


def release_patches(session: Session, connection_id: int, *, now: datetime) -> int:
    return session.execute(update(t).where(t.c.connection_id == connection_id, t.c.in_flight == "patch")
                           .values(in_flight=None, in_flight_version=None, updated_at=now)).rowcount or 0


def dirty(session: Session, connection_id: int, limit: int) -> list[PriceRow]:
    rows = session.execute(_select().where(channel_listings.c.connection_id == connection_id,
                                           channel_listings.c.item_id.is_not(None), t.c.id.is_not(None),
                                           t.c.version > t.c.sent_version, t.c.in_flight.is_(None))
                           .order_by(t.c.dirty_at, t.c.id).limit(limit)).all()
    return [_row(r._mapping) for r in rows]


def settle(session: Session, push_id: int, version: int, *, now: datetime, **values: Any) -> bool:
    """This version needs nothing more (sent, unchanged, held or refused): ``sent_version`` reaches it."""
    done = session.execute(update(t).where(t.c.id == push_id, t.c.sent_version < version, t.c.in_flight.is_(None))
                           .values(sent_version=version, updated_at=now, **values)).rowcount or 0
    session.execute(update(t).where(t.c.id == push_id, t.c.version <= t.c.sent_version)
                    .values(dirty_at=None))
    return bool(done)


def claim(session: Session, push_id: int, version: int, *, channel: str, price: Decimal, currency: str,
          minimum: Decimal | None, maximum: Decimal | None, message_id: int, now: datetime) -> bool:
    return bool(session.execute(
        update(t).where(t.c.id == push_id, t.c.in_flight.is_(None), t.c.sent_version < version)
        .values(in_flight=channel, in_flight_version=version, in_flight_price=price, in_flight_currency=currency,
                in_flight_minimum=minimum, in_flight_maximum=maximum, in_flight_at=now, feed_message_id=message_id,
                updated_at=now)).rowcount)


def set_feed(session: Session, push_ids: Sequence[int], feed_submission_id: int) -> None:
    if push_ids:
        session.execute(update(t).where(in_values(session, t.c.id, list(push_ids)))
                        .values(feed_submission_id=feed_submission_id))


def in_feed(session: Session, feed_submission_id: int) -> list[Any]:
    return list(session.execute(select(t).where(t.c.feed_submission_id == feed_submission_id,
                                                t.c.in_flight == "feed").order_by(t.c.feed_message_id)).all())


def in_flight_row(session: Session, push_id: int) -> Any:
    return session.execute(select(t).where(t.c.id == push_id)).first()


def land(session: Session, push_id: int, *, now: datetime, taken: bool, cause: str | None,
         settle_version: bool, **values: Any) -> None:
    """Amazon answered the update in flight: what it carried becomes ``sent_*`` when taken; the version
    it carried is settled unless it must go again (RETRY)."""
    row = in_flight_row(session, push_id)
    if row is None or row.in_flight is None:
        return
    changes: dict[str, Any] = dict(values)
    if taken:
        changes.update(sent_price=row.in_flight_price, sent_currency=row.in_flight_currency,
                       sent_minimum=row.in_flight_minimum, sent_maximum=row.in_flight_maximum, sent_at=now,
                       sent_cause=cause, sent_channel=row.in_flight)
    if settle_version:
        changes["sent_version"] = func.max(row.in_flight_version, t.c.sent_version) \
            if session.get_bind().dialect.name == "sqlite" else func.greatest(row.in_flight_version, t.c.sent_version)
    session.execute(update(t).where(t.c.id == push_id)
                    .values(in_flight=None, in_flight_version=None, feed_submission_id=None, updated_at=now,
                            **changes))
    session.execute(update(t).where(t.c.id == push_id, t.c.version <= t.c.sent_version).values(dirty_at=None))
    if taken:  # a hold about another price than the one Amazon now has is no longer a question (E3)
        session.execute(update(t).where(t.c.id == push_id, t.c.held_price.is_not(None),
                                        t.c.held_price != t.c.sent_price)
                        .values(held_price=None, held_currency=None, held_from=None, held_version=None, held_at=None,
                                held_reason=None, decision=None, decided_by=None, decided_at=None))


def requeue(session: Session, push_id: int, *, now: datetime) -> None:
    session.execute(update(t).where(t.c.id == push_id)
                    .values(in_flight=None, in_flight_version=None, feed_submission_id=None, updated_at=now))


# --- the front ends ---------------------------------------------------------------------------------


def list_prices(session: Session, connection_id: int, *, limit: int = 500, after: str | None = None) -> list[PriceRow]:
    stmt = _select().where(channel_listings.c.connection_id == connection_id)
    if after is not None:
        stmt = stmt.where(channel_listings.c.amazon_sku > after)
    return [_row(r._mapping) for r in session.execute(stmt.order_by(channel_listings.c.amazon_sku).limit(limit))]


def get_price(session: Session, connection_id: int, sku: str) -> PriceRow | None:
    row = session.execute(_select().where(channel_listings.c.connection_id == connection_id,
                                          channel_listings.c.amazon_sku == sku)).first()
    return None if row is None else _row(row._mapping)


def set_listing_price(session: Session, connection_id: int, sku: str, *, price: Decimal | None, currency: str | None,
                      minimum: Decimal | None, maximum: Decimal | None, now: datetime) -> bool:
    return bool(session.execute(
        update(channel_listings).where(channel_listings.c.connection_id == connection_id,
                                       channel_listings.c.amazon_sku == sku)
        .values(price=price, currency=currency, minimum_price=minimum, maximum_price=maximum, updated_at=now)).rowcount)


def approvals(session: Session, *, connection_id: int | None = None, waiting_only: bool = True,
              limit: int = 500) -> list[tuple[PriceRow, str]]:
    """Held prices (E3), oldest first, with the connection's name."""
    stmt = (_select().add_columns(connections.c.name.label("connection_name"))
            .join(connections, connections.c.id == channel_listings.c.connection_id)
            .where(t.c.held_at.is_not(None)))
    if waiting_only:
        stmt = stmt.where(t.c.decision.is_(None))
    if connection_id is not None:
        stmt = stmt.where(channel_listings.c.connection_id == connection_id)
    rows = session.execute(stmt.order_by(t.c.held_at, t.c.id).limit(limit)).all()
    return [(_row(r._mapping), r.connection_name) for r in rows]


def get_approval(session: Session, push_id: int) -> PriceRow | None:
    row = session.execute(_select().where(t.c.id == push_id)).first()
    return None if row is None else _row(row._mapping)


def decide(session: Session, push_id: int, *, decision: str, by: str, now: datetime) -> bool:
    """Record a person's decision on a waiting hold (E3); False: nothing is waiting."""
    return bool(session.execute(
        update(t).where(t.c.id == push_id, t.c.held_at.is_not(None), t.c.decision.is_(None))
        .values(decision=decision, decided_by=by[:128], decided_at=now, updated_at=now)).rowcount)


def forget_sent(session: Session, connection_id: int, skus: Sequence[str] | None) -> None:
    """"Send now": as if never sent, so the next run sends every price again (checked against Amazon's)."""
    stmt = update(t).where(t.c.connection_id == connection_id)
    if skus is not None:
        stmt = stmt.where(t.c.amazon_sku.in_(list(skus)))
    session.execute(stmt.values(sent_price=None, sent_currency=None, sent_minimum=None, sent_maximum=None))
