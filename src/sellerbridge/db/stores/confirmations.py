"""The confirmation store (``domain.ports.confirmations.ConfirmationStore``) for one connection (C2, C3, C4, H1).

Each call is its own short transaction, never held across a call to Amazon. A package's failure goes to
the error log (kind ``shipment_confirm``, key ``package:<id>``) with Amazon's code and text (C4); its
confirmation resolves that error. The effects of a confirmation commit with its status change, guarded
by the status it leaves: confirming a package twice changes the hub once (C2, C3).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from ...domain.orders.model import OrderStatus
from ...domain.ports.confirmations import Applied, PackageToConfirm
from ...domain.shipments.confirmation import NOT_APPLIED, ORDER_CANCELLED_SINCE, AmazonAnswer, plan_effects
from ..repositories import confirmations as repo
from ..repositories import error_log
from ..store import Store

ERROR_KIND = "shipment_confirm"
CANCELLED_SINCE = "shipment for an order cancelled since; not confirmed"


def error_key(package_id: int) -> str:
    return f"package:{package_id}"


class DbConfirmationStore:
    def __init__(self, store: Store, connection_id: int, now: Callable[[], datetime]) -> None:
        self._store = store
        self.connection_id = connection_id
        self._now = now

    def waiting(self) -> int:
        with self._store.uow(read_only=True) as session:
            return repo.count_in(session, self.connection_id, "queued")

    def take(self, limit: int, *, now: datetime) -> tuple[list[PackageToConfirm], list[PackageToConfirm]]:
        with self._store.uow() as session:
            found = repo.packages(session, self.connection_id, status="queued", limit=limit)
            send, held = [], []
            for package in found:
                if package.order_status == OrderStatus.CANCELLED.value:
                    if repo.move(session, [package.package_id], from_status="queued", to_status="held", now=now,
                                 hold_reason=CANCELLED_SINCE):
                        self._error(session, package.package_id, ORDER_CANCELLED_SINCE, CANCELLED_SINCE,
                                    package, now)
                        held.append(package)
                else:
                    send.append(package)
        return send, held

    def claim(self, package_ids: Sequence[int], *, channel: str, now: datetime,
              feed_submission_id: int | None = None) -> list[int]:
        with self._store.uow() as session:
            return repo.claim(session, package_ids, channel=channel, now=now, feed_submission_id=feed_submission_id)

    def set_feed(self, package_ids: Sequence[int], feed_submission_id: int) -> None:
        with self._store.uow() as session:
            repo.set_feed(session, package_ids, feed_submission_id)

    def in_doubt(self, limit: int) -> list[PackageToConfirm]:
        with self._store.uow(read_only=True) as session:
            return repo.packages(session, self.connection_id, status="sending", limit=limit)

    def in_feed(self, feed_submission_id: int) -> list[PackageToConfirm]:
        with self._store.uow(read_only=True) as session:
            return repo.packages(session, self.connection_id, status="sending", limit=1_000_000,
                                 feed_submission_id=feed_submission_id)

    def confirmed(self, package_id: int, *, now: datetime, verified: bool = False) -> Applied:
        with self._store.uow() as session:
            extra = {"verified_at": now} if verified else {}
            if not repo.move(session, [package_id], from_status="sending", to_status="confirmed", now=now,
                             confirmed_at=now, **extra):
                return Applied(changed=False)  # applied before (or never claimed): the effects are not repeated
            [package] = repo.packages(session, self.connection_id, status="confirmed", limit=1, ids=[package_id])
            effects = plan_effects(package_id, repo.shipped_by_package(session, package_id),
                                   repo.line_states(session, package.order_id))
            moved = repo.apply_effects(session, package.order_id, effects, now=now)
            error_log.resolve_key(session, self.connection_id, ERROR_KIND, error_key(package_id), now=now)
        return Applied(changed=True, order_status=effects.order_status, movements=moved)

    def failed(self, package_id: int, answer: AmazonAnswer, *, now: datetime, code: str) -> None:
        with self._store.uow() as session:
            text = answer.message or "Amazon refused the package without a message"
            if repo.move(session, [package_id], from_status=("sending", "confirmed"), to_status="failed", now=now,
                         amazon_code=answer.code, amazon_message=text):
                [package] = repo.packages(session, self.connection_id, status="failed", limit=1, ids=[package_id])
                self._error(session, package_id, code, f"Amazon: {answer.code}: {text}", package, now)

    def held(self, package_id: int, reason: str, *, now: datetime) -> None:
        with self._store.uow() as session:
            if repo.move(session, [package_id], from_status=("queued", "sending"), to_status="held", now=now,
                         hold_reason=reason):
                [package] = repo.packages(session, self.connection_id, status="held", limit=1, ids=[package_id])
                self._error(session, package_id, ORDER_CANCELLED_SINCE, reason, package, now)

    def requeue(self, package_id: int, *, now: datetime) -> None:
        with self._store.uow() as session:
            repo.move(session, [package_id], from_status=("sending", "confirmed"), to_status="queued", now=now,
                      feed_submission_id=None, confirmed_at=None)

    def not_applied(self, package_id: int, message: str, *, now: datetime, requeue: bool) -> None:
        with self._store.uow() as session:
            target = "queued" if requeue else "failed"
            extra = {"feed_submission_id": None, "confirmed_at": None} if requeue else {}
            if repo.move(session, [package_id], from_status=("sending", "confirmed"), to_status=target, now=now,
                         amazon_code=NOT_APPLIED, amazon_message=message, **extra):
                [package] = repo.packages(session, self.connection_id, status=target, limit=1, ids=[package_id])
                self._error(session, package_id, NOT_APPLIED, message, package, now)

    def unverified(self, orders: int) -> list[PackageToConfirm]:
        with self._store.uow(read_only=True) as session:
            order_ids = repo.unverified_orders(session, self.connection_id, orders)
            return repo.packages(session, self.connection_id, status="confirmed", limit=1_000_000, unverified=True,
                                 order_ids=order_ids) if order_ids else []

    def verified(self, package_ids: Sequence[int], *, now: datetime) -> None:
        with self._store.uow() as session:
            repo.move(session, package_ids, from_status="confirmed", to_status="verified", now=now, verified_at=now)

    def _error(self, session, package_id: int, code: str, message: str, package: PackageToConfirm,
               now: datetime) -> None:
        # the payload names the package, never buyer data (B13)
        error_log.record_error(
            session, self._store.box, connection_id=self.connection_id, kind=ERROR_KIND, key=error_key(package_id),
            code=code, message=message, where=f"order {package.amazon_order_id}, package {package_id}",
            payload={"package_id": package_id, "amazon_order_id": package.amazon_order_id,
                     "carrier_code": package.carrier_code, "tracking_number": package.tracking_number,
                     "lines": [{"order_item_id": ln.order_item_id, "quantity": ln.quantity} for ln in package.lines]},
            now=now)
