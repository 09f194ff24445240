"""The document lifecycle for feeds (G2, H2, D8; sync/lifecycle.py): the same rows and stepper the order
flows use for reports, driven by a run of a small flow, against the sandbox, on SQLite and PostgreSQL.

Feeds are the next issue's (stock, prices, shipment confirmations); what they will rely on is pinned here:
a submission row followed to its processing report, a feed stuck in Amazon's queue cancelled by its
deadline and handed back to the flow to send anew (never re-sent blind), and a row per look at Amazon.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from sellerbridge.domain.documents import DocumentKind, LifecycleRule, Ready, Renew, Wait
from sellerbridge.domain.ports.runs import FlowContext
from sellerbridge.sync.lifecycle import finish_import, resume_after, step_feed
from sellerbridge.sync.runs import Flow, RunContext, record_run
from tests.sandbox.test_feeds import submit, xml_feed

pytestmark = pytest.mark.server

FULFILLMENT_FEED = "POST_ORDER_FULFILLMENT_DATA"
FEED = LifecycleRule(first_check=timedelta(seconds=30), check_every=timedelta(seconds=30),
                     deadline=timedelta(minutes=5), attempts=2)
PROBE = Flow("feed_probe", every=None, counts=("calls",), resumes=True)


def _follow(world, feed_id: str) -> tuple[list, list]:
    """A stepping run that submitted ``feed_id`` (its row) and steps it as the runtime would."""
    ctx: FlowContext = world.hub.flow_context()
    answers: list = []

    def work(run: RunContext):
        if "request_id" not in run.state:
            state = run.amazon.feed_state(feed_id)  # what createFeed answered, as the feed flow will keep it
            now = run.now()
            run.state["request_id"] = run.documents.add(
                DocumentKind.FEED, purpose="probe", run_id=run.run_id, state=state, requested_at=now,
                deadline_at=now + FEED.deadline, attempt=1).id
        answer = step_feed(run, run.state["request_id"], FEED)
        answers.append(answer)
        if isinstance(answer, Wait):
            return resume_after(run, answer)
        if isinstance(answer, Ready):
            finish_import(run, DocumentKind.FEED, run.state["request_id"])
        return None

    reports = [record_run(ctx, PROBE, world.connection_id, work)]
    while reports[-1].status == "waiting":
        world.advance((reports[-1].resume_at - world.hub.now()).total_seconds())
        reports.append(record_run(ctx, PROBE, world.connection_id, work))
    return reports, answers


def test_h2_a_feed_submission_is_a_row_followed_to_its_processing_report(world):
    world.sandbox.config(feed_queue_seconds=45)
    feed_id = submit(world.sandbox, world.sandbox.client_for(world.creds), FULFILLMENT_FEED, xml_feed(2))

    reports, answers = _follow(world, feed_id)

    assert reports[-1].status == "done" and isinstance(answers[-1], Ready)
    assert all(r.run_id == reports[0].run_id for r in reports)  # one run, stepped
    [row] = world.rows("SELECT amazon_feed_id, feed_type, status, checks, document_id, run_id FROM feed_submissions")
    assert (row.amazon_feed_id, row.feed_type, row.status) == (feed_id, FULFILLMENT_FEED, "imported")
    assert row.checks >= 1 and row.document_id and row.run_id == reports[0].run_id
    assert world.calls("getFeed") >= 2  # the submission's state, then the looks


def test_g2_a_feed_stuck_in_amazons_queue_is_cancelled_by_its_deadline_and_handed_back_to_send_anew(world):
    world.sandbox.config(feed_queue_seconds=10 ** 9)
    feed_id = submit(world.sandbox, world.sandbox.client_for(world.creds), FULFILLMENT_FEED, xml_feed(1))

    reports, answers = _follow(world, feed_id)

    assert isinstance(answers[-1], Renew)
    assert "still queued at Amazon after 5 min" in answers[-1].reason
    assert reports[-1].status == "done"  # the flow decides what to send anew; the stepper never re-sends
    assert len(answers) <= FEED.deadline / FEED.check_every + 2
    [row] = world.rows("SELECT status, error FROM feed_submissions")
    assert row.status == "renewed" and "deadline 5 min" in row.error
    assert world.calls("cancelFeed") == 1
