"""The stock ledger: counts, receipts, adjustments and commitments, each with its dirty mark (issue 11: D2, I5).

Every change of on-hand stock is a ``stock_movements`` row and the ``stock`` row changed in the same
statement group: a count (``record_count``: the warehouse's absolute figure; the movement carries the
difference), a receipt or an adjustment (``record_delta``). UNIQUE (reason, ref) makes each idempotent: a
stock file or a request replayed with the same ref moves stock once and returns 0 (the movement row is
inserted first with ``ON CONFLICT DO NOTHING``; only when it is new is the ``stock`` row touched).

Each write calls :func:`stock_marks.mark_items_dirty` in the caller's transaction (D5): the change and
its mark commit together or not at all. :func:`ledger` reads movements and holds as one list, newest
first, so a person sees receipts, adjustments, counts, holds, shipments and cancellations in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, cast, delete, literal, null, select, union_all, update
from sqlalchemy.orm import Session

from ..tables.catalog import holds, stock, warehouses
from ..tables.orders import order_lines, orders
from ..tables.shipments import stock_movements
from ..tables.stock import stock_commitments
from ._sql import insert_rows, upsert
from .stock_marks import mark_items_dirty

DELTA_REASONS = ("receipt", "adjustment")
COUNT_REASON = "count"
REF_MAX = 128  # stock_movements.ref
SOURCE_MAX = 64  # stock_commitments.source


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One line of an item's ledger: a stock movement, or a hold event (placed, released, consumed)."""

    at: datetime
    kind: str  # count | receipt | adjustment | shipment | cancellation | hold placed | hold released | ...
    delta: int  # the change of on hand (movements) or of the held quantity (holds: + placed, - released)
    warehouse: str | None
    ref: str
    order: str | None = None  # the Amazon order id of a hold or a shipment


def _movement(session: Session, *, item_id: int, warehouse_id: int, delta: int, reason: str, ref: str,
              now: datetime) -> bool:
    """Insert the movement unless (reason, ref) is there: True when it is new (then stock moves)."""
    stmt = upsert(session, stock_movements).values(
        item_id=item_id, warehouse_id=warehouse_id, delta=delta, reason=reason, ref=ref[:REF_MAX], created_at=now,
    ).on_conflict_do_nothing(index_elements=["reason", "ref"]).returning(stock_movements.c.id)
    return session.execute(stmt).scalar_one_or_none() is not None


