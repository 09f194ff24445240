"""The stock push store (``domain.ports.stock.StockPushStore``) for one connection (D1, D2, D5, D7-D9, G2, H1).

Each call is its own short transaction, never held across a call to Amazon. The connection works on its
seller account's quantities in its region (a unified account pushes a SKU once per region). A claim reads
the SKUs' stock facts and computes available-to-sell in the claim's own transaction, so the figure sent is
the one of the moment it was claimed. Amazon's refusal of a SKU goes to the error log (kind
``stock_push``, key ``sku:<SKU>``; reprocess marks the SKU dirty); a stuck feed (``stuck_feed``) and a
read-back that differs (``stock_mismatch``) go there too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, or_, select, update

from ...domain.ports.listings import ListingAnswer, ListingOutcome
from ...domain.ports.stock import Claim, Claimed, Ensured, OpenFeed, Recorded, ToVerify
from ...domain.stock.availability import Availability, available_to_sell, is_urgent
from ...domain.stock.push_plan import needs_send
from ..repositories import error_log, stock_facts
from ..repositories import quantity_pushes as repo
from ..repositories.stock_marks import owner_connection
from ..store import Store
from ..tables import quantity_pushes as t

ERROR_KIND = "stock_push"
STUCK_KIND = "stuck_feed"
MISMATCH_KIND = "stock_mismatch"
PURPOSE = "stock_push"
# The listings fingerprint each account's push rows were last ensured for, in this process (a new process
# ensures once; a listing changed by any process changes the fingerprint).
_ENSURED: dict[tuple[str, str, str], tuple[Any, ...]] = {}
CANDIDATES = 5_000  # dirty rows looked at for urgent ones while the feed window is shut


def error_key(sku: str) -> str:
    return f"sku:{sku}"


class DbStockPushStore:
    def __init__(self, store: Store, connection_id: int, *, seller_id: str, region: str, marketplace_id: str,
                 now: Callable[[], datetime]) -> None:
        self._store = store
        self.connection_id = connection_id
        self.seller_id = seller_id
        self.region = region
        self.marketplace_id = marketplace_id
        self._now = now

    # --- settings and scope -----------------------------------------------------------------------

    def _settings(self, session: Any) -> stock_facts.PushSettings:
        return stock_facts.push_settings(session, self.connection_id)

    def is_owner(self) -> bool:
        with self._store.uow(read_only=True) as session:
            return owner_connection(session, self.seller_id, self.region) == self.connection_id

    def patch_max(self) -> int:
        with self._store.uow(read_only=True) as session:
            return self._settings(session).patch_max

    def full_refresh_minutes(self) -> int:
        with self._store.uow(read_only=True) as session:
            return self._settings(session).full_refresh_minutes

    def ensure(self, *, now: datetime) -> Ensured:
        """Push rows for the account's listings new or remapped since the last look. The look is one aggregate
        (``listings_fingerprint``): while the listings stay as they were (most runs: a stock change asked
        for them) nothing is read row by row, which at 100,000 SKUs is half a second a run saved."""
        key = (str(self._store.engine.url), self.seller_id, self.region)
        with self._store.uow(read_only=True) as session:
            fingerprint = repo.listings_fingerprint(session, self.seller_id, self.region)
        if _ENSURED.get(key) == fingerprint:
            return Ensured(added=0, refused=0)
        ensured = self._ensure(now)
        _ENSURED[key] = fingerprint
        return ensured

    def _ensure(self, now: datetime) -> Ensured:
        with self._store.uow() as session:
            listed = repo.region_listings(session, self.seller_id, self.region)
            known = repo.existing(session, self.seller_id, self.region)
            new = [(sku, item, why) for sku, (item, why) in listed.items() if sku not in known]
            repo.add_rows(session, self.seller_id, self.region, new, now=now)
            changed = 0
            for sku, (item, why) in listed.items():
                if sku not in known:
                    continue
                row_id, known_item, status = known[sku]
                if known_item != item or (status == repo.REFUSED) != (why is not None):
                    repo.set_refusal(session, row_id, item, why, now=now)
                    changed += 1
        return Ensured(added=len(new), refused=sum(1 for _, _, why in new if why) + changed)

    def dirty_count(self) -> int:
        with self._store.uow(read_only=True) as session:
            return repo.dirty_count(session, self.seller_id, self.region)

    # --- claims -----------------------------------------------------------------------------------

    def claim(self, limit: int, *, channel: str, now: datetime, urgent_only: bool = False) -> Claimed:
        if limit <= 0:
            return Claimed([])
        with self._store.uow() as session:
            policy = self._settings(session).policy
            rows = repo.dirty_rows(session, self.seller_id, self.region, CANDIDATES if urgent_only else limit,
                                   lock=True)
            facts = stock_facts.stock_facts(session, {r.item_id for r in rows})
            claims: list[Claim] = []
            settled: list[tuple[int, int]] = []
            claimed: list[dict[str, Any]] = []
            for row in rows:
                item = facts.get(row.item_id)
                if item is None:
                    continue
                figure = available_to_sell(item, policy)
                if not needs_send(figure.quantity, figure.lead_time_days, sent_quantity=row.sent_quantity,
                                  sent_lead_time=row.sent_lead_time, ever_sent=row.sent_version > 0):
                    settled.append((row.id, row.version))
                    continue
                # Amazon's figure unknown (never told, or a late answer may have put an older one back): a 0 is urgent
                known = row.sent_quantity if row.sent_version > 0 else None
                urgent = is_urgent(figure.quantity, known, figure.why.buffer_units)
                if (urgent_only and not urgent) or len(claims) >= limit:
                    continue
                claims.append(_claim(row, figure, urgent))
                claimed.append({"rid": row.id, "seen": row.version, "q": figure.quantity,
                                "lt": figure.lead_time_days})
            repo.settle(session, settled, now=now)
            repo.claim(session, claimed, channel=channel, now=now)
            where = repo.marketplaces(session, self.seller_id, self.region, [c.sku for c in claims],
                                      self.marketplace_id)
        claims = [replace(c, marketplace_id=where.get(c.sku, self.marketplace_id)) for c in claims]
        return Claimed(claims, unchanged=len(settled))

    def set_feed(self, claims: Sequence[Claim], feed_request_id: int) -> None:
        if not claims:
            return
        with self._store.uow() as session:
            session.execute(update(t).where(repo._scope(self.seller_id, self.region),
                                            t.c.amazon_sku == bindparam("s"),
                                            t.c.in_flight_version == bindparam("v"))
                            .values(in_flight="feed", feed_submission_id=feed_request_id,
                                    feed_message_id=bindparam("m")),
                            [{"s": c.sku, "v": c.version, "m": c.message_id} for c in claims])

    def in_feed(self, feed_request_id: int) -> list[Claim]:
        with self._store.uow(read_only=True) as session:
            policy = self._settings(session).policy
            rows = session.execute(select(t.c.amazon_sku, t.c.item_id, t.c.in_flight_version, t.c.in_flight_quantity,
                                          t.c.in_flight_lead_time, t.c.dirty_cause, t.c.feed_message_id,
                                          t.c.sent_quantity)
                                   .where(repo._scope(self.seller_id, self.region), t.c.in_flight == "feed",
                                          t.c.feed_submission_id == feed_request_id)).all()
            facts = stock_facts.stock_facts(session, {r.item_id for r in rows})
        out = []
        for r in rows:
            # the why of the figure claimed, when the facts still give it (D9); else the figure alone
            item = facts.get(r.item_id)
            now_figure = available_to_sell(item, policy) if item is not None else None
            same = now_figure is not None and now_figure.quantity == r.in_flight_quantity
            why = now_figure.why.as_dict() if same and now_figure else {"rule": "as claimed",
                                                                        "result": r.in_flight_quantity}
            buffer_units = now_figure.why.buffer_units if now_figure else 0
            out.append(Claim(r.amazon_sku, r.item_id, r.in_flight_version, r.in_flight_quantity,
                             r.in_flight_lead_time, is_urgent(r.in_flight_quantity, r.sent_quantity, buffer_units),
                             r.dirty_cause, why, r.feed_message_id or 0))
        return out

    def open_feeds(self) -> list[OpenFeed]:
        with self._store.uow(read_only=True) as session:
            return [OpenFeed(rid, at, n) for rid, at, n in repo.open_feeds(session, self.seller_id, self.region)]

    def feed_times(self, since: datetime) -> list[datetime]:
        with self._store.uow(read_only=True) as session:
            return repo.feed_times(session, self.seller_id, self.region, PURPOSE, since)

    # --- Amazon's answers -------------------------------------------------------------------------

    def answered(self, claim: Claim, answer: ListingAnswer, *, channel: str, feed_request_id: int | None,
                 now: datetime) -> Recorded:
        current = repo.current(self.seller_id, self.region, claim.sku, claim.version, channel, feed_request_id)
        with self._store.uow() as session:
            if answer.outcome is ListingOutcome.RETRY:
                done = session.execute(update(t).where(current).values(**repo.clear_claim(), updated_at=now)).rowcount
                return Recorded(bool(done), "retry" if done else "stale")
            if answer.taken:
                values: dict[str, Any] = {
                    "sent_quantity": claim.quantity, "sent_at": now, "sent_cause": claim.cause,
                    "sent_channel": channel, "sent_why": dict(claim.why),
                    "amazon_status": "accepted" if answer.outcome is ListingOutcome.ACCEPTED else "warning",
                    "amazon_code": answer.code, "amazon_message": answer.message, "verified_at": None}
                if claim.lead_time_days is not None:
                    values["sent_lead_time"] = claim.lead_time_days
                status = values["amazon_status"]
            else:
                # unknown SKU (a warning, D8) or invalid (the error log): settled for this version, not told
                status = "warning" if answer.outcome is ListingOutcome.UNKNOWN_SKU else "invalid"
                values = {"amazon_status": status, "amazon_code": answer.code, "amazon_message": answer.message}
            done = session.execute(update(t).where(current).values(
                **values, sent_version=repo.settled_version(), dirty_at=repo.dirty_at_after(), **repo.clear_claim(),
                updated_at=now)).rowcount
            if not done:
                return Recorded(False, "stale")
            if answer.outcome is ListingOutcome.INVALID:
                error_log.record_error(session, self._store.box, connection_id=self.connection_id, kind=ERROR_KIND,
                                       key=error_key(claim.sku), code=answer.code or "invalid",
                                       message=f"Amazon refused the quantity of {claim.sku}: {answer.message or ''}",
                                       where=channel, payload={"sku": claim.sku, "quantity": claim.quantity,
                                                               "lead_time_days": claim.lead_time_days}, now=now)
            elif answer.taken:
                error_log.resolve_key(session, self.connection_id, ERROR_KIND, error_key(claim.sku), now=now)
        return Recorded(True, status)

    def release(self, claims: Sequence[Claim], *, now: datetime) -> int:
        released = 0
        with self._store.uow() as session:
            for c in claims:
                released += session.execute(update(t).where(
                    repo._scope(self.seller_id, self.region), t.c.amazon_sku == c.sku,
                    t.c.in_flight_version == c.version, t.c.in_flight.is_not(None))
                    .values(**repo.clear_claim(), updated_at=now)).rowcount or 0
        return released

    def late(self, claim: Claim, answer: ListingAnswer, *, now: datetime) -> bool:
        if not answer.taken:
            return False  # Amazon did not apply it: nothing older can have come back
        with self._store.uow() as session:
            row = session.execute(select(t.c.id, t.c.sent_quantity, t.c.in_flight).where(
                repo._scope(self.seller_id, self.region), t.c.amazon_sku == claim.sku)).first()
            if row is None or (row.in_flight is None and row.sent_quantity == claim.quantity):
                return False  # Amazon's figure is the one it was last told either way
            repo.mark_dirty(session, [row.id], cause="late_answer", now=now, unknown=True)
        return True

    def release_stale(self, *, older_than: datetime, now: datetime) -> int:
        with self._store.uow() as session:
            return session.execute(update(t).where(
                repo._scope(self.seller_id, self.region), t.c.in_flight.is_not(None),
                # a claim in a submitted feed is the watchdog's (its late result is still read), not released here
                or_(t.c.in_flight == "patch", t.c.feed_submission_id.is_(None)),
                t.c.in_flight_at < older_than).values(**repo.clear_claim(), sent_version=0, updated_at=now)
            ).rowcount or 0

    # --- full refresh and read-back ---------------------------------------------------------------

    def refresh(self, *, now: datetime) -> int:
        with self._store.uow() as session:
            policy = self._settings(session).policy
            rows = repo.all_rows(session, self.seller_id, self.region)
            facts = stock_facts.stock_facts(session, None if len(rows) > stock_facts.WHOLE_ABOVE
                                            else {r.item_id for r in rows})
            differ = []
            for row in rows:
                if row.version > row.sent_version:
                    continue  # dirty already: the dirty path sends it
                item = facts.get(row.item_id)
                if item is None:
                    continue
                figure = available_to_sell(item, policy)
                if needs_send(figure.quantity, figure.lead_time_days, sent_quantity=row.sent_quantity,
                              sent_lead_time=row.sent_lead_time, ever_sent=row.sent_version > 0):
                    differ.append(row.id)
            for start in range(0, len(differ), 500):
                repo.mark_dirty(session, differ[start:start + 500], cause="full_refresh", now=now)
        return len(differ)

    def unverified(self, limit: int, *, sent_before: datetime) -> list[ToVerify]:
        with self._store.uow(read_only=True) as session:
            rows = session.execute(select(t.c.amazon_sku, t.c.sent_quantity, t.c.sent_lead_time)
                                   .where(repo._scope(self.seller_id, self.region), t.c.in_flight.is_(None),
                                          t.c.version == t.c.sent_version, t.c.sent_quantity.is_not(None),
                                          t.c.amazon_status == "accepted", t.c.verified_at.is_(None),
                                          t.c.sent_at <= sent_before)
                                   .order_by(t.c.sent_at).limit(limit)).all()
        return [ToVerify(r.amazon_sku, r.sent_quantity, r.sent_lead_time) for r in rows]

    def verified(self, sku: str, quantity: int | None, *, equal: bool, now: datetime) -> None:
        scope = (repo._scope(self.seller_id, self.region), t.c.amazon_sku == sku)
        with self._store.uow() as session:
            session.execute(update(t).where(*scope).values(verified_quantity=quantity, verified_at=now,
                                                           updated_at=now))
            if equal:
                error_log.resolve_key(session, self.connection_id, MISMATCH_KIND, error_key(sku), now=now)
                return
            row = session.execute(select(t.c.id, t.c.sent_quantity).where(*scope)).first()
            if row is None:
                return
            repo.mark_dirty(session, [row.id], cause="read_back", now=now, unknown=True)
            error_log.record_error(session, self._store.box, connection_id=self.connection_id, kind=MISMATCH_KIND,
                                   key=error_key(sku), code="stock_mismatch",
                                   message=f"Amazon shows {quantity} for {sku}, the hub told it {row.sent_quantity}; "
                                           "sent again", where="read_back", now=now)

    def note_error(self, kind: str, key: str, code: str, message: str, *, now: datetime,
                   payload: Any = None) -> None:
        with self._store.uow() as session:
            error_log.record_error(session, self._store.box, connection_id=self.connection_id, kind=kind, key=key,
                                   code=code, message=message, payload=payload, now=now)


def _claim(row: repo.PushRow, figure: Availability, urgent: bool) -> Claim:
    return Claim(row.amazon_sku, row.item_id, row.version, figure.quantity, figure.lead_time_days, urgent,
                 row.dirty_cause, figure.why.as_dict())
