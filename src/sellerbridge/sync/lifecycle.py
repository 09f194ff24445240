"""The one stepper of the document lifecycle: reports now, feeds next (G2, H2; DESIGN.md section 5).

A flow asks for a document with :func:`request_report` (one row in ``report_requests``), then calls
:func:`step_report` once per step of its own run: one look at Amazon at most, the row updated, and the
answer ``Wait(seconds)`` or ``Ready(document_id)``. The decisions are ``domain.documents.decide``'s:

- a document stuck queued/processing past its rule's deadline, or cancelled/fatal at Amazon, is
  cancelled (when still pending) and asked for again while the rule's attempts last; the new request's
  id comes back with the answer so the flow keeps it in its state;
- then, or for an answer about another document or type, :class:`DocumentFailed` with a message for a
  person (the document cancelled at Amazon if still pending): the run ends, resumable, never waited on
  for ever.

:func:`step_feed` does the same for a feed submission, except that asking again is the feed flow's
decision (it must send the document anew): it returns :class:`Renew` instead.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..domain.common.errors import UpstreamError
from ..domain.documents import (
    PENDING,
    DocumentFailed,
    DocumentKind,
    DocumentRequest,
    DocumentStatus,
    Failed,
    LifecycleRule,
    Ready,
    Renew,
    ReportPurpose,
    Wait,
    decide,
    first_wait,
)
from .runs import RunContext

__all__ = ["Ready", "Renew", "Wait", "finish_import", "live_request", "request_report", "resume_after", "step_feed",
           "step_report"]


def request_report(run: RunContext, purpose: ReportPurpose, rule: LifecycleRule, *,
                   attempt: int = 1) -> DocumentRequest:
    """Ask Amazon for a report and keep the request as a row (its deadline from ``rule``)."""
    state = run.amazon.request_report(purpose)
    run.tally.add("calls")
    now = run.now()
    return run.documents.add(DocumentKind.REPORT, purpose=purpose.value, run_id=run.run_id, state=state,
                             requested_at=now, deadline_at=now + rule.deadline, attempt=attempt)


def live_request(run: RunContext, request_id: int | None, purpose: ReportPurpose, rule: LifecycleRule) -> int:
    """The report request a resumed run goes on with: its own, or a new one when that one failed (the run
    failed with it and is resumed now) or is not there."""
    request = run.documents.get(DocumentKind.REPORT, request_id) if request_id is not None else None
    if request is None or request.status == "failed":
        return request_report(run, purpose, rule).id
    return request.id


def step_report(run: RunContext, request_id: int, purpose: ReportPurpose,
                rule: LifecycleRule) -> tuple[int, Wait | Ready]:
    """One step of a report request: ``(the request id to keep, Wait | Ready)``; raises DocumentFailed."""
    request, answer = _step(run, DocumentKind.REPORT, request_id, rule)
    if isinstance(answer, Renew):
        renewed = request_report(run, purpose, rule, attempt=request.attempt + 1)
        return renewed.id, first_wait(renewed, rule, run.now())
    return request.id, answer


def step_feed(run: RunContext, request_id: int, rule: LifecycleRule) -> Wait | Ready | Renew:
    """One step of a feed submission; ``Renew``: cancelled (if still pending), the feed flow sends it anew."""
    return _step(run, DocumentKind.FEED, request_id, rule)[1]


def _step(run: RunContext, kind: DocumentKind, request_id: int,
          rule: LifecycleRule) -> tuple[DocumentRequest, Wait | Ready | Renew]:
    """The step both kinds share: at most one look at Amazon, the row updated, the decision."""
    request = _row(run, kind, request_id)
    if request.status == DocumentStatus.DONE and request.document_id:
        return request, Ready(request.document_id)
    now = run.now()
    if request.checks == 0:
        wait = first_wait(request, rule, now)
        if wait.seconds > 0:
            return request, wait
    look = run.amazon.report_state if kind is DocumentKind.REPORT else run.amazon.feed_state
    seen = look(request.amazon_id)
    run.tally.add("calls")
    decision = decide(request, seen, rule, now)
    if isinstance(decision, Renew):
        _cancel(run, request)
        run.documents.checked(kind, request.id, status="renewed", now=now, error=decision.reason)
        return request, decision
    return request, _record(run, request, seen.status, decision)


def finish_import(run: RunContext, kind: DocumentKind, request_id: int) -> None:
    """The document's content is stored: the request's end (H2)."""
    run.documents.checked(kind, request_id, status="imported", now=run.now())


def _row(run: RunContext, kind: DocumentKind, request_id: int) -> DocumentRequest:
    request = run.documents.get(kind, request_id)
    if request is None:
        raise DocumentFailed(f"{kind.value} request {request_id} is not in the store")
    if request.status == "failed":
        raise DocumentFailed(request.error or f"{kind.value} {request.amazon_id} failed")
    return request


def _record(run: RunContext, request: DocumentRequest, seen: DocumentStatus,
            decision: Wait | Ready | Failed) -> Wait | Ready:
    now = run.now()
    if isinstance(decision, Failed):
        _cancel(run, request)  # given up: Amazon need not go on preparing it
        run.documents.checked(request.kind, request.id, status="failed", now=now, error=decision.reason)
        raise DocumentFailed(decision.reason)
    if isinstance(decision, Ready):
        run.documents.checked(request.kind, request.id, status=DocumentStatus.DONE.value, now=now,
                              document_id=decision.document_id)
        return decision
    run.documents.checked(request.kind, request.id, status=seen.value, now=now)
    return decision


def _cancel(run: RunContext, request: DocumentRequest) -> None:
    """Tell Amazon to stop a document we no longer wait for; it may refuse (already started or done)."""
    if request.status not in PENDING:
        return
    try:
        if request.kind is DocumentKind.REPORT:
            run.amazon.cancel_report(request.amazon_id)
        else:
            run.amazon.cancel_feed(request.amazon_id)
        run.tally.add("calls")
    except UpstreamError as exc:
        if exc.retryable or request.kind is DocumentKind.FEED:
            # Amazon or the network is down: the run fails retryably and this step comes again. A feed
            # Amazon would not cancel may still change the seller's listings: never send it anew blind.
            raise
        # a report past its queue cannot be cancelled: we ask anew regardless; Amazon's copy ends by itself


def resume_after(run: RunContext, wait: Wait) -> datetime:
    """When a run waiting ``wait`` continues (what a stepping flow's work returns)."""
    return run.now() + timedelta(seconds=wait.seconds)
