"""Flow ``stock_push``: available-to-sell told to Amazon, changed-only, by patch or by feed (D1, D2, D5, D7-D9, G2,
H1-H3).

Asked for at once by every stock change (``stock_marks.mark_items_dirty`` makes the owner's job due); the
fifteen-minute schedule is the safety net. One run per connection; only the owner connection of its seller
account and region pushes (a unified account's quantity is one per region): any other's run ends at once
(counted ``not_owner``). One run, each step its own short transactions, never one held across a call:

a. the listings feeds still out are stepped once each (``lifecycle.step_feed``); new patches are not held
   back by them (several feeds may be out; a SKU is in at most one). A DONE feed's report is read per
   message (D8).
b. the watchdog: a feed not DONE :data:`~sellerbridge.domain.stock.push_plan.STUCK_AFTER` after its
   submission is flagged (error log ``stuck_feed`` and an ERROR item of the run: the alert), cancelled at
   Amazon, its urgent SKUs sent by patch now, the others released to go again. Its late result is still
   read: a SKU Amazon took from it after a newer figure is marked dirty, so the newest goes again.
c. the full refresh when due (``full_refresh_minutes``): every SKU recomputed, only those whose figure
   differs from what Amazon was told are marked (never re-send what Amazon has).
d. the dirty SKUs by the path by volume (``push_plan.choose_path``): one patch each, or feeds within
   Amazon's feed window; while the window is shut the urgent few go by patch and the rest wait.
e. the read-back: a few SKUs applied since their last check are read (``getListingsItem``); a different
   figure is an alert (error log ``stock_mismatch``) and the SKU goes again.

Returns when to continue while feeds are out (never sleeps).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from ..domain.common.errors import UpstreamError
from ..domain.common.results import ItemResult, ItemStatus, Level, Message, RunReport
from ..domain.documents import DocumentKind, DocumentStatus, LifecycleRule, Ready, Renew, Wait
from ..domain.ports.listings import FEED_MAX_MESSAGES, FEED_WINDOW_SECONDS, ListingAnswer, ListingUpdate
from ..domain.ports.runs import FlowContext
from ..domain.ports.stock import Claim, StockPushStore
from ..domain.stock.push_plan import (
    CLAIM_TIMEOUT,
    STUCK_AFTER,
    VERIFY_PER_RUN,
    Path,
    choose_path,
    feed_window,
    is_stuck,
)
from .lifecycle import finish_import, resume_after, step_feed
from .runs import Flow, RunContext, record_run

COUNTS = ("calls", "not_owner", "added", "refused", "unchanged", "patched", "fed", "feeds", "accepted", "warnings",
          "invalid", "retried", "stale", "late", "stuck", "urgent", "refreshed", "verified", "mismatches",
          "waiting", "errors")
PURPOSE = "stock_push"
FULL_REFRESH_MARK = "stock_full_refresh"
# Amazon queues a listings feed a minute or two; the watchdog (STUCK_AFTER) decides before this deadline does.
LISTINGS_FEED = LifecycleRule(first_check=timedelta(seconds=60), check_every=timedelta(seconds=30),
                              deadline=STUCK_AFTER + timedelta(hours=1), attempts=2)
VERIFY_AFTER = timedelta(minutes=2)  # Amazon shows an accepted change a little later: read back after this
LATE_WATCH = timedelta(hours=24)  # a stuck feed's late result is looked for this long
LATE_EVERY = timedelta(minutes=1)
# Messages per listings feed: Amazon's limits are 25,000 messages and 10 MiB. A quantity message is 260 bytes
# for a usual SKU and 500 for the worst the hub stores (64 four-byte characters): 20,000 of those are 9.5 MiB.
# So 100,000 SKUs are 5 feeds, which is Amazon's window of 5 submissions per 5 minutes: one window, not two.
FEED_BATCH = 20_000

# Asked at once by every stock change; the schedule is the safety net and the clock of the hourly full refresh
# and the read-back. Only accounts with listings get the job (its idle cost elsewhere is nothing).
FLOW = Flow("stock_push", every=timedelta(minutes=15), counts=COUNTS, resumes=True, needs="account_listings",
            about="available-to-sell to Amazon, changed-only: a patch per SKU when few, listings feeds when many; "
                  "watchdog, full refresh and read-back (D1-D9, G2)")


def run(ctx: FlowContext, connection_id: int | None) -> RunReport:
    assert connection_id is not None
    return record_run(ctx, FLOW, connection_id, step)


def store_of(run: RunContext) -> StockPushStore:
    store = run.ports.stock_push
    assert store is not None, "stock_push needs the stock push store"
    return store


def step(run: RunContext) -> datetime | None:
    store = store_of(run)
    if not store.is_owner():
        run.tally.add("not_owner")
        return None
    now = run.now()
    store.release_stale(older_than=now - CLAIM_TIMEOUT, now=now)
    ensured = store.ensure(now=now)
    run.tally.add("added", ensured.added)
    run.tally.add("refused", ensured.refused)
    waits: list[datetime] = []
    for feed in store.open_feeds():  # (a) and (b)
        waits += _step_feed(run, store, feed.request_id, feed.submitted_at)
    waits += _late_feeds(run, store)
    _full_refresh(run, store)  # (c)
    waits += _push_dirty(run, store)  # (d)
    _read_back(run, store)  # (e)
    run.checkpoint(force=True)
    return min(waits) if waits else None


# --- (d) the dirty SKUs ---------------------------------------------------------------------------


def _push_dirty(run: RunContext, store: StockPushStore) -> list[datetime]:
    dirty = store.dirty_count()
    if not dirty:
        return []
    patch_max = store.patch_max()
    if choose_path(dirty, patch_max) is Path.PATCH:
        claimed = store.claim(patch_max, channel=Path.PATCH.value, now=run.now())
        run.tally.add("unchanged", claimed.unchanged)
        _patch(run, store, claimed.claims)
        return []
    # many: the urgent few by patch now (a feed takes minutes), the rest by feeds within Amazon's window
    urgent = store.claim(patch_max, channel=Path.PATCH.value, now=run.now(), urgent_only=True)
    run.tally.add("unchanged", urgent.unchanged)
    run.tally.add("urgent", len(urgent.claims))
    _patch(run, store, urgent.claims)
    now = run.now()
    window = feed_window(store.feed_times(now - timedelta(seconds=FEED_WINDOW_SECONDS)), now)
    for _ in range(window.remaining):
        claimed = store.claim(min(FEED_BATCH, FEED_MAX_MESSAGES), channel=Path.FEED.value, now=run.now())
        run.tally.add("unchanged", claimed.unchanged)
        if not claimed.claims:
            return [_first_look(run)] if store.open_feeds() else []
        # one marketplace per feed (Amazon's rule): SKUs listed only elsewhere in the region wait for a slot
        marketplace = claimed.claims[0].marketplace_id or store.marketplace_id
        here = [c for c in claimed.claims if (c.marketplace_id or store.marketplace_id) == marketplace]
        if len(here) < len(claimed.claims):
            skus = {c.sku for c in here}
            store.release([c for c in claimed.claims if c.sku not in skus], now=run.now())
        _submit(run, store, here, marketplace)
    if store.dirty_count():
        run.tally.add("waiting")
        reopens = feed_window(store.feed_times(run.now() - timedelta(seconds=FEED_WINDOW_SECONDS)), run.now())
        return [reopens.reopens_at or run.now()]
    return [_first_look(run)]


def _first_look(run: RunContext) -> datetime:
    return run.now() + LISTINGS_FEED.first_check


def _patch(run: RunContext, store: StockPushStore, claims: list[Claim]) -> None:
    """``patchListingsItem`` per SKU; a call failed as a whole gives the claims not yet answered back."""
    for index, claim in enumerate(claims):
        try:
            answer = run.amazon.patch_listing(ListingUpdate(claim.sku, claim.marketplace_id or store.marketplace_id,
                                                            quantity=claim.quantity,
                                                            lead_time_days=claim.lead_time_days))
        except UpstreamError:
            store.release(claims[index:], now=run.now())
            raise
        run.tally.add("calls")
        run.tally.add("patched")
        _record(run, store, claim, answer, Path.PATCH, None)
        run.checkpoint()


def _submit(run: RunContext, store: StockPushStore, claims: list[Claim], marketplace: str) -> None:
    """One ``JSON_LISTINGS_FEED`` for the claims (message ids 1..n), its request row, the claims' feed."""
    numbered = [replace(c, message_id=i) for i, c in enumerate(claims, start=1)]
    updates = [ListingUpdate(c.sku, marketplace, quantity=c.quantity, lead_time_days=c.lead_time_days,
                             message_id=c.message_id) for c in numbered]
    try:
        state = run.amazon.submit_listings_feed(updates, marketplace)
    except UpstreamError:
        store.release(numbered, now=run.now())
        raise
    run.tally.add("calls", 3)  # createFeedDocument, the upload, createFeed
    run.tally.add("feeds")
    run.tally.add("fed", len(numbered))
    now = run.now()
    request = run.documents.add(DocumentKind.FEED, purpose=PURPOSE, run_id=run.run_id, state=state,
                                requested_at=now, deadline_at=now + LISTINGS_FEED.deadline, attempt=1)
    store.set_feed(numbered, request.id)
    run.checkpoint(force=True)


