"""What confirming shipments and cancelling lines need from Amazon and from the store (C2, C3, C4, B9, H1).

Amazon's side (``amazon.gateway.AmazonGateway``, :class:`ShipmentConfirmer`): ``confirmShipment`` per
package, the fulfillment and acknowledgement feeds (submitted through the document lifecycle), their
processing reports per message, and the read-back of an order's packages. Answers are the hub's values
(``domain.shipments.confirmation.AmazonAnswer``), carrying Amazon's code and text (C4).

The store's side (``db/stores/confirmations.py``): packages claimed, answered and applied, each step its
own short transaction, never held across a call to Amazon; the effects of a confirmation commit with the
package's status change (C3), so a package confirmed twice changes the hub once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from ..documents import DocumentState
from ..orders.model import OrderStatus, PackageDraft
from ..shipments.confirmation import AmazonAnswer


@dataclass(frozen=True, slots=True)
class PackageLine:
    order_line_id: int
    order_item_id: str  # Amazon's
    quantity: int


@dataclass(frozen=True, slots=True)
class PackageToConfirm:
    """One package as Amazon is told of it; ``package_id`` is its ``packageReferenceId``."""

    package_id: int
    order_id: int
    amazon_order_id: str
    marketplace_id: str
    carrier_code: str  # Amazon's code, or "Other" with ``carrier_name``
    carrier_name: str | None
    ship_method: str | None
    tracking_number: str
    ship_date: datetime
    lines: tuple[PackageLine, ...]
    status: str = "queued"
    channel: str | None = None
    feed_submission_id: int | None = None
    attempts: int = 0
    order_status: str | None = None  # the hub's status of the order as read with the package


@dataclass(frozen=True, slots=True)
class MessageResult:
    """One message of a feed's processing report (Amazon lists the failed ones, and warnings)."""

    message_id: int
    answer: AmazonAnswer


@dataclass(frozen=True, slots=True)
class FeedReport:
    """A feed's processing report: Amazon's summary and the messages it named."""

    processed: int
    successful: int
    results: tuple[MessageResult, ...] = ()
    document_error: AmazonAnswer | None = None  # the document as a whole was refused (MessageID 0)

    def answer_for(self, message_id: int) -> AmazonAnswer:
        """A message the report does not name was applied (Amazon reports errors only)."""
        if self.document_error is not None:
            return self.document_error
        for result in self.results:
            if result.message_id == message_id and not result.answer.ok:
                return result.answer
        return AmazonAnswer(ok=True)


