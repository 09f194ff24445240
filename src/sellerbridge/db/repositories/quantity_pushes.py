"""The SQL of the quantity push state (``quantity_pushes``; D1, D5, D7-D9, G2).

A row per (seller account, region, Amazon SKU). Dirty: ``version > sent_version``, nothing in flight, not
refused. A claim is a conditional UPDATE (``in_flight`` NULL and the version read), so one SKU is in at most
one update at a time; on PostgreSQL the rows read for a claim are locked (``FOR UPDATE SKIP LOCKED``), so a
racing run or a stock change waits for the claim's short transaction instead of slipping between the read
and the update. ``sent_version = 0`` means Amazon's figure is not known (never told, or a late answer may
have put an older figure back): such a SKU is sent even when its figure equals ``sent_quantity``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, func, or_, select, update
from sqlalchemy.orm import Session

from ..tables import channel_listings, connections, feed_submissions, quantity_pushes
from ._sql import insert_rows

t = quantity_pushes
REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class PushRow:
    id: int
    amazon_sku: str
    item_id: int
    version: int
    sent_version: int
    dirty_cause: str | None
    sent_quantity: int | None
    sent_lead_time: int | None


def _scope(seller_id: str, region: str) -> Any:
    return and_(t.c.seller_id == seller_id, t.c.region == region)


def _dirty() -> Any:
    return and_(t.c.version > t.c.sent_version, t.c.in_flight.is_(None),
                or_(t.c.amazon_status.is_(None), t.c.amazon_status != REFUSED))


def region_listings(session: Session, seller_id: str, region: str) -> dict[str, tuple[int, str | None]]:
    """Every mapped listing of the seller account's connections in the region: SKU -> (item, refusal).

    A SKU listed by several connections (a unified account's marketplaces) is one row; it is refused only
    when every listing of it is refused (an MFN listing by SKU anywhere in the region is pushed)."""
    from ...domain.stock.push_plan import refusal

    rows = session.execute(
        select(channel_listings.c.amazon_sku, channel_listings.c.item_id, channel_listings.c.fulfillment_channel,
               channel_listings.c.mapped_by)
        .join(connections, connections.c.id == channel_listings.c.connection_id)
        .where(connections.c.seller_id == seller_id, connections.c.region == region,
               channel_listings.c.item_id.is_not(None))
        .order_by(channel_listings.c.connection_id))
    out: dict[str, tuple[int, str | None]] = {}
    for sku, item_id, channel, mapped_by in rows:
        why = refusal(channel, mapped_by)
        seen = out.get(sku)
        if seen is None or (seen[1] is not None and why is None):
            out[sku] = (item_id, why)
    return out


def listings_fingerprint(session: Session, seller_id: str, region: str) -> tuple[Any, ...]:
    """What changes whenever a listing of the account's connections is added, remapped, refused or removed,
    or the push rows are: counts, the newest change, sums of ids and items (two aggregates, no rows read)."""
    cl = channel_listings
    listed = session.execute(
        select(func.count(), func.max(cl.c.updated_at), func.coalesce(func.sum(cl.c.id), 0),
               func.coalesce(func.sum(cl.c.item_id), 0),
               func.coalesce(func.sum(case((cl.c.fulfillment_channel == "AFN", 1), else_=0)), 0),
               func.coalesce(func.sum(case((cl.c.mapped_by == "asin", 1), else_=0)), 0))
        .select_from(cl).join(connections, connections.c.id == cl.c.connection_id)
        .where(connections.c.seller_id == seller_id, connections.c.region == region)).one()
    rows = session.execute(select(func.count(), func.coalesce(func.sum(t.c.item_id), 0))
                           .where(t.c.seller_id == seller_id, t.c.region == region)).one()
    return (*listed, *rows)


def marketplaces(session: Session, seller_id: str, region: str, skus: Sequence[str],
                 prefer: str) -> dict[str, str]:
    """SKU -> the marketplace to tell it in: ``prefer`` (the owner's) when listed there, else the one of the
    lowest-numbered connection listing it (a unified account's quantity is one per region)."""
    out: dict[str, str] = {}
    wanted = sorted(set(skus))
    for start in range(0, len(wanted), 500):
        rows = session.execute(
            select(channel_listings.c.amazon_sku, connections.c.marketplace_id)
            .join(connections, connections.c.id == channel_listings.c.connection_id)
            .where(connections.c.seller_id == seller_id, connections.c.region == region,
                   channel_listings.c.item_id.is_not(None),
                   channel_listings.c.amazon_sku.in_(wanted[start:start + 500]))
            .order_by(connections.c.id))
        for sku, marketplace in rows:
            if marketplace == prefer or sku not in out:
                out[sku] = marketplace
    return out


def existing(session: Session, seller_id: str, region: str) -> dict[str, tuple[int, int, str | None]]:
    """SKU -> (row id, item id, amazon_status)."""
    return {sku: (rid, item, status) for rid, sku, item, status in session.execute(
        select(t.c.id, t.c.amazon_sku, t.c.item_id, t.c.amazon_status).where(_scope(seller_id, region)))}


def add_rows(session: Session, seller_id: str, region: str, rows: Sequence[tuple[str, int, str | None]], *,
             now: datetime) -> None:
    insert_rows(session, t, [
        {"seller_id": seller_id, "region": region, "amazon_sku": sku, "item_id": item_id, "version": 1,
         "sent_version": 0, "dirty_cause": "new", "dirty_at": now, "amazon_status": REFUSED if why else None,
         "amazon_message": why, "created_at": now, "updated_at": now} for sku, item_id, why in rows],
        skip_conflicts_on=("seller_id", "region", "amazon_sku"))


def set_refusal(session: Session, row_id: int, item_id: int, why: str | None, *, now: datetime) -> None:
    """A listing newly refused (AFN, ASIN), no longer refused, or mapped to another item: dirty again."""
    session.execute(update(t).where(t.c.id == row_id).values(
        item_id=item_id, amazon_status=REFUSED if why else None, amazon_code=None, amazon_message=why,
        version=t.c.version + 1, dirty_cause="listing", dirty_at=func.coalesce(t.c.dirty_at, now), updated_at=now))


def dirty_count(session: Session, seller_id: str, region: str) -> int:
    return session.execute(select(func.count()).select_from(t).where(_scope(seller_id, region), _dirty())).scalar_one()


def dirty_rows(session: Session, seller_id: str, region: str, limit: int, *, lock: bool) -> list[PushRow]:
    """The dirty rows, oldest change first (locked on PostgreSQL: the claim's transaction owns them)."""
    stmt = (select(t.c.id, t.c.amazon_sku, t.c.item_id, t.c.version, t.c.sent_version, t.c.dirty_cause,
                   t.c.sent_quantity, t.c.sent_lead_time)
            .where(_scope(seller_id, region), _dirty())
            .order_by(t.c.dirty_at.is_(None), t.c.dirty_at, t.c.id).limit(limit))
    if lock and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return [PushRow(*r) for r in session.execute(stmt)]


def all_rows(session: Session, seller_id: str, region: str) -> list[PushRow]:
    """Every row not refused and not in flight (the full refresh)."""
    stmt = (select(t.c.id, t.c.amazon_sku, t.c.item_id, t.c.version, t.c.sent_version, t.c.dirty_cause,
                   t.c.sent_quantity, t.c.sent_lead_time)
            .where(_scope(seller_id, region), t.c.in_flight.is_(None),
                   or_(t.c.amazon_status.is_(None), t.c.amazon_status != REFUSED)))
    return [PushRow(*r) for r in session.execute(stmt)]


def settle(session: Session, rows: Sequence[tuple[int, int]], *, now: datetime) -> None:
    """Dirty rows whose figure Amazon already has: settled at the version read, no call (D5)."""
    if not rows:
        return
    session.execute(update(t).where(t.c.id == bindparam("rid"), t.c.version == bindparam("seen"),
                                    t.c.in_flight.is_(None))
                    .values(sent_version=bindparam("seen"), dirty_at=None, updated_at=now),
                    [{"rid": rid, "seen": seen} for rid, seen in rows])


def claim(session: Session, rows: Sequence[dict[str, Any]], *, channel: str, now: datetime) -> None:
    """Claim rows (``rid``, ``seen``, ``q``, ``lt``) read in this transaction."""
    if not rows:
        return
    session.execute(update(t).where(t.c.id == bindparam("rid"), t.c.version == bindparam("seen"),
                                    t.c.in_flight.is_(None))
                    .values(in_flight=channel, in_flight_version=bindparam("seen"), in_flight_quantity=bindparam("q"),
                            in_flight_lead_time=bindparam("lt"), in_flight_at=now, feed_submission_id=None,
                            feed_message_id=None, updated_at=now), list(rows))


def mark_dirty(session: Session, row_ids: Sequence[int], *, cause: str, now: datetime, unknown: bool = False) -> None:
    """Bump the version of these rows (``unknown``: Amazon's figure is no longer known: sent again)."""
    values: dict[str, Any] = {"version": t.c.version + 1, "dirty_cause": cause, "updated_at": now,
                              "dirty_at": func.coalesce(t.c.dirty_at, now)}
    if unknown:
        values["sent_version"] = 0
    session.execute(update(t).where(t.c.id.in_(list(row_ids))).values(**values))


def current(seller_id: str, region: str, sku: str, version: int, channel: str, feed_id: int | None) -> Any:
    """The claim is the row's current one."""
    cond = and_(_scope(seller_id, region), t.c.amazon_sku == sku, t.c.in_flight == channel,
                t.c.in_flight_version == version)
    if channel == "feed":
        cond = and_(cond, t.c.feed_submission_id == feed_id)
    return cond


def clear_claim() -> dict[str, Any]:
    return {"in_flight": None, "in_flight_version": None, "in_flight_quantity": None, "in_flight_lead_time": None,
            "in_flight_at": None}


def settled_version() -> Any:
    """The version Amazon now has: the claim's; but a figure unknown (0) stays unknown while newer changes wait."""
    return case((and_(t.c.sent_version == 0, t.c.version > t.c.in_flight_version), 0), else_=t.c.in_flight_version)


def dirty_at_after() -> Any:
    """dirty_at is cleared when Amazon has the newest version."""
    return case((t.c.version == t.c.in_flight_version, None), else_=t.c.dirty_at)


def feed_times(session: Session, seller_id: str, region: str, purpose: str, since: datetime) -> list[datetime]:
    """Submissions of this seller account and region's stock feeds since ``since`` (every connection of it)."""
    return list(session.execute(
        select(feed_submissions.c.requested_at)
        .join(connections, connections.c.id == feed_submissions.c.connection_id)
        .where(connections.c.seller_id == seller_id, connections.c.region == region,
               feed_submissions.c.purpose == purpose, feed_submissions.c.requested_at >= since)).scalars())


def open_feeds(session: Session, seller_id: str, region: str) -> list[tuple[int, datetime, int]]:
    """Feeds holding current claims: (request id, submitted at, SKUs)."""
    return [tuple(r) for r in session.execute(
        select(t.c.feed_submission_id, feed_submissions.c.requested_at, func.count())
        .join(feed_submissions, feed_submissions.c.id == t.c.feed_submission_id)
        .where(_scope(seller_id, region), t.c.in_flight == "feed")
        .group_by(t.c.feed_submission_id, feed_submissions.c.requested_at)
        .order_by(feed_submissions.c.requested_at))]