def _record(run: RunContext, store: StockPushStore, claim: Claim, answer: ListingAnswer, path: Path,
            feed_request_id: int | None) -> None:
    """Amazon's answer for one SKU (D8): a value per SKU, never an exception."""
    recorded = store.answered(claim, answer, channel=path.value, feed_request_id=feed_request_id, now=run.now())
    if not recorded.applied:
        run.tally.add("stale")
        if store.late(claim, answer, now=run.now()):
            run.tally.add("late")
        return
    if recorded.status == "accepted":
        run.tally.add("accepted")
    elif recorded.status == "warning":
        run.tally.add("warnings")
        _item(run, claim.sku, ItemStatus.WARNING, answer.code or answer.outcome.value,
              f"Amazon: {answer.message or answer.outcome.value}", Level.WARNING)
    elif recorded.status == "invalid":
        run.tally.add("invalid")
        run.tally.add("errors")
        _item(run, claim.sku, ItemStatus.ERROR, answer.code or "invalid", f"Amazon refused the quantity "
              f"{claim.quantity}: {answer.message or ''}")
    else:
        run.tally.add("retried")


# --- (a), (b) the feeds out and the watchdog -------------------------------------------------------


def _step_feed(run: RunContext, store: StockPushStore, request_id: int, submitted_at: datetime) -> list[datetime]:
    request = run.documents.get(DocumentKind.FEED, request_id)
    answer = step_feed(run, request_id, LISTINGS_FEED)  # one look first: a feed done meanwhile is not stuck
    if isinstance(answer, Wait):
        if is_stuck(submitted_at, run.now()):
            _stuck(run, store, request_id)
            return [run.now() + LATE_EVERY]
        return [resume_after(run, answer)]
    claims = store.in_feed(request_id)
    if isinstance(answer, Renew):  # Amazon cancelled or refused the whole document: the SKUs go again
        store.release(claims, now=run.now())
        store.note_error("feed", f"feed:{request.amazon_id if request else request_id}", "feed_not_processed",
                         answer.reason, now=run.now())
        run.tally.add("errors")
        _item(run, f"feed:{request_id}", ItemStatus.ERROR, "feed_not_processed", answer.reason)
        return []
    assert isinstance(answer, Ready)
    report = run.amazon.read_listings_feed_report(answer.document_id)
    run.tally.add("calls")
    if report.document_error is not None:
        store.note_error("feed", f"feed:{request.amazon_id if request else request_id}",
                         report.document_error.code or "document_refused",
                         f"Amazon refused the listings feed: {report.document_error.message or ''}", now=run.now())
    for claim in claims:
        _record(run, store, claim, report.answer_for(claim.message_id), Path.FEED, request_id)
    finish_import(run, DocumentKind.FEED, request_id)
    return []