@dataclass(frozen=True, slots=True)
class OrderPackages:
    """An order as the read-back sees it (Orders 2026-01-01, ``packages``)."""

    amazon_order_id: str
    status: OrderStatus
    packages: tuple[PackageDraft, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class CancelLine:
    """A line the warehouse cannot ship, as the acknowledgement feed names it."""

    cancellation_id: int
    order_id: int
    amazon_order_id: str
    order_line_id: int
    order_item_id: str
    quantity: int
    reason_code: str


@dataclass(frozen=True, slots=True)
class OrderCancellation:
    """One OrderAcknowledgement message: an order's lines to cancel; ``whole_order`` when none is left."""

    message_id: int
    amazon_order_id: str
    lines: tuple[CancelLine, ...]
    whole_order: bool


class ShipmentConfirmer(Protocol):
    """The Amazon side (``amazon/orders/shipments.py``, ``amazon/feeds/submit.py``)."""

    def confirm_shipment(self, package: PackageToConfirm) -> AmazonAnswer:
        """``confirmShipment``: Amazon's 204 is ``ok``; a refusal is a value with Amazon's code and text.
        Raises ``UpstreamError`` only for a failure of the whole call after the transport's retries."""

    def submit_fulfillment_feed(self, packages: Sequence[PackageToConfirm]) -> DocumentState:
        """One ``POST_ORDER_FULFILLMENT_DATA`` feed, a message per package (MessageID = package id)."""

    def submit_acknowledgement_feed(self, orders: Sequence[OrderCancellation]) -> DocumentState:
        """One ``POST_ORDER_ACKNOWLEDGEMENT_DATA`` feed cancelling the named lines."""

    def read_feed_report(self, document_id: str) -> FeedReport:
        """A feed's processing report (``getFeedDocument``), per message."""

    def order_packages(self, amazon_order_id: str) -> OrderPackages:
        """``getOrder`` (2026-01-01) with ``FULFILLMENT`` and ``PACKAGES`` only: no buyer data (read-back)."""


@dataclass(frozen=True, slots=True)
class Applied:
    """What recording a confirmation did (the status guard: ``changed`` False when it was applied before)."""

    changed: bool
    order_status: OrderStatus | None = None
    movements: int = 0


class ConfirmationStore(Protocol):
    """One connection's packages on their way to Amazon (``shipment_packages``), each call one transaction."""

    def waiting(self) -> int:
        """Packages ``queued`` now."""

    def take(self, limit: int, *, now: datetime) -> tuple[list[PackageToConfirm], list[PackageToConfirm]]:
        """Up to ``limit`` queued packages, oldest first: ``(to send, held)``. A package whose order was
        cancelled since is ``held`` here with the error "shipment for an order cancelled since; not
        confirmed" (never sent)."""

    def claim(self, package_ids: Sequence[int], *, channel: str, now: datetime,
              feed_submission_id: int | None = None) -> list[int]:
        """``queued`` -> ``sending`` (committed before the call); the ids claimed now (a racing run's are not)."""

    def set_feed(self, package_ids: Sequence[int], feed_submission_id: int) -> None: ...

    def in_doubt(self, limit: int) -> list[PackageToConfirm]:
        """``sending`` packages that no feed of a live run covers: sent (or not) by a run that crashed."""

    def in_feed(self, feed_submission_id: int) -> list[PackageToConfirm]: ...

    def confirmed(self, package_id: int, *, now: datetime, verified: bool = False) -> Applied:
        """Amazon took it: the status and the effects (C3) in one transaction; once only (status guard)."""

    def failed(self, package_id: int, answer: AmazonAnswer, *, now: datetime, code: str) -> None:
        """Amazon refused it: ``failed``, Amazon's code and text kept and in the error log (C4)."""

    def held(self, package_id: int, reason: str, *, now: datetime) -> None:
        """A person must look (the order was cancelled meanwhile): ``held`` and the error log."""

    def requeue(self, package_id: int, *, now: datetime) -> None:
        """Back to ``queued`` (a retryable failure, or nothing at Amazon after a crash)."""

    def not_applied(self, package_id: int, message: str, *, now: datetime, requeue: bool) -> None:
        """Amazon said done but the order does not show the package: the error log, and back to the queue
        (``requeue``, once) or ``failed``."""

    def unverified(self, orders: int) -> list[PackageToConfirm]:
        """``confirmed`` packages not read back yet, of at most ``orders`` orders (the longest waiting first)."""

    def verified(self, package_ids: Sequence[int], *, now: datetime) -> None: ...


class CancellationStore(Protocol):
    """One connection's ``line_cancellations`` on their way to Amazon (each call one transaction)."""

    def queued(self, limit: int) -> list[CancelLine]: ...

    def open_lines_left(self, order_id: int, cancelling: Sequence[int]) -> int:
        """Units still open on the order besides the lines being cancelled (0: the whole order goes)."""

    def claim(self, cancellation_ids: Sequence[int], *, feed_submission_id: int, now: datetime) -> None: ...

    def sending(self, feed_submission_id: int) -> list[CancelLine]: ...

    def requeue(self, cancellation_ids: Sequence[int], *, now: datetime) -> None:
        """A feed Amazon cancelled before it ran: the lines wait for the next one."""

    def confirmed(self, cancellation_ids: Sequence[int], *, now: datetime) -> int:
        """Amazon cancelled one order's lines: each line's ``quantity_cancelled``, its hold released, the order
        updated (Cancelled when nothing is left) and one outbox event, with the rows, in one transaction.
        Returns how many rows changed now (0: recorded before)."""

    def failed(self, cancellation_id: int, answer: AmazonAnswer, *, now: datetime) -> None: ...
