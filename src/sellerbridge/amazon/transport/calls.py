"""How one SP-API call is paced, retried and logged (G1, A2; DESIGN.md section 5).

Every attempt carries a fresh access token and first takes a token from the hub's bucket for
(seller, region, operation), waiting as long as the bucket says (a queue longer than the deadline
raises :class:`Throttled` at once, reserving nothing); a call less urgent than its operation's usual
callers leaves them a reserve (``throttle.bucket_priority``). Its answer decides what follows:

- 2xx with a JSON body (or none): done; an ``x-amzn-RateLimit-Limit`` header sets the operation's
  rate for the next calls (Amazon raised or lowered this seller's plan).
- 429: Amazon's bucket is empty, so ours is drained too; wait one token interval of the plan plus
  jitter and try again. Never a failure by itself: only when a 429 still comes after the call's
  deadline (15 simulated minutes by default) does the call raise :class:`Throttled` (retryable) so
  the runtime reschedules the job instead of holding a worker.
- 5xx, 408, no answer (timeout, refused or dropped connection) or a 2xx body that is not JSON:
  exponential backoff with jitter, at most :data:`MAX_ATTEMPTS` attempts, then
  ``AmazonError(retryable=True)``.
- 403 whose details say the token expired: drop that token and retry once with a new one.
- any other 4xx: ``AmazonError(retryable=False)`` with Amazon's status, code, message and details.

All waiting goes through the injected clock; every attempt becomes one redacted ``CallRecord``.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from ...domain.common.clock import Clock
from ..errors import AmazonError, AuthError, Throttled
from .calllog import CallRecord, CallSink, Redactor
from .throttle import BucketStore, Priority, UsagePlan, bucket_key, bucket_priority, ready_in, usage_plan

log = logging.getLogger("sellerbridge.amazon")

MAX_ATTEMPTS = 5  # answers that are not 429 (5xx, no answer, bad JSON) before giving up
BACKOFF_BASE_SECONDS = 1.0  # 1, 2, 4, 8 s before attempts 2..5 (half of it jittered)
BACKOFF_CAP_SECONDS = 60.0
THROTTLE_DEADLINE_SECONDS = 15 * 60.0  # a call waits out 429s this long, then the job is rescheduled
THROTTLE_JITTER = 0.1  # up to this share of one token interval added to a 429 wait: callers spread out
# Added once to a bucket wait (it does not add up: the bucket refills meanwhile). Amazon's bucket
# starts at our first call's *arrival*, ours at its reservation; a later call that travels faster
# than the first would arrive before Amazon's token. The margin covers that latency difference,
# in simulated seconds, plus LATENCY_ALLOWANCE real seconds scaled by a time-scaled clock.
WAIT_MARGIN_SECONDS = 0.25
LATENCY_ALLOWANCE_REAL_SECONDS = 0.005
RATE_LIMIT_HEADER = "x-amzn-ratelimit-limit"


@dataclass(frozen=True, slots=True)
class SentRequest:
    """What went on the wire, for the call log (never the headers: they carry the token)."""

    method: str
    url: str
    query: list[tuple[str, Any]]
    body: Any = None


@dataclass(frozen=True, slots=True)
class RawAnswer:
    status: int
    headers: Mapping[str, str]  # names lower-case
    body: bytes
    sent: SentRequest | None = None


class TransportError(Exception):
    """No answer: connection refused or dropped, timeout. ``reason`` names it without secrets."""

    def __init__(self, reason: str, sent: SentRequest | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.sent = sent


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    data: Any  # the parsed JSON body, None when empty
    rate_limit: float | None
    attempts: int


@dataclass(frozen=True)
class Call:
    """One logical call: how to send it with a token, where its token comes from, what to do when it expired."""

    operation: str
    method: str
    path: str
    send: Callable[[str], RawAnswer]
    token: Callable[[], str]
    on_expired: Callable[[str], None]
    deadline_seconds: float | None = None
    priority: Priority | None = None  # how urgent the caller is; None: as the operation's usual callers (G1)
    # Whose budget the call spends: None for the seller's. A grantless call has no seller, and Amazon
    # meters it per application, shared by every seller of the app: the caller names the app then.
    metered_as: str | None = None


def backoff_seconds(failures: int, rng: random.Random) -> float:
    """Exponential, half jittered: 0.5-1 s, 1-2 s, 2-4 s, 4-8 s ... capped."""
    delay = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (failures - 1))
    return delay / 2 + rng.random() * delay / 2


def parse_rate(value: str | None) -> float | None:
    try:
        rate = float(value) if value is not None else None
    except ValueError:
        return None
    return rate if rate is not None and rate > 0 else None


def amazon_error(operation: str, status: int, data: Any, redactor: Redactor) -> AmazonError:
    """Amazon's ``{"errors": [{code, message, details}]}`` as a non-retryable AmazonError."""
    errors = data.get("errors") if isinstance(data, Mapping) else None
    errors = [e for e in errors if isinstance(e, Mapping)] if isinstance(errors, list) else []
    first = errors[0] if errors else {}
    message = redactor.scrub(str(first.get("message") or f"HTTP {status}"))
    details = redactor.scrub(str(first["details"])) if first.get("details") else None
    return AmazonError(message, retryable=False, status=status, code=first.get("code"), details=details,
                       operation=operation, errors=[dict(e) for e in errors])


