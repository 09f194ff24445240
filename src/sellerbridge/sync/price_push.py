"""Flow ``price_push``: each SKU's price told to Amazon, changed-only, guarded (issue 11: E1, E3, G2, D8, H1).

A price is per marketplace, so the flow runs per connection (a unified account's quantity is pushed once
per region; its prices once per marketplace). The rules are ``domain/listings/prices.py``'s. One run:

1. A ``JSON_LISTINGS_FEED`` still out (its request id is the run's state) is stepped once
   (``lifecycle.step_feed``): ``Wait`` ends the run ``waiting``; ``Ready`` reads its processing report and
   records Amazon's answer per SKU; a feed Amazon cancelled before it ran (``Renew``) sent nothing: its
   SKUs are dirty again.
2. Patches a crashed run left in flight are dirty again (sending a price twice is harmless); mapped
   listings without push state get one (dirty: never sent).
3. The dirty SKUs (``version > sent_version``): the offer (the listing's Amazon price, else the list price,
   in the marketplace's currency); none at all -> not sent (Amazon keeps its own: counted ``unpriced``);
   equal to what Amazon has -> settled, not sent (E1 changed-only); a
   currency mismatch or a price outside the seller's range -> refused with the reason (error log); a
   change over the guard's percent from the last price sent (never sent: from Amazon's current price,
   ``getListingsItem``) -> held for approval (E3); a held price a person approved -> sent, rejected -> not.
   FBA listings' prices are pushed too: the price is the seller's even when Amazon ships.
4. What may go: up to ``patch_max`` SKUs by ``patchListingsItem`` (``purchasable_offer``, with the minimum
   and maximum when set), more by one ``JSON_LISTINGS_FEED`` (G2) of at most :data:`FEED_BATCH` messages;
   Amazon's answer per SKU as the stock push does: taken -> ``sent_*``; INVALID -> the error log (kind
   ``price_push``) with Amazon's code and text; UNKNOWN_SKU -> a warning, not a failed run.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..domain.common.results import ItemResult, ItemStatus, Level, Message, RunReport
from ..domain.documents import DocumentKind, LifecycleRule, Renew, Wait, first_wait
from ..domain.listings.prices import NO_PRICE, Action, Offer, needs_amazon_price, plan
from ..domain.ports.listings import ListingAnswer, ListingOutcome, ListingUpdate
from ..domain.ports.prices import DirtyPrice, PriceStore
from ..domain.ports.runs import FlowContext
from .lifecycle import finish_import, resume_after, step_feed
from .runs import Flow, RunContext, record_run

COUNTS = ("calls", "sent", "unchanged", "unpriced", "held", "waiting", "rejected", "refused", "invalid", "warnings",
          "requeued", "feeds", "errors")
# A listings feed: Amazon takes a few minutes; one stuck for an hour is cancelled and its SKUs go again.
LISTINGS_FEED = LifecycleRule(first_check=timedelta(seconds=90), check_every=timedelta(seconds=60),
                              deadline=timedelta(hours=1), attempts=1)
FEED_BATCH = 10_000  # messages per feed: a price message is ~300 bytes, well under Amazon's 10 MiB
PURPOSE = "price_push"

FLOW = Flow("price_push", every=timedelta(minutes=15), counts=COUNTS, resumes=True, needs="account_listings",
            about="changed prices to Amazon per marketplace: patchListingsItem when few, a JSON_LISTINGS_FEED when "
                  "many; changes over the guard's percent held for approval (E1, E3)")


def run(ctx: FlowContext, connection_id: int | None) -> RunReport:
    assert connection_id is not None
    return record_run(ctx, FLOW, connection_id, step)


def store_of(run: RunContext) -> PriceStore:
    store = run.ports.prices
    assert store is not None, "price_push needs the price store"
    return store


def step(run: RunContext) -> datetime | None:
    store = store_of(run)
    feed_id = run.state.get("feed_request_id")
    if feed_id is not None:
        waiting = _step_feed(run, store, int(feed_id))
        if waiting is not None:
            return waiting
    now = run.now()
    store.release_patches(now=now)
    store.discover(now=now)
    percent = store.guard_percent()
    sending = _decide(run, store, store.dirty(FEED_BATCH), percent)
    if len(sending) > store.patch_max():
        return _submit_feed(run, store, sending)
    for dirty, offer in sending:
        if store.claim(dirty.push_id, dirty.version, offer, channel="patch", now=run.now()):
            answer = run.amazon.patch_listing(_update(dirty.sku, run.connection.marketplace_id, offer))
            run.tally.add("calls")
            _record(run, store, dirty.push_id, dirty.sku, offer, answer, "patch")
            run.checkpoint()
    return None


def _decide(run: RunContext, store: PriceStore, dirty: list[DirtyPrice], percent) -> list[tuple[DirtyPrice, Offer]]:
    """The rules per SKU; what goes to Amazon (the rest settled, held or refused here)."""
    sending: list[tuple[DirtyPrice, Offer]] = []
    for price in dirty:
        decided = plan(price.facts, price.state, percent)
        if decided.action is Action.SEND and needs_amazon_price(price.state, percent):
            listed = run.amazon.read_listing(price.sku, price.facts.marketplace_id)  # E3: the reference
            run.tally.add("calls")
            if listed is not None and listed.price is not None and listed.currency == decided.offer.currency:
                decided = plan(price.facts, price.state, percent, amazon_price=listed.price)
        now = run.now()
        if decided.action is Action.SEND:
            sending.append((price, decided.offer))
        elif decided.action is Action.UNCHANGED:
            store.settle(price.push_id, price.version, now=now)
            run.tally.add("unchanged")
        elif decided.action is Action.HOLD:
            store.hold(price.push_id, price.version, decided.offer, decided.hold, now=now)
            run.tally.add("held")
            _item(run, price.sku, ItemStatus.WARNING, "held", f"held for approval: {decided.hold.reason}",
                  Level.WARNING)
        elif decided.action in (Action.WAITING, Action.REJECTED):
            store.settle(price.push_id, price.version, now=now)
            run.tally.add(decided.action.value)
            what = "waits for approval" if decided.action is Action.WAITING else "was rejected: not sent"
            _item(run, price.sku, ItemStatus.SKIPPED, decided.action.value,
                  f"{decided.offer.price} {decided.offer.currency} {what}", Level.INFO)
        elif decided.refused.code == NO_PRICE:  # the hub does not price this SKU: Amazon keeps its own
            store.settle(price.push_id, price.version, now=now)
            run.tally.add("unpriced")
        else:
            refused = decided.refused
            store.refuse(price.push_id, price.version, price.sku, refused, now=now)
            run.tally.add("refused")
            run.tally.add("errors")
            _item(run, price.sku, ItemStatus.ERROR, refused.code, refused.reason)
    run.checkpoint()
    return sending


def _update(sku: str, marketplace_id: str, offer: Offer, message_id: int = 0) -> ListingUpdate:
    return ListingUpdate(sku=sku, marketplace_id=marketplace_id, price=offer.price, currency=offer.currency,
                         minimum_price=offer.minimum, maximum_price=offer.maximum, message_id=message_id)


def _record(run: RunContext, store: PriceStore, push_id: int, sku: str, offer: Offer | None, answer: ListingAnswer,
            channel: str) -> None:
    """Amazon's answer about one SKU's price (D8 as for stock)."""
    store.answered(push_id, sku, answer, channel=channel, now=run.now())
    what = f"{offer.price} {offer.currency}" if offer is not None else "the price"
    if answer.outcome is ListingOutcome.RETRY:
        run.tally.add("requeued")
    elif answer.outcome is ListingOutcome.INVALID:
        run.tally.add("invalid")
        run.tally.add("errors")
        _item(run, sku, ItemStatus.ERROR, answer.code or "invalid", f"Amazon refused {what}: {answer.message or ''}")
    elif answer.outcome is ListingOutcome.UNKNOWN_SKU:
        run.tally.add("warnings")
        _item(run, sku, ItemStatus.WARNING, "unknown_sku", f"Amazon has no SKU {sku}: {answer.message or ''}",
              Level.WARNING)
    else:
        run.tally.add("sent")
        if answer.outcome is ListingOutcome.WARNING:
            run.tally.add("warnings")
            _item(run, sku, ItemStatus.WARNING, answer.code or "warning", f"{what} taken with a warning: "
                  f"{answer.message or ''}", Level.WARNING)


# --- the listings feed ----------------------------------------------------------------------------


def _submit_feed(run: RunContext, store: PriceStore, sending: list[tuple[DirtyPrice, Offer]]) -> datetime:
    marketplace_id = run.connection.marketplace_id
    updates, claimed = [], []
    for number, (dirty, offer) in enumerate(sending, start=1):
        if store.claim(dirty.push_id, dirty.version, offer, channel="feed", now=run.now(), message_id=number):
            updates.append(_update(dirty.sku, marketplace_id, offer, number))
            claimed.append(dirty.push_id)
    if not updates:
        return run.now()
    state = run.amazon.submit_listings_feed(updates, marketplace_id)  # a crash now: the feed's SKUs stay in flight
    run.tally.add("calls", 3)  # createFeedDocument, the upload, createFeed
    run.tally.add("feeds")
    now = run.now()
    request = run.documents.add(DocumentKind.FEED, purpose=PURPOSE, run_id=run.run_id, state=state, requested_at=now,
                                deadline_at=now + LISTINGS_FEED.deadline, attempt=1)
    store.set_feed(claimed, request.id)
    run.state["feed_request_id"] = request.id
    run.checkpoint(force=True)
    return resume_after(run, first_wait(request, LISTINGS_FEED, now))


def _step_feed(run: RunContext, store: PriceStore, request_id: int) -> datetime | None:
    answer = step_feed(run, request_id, LISTINGS_FEED)
    if isinstance(answer, Wait):
        run.checkpoint(force=True)
        return resume_after(run, answer)
    prices = store.in_feed(request_id)
    if isinstance(answer, Renew):  # cancelled at Amazon before it ran: nothing of it applied
        for price in prices:
            store.requeue(price.push_id, now=run.now())
            run.tally.add("requeued")
    else:
        report = run.amazon.read_listings_feed_report(answer.document_id)
        run.tally.add("calls")
        for price in prices:
            offer = Offer(price.price, price.currency, price.minimum, price.maximum, "feed")
            _record(run, store, price.push_id, price.sku, offer, report.answer_for(price.message_id), "feed")
        finish_import(run, DocumentKind.FEED, request_id)
    run.state.pop("feed_request_id", None)
    run.checkpoint(force=True)
    return None


def _item(run: RunContext, sku: str, status: ItemStatus, code: str, text: str, level: Level = Level.ERROR) -> None:
    run.tally.note(ItemResult(f"sku:{sku}", status, (Message(code, text, level),)))
