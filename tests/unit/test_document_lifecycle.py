"""The document lifecycle's decisions, without a database or Amazon (G2, H2; domain/documents.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sellerbridge.domain.documents import (
    DocumentKind,
    DocumentRequest,
    DocumentState,
    DocumentStatus,
    Failed,
    LifecycleRule,
    Ready,
    Renew,
    Wait,
    decide,
    first_wait,
)

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
RULE = LifecycleRule(first_check=timedelta(seconds=60), check_every=timedelta(seconds=15),
                     deadline=timedelta(minutes=30), attempts=2)
TYPE = "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING"


def _request(attempt: int = 1, **over) -> DocumentRequest:
    values = dict(id=1, kind=DocumentKind.REPORT, amazon_id="R1", amazon_type=TYPE, status="queued",
                  requested_at=T0, deadline_at=T0 + RULE.deadline, attempt=attempt, checks=1)
    return DocumentRequest(**{**values, **over})


def _seen(status: DocumentStatus, *, amazon_id: str = "R1", amazon_type: str = TYPE,
          document_id: str | None = None) -> DocumentState:
    return DocumentState(amazon_id, amazon_type, status, document_id)


@pytest.mark.parametrize(("seen", "after", "attempt", "expected"), [
    (_seen(DocumentStatus.QUEUED), timedelta(minutes=1), 1, Wait(15.0)),
    (_seen(DocumentStatus.PROCESSING), timedelta(minutes=29, seconds=55), 1, Wait(5.0)),  # never past the deadline
    (_seen(DocumentStatus.DONE, document_id="D1"), timedelta(minutes=2), 1, Ready("D1")),
    (_seen(DocumentStatus.QUEUED), timedelta(minutes=30), 1, Renew),  # stuck: asked again
    (_seen(DocumentStatus.PROCESSING), timedelta(minutes=31), 2, Failed),  # stuck twice: a person is told
    (_seen(DocumentStatus.FATAL), timedelta(minutes=3), 1, Renew),
    (_seen(DocumentStatus.CANCELLED), timedelta(minutes=3), 2, Failed),
    (_seen(DocumentStatus.DONE), timedelta(minutes=3), 1, Failed),  # done without a document
])
def test_g2_a_document_is_waited_for_until_its_deadline_then_asked_for_again_then_failed(seen, after, attempt,
                                                                                          expected):
    decision = decide(_request(attempt), seen, RULE, T0 + after)
    if isinstance(expected, type):
        assert isinstance(decision, expected), decision
    else:
        assert decision == expected


def test_h2_a_stuck_documents_failure_says_what_was_stuck_for_how_long_and_that_it_gave_up():
    decision = decide(_request(2), _seen(DocumentStatus.QUEUED), RULE, T0 + timedelta(minutes=31))
    assert isinstance(decision, Failed)
    assert "R1" in decision.reason and "queued" in decision.reason and "31 min" in decision.reason
    assert "gave up after 2 requests" in decision.reason
    renew = decide(_request(1), _seen(DocumentStatus.QUEUED), RULE, T0 + timedelta(minutes=30))
    assert isinstance(renew, Renew) and "attempt 2 of 2" in renew.reason


@pytest.mark.parametrize("seen", [
    _seen(DocumentStatus.DONE, amazon_id="R2", document_id="D2"),  # another report's answer
    _seen(DocumentStatus.DONE, amazon_type="GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2", document_id="D1"),
])
def test_g2_an_answer_for_another_document_or_type_is_refused_never_imported(seen):
    decision = decide(_request(), seen, RULE, T0 + timedelta(minutes=2))
    assert isinstance(decision, Failed) and "refused" in decision.reason


def test_g2_the_first_look_waits_for_amazons_queue():
    assert first_wait(_request(checks=0), RULE, T0 + timedelta(seconds=20)) == Wait(40.0)
    assert first_wait(_request(checks=0), RULE, T0 + timedelta(minutes=5)) == Wait(0.0)