def _on_hand(session: Session, item_id: int, warehouse_id: int) -> int | None:
    stmt = select(stock.c.on_hand).where(stock.c.item_id == item_id, stock.c.warehouse_id == warehouse_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()  # two counts of one row at once: the second sees the first's figure
    return session.execute(stmt).scalar_one_or_none()


def _write_on_hand(session: Session, item_id: int, warehouse_id: int, on_hand: int, now: datetime) -> None:
    stmt = upsert(session, stock).values(item_id=item_id, warehouse_id=warehouse_id, on_hand=on_hand, updated_at=now)
    session.execute(stmt.on_conflict_do_update(
        index_elements=["item_id", "warehouse_id"],
        set_={"on_hand": stmt.excluded.on_hand, "updated_at": stmt.excluded.updated_at}))


def record_count(session: Session, *, item_id: int, warehouse_id: int, on_hand: int, ref: str,
                 now: datetime) -> int:
    """The warehouse counted ``on_hand`` units (I5, absolute): the stock row is set, a ``count`` movement
    records the difference; returns it (0 for a replayed ref, and for a count equal to the figure held)."""
    return apply_count(session, item_id=item_id, warehouse_id=warehouse_id, on_hand=on_hand, ref=ref, now=now) or 0


def record_delta(session: Session, *, item_id: int, warehouse_id: int, delta: int, reason: str, ref: str,
                 now: datetime) -> int:
    """A receipt (units in, ``delta`` >= 0) or an adjustment (either sign; on hand may go below 0, D2 then
    sends 0); returns the delta applied, 0 for a replayed ref."""
    return apply_delta(session, item_id=item_id, warehouse_id=warehouse_id, delta=delta, reason=reason, ref=ref,
                       now=now) or 0


def apply_count(session: Session, *, item_id: int, warehouse_id: int, on_hand: int, ref: str, now: datetime,
                mark: bool = True) -> int | None:
    """:func:`record_count`, telling a replay (None) from a count that changed nothing (0). ``mark=False``
    only for a caller that marks the items itself in the same transaction (a file: once per chunk)."""
    if on_hand < 0:
        raise ValueError("a count cannot be negative")
    current = _on_hand(session, item_id, warehouse_id)
    delta = on_hand - (current or 0)
    if not _movement(session, item_id=item_id, warehouse_id=warehouse_id, delta=delta, reason=COUNT_REASON,
                     ref=ref, now=now):
        return None
    _write_on_hand(session, item_id, warehouse_id, on_hand, now)
    if delta and mark:
        mark_items_dirty(session, [item_id], cause=COUNT_REASON, now=now)
    return delta


def apply_delta(session: Session, *, item_id: int, warehouse_id: int, delta: int, reason: str, ref: str,
                now: datetime, mark: bool = True) -> int | None:
    """:func:`record_delta`, None for a replay (see :func:`apply_count` for ``mark``)."""
    if reason not in DELTA_REASONS:
        raise ValueError(f"reason must be one of {', '.join(DELTA_REASONS)}")
    if reason == "receipt" and delta < 0:
        raise ValueError("a receipt adds stock: use an adjustment to take units out")
    current = _on_hand(session, item_id, warehouse_id)
    if not _movement(session, item_id=item_id, warehouse_id=warehouse_id, delta=delta, reason=reason, ref=ref,
                     now=now):
        return None
    if current is None:
        _write_on_hand(session, item_id, warehouse_id, delta, now)
    else:
        session.execute(update(stock).where(stock.c.item_id == item_id, stock.c.warehouse_id == warehouse_id)
                        .values(on_hand=stock.c.on_hand + delta, updated_at=now))
    if delta and mark:
        mark_items_dirty(session, [item_id], cause=reason, now=now)
    return delta


@dataclass(frozen=True, slots=True)
class Move:
    """One line of a file for :func:`apply_many`: a count (``reason`` "count", ``quantity`` absolute) or a
    delta (receipt/adjustment, ``quantity`` signed)."""

    item_id: int
    warehouse_id: int
    quantity: int
    reason: str
    ref: str


class LedgerRace(RuntimeError):
    """Another transaction wrote some of these refs meanwhile: roll back and apply the lines one by one."""


def apply_many(session: Session, moves: list[Move], *, now: datetime) -> list[int | None]:
    """:func:`apply_count` / :func:`apply_delta` for many lines in a few statements (a file's chunk): the
    refs already applied found in one query, the rest's deltas computed in order (two lines of one place
    follow each other), the movements inserted in one statement, the stock rows upserted in one. Returns each
    line's delta (None: a replay). Marks nothing (the caller marks the chunk once). LedgerRace when a ref was
    written meanwhile (the caller rolls back and goes line by line)."""
    if not moves:
        return []
    m = stock_movements
    seen = {(row.reason, row.ref) for row in session.execute(select(m.c.reason, m.c.ref).where(
        m.c.ref.in_(sorted({mv.ref[:REF_MAX] for mv in moves}))))}
    places = sorted({(mv.item_id, mv.warehouse_id) for mv in moves})
    current_stmt = select(stock.c.item_id, stock.c.warehouse_id, stock.c.on_hand).where(
        stock.c.item_id.in_(sorted({p[0] for p in places})))
    if session.get_bind().dialect.name == "postgresql":
        current_stmt = current_stmt.with_for_update()
    on_hand = {(r.item_id, r.warehouse_id): r.on_hand for r in session.execute(current_stmt)}
    deltas: list[int | None] = []
    rows: list[dict] = []
    touched: dict[tuple[int, int], int] = {}
    for mv in moves:
        key = (mv.reason, mv.ref[:REF_MAX])
        if key in seen:
            deltas.append(None)
            continue
        seen.add(key)
        place = (mv.item_id, mv.warehouse_id)
        before = on_hand.get(place, 0)
        after = mv.quantity if mv.reason == COUNT_REASON else before + mv.quantity
        on_hand[place] = touched[place] = after
        deltas.append(after - before)
        rows.append({"item_id": mv.item_id, "warehouse_id": mv.warehouse_id, "delta": after - before,
                     "reason": mv.reason, "ref": mv.ref[:REF_MAX], "created_at": now})
    if rows:
        added = insert_rows(session, m, rows, returning=("id",), skip_conflicts_on=("reason", "ref"))
        if len(added) != len(rows):
            raise LedgerRace("some refs were applied by another transaction meanwhile")
        stmt = upsert(session, stock)
        stmt = stmt.on_conflict_do_update(
            index_elements=["item_id", "warehouse_id"],
            set_={"on_hand": stmt.excluded.on_hand, "updated_at": stmt.excluded.updated_at})
        session.execute(stmt, [{"item_id": i, "warehouse_id": w, "on_hand": n, "updated_at": now}
                               for (i, w), n in touched.items()])
    return deltas


def set_commitment(session: Session, *, item_id: int, source: str, quantity: int, now: datetime) -> bool:
    """The quantity of the item committed on another channel (D2), absolute per source; 0 deletes it.
    Returns True when it changed (then the item is marked dirty)."""
    if quantity < 0:
        raise ValueError("a commitment cannot be negative")
    source = source[:SOURCE_MAX]
    where = (stock_commitments.c.item_id == item_id, stock_commitments.c.source == source)
    current = session.execute(select(stock_commitments.c.quantity).where(*where)).scalar_one_or_none()
    if (current or 0) == quantity:
        return False
    if quantity == 0:
        session.execute(delete(stock_commitments).where(*where))
    else:
        stmt = upsert(session, stock_commitments).values(item_id=item_id, source=source, quantity=quantity,
                                                         updated_at=now)
        session.execute(stmt.on_conflict_do_update(
            index_elements=["item_id", "source"],
            set_={"quantity": stmt.excluded.quantity, "updated_at": stmt.excluded.updated_at}))
    mark_items_dirty(session, [item_id], cause="commitment", now=now)
    return True


def commitments(session: Session, item_id: int) -> dict[str, int]:
    rows = session.execute(select(stock_commitments.c.source, stock_commitments.c.quantity)
                           .where(stock_commitments.c.item_id == item_id).order_by(stock_commitments.c.source))
    return {row.source: row.quantity for row in rows}


def ledger(session: Session, item_id: int, *, limit: int = 100) -> list[LedgerEntry]:
    """The item's movements and hold events, newest first (at most ``limit``)."""
    m = stock_movements
    moves = (select(m.c.created_at.label("at"), m.c.reason.label("kind"), m.c.delta.label("delta"),
                    warehouses.c.code.label("warehouse"), m.c.ref.label("ref"), orders.c.amazon_order_id.label("order"),
                    m.c.id.label("seq"))
             .select_from(m.outerjoin(warehouses, warehouses.c.id == m.c.warehouse_id)
                          .outerjoin(order_lines, order_lines.c.id == m.c.order_line_id)
                          .outerjoin(orders, orders.c.id == order_lines.c.order_id))
             .where(m.c.item_id == item_id))
    hold_from = holds.join(order_lines, order_lines.c.id == holds.c.order_line_id).join(
        orders, orders.c.id == order_lines.c.order_id)
    hold_ref = (literal("hold:") + cast(holds.c.id, String)).label("ref")
    placed = (select(holds.c.created_at.label("at"), literal("hold placed").label("kind"),
                     holds.c.quantity.label("delta"), cast(null(), String).label("warehouse"),
                     hold_ref, orders.c.amazon_order_id.label("order"),
                     holds.c.id.label("seq"))
              .select_from(hold_from).where(holds.c.item_id == item_id))
    ended = (select(holds.c.released_at.label("at"), (literal("hold ") + holds.c.status).label("kind"),
                    (-holds.c.quantity).label("delta"), cast(null(), String).label("warehouse"),
                    hold_ref, orders.c.amazon_order_id.label("order"),
                    holds.c.id.label("seq"))
             .select_from(hold_from)
             .where(holds.c.item_id == item_id, holds.c.status != "held", holds.c.released_at.is_not(None)))
    every = union_all(moves, placed, ended).subquery()
    rows = session.execute(select(every).order_by(every.c.at.desc(), every.c.seq.desc()).limit(limit))
    return [LedgerEntry(row.at, row.kind, int(row.delta), row.warehouse, row.ref, row.order) for row in rows]
