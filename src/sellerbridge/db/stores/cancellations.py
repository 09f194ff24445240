"""The cancellation store (``domain.ports.confirmations.CancellationStore``) for one connection (B9, H1).

Amazon's confirmation of a cancelled line commits with its effects: the line's ``quantity_cancelled``,
its hold released (the whole line is cancelled: the acknowledgement cancels whole items), the order's
status (Cancelled when nothing is left, with ``cancelled_at``), its version, and an outbox event
(``order.cancelled`` when the whole order is, ``order.updated`` otherwise) with the one order-event
payload (ids only, B13), so the warehouse hears it. A refusal goes to the error log (kind
``line_cancel``) with Amazon's text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import select, update

from ...domain.orders.changes import ORDER_CANCELLED
from ...domain.orders.model import OrderStatus
from ...domain.ports.confirmations import CancelLine
from ...domain.shipments.confirmation import ORDER_UPDATED, AmazonAnswer, order_after_cancel
from ..repositories import confirmations as packages_repo
from ..repositories import error_log, outbox
from ..repositories import line_cancellations as repo
from ..repositories.orders import set_order_fields
from ..repositories.stock_marks import mark_items_dirty
from ..store import Store
from ..tables import holds, order_lines, orders
from .order_batch import event_payload

ERROR_KIND = "line_cancel"


class DbCancellationStore:
    def __init__(self, store: Store, connection_id: int, now: Callable[[], datetime]) -> None:
        self._store = store
        self.connection_id = connection_id
        self._now = now

    def queued(self, limit: int) -> list[CancelLine]:
        with self._store.uow(read_only=True) as session:
            return repo.lines(session, self.connection_id, status="queued", limit=limit)

    def open_lines_left(self, order_id: int, cancelling: Sequence[int]) -> int:
        with self._store.uow(read_only=True) as session:
            return repo.open_units(session, order_id, besides=cancelling)

    def claim(self, cancellation_ids: Sequence[int], *, feed_submission_id: int, now: datetime) -> None:
        with self._store.uow() as session:
            repo.move(session, cancellation_ids, from_status="queued", to_status="sending", now=now,
                      feed_submission_id=feed_submission_id)

    def sending(self, feed_submission_id: int) -> list[CancelLine]:
        with self._store.uow(read_only=True) as session:
            return repo.lines(session, self.connection_id, status="sending", limit=100_000,
                              feed_submission_id=feed_submission_id)

    def requeue(self, cancellation_ids: Sequence[int], *, now: datetime) -> None:
        with self._store.uow() as session:
            repo.move(session, cancellation_ids, from_status="sending", to_status="queued", now=now,
                      feed_submission_id=None)

    def confirmed(self, cancellation_ids: Sequence[int], *, now: datetime) -> int:
        """One order's lines Amazon cancelled (one message): their effects and ONE outbox event, one transaction."""
        with self._store.uow() as session:
            changed = repo.move(session, cancellation_ids, from_status="sending", to_status="confirmed", now=now,
                                confirmed_at=now)
            if not changed:
                return 0
            records = [r for r in (repo.get(session, i) for i in changed) if r is not None]
            order_id = records[0].order_id
            released: list[int] = []  # the items whose holds were released: marked dirty once (D5)
            for record in records:
                line = session.execute(select(order_lines).where(order_lines.c.id == record.order_line_id)
                                       .with_for_update()).one()
                left = max(0, line.quantity - line.quantity_shipped - line.quantity_cancelled)
                session.execute(update(order_lines).where(order_lines.c.id == line.id)
                                .values(quantity_cancelled=line.quantity_cancelled + left))
                released += session.execute(
                    update(holds).where(holds.c.order_line_id == line.id, holds.c.status == "held")
                    .values(status="released", released_at=now).returning(holds.c.item_id)).scalars()
                error_log.resolve_key(session, self.connection_id, ERROR_KIND, f"line:{record.order_line_id}",
                                      now=now)
            if released:
                mark_items_dirty(session, released, cause="cancellation", now=now)
            status = order_after_cancel(packages_repo.line_states(session, order_id))
            changes: dict = {"status": status} if status is not None else {}
            if status is OrderStatus.CANCELLED:
                changes.update(cancelled_at=now, cancelled_by="SELLER", cancel_reason=records[0].reason_code)
            version = set_order_fields(session, order_id, now=now, **changes)
            order = session.execute(select(orders.c.amazon_order_id, orders.c.send_to_warehouse)
                                    .where(orders.c.id == order_id)).one()
            if order.send_to_warehouse:
                topic = ORDER_CANCELLED if status is OrderStatus.CANCELLED else ORDER_UPDATED
                outbox.add_event(session, topic=topic, key=order.amazon_order_id, version=version,
                                 payload=event_payload(order_id, self.connection_id, order.amazon_order_id), now=now)
        return len(changed)

    def failed(self, cancellation_id: int, answer: AmazonAnswer, *, now: datetime) -> None:
        with self._store.uow() as session:
            text = answer.message or "Amazon refused the cancellation without a message"
            if not repo.move(session, [cancellation_id], from_status="sending", to_status="failed", now=now,
                             amazon_message=text):
                return
            record = repo.get(session, cancellation_id)
            assert record is not None
            error_log.record_error(
                session, self._store.box, connection_id=self.connection_id, kind=ERROR_KIND,
                key=f"line:{record.order_line_id}", code=answer.code or "amazon_refused",
                message=f"Amazon: {answer.code}: {text}",
                where=f"order {record.amazon_order_id}, item {record.order_item_id}",
                payload={"cancellation_id": record.id, "amazon_order_id": record.amazon_order_id,
                         "order_item_id": record.order_item_id, "reason": record.reason_code}, now=now)
