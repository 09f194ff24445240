"""Order download: Amazon's orders into the hub, never lost, never duplicated (B1-B13, G1, G2).

Three ways in, one way to store:

- :func:`poll` — incremental ``searchOrders`` on ``lastUpdatedAfter``. The window starts at the
  watermark minus an overlap and ends two minutes before now (Amazon refuses later ends, and its
  search index trails changes by about that much: docs/amazon-quirks.md). Each page is stored in ONE
  transaction together with the watermark, so a crash loses at most the page in flight, which the
  next run reads again.
- :func:`fetch` — ``getOrder`` for given order ids: the push path (ORDER_CHANGE notifications) and
  the error-log reprocess. Polling stays the backstop for a lost notification.
- backlog via reports (``sync/orders_backlog.py``).

Storing is idempotent by (connection, Amazon order id) and by Amazon's ``lastUpdatedTime``: reading
the same order twice, or two syncs racing, changes nothing the second time. An order that cannot be
mapped becomes an error-log row with its Amazon payload (B11) and the rest of the page goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..domain.common.errors import DomainError
from ..domain.common.moments import to_datetime
from ..domain.orders.filters import DecisionKind, OrderImportSettings, decide
from ..domain.orders.mapping import map_order
from ..domain.orders.model import OrderDraft
from ..domain.ports.orders import AlreadyStored, OrderSource, OrderStore, OrderTransaction, RunCounts

# Amazon refuses a window end later than two minutes before now; its index also lags about that.
SEARCH_END_MARGIN = timedelta(minutes=2)
# Re-read this much before the watermark on every poll: a change indexed later than the two-minute
# margin still falls inside the next window. Re-reads are idempotent but NOT free: searchOrders reads
# 100 orders per 178 s, and every overlapped minute is re-read on every poll. Five minutes made a
# 1,500 orders/hour seller's polls two pages each, i.e. slower than Amazon's refill: the poll fell
# further behind every hour (bench/orders_steady.py, docs/order-flow.md). One minute keeps the poll
# at one page per call up to ~1,500/hour; the push path and the report backstop cover the rest.
OVERLAP = timedelta(minutes=1)
# First poll of a connection with no watermark and no "don't process before" date.
FIRST_POLL_LOOKBACK = timedelta(days=7)
# Datasets the hub reads: status and items (FULFILLMENT), money (PROCEEDS), cancellations and buyer
# cancel requests (CANCELLATION); the buyer and the address (PII) only for a connection with the PII
# grant (B13): without it the hub never even receives them.
BASE_INCLUDED_DATA = ("FULFILLMENT", "PROCEEDS", "CANCELLATION")
PII_INCLUDED_DATA = ("BUYER", "RECIPIENT")
INCLUDED_DATA = PII_INCLUDED_DATA + BASE_INCLUDED_DATA  # everything, for a connection with the grant

# Store a page's new orders in one batch (see store_payloads); False: always order by order.
PAGE_BATCHING = True

Mapper = Callable[[dict[str, Any]], OrderDraft]
Progress = Callable[[RunCounts], None]


def included_data(settings: OrderImportSettings) -> tuple[str, ...]:
    """The datasets to ask Amazon for (B13: PII only with the connection's grant)."""
    return INCLUDED_DATA if settings.pii_grant else BASE_INCLUDED_DATA


@dataclass(frozen=True, slots=True)
class PollPlan:
    """The window one poll reads."""

    after: datetime
    before: datetime


def plan_window(watermark: datetime | None, now: datetime, not_before: datetime | None) -> PollPlan:
    """Where the next poll starts and ends (B1)."""
    before = now - SEARCH_END_MARGIN
    if watermark is None:
        after = not_before or (now - FIRST_POLL_LOOKBACK)
    else:
        after = watermark - OVERLAP
        if not_before is not None:
            after = max(after, not_before)
    return PollPlan(after=min(after, before), before=before)


def store_payloads(tx: OrderTransaction, payloads: Iterable[dict[str, Any]], to_draft: Mapper,
                   counts: RunCounts) -> None:
    """Map and store each payload inside the caller's transaction; one bad order never sinks the rest.

    A page's new orders go in one batch when the store can (``insert_orders``): the same rules, a
    few statements instead of a dozen per order. Everything else, and the whole page when the batch
    is refused, takes the per-order path.
    """
    payloads = list(payloads)
    if PAGE_BATCHING and len(payloads) > 1 and hasattr(tx, "insert_orders"):
        payloads = _store_new_in_one_batch(tx, payloads, to_draft, counts)
    for payload in payloads:
        counts.fetched += 1
        key = payload.get("orderId") if isinstance(payload, dict) else None
        key = key if isinstance(key, str) and key else "<no orderId>"
        try:
            draft = to_draft(payload)
        except DomainError as exc:
            tx.record_error(key, exc, payload)
            counts.errors += 1
            continue
        store_draft(tx, draft, payload, counts)


def _store_new_in_one_batch(tx: Any, payloads: list[dict[str, Any]], to_draft: Mapper,
                            counts: RunCounts) -> list[dict[str, Any]]:
    """Store the page's new, importable, mappable orders in one batch (B1); return the payloads left
    for the per-order path. A page with a payload that cannot be read, or an order listed twice,
    goes order by order whole (errors are recorded there, one by one)."""
    drafts: list[OrderDraft] = []
    for payload in payloads:
        try:
            drafts.append(to_draft(payload))
        except DomainError:
            return payloads
    ids = [draft.amazon_order_id for draft in drafts]
    if len(set(ids)) != len(ids):
        return payloads
    stored = tx.stored_ids(ids)
    if hasattr(tx, "prefetch"):
        tx.prefetch([draft for draft in drafts if draft.amazon_order_id not in stored])
    batch: list[tuple[OrderDraft, Any]] = []
    rest: list[dict[str, Any]] = []
    for payload, draft in zip(payloads, drafts, strict=True):
        decision = decide(draft, tx.settings, already_imported=False) if draft.amazon_order_id not in stored else None
        if decision is None or decision.kind is DecisionKind.SKIP:
            rest.append(payload)  # an update, or a skip: counted and handled by the per-order path
            continue
        try:
            mapped = map_order(decision.draft, tx.settings, tx.catalog, tx.customers, tx.ship_methods,
                               email_hash=tx.email_hash)
        except DomainError:
            rest.append(payload)  # recorded in the error log by the per-order path (B11)
            continue
        batch.append((decision.draft, mapped))
    if len(batch) < 2 or not tx.insert_orders(batch):
        return payloads  # nothing to gain, or a racing worker / refused data: order by order
    counts.fetched += len(batch)
    counts.created += len(batch)
    return rest


def store_draft(tx: OrderTransaction, draft: OrderDraft, payload: Any, counts: RunCounts) -> None:
    """Filter (B2-B4), map (B5-B8) and store one order; a newer Amazon state only (B1, B9)."""
    existing = tx.get_order(draft.amazon_order_id)
    if existing is not None and existing.amazon_last_updated >= draft.last_updated:
        counts.unchanged += 1  # a re-read: overlap, duplicate notification, a racing sync
        return
    decision = decide(draft, tx.settings, already_imported=existing is not None)
    if decision.kind is DecisionKind.SKIP:
        counts.skipped += 1
        reason = str(decision.reason)
        counts.skip_reasons[reason] = counts.skip_reasons.get(reason, 0) + 1
        return
    try:
        mapped = map_order(decision.draft, tx.settings, tx.catalog, tx.customers, tx.ship_methods,
                           email_hash=tx.email_hash)
        if existing is None:
            try:
                outcome = tx.insert_order(decision.draft, mapped)
            except AlreadyStored:
                # Another worker won the race for the unique key: apply ours as an update if newer.
                existing = tx.get_order(draft.amazon_order_id)
                if existing is None or existing.amazon_last_updated >= draft.last_updated:
                    counts.unchanged += 1
                    return
                outcome = tx.update_order(existing, decision.draft, mapped)
        else:
            outcome = tx.update_order(existing, decision.draft, mapped)
    except DomainError as exc:
        tx.record_error(draft.amazon_order_id, exc, payload)
        counts.errors += 1
        return
    tx.clear_error(draft.amazon_order_id)
    if outcome == "created":
        counts.created += 1
    elif outcome == "cancelled":
        counts.cancelled += 1
    elif outcome == "unchanged":
        counts.unchanged += 1
    else:
        counts.updated += 1


def poll(source: OrderSource, store: OrderStore, to_draft: Mapper, *, now: datetime,
         not_before: datetime | None = None, counts: RunCounts | None = None,
         progress: Progress | None = None) -> RunCounts:
    """One incremental poll of a connection (B1): every page committed with its watermark.

    ``not_before`` defaults to the connection's "don't process before" date (B4); ``progress`` is
    told the counts after each committed page (a crash after it loses nothing of that page).
    """
    counts = counts or RunCounts()
    with store.transaction() as tx:
        plan = plan_window(tx.get_watermark(), now, not_before or tx.settings.not_before)
        datasets = included_data(tx.settings)
    for page in source.search_orders(last_updated_after=plan.after, before=plan.before, included_data=datasets):
        counts.pages += 1
        counts.calls += 1
        with store.transaction() as tx:
            store_payloads(tx, page.orders, to_draft, counts)
            if page.next_token is None:
                tx.set_watermark(page.window_end or plan.before)
            elif page.orders:
                # Pages come in lastUpdatedTime order: everything up to this page's last order is
                # stored. The next run re-reads from OVERLAP before it anyway.
                last = max(to_datetime(o.get("lastUpdatedTime")) or plan.after for o in page.orders)
                tx.set_watermark(min(last, plan.before))
        if progress is not None:
            progress(counts)
    return counts


def fetch(source: OrderSource, store: OrderStore, to_draft: Mapper, order_ids: Iterable[str],
          counts: RunCounts | None = None, progress: Progress | None = None) -> RunCounts:
    """Fetch given orders with getOrder and store each in its own transaction (push path, reprocess).

    getOrder has no search lag: the order is read as it is now (docs/amazon-quirks.md).
    """
    counts = counts or RunCounts()
    with store.transaction() as tx:
        datasets = included_data(tx.settings)
    for order_id in dict.fromkeys(order_ids):  # de-duplicated, order kept
        payload = source.get_order(order_id, datasets)
        counts.calls += 1
        with store.transaction() as tx:
            store_payloads(tx, [payload], to_draft, counts)
        if progress is not None:
            progress(counts)
    return counts

