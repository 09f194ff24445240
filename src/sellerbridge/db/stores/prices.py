"""The price store (``domain.ports.prices.PriceStore``) for one connection (E1-E3, H1).

Each call is its own short transaction, never held across a call to Amazon. A price Amazon refuses goes
to the error log (kind ``price_push``, key ``sku:<SKU>``) with Amazon's code and text; one the hub will
not send (a currency mismatch, outside the seller's range) too, with the hub's reason; a price Amazon
takes resolves that error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal

from ...domain.listings.prices import Hold, Offer, PriceFacts, Refused, SentState
from ...domain.ports.listings import ListingAnswer, ListingOutcome
from ...domain.ports.prices import DirtyPrice, PriceInFlight
from ..repositories import error_log
from ..repositories import prices as repo
from ..store import Store

ERROR_KIND = "price_push"


def error_key(sku: str) -> str:
    return f"sku:{sku}"


class DbPriceStore:
    def __init__(self, store: Store, connection_id: int, marketplace_id: str, now: Callable[[], datetime]) -> None:
        self._store = store
        self.connection_id = connection_id
        self.marketplace_id = marketplace_id  # a price is per marketplace: the connection's (E1)
        self._now = now

    def guard_percent(self) -> Decimal | None:
        with self._store.uow(read_only=True) as session:
            return repo.guard_percent(session, self.connection_id)[0]

    def patch_max(self) -> int:
        with self._store.uow(read_only=True) as session:
            return repo.guard_percent(session, self.connection_id)[1]

    def discover(self, *, now: datetime) -> int:
        with self._store.uow() as session:
            return repo.discover(session, self.connection_id, now=now)

    def release_patches(self, *, now: datetime) -> int:
        with self._store.uow() as session:
            return repo.release_patches(session, self.connection_id, now=now)

    def dirty(self, limit: int) -> list[DirtyPrice]:
        with self._store.uow(read_only=True) as session:
            rows = repo.dirty(session, self.connection_id, limit)
        return [DirtyPrice(
            push_id=row.push_id or 0, sku=row.sku, item_id=row.item_id or 0, version=row.version or 0,
            facts=PriceFacts(row.sku, self.marketplace_id, row.listing_price, row.listing_currency, row.list_price,
                             row.item_currency, row.minimum_price, row.maximum_price),
            state=SentState(row.sent_price, row.sent_currency, row.sent_minimum, row.sent_maximum, row.held_price,
                            row.decision),
            fulfillment_channel=row.fulfillment_channel) for row in rows]

    def settle(self, push_id: int, version: int, *, now: datetime) -> None:
        with self._store.uow() as session:
            repo.settle(session, push_id, version, now=now)

    def hold(self, push_id: int, version: int, offer: Offer, hold: Hold, *, now: datetime) -> None:
        with self._store.uow() as session:
            repo.settle(session, push_id, version, now=now, held_price=offer.price, held_currency=offer.currency,
                        held_from=hold.price_from, held_version=version, held_at=now, held_reason=hold.reason,
                        decision=None, decided_by=None, decided_at=None)

    def refuse(self, push_id: int, version: int, sku: str, refused: Refused, *, now: datetime) -> None:
        with self._store.uow() as session:
            repo.settle(session, push_id, version, now=now, amazon_status="refused", amazon_code=refused.code[:32],
                        amazon_message=refused.reason)
            error_log.record_error(session, self._store.box, connection_id=self.connection_id, kind=ERROR_KIND,
                                   key=error_key(sku), code=refused.code, message=refused.reason,
                                   where=f"SKU {sku}", payload={"sku": sku}, now=now)

    def claim(self, push_id: int, version: int, offer: Offer, *, channel: str, now: datetime,
              message_id: int = 0) -> bool:
        with self._store.uow() as session:
            return repo.claim(session, push_id, version, channel=channel, price=offer.price, currency=offer.currency,
                              minimum=offer.minimum, maximum=offer.maximum, message_id=message_id, now=now)

    def set_feed(self, push_ids: Sequence[int], feed_submission_id: int) -> None:
        with self._store.uow() as session:
            repo.set_feed(session, push_ids, feed_submission_id)

    def in_feed(self, feed_submission_id: int) -> list[PriceInFlight]:
        with self._store.uow(read_only=True) as session:
            rows = repo.in_feed(session, feed_submission_id)
        return [PriceInFlight(r.id, r.amazon_sku, r.feed_message_id or 0, r.in_flight_price, r.in_flight_currency,
                              r.in_flight_minimum, r.in_flight_maximum) for r in rows]

    def answered(self, push_id: int, sku: str, answer: ListingAnswer, *, channel: str, now: datetime) -> None:
        outcome = answer.outcome
        with self._store.uow() as session:
            row = repo.in_flight_row(session, push_id)
            cause = row.dirty_cause if row is not None else None
            if outcome is ListingOutcome.RETRY:
                repo.requeue(session, push_id, now=now)
                return
            status = {ListingOutcome.ACCEPTED: "accepted", ListingOutcome.WARNING: "warning",
                      ListingOutcome.UNKNOWN_SKU: "warning", ListingOutcome.INVALID: "invalid"}[outcome]
            repo.land(session, push_id, now=now, taken=answer.taken, cause=cause, settle_version=True,
                      amazon_status=status, amazon_code=(answer.code or None) and answer.code[:32],
                      amazon_message=answer.message)
            if outcome is ListingOutcome.INVALID:
                error_log.record_error(
                    session, self._store.box, connection_id=self.connection_id, kind=ERROR_KIND, key=error_key(sku),
                    code=answer.code or "invalid", message=f"Amazon refused the price: {answer.message or ''}".strip(),
                    where=f"SKU {sku} ({channel})",
                    payload={"sku": sku, "price": str(row.in_flight_price) if row is not None else None,
                             "currency": row.in_flight_currency if row is not None else None}, now=now)
            elif answer.taken:
                error_log.resolve_key(session, self.connection_id, ERROR_KIND, error_key(sku), now=now)

    def requeue(self, push_id: int, *, now: datetime) -> None:
        with self._store.uow() as session:
            repo.requeue(session, push_id, now=now)