def _stuck(run: RunContext, store: StockPushStore, request_id: int) -> None:
    """The watchdog (H1-H3): flag, alert, cancel, urgent SKUs by patch now, the rest released to go again."""
    request = run.documents.get(DocumentKind.FEED, request_id)
    assert request is not None
    minutes = int((run.now() - request.requested_at).total_seconds() // 60)
    text = (f"listings feed {request.amazon_id} is still {request.status} at Amazon after {minutes} min "
            f"(stuck after {int(STUCK_AFTER.total_seconds() // 60)} min): cancelled, its SKUs sent again")
    store.note_error("stuck_feed", f"feed:{request.amazon_id}", "stuck_feed", text, now=run.now())
    run.tally.add("stuck")
    run.tally.add("errors")
    _item(run, f"feed:{request.amazon_id}", ItemStatus.ERROR, "stuck_feed", text)
    try:
        run.amazon.cancel_feed(request.amazon_id)
        run.tally.add("calls")
    except UpstreamError as exc:  # it may have started: its late result is watched below
        if exc.retryable:
            raise
    run.documents.checked(DocumentKind.FEED, request_id, status="renewed", now=run.now(), error=text)
    claims = store.in_feed(request_id)
    store.release(claims, now=run.now())
    late = run.state.setdefault("late_feeds", {})
    late[str(request_id)] = {"amazon_id": request.amazon_id, "since": run.now().isoformat(),
                             "skus": {str(c.message_id): [c.sku, c.version, c.quantity, c.lead_time_days]
                                      for c in claims}}
    urgent = store.claim(len([c for c in claims if c.urgent]), channel=Path.PATCH.value, now=run.now(),
                         urgent_only=True)
    run.tally.add("urgent", len(urgent.claims))
    _patch(run, store, urgent.claims)
    run.checkpoint(force=True)


def _late_feeds(run: RunContext, store: StockPushStore) -> list[datetime]:
    """Stuck feeds' late results: a SKU Amazon took from one may now show an older figure: sent again."""
    late = run.state.get("late_feeds") or {}
    for key in list(late):
        entry = late[key]
        if run.now() - datetime.fromisoformat(entry["since"]) > LATE_WATCH:
            del late[key]
            continue
        seen = run.amazon.feed_state(entry["amazon_id"])
        run.tally.add("calls")
        if seen.status in (DocumentStatus.CANCELLED, DocumentStatus.FATAL):
            del late[key]  # nothing of it applied
        elif seen.status is DocumentStatus.DONE and seen.document_id:
            report = run.amazon.read_listings_feed_report(seen.document_id)
            run.tally.add("calls")
            for message_id, (sku, version, quantity, lead) in entry["skus"].items():
                claim = Claim(sku, 0, version, quantity, lead, False, None, {}, int(message_id))
                if store.late(claim, report.answer_for(int(message_id)), now=run.now()):
                    run.tally.add("late")
            del late[key]
    run.state["late_feeds"] = late
    return [run.now() + LATE_EVERY] if late else []


# --- (c) full refresh, (e) read-back ----------------------------------------------------------------


def _full_refresh(run: RunContext, store: StockPushStore) -> None:
    minutes = store.full_refresh_minutes()
    if minutes <= 0:
        return
    now = run.now()
    last = run.marks.get(FULL_REFRESH_MARK)
    if last is not None and now - last < timedelta(minutes=minutes):
        return
    run.tally.add("refreshed", store.refresh(now=now))
    run.marks.set(FULL_REFRESH_MARK, now)


def _read_back(run: RunContext, store: StockPushStore) -> None:
    for sku in store.unverified(VERIFY_PER_RUN, sent_before=run.now() - VERIFY_AFTER):
        offer = run.amazon.read_listing(sku.sku, store.marketplace_id)
        run.tally.add("calls")
        found = offer.quantity if offer is not None else None
        equal = found == sku.quantity
        store.verified(sku.sku, found, equal=equal, now=run.now())
        if equal:
            run.tally.add("verified")
            continue
        run.tally.add("mismatches")
        run.tally.add("errors")
        _item(run, sku.sku, ItemStatus.ERROR, "stock_mismatch",
              f"Amazon shows {found} where the hub told it {sku.quantity}; sent again")


def _item(run: RunContext, sku: str, status: ItemStatus, code: str, text: str, level: Level = Level.ERROR) -> None:
    key = sku if sku.startswith("feed:") else f"sku:{sku}"
    run.tally.note(ItemResult(key, status, (Message(code, text, level),)))
