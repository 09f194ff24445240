"""Storing Amazon orders: the one way every order flow stores what it read (B1-B13).

:func:`store_orders` takes a page (or one order) of what the gateway read, inside the caller's
transaction, and for each order:

- a :class:`MappingFailure` (Amazon's document the hub could not read) goes to the error log with the
  document (B11); the rest of the page goes on;
- an order stored with the same or a newer ``lastUpdatedTime`` is ``unchanged`` (re-reads: poll
  overlap, duplicate notifications, racing workers);
- the filters decide (B2-B4); a skipped order also resolves its open error, if any: nothing is left to
  do for it (the reprocess of an order the filters now skip ends there, B11);
- the rest are mapped (B5-B8; a ``DomainError`` goes to the error log) and written: new orders in one
  batch (``OrderTransaction.insert``, batched inside the store), newer states one by one
  (``update``). An insert that lost the race for the unique key to another worker becomes an update.

One code path for a page of 100 and for the single order of a push fetch or a reprocess.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..domain.common.errors import DomainError
from ..domain.common.results import Tally
from ..domain.orders.changes import Outcome
from ..domain.orders.filters import DecisionKind, decide
from ..domain.orders.mapping import MappedOrder, map_order
from ..domain.orders.model import OrderDraft
from ..domain.ports.orders import Fetched, MappingFailure, OrderTransaction, StoredOrder
from .runs import item_error

# What an order flow counts (Flow.counts of orders, orders_fetch, orders_backlog, orders_backstop).
ORDER_COUNTS = ("fetched", "created", "updated", "unchanged", "skipped", "cancelled", "errors", "pages", "calls")
_COUNT_OF = {Outcome.CREATED: "created", Outcome.UPDATED: "updated", Outcome.CANCELLED: "cancelled",
             Outcome.UNCHANGED: "unchanged"}


def store_orders(tx: OrderTransaction, fetched: Sequence[Fetched], tally: Tally) -> None:
    """Filter, map and store what was read, one bad order never sinking the rest (see the module's rules)."""
    drafts: dict[str, OrderDraft] = {}
    for item in fetched:
        tally.add("fetched")
        if isinstance(item, MappingFailure):
            record_failure(tx, tally, item.amazon_order_id, item.error, item.payload)
            continue
        seen = drafts.get(item.amazon_order_id)
        if seen is None or item.last_updated > seen.last_updated:  # listed twice: the newer state wins
            drafts[item.amazon_order_id] = item
    if not drafts:
        return
    stored = tx.stored(list(drafts))
    new: list[OrderDraft] = []
    updates: list[tuple[StoredOrder, OrderDraft]] = []
    for draft in drafts.values():
        existing = stored.get(draft.amazon_order_id)
        if existing is not None and existing.amazon_last_updated >= draft.last_updated:
            tally.add("unchanged")
            continue
        decision = decide(draft, tx.settings, already_imported=existing is not None)
        if decision.kind is DecisionKind.SKIP:
            tally.add("skipped", reason=str(decision.reason))
            tx.clear_error(draft.amazon_order_id)
            continue
        if existing is None:
            new.append(decision.draft)
        else:
            updates.append((existing, decision.draft))
    _insert(tx, new, tally, updates)
    for existing, draft in updates:
        mapped = _mapped(tx, draft, tally, payload=_source(draft))
        if mapped is None:
            continue
        try:
            outcome = tx.update(existing, draft, mapped)
        except DomainError as exc:  # data the tables refuse (a duplicate line, mixed currencies): this order only
            record_failure(tx, tally, draft.amazon_order_id, exc, _source(draft))
            continue
        _count(tx, tally, draft, outcome)


def _insert(tx: OrderTransaction, new: list[OrderDraft], tally: Tally,
            updates: list[tuple[StoredOrder, OrderDraft]]) -> None:
    if not new:
        return
    tx.prepare(new)
    batch: list[tuple[OrderDraft, MappedOrder]] = []
    for draft in new:
        mapped = _mapped(tx, draft, tally, payload=_source(draft))
        if mapped is not None:
            batch.append((draft, mapped))
    if not batch:
        return
    results = tx.insert(batch)
    raced: list[OrderDraft] = []
    for draft, _ in batch:
        result = results[draft.amazon_order_id]
        if isinstance(result, DomainError):
            record_failure(tx, tally, draft.amazon_order_id, result, _source(draft))
        elif result is Outcome.ALREADY_STORED:
            raced.append(draft)
        else:
            _count(tx, tally, draft, result)
    if raced:  # another worker stored these first: ours is applied as an update where it is newer
        now_stored = tx.stored([draft.amazon_order_id for draft in raced])
        for draft in raced:
            existing = now_stored.get(draft.amazon_order_id)
            if existing is None or existing.amazon_last_updated >= draft.last_updated:
                tally.add("unchanged")
            else:
                updates.append((existing, draft))


def _mapped(tx: OrderTransaction, draft: OrderDraft, tally: Tally, *, payload: object) -> MappedOrder | None:
    try:
        return map_order(draft, tx.settings, tx.catalog, tx.customers, tx.ship_methods, email_hash=tx.email_hash)
    except DomainError as exc:
        record_failure(tx, tally, draft.amazon_order_id, exc, payload)
        return None


def _count(tx: OrderTransaction, tally: Tally, draft: OrderDraft, outcome: Outcome) -> None:
    tally.add(_COUNT_OF.get(outcome, "updated"))
    if outcome is not Outcome.CREATED:  # an insert resolves its own error-log row, in its batch
        tx.clear_error(draft.amazon_order_id)


def record_failure(tx: OrderTransaction, tally: Tally, key: str, error: DomainError, payload: object) -> None:
    """An order that could not be stored: its error-log row with Amazon's document (B11), counted, listed."""
    tx.record_error(key, error, payload)
    tally.add("errors")
    tally.note(item_error(key, error.code, error.message))


def _source(draft: OrderDraft) -> object:
    """What the error log keeps of an order that could not be stored: Amazon's document as read (B11;
    stored encrypted), or where to read it again when the draft came without one (a report row)."""
    return draft.source if draft.source is not None else {"orderId": draft.amazon_order_id}
