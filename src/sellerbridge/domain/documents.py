"""The lifecycle of a document Amazon prepares for the hub (a report) or processes from it (a feed)
(B1, D8, F1, G2, H2; DESIGN.md section 5: "feeds and reports are state machines in the database").

Every report request and feed submission is a row (``report_requests`` / ``feed_submissions``) that one
stepper (``sync/lifecycle.py``) moves on, one look at Amazon per step, never a sleep inside a job.
The decisions are here, pure:

- Amazon's status words map to :class:`DocumentStatus` in ``amazon/`` (one table per vocabulary);
  here only the hub's words.
- :func:`decide`: what the stepper does after looking: :class:`Wait` (look again in N seconds),
  :class:`Ready` (the document is there), :class:`Renew` (cancel it and ask again: it is stuck past its
  deadline, or Amazon cancelled it, and attempts remain) or :class:`Failed` (a clear message for a person).
- A document stuck ``queued``/``processing`` past its deadline is never waited on for ever: it is
  renewed while attempts remain, then failed. An answer that names another document or another type
  than the one asked for is refused (failed), never imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class DocumentKind(StrEnum):
    REPORT = "report"
    FEED = "feed"


class DocumentStatus(StrEnum):
    """Where Amazon says a document is, in the hub's words."""

    REQUESTED = "requested"  # the hub's own: asked for, no answer read yet
    QUEUED = "queued"
    PROCESSING = "processing"
    DONE = "done"
    CANCELLED = "cancelled"
    FATAL = "fatal"


PENDING = frozenset({DocumentStatus.REQUESTED, DocumentStatus.QUEUED, DocumentStatus.PROCESSING})
# The end states a request row may reach besides Amazon's: imported, asked again (renewed), given up (failed).
ROW_STATES = frozenset({*DocumentStatus, "imported", "renewed", "failed"})


class ReportPurpose(StrEnum):
    """Why the hub asks Amazon for a report; ``amazon/reports`` knows the report type of each."""

    OPEN_ORDERS = "open_orders"  # unshipped merchant-fulfilled orders (actionable orders, G2)
    MERCHANT_LISTINGS = "merchant_listings"  # every listing of the marketplace: items and SKUs from Amazon (I5)


@dataclass(frozen=True, slots=True)
class DocumentState:
    """What Amazon answered about one report or feed."""

    amazon_id: str
    amazon_type: str  # Amazon's report or feed type, as answered
    status: DocumentStatus
    document_id: str | None = None  # the report document, or the feed's processing report


@dataclass(frozen=True, slots=True)
class LifecycleRule:
    """How long to wait for a kind of document, how often to look, how often to ask again.

    Named per purpose where it is used (``sync/orders_backlog.py``, ``sync/orders_backstop.py``...).
    """

    first_check: timedelta  # Amazon's queue: no answer is expected sooner
    check_every: timedelta
    deadline: timedelta  # from the request: still queued or processing after this is stuck
    attempts: int = 2  # requests in all (the first one included) before the run fails


@dataclass(frozen=True, slots=True)
class DocumentRequest:
    """A report request or feed submission row, as the stepper needs it."""

    id: int
    kind: DocumentKind
    amazon_id: str
    amazon_type: str
    status: str  # a DocumentStatus value, or "imported"/"failed"
    requested_at: datetime
    deadline_at: datetime
    attempt: int  # 1 for the first request
    checks: int = 0
    document_id: str | None = None
    error: str | None = None


class DocumentFailed(Exception):
    """The document could not be had (see :class:`Failed`); the run ends with this message for a person.

    A flow that resumes keeps its run resumable: running it again asks for the document anew."""


@dataclass(frozen=True, slots=True)
class Wait:
    seconds: float


@dataclass(frozen=True, slots=True)
class Ready:
    document_id: str


@dataclass(frozen=True, slots=True)
class Renew:
    """Cancel this one (if still pending) and request the document again."""

    reason: str


@dataclass(frozen=True, slots=True)
class Failed:
    reason: str


Step = Wait | Ready | Renew | Failed


def first_wait(request: DocumentRequest, rule: LifecycleRule, now: datetime) -> Wait:
    """How long after its request a document is first looked at."""
    return Wait(max(0.0, (request.requested_at + rule.first_check - now).total_seconds()))


def decide(request: DocumentRequest, seen: DocumentState, rule: LifecycleRule, now: datetime) -> Step:
    """What to do after Amazon answered ``seen`` for ``request`` (see the module's rules)."""
    what = f"{request.kind.value} {request.amazon_id} ({request.amazon_type})"
    if seen.amazon_id != request.amazon_id or seen.amazon_type != request.amazon_type:
        return Failed(f"Amazon answered for {seen.amazon_id} ({seen.amazon_type}) when asked about {what}: "
                      "refused, nothing imported")
    if seen.status is DocumentStatus.DONE:
        if not seen.document_id:
            return Failed(f"Amazon reports {what} done but names no document")
        return Ready(seen.document_id)
    if seen.status in (DocumentStatus.CANCELLED, DocumentStatus.FATAL):
        reason = f"Amazon could not produce {what} ({seen.status.value})"
        return _again_or_fail(request, rule, reason)
    if now >= request.deadline_at:
        waited = int((now - request.requested_at).total_seconds() // 60)
        reason = f"{what} is still {seen.status.value} at Amazon after {waited} min (deadline {_minutes(rule)} min)"
        return _again_or_fail(request, rule, reason)
    until_deadline = (request.deadline_at - now).total_seconds()
    return Wait(max(1.0, min(rule.check_every.total_seconds(), until_deadline)))


def _again_or_fail(request: DocumentRequest, rule: LifecycleRule, reason: str) -> Step:
    if request.attempt < rule.attempts:
        return Renew(f"{reason}; asking again (attempt {request.attempt + 1} of {rule.attempts})")
    return Failed(f"{reason}; gave up after {rule.attempts} requests")


def _minutes(rule: LifecycleRule) -> int:
    return int(rule.deadline.total_seconds() // 60)
