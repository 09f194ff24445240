"""When a job runs next, and whether its run counts as a failure (G1, G3): a decision, not a side effect.

- done or partial -> the regular schedule (``every``), or at once when the run says there is more
  (``resume_at``, e.g. pending fetches left), but never before the run's ``not_before`` (Amazon's
  budget has no room before: the poll of a seller whose burst is spent, or whose marketplaces share it);
- waiting (a stepping flow) -> when it continues (``resume_at``);
- throttled (G1) -> Amazon's ``retry_after``; never counted as a failure;
- another retryable failure -> exponential backoff, 30 s doubling to 15 min, counted;
- a failure only a person can fix -> the regular schedule, counted (the error is on the connection);
- nothing was due (no run recorded) -> the regular schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..domain.common.results import RunReport, RunStatus

BACKOFF_FIRST = 30.0
BACKOFF_MAX = 15 * 60.0


@dataclass(frozen=True, slots=True)
class RetryDecision:
    next_run_at: datetime | None  # None: manual runs only
    failed: bool  # counted in the job's consecutive failures (the backoff)
    reason: str


def decide(now: datetime, every_seconds: int | None, report: RunReport | None, failures: int,
           error: str | None = None) -> RetryDecision:
    regular = None if every_seconds is None else now + timedelta(seconds=every_seconds)
    if error is not None:
        return RetryDecision(_backoff(now, failures), True, f"crashed: backoff after {failures + 1} failures")
    if report is None:
        return RetryDecision(regular, False, "nothing was due")
    if report.status is RunStatus.WAITING:
        return RetryDecision(report.resume_at or now, False, "waiting for Amazon")
    if report.status is RunStatus.FAILED:
        if report.retry_after is not None:
            return RetryDecision(now + timedelta(seconds=max(float(report.retry_after), 1.0)), False,
                                 "throttled: Amazon's retry-after")
        if report.retryable:
            return RetryDecision(_backoff(now, failures), True, f"retryable failure {failures + 1}: backoff")
        return RetryDecision(regular, True, "needs a person: the regular schedule")
    if report.resume_at is not None:
        return RetryDecision(min(report.resume_at, regular) if regular else report.resume_at, False, "more to do")
    if regular is not None and report.not_before is not None and report.not_before > regular:
        return RetryDecision(report.not_before, False, "done: the next when Amazon's budget has room")
    return RetryDecision(regular, False, "done")


def _backoff(now: datetime, failures: int) -> datetime:
    return now + timedelta(seconds=min(BACKOFF_MAX, BACKOFF_FIRST * (2 ** min(failures, 10))))
