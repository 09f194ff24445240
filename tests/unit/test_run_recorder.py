"""The one run recorder (sync/runs.py) and the runtime's retry decisions (jobs/retry.py), without a
database: how a run ends, what is recorded, and when the job runs next (H2, G1, G3, A4, A5)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from sellerbridge.amazon.errors import AmazonError, AuthError, Throttled
from sellerbridge.domain.common.errors import ConfigError
from sellerbridge.domain.common.results import RunReport, RunStatus
from sellerbridge.domain.documents import DocumentFailed
from sellerbridge.domain.ports.runs import ConnectionInfo, OpenedRun, RunPorts
from sellerbridge.jobs.retry import decide
from sellerbridge.sync.runs import RESUMABLE, Flow, record_run

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
FLOW = Flow("sample", every=timedelta(minutes=2), counts=("created", "errors"))
STEPPING = Flow("stepping", every=None, counts=("created", "errors"), resumes=True, resume_failed=True)


class Clock:
    def now(self) -> datetime:
        return NOW

    def sleep(self, seconds: float) -> None:
        raise AssertionError("a run never sleeps")


class RunLog:
    """Remembers what the recorder wrote."""

    def __init__(self, opened: OpenedRun | None = None) -> None:
        self.opened = opened or OpenedRun(7)
        self.saved: list[dict] = []
        self.finished: list[tuple[RunReport, dict | None]] = []
        self.connection_errors: list[str] = []

    def open(self, flow, connection_id, *, resumes, now):
        return self.opened

    def save(self, run_id, *, counts, state, items, resume_at=None):
        self.saved.append({"counts": dict(counts), "state": state, "resume_at": resume_at})

    def finish(self, report, *, state, now):
        self.finished.append((report, state))

    def note_connection_error(self, connection_id, error, now):
        self.connection_errors.append(error)

    def clear_connection_error(self, connection_id, error, now):
        self.connection_errors.append(f"cleared: {error}")


class Context:
    def __init__(self, runs: RunLog, ports_error: Exception | None = None,
                 connection: ConnectionInfo | None = None) -> None:
        self.clock, self.runs, self.scopes = Clock(), runs, []
        self._ports_error, self._connection = ports_error, connection

    def ports(self, connection_id):
        if self._ports_error is not None:
            raise self._ports_error
        return RunPorts(self._connection, None, None, None, None, None, None, None)

    @contextmanager
    def calls_of(self, run_id):
        self.scopes.append(run_id)
        yield


def test_h2_a_run_counts_what_its_flow_declares_and_ends_done_or_partial():
    log = RunLog()
    ctx = Context(log)

    def work(run):
        run.tally.add("created", 3)

    report = record_run(ctx, FLOW, 1, work)
    assert report.status is RunStatus.DONE and report.run_id == 7 and report.counts["created"] == 3
    assert ctx.scopes == [7]  # every SP-API call of the run carries its id (DESIGN section 5)
    [(finished, _)] = log.finished
    assert finished == report

    partial = record_run(Context(RunLog()), FLOW, 1, lambda run: run.tally.add("errors"))
    assert partial.status is RunStatus.PARTIAL

    with pytest.raises(KeyError, match="not a count this flow declares"):
        record_run(Context(RunLog()), FLOW, 1, lambda run: run.tally.add("creatd"))


@pytest.mark.parametrize(("error", "retryable", "retry_after", "told"), [
    (Throttled("getOrder", retry_after=178.0, waited=600.0), True, 178.0, False),  # G1: never the hub's failure
    (AmazonError("server error", retryable=True, status=503), True, None, False),
    (AmazonError("bad request", retryable=False, status=400), False, None, True),
    (AuthError("invalid_grant", retryable=False, status=400, code="invalid_grant"), False, None, True),
    (AuthError("Login with Amazon could not be reached (ConnectError)", retryable=True, code="unreachable"),
     True, None, False),
    (ConfigError("connection 'x' is disabled: its syncs are stopped"), False, None, True),  # A5
])
def test_g1_a_run_amazon_or_the_connection_stops_ends_failed_as_it_should_be_retried(error, retryable,
                                                                                      retry_after, told):
    log = RunLog()

    def work(run):
        raise error

    report = record_run(Context(log), FLOW, 1, work)
    assert report.status is RunStatus.FAILED and report.retryable is retryable and report.retry_after == retry_after
    assert bool(log.connection_errors) is told  # shown with the connection only when a person must act
    if isinstance(error, AuthError):  # a refusal only when LWA refused; a network failure says so (issue 9)
        assert report.error.startswith("Amazon refused the authorization") is (not retryable)
        assert ("could not be reached" in report.error) is retryable


CALLS_FLOW = Flow("sample_calls", every=timedelta(minutes=2), counts=("created", "calls"))
SHOWING = ConnectionInfo(1, "us", "A1", "ATVPDKIKX0DER", "na", last_error="test failed: unauthorized")


def test_g3_a_run_that_amazon_answered_clears_the_connections_stale_error():
    log = RunLog()
    record_run(Context(log, connection=SHOWING), CALLS_FLOW, 1, lambda run: run.tally.add("calls"))
    assert log.connection_errors == ["cleared: test failed: unauthorized"]


def test_g3_a_run_without_a_call_to_amazon_proves_nothing_and_keeps_the_error():
    log = RunLog()
    record_run(Context(log, connection=SHOWING), CALLS_FLOW, 1, lambda run: run.tally.add("created"))
    record_run(Context(log, connection=SHOWING), FLOW, 1, lambda run: None)  # a flow that counts no calls
    assert log.connection_errors == []


def test_a4_a_connection_that_cannot_run_is_a_recorded_failed_run_not_an_exception():
    log = RunLog()
    report = record_run(Context(log, ConfigError("the seller's authorization expired")), FLOW, 1,
                        lambda run: pytest.fail("no work without ports"))
    assert report.status is RunStatus.FAILED and "expired" in report.error and log.connection_errors


def test_h2_a_bug_ends_the_run_interrupted_and_goes_on():
    log = RunLog()

    def work(run):
        raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        record_run(Context(log), FLOW, 1, work)
    [(report, _)] = log.finished
    assert report.status is RunStatus.FAILED and report.error == "interrupted: ZeroDivisionError"


def test_g3_a_stepping_flow_waits_with_its_state_and_resumes_it():
    log = RunLog(OpenedRun(9, {"created": 2}, {"phase": "report"}, resumed=True))

    def work(run):
        assert run.resumed and run.state["phase"] == "report" and run.tally["created"] == 2
        run.state["checks"] = 1
        return NOW + timedelta(seconds=15)

    report = record_run(Context(log), STEPPING, 1, work)
    assert report.status is RunStatus.WAITING and report.resume_at == NOW + timedelta(seconds=15)
    assert not log.finished  # a waiting run is not over
    assert log.saved[-1]["state"] == {"phase": "report", "checks": 1}


def test_g2_a_document_amazon_never_produced_fails_the_run_but_keeps_it_resumable():
    log = RunLog()

    def work(run):
        raise DocumentFailed("report R1 is still queued at Amazon after 31 min")

    report = record_run(Context(log), STEPPING, 1, work)
    assert report.status is RunStatus.FAILED and not report.retryable and "31 min" in report.error
    [(_, state)] = log.finished
    assert state[RESUMABLE] is True


def _report(status: RunStatus, **over) -> RunReport:
    return RunReport("orders", 1, status, **over)


@pytest.mark.parametrize(("report", "failures", "seconds", "counted"), [
    (_report(RunStatus.DONE), 0, 120, False),
    (_report(RunStatus.PARTIAL), 3, 120, False),
    (_report(RunStatus.FAILED, retryable=True, retry_after=178.0), 0, 178, False),  # G1: throttled
    (_report(RunStatus.FAILED, retryable=True), 0, 30, True),  # 5xx: backoff
    (_report(RunStatus.FAILED, retryable=True), 3, 240, True),
    (_report(RunStatus.FAILED, retryable=True), 30, 900, True),  # at most 15 min
    (_report(RunStatus.FAILED, retryable=False), 0, 120, True),  # a person: the regular schedule
    (_report(RunStatus.WAITING, resume_at=NOW + timedelta(seconds=15)), 0, 15, False),  # a stepping flow
    (_report(RunStatus.DONE, resume_at=NOW), 0, 0, False),  # more to do: at once
    (None, 2, 120, False),  # nothing was due
])
def test_g3_the_next_run_follows_how_the_last_one_ended(report, failures, seconds, counted):
    decision = decide(NOW, 120, report, failures)
    assert decision.next_run_at == NOW + timedelta(seconds=seconds) and decision.failed is counted


def test_g3_a_crashed_run_backs_off_and_a_manual_job_waits_to_be_asked():
    assert decide(NOW, 120, None, 1, error="ZeroDivisionError").next_run_at == NOW + timedelta(seconds=60)
    assert decide(NOW, None, _report(RunStatus.DONE), 0).next_run_at is None