def _says_expired(data: Any) -> bool:
    errors = data.get("errors") if isinstance(data, Mapping) else None
    text = json.dumps(errors) if errors else ""
    return "expired" in text.lower()


class CallRunner:
    """Runs calls for one seller and region: buckets, retries, token refresh and the call log."""

    def __init__(self, *, seller_id: str, region: str, clock: Clock, buckets: BucketStore, redactor: Redactor,
                 call_sink: CallSink | None = None, rng: random.Random | None = None,
                 deadline_seconds: float = THROTTLE_DEADLINE_SECONDS) -> None:
        self._seller_id = seller_id
        self._region = region
        self._clock = clock
        self._buckets = buckets
        self._redactor = redactor
        self._sink = call_sink
        self._rng = rng or random.Random()
        self._deadline = deadline_seconds
        self._learned: dict[str, float] = {}  # operation -> rate from x-amzn-RateLimit-Limit
        self._margin = WAIT_MARGIN_SECONDS + LATENCY_ALLOWANCE_REAL_SECONDS * float(getattr(clock, "scale", 1.0))

    def plan(self, operation: str) -> UsagePlan:
        """Amazon's published plan, with the rate Amazon last announced for this seller when it did."""
        published = usage_plan(operation)
        rate = self._learned.get(operation)
        return UsagePlan(rate, published.burst) if rate else published

    def ready_in(self, operation: str) -> float:
        """Seconds until ``operation`` has a token for this seller and region (nothing is reserved, G1)."""
        plan = self.plan(operation)
        return ready_in(self._buckets, bucket_key(self._seller_id, self._region, operation), plan.rate, plan.burst,
                        self._clock.now().timestamp(), priority=bucket_priority(operation, None))

    def run(self, call: Call) -> Answer:
        deadline_seconds = call.deadline_seconds or self._deadline
        started = self._clock.now()
        deadline = started + timedelta(seconds=deadline_seconds)
        key = bucket_key(call.metered_as or self._seller_id, self._region, call.operation)
        priority = bucket_priority(call.operation, call.priority)
        attempt = failures = 0
        refreshed = False
        while True:
            plan = self.plan(call.operation)
            first = attempt == 0
            try:
                # The token before the reservation: an LWA or RDT request between our reservation and
                # the call would make the call reach Amazon later than our bucket assumes.
                token = call.token()
                wait = self._buckets.reserve(key, plan.rate, plan.burst, self._clock.now().timestamp(),
                                             max_wait=deadline_seconds if first else None, priority=priority)
                if first and wait > deadline_seconds:  # our own queue is longer than the deadline: reschedule
                    raise Throttled(call.operation, retry_after=wait, waited=0.0)
                if wait > 0:
                    self._clock.sleep(wait + self._margin)
                    token = call.token()  # the wait may have brought it to its refresh time
            except AuthError as exc:
                if not exc.retryable:
                    raise
                failures += 1
                if failures >= MAX_ATTEMPTS:
                    raise
                self._clock.sleep(backoff_seconds(failures, self._rng))
                continue
            attempt += 1
            answer, data, problem = self._attempt(call, token, attempt)
            if problem is not None:  # no answer, 5xx/408 or a body that is not JSON
                failures += 1
                if failures >= MAX_ATTEMPTS:
                    raise AmazonError(f"no usable answer after {failures} attempts: {problem}", retryable=True,
                                      status=answer.status if answer else None, operation=call.operation)
                delay = backoff_seconds(failures, self._rng)
                log.warning("%s: %s; attempt %d of %d in %.1f s", call.operation, problem, failures + 1,
                            MAX_ATTEMPTS, delay)
                self._clock.sleep(delay)
                continue
            assert answer is not None
            rate = parse_rate(answer.headers.get(RATE_LIMIT_HEADER))
            if rate:
                self._learned[call.operation] = rate
            if 200 <= answer.status < 300:
                return Answer(answer.status, answer.headers, data, rate, attempt)
            if answer.status == 429:
                now = self._clock.now()
                self._buckets.drain(key, plan.rate, plan.burst, now.timestamp())
                if now >= deadline:
                    raise Throttled(call.operation, retry_after=1.0 / plan.rate,
                                    waited=(now - started).total_seconds())
                # the next reservation waits one token interval; the jitter spreads out callers
                self._clock.sleep(self._rng.random() * THROTTLE_JITTER / plan.rate)
                continue
            if answer.status == 403 and not refreshed and _says_expired(data):
                refreshed = True
                call.on_expired(token)
                continue
            raise amazon_error(call.operation, answer.status, data, self._redactor)

    def _attempt(self, call: Call, token: str, attempt: int) -> tuple[RawAnswer | None, Any, str | None]:
        """Send once and log it: (answer, parsed body, problem that calls for a retry with backoff)."""
        at = self._clock.now()
        started = time.perf_counter()
        try:
            answer: RawAnswer | None = call.send(token)
            sent = answer.sent
        except TransportError as exc:
            answer, sent = None, exc.sent
            problem: str | None = self._redactor.scrub(f"no answer ({exc.reason})")
        duration_ms = (time.perf_counter() - started) * 1000
        data: Any = None
        if answer is not None:
            problem = None
            if answer.body:
                try:
                    data = json.loads(answer.body)
                except (ValueError, UnicodeDecodeError):
                    if 200 <= answer.status < 300:
                        problem = f"HTTP {answer.status} with a body that is not JSON"
            if answer.status >= 500 or answer.status == 408:
                problem = f"HTTP {answer.status}"
        self._record(CallRecord(
            operation=call.operation,
            method=sent.method if sent else call.method,
            path=_path(sent.url) if sent else call.path,
            status=answer.status if answer else None,
            rate_limit=parse_rate(answer.headers.get(RATE_LIMIT_HEADER)) if answer else None,
            duration_ms=duration_ms,
            request_summary=self._redactor.summarize(sent.method, sent.url, sent.query, sent.body) if sent
            else f"{call.method} {call.path}",
            response_excerpt=self._redactor.excerpt(answer.body) if answer else (problem or ""),
            at=at, attempt=attempt))
        return answer, data, problem

    def _record(self, record: CallRecord) -> None:
        if self._sink is None:
            return
        try:
            self._sink(record)
        except Exception as exc:  # the call log must never break a call
            log.warning("call log sink failed: %s", type(exc).__name__)

    def record(self, record: CallRecord) -> None:
        """Hand a record made elsewhere (document downloads) to the same sink."""
        self._record(record)


def _path(url: str) -> str:
    return urlsplit(url).path or url
