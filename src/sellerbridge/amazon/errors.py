"""Amazon's failures as the hub sees them (G1, A2, DESIGN.md section 5).

- :class:`AmazonError`: a call to Amazon failed as a whole. ``retryable`` tells the runtime whether
  running the job again later can help (5xx, timeouts, broken downloads) or not (4xx: fix the
  request, the mapping or the data first).
- :class:`Throttled`: Amazon kept answering 429 past the call's deadline. Always retryable; a
  throttled call is never a failure of the sync, the runtime reschedules it (G1).
- :class:`AuthError`: Login with Amazon refused or could not give a token. ``invalid_grant`` /
  ``invalid_client`` are not retryable: the seller's authorization or the app's credentials must be
  fixed (A2, A4). Messages name the cause and never carry a secret.
"""

from __future__ import annotations

from typing import Any

from ..domain.common.errors import UpstreamError


class AmazonError(UpstreamError):
    """A call to Amazon failed. ``status``/``code``/``message``/``details`` are Amazon's when it answered."""

    def __init__(self, message: str, *, retryable: bool, status: int | None = None, code: str | None = None,
                 details: str | None = None, operation: str | None = None,
                 errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.retry_after: float | None = None
        self.status = status
        self.code = code
        self.details = details
        self.operation = operation
        self.errors = errors or []
        self.not_found = status == 404

    def __str__(self) -> str:
        head = " ".join(str(p) for p in (self.operation, self.status, self.code) if p)
        text = f"{head}: {self.message}" if head else self.message
        if self.details:
            text += f" ({self.details})"
        return text + (" [retryable]" if self.retryable else "")


class Throttled(AmazonError):
    """Still throttled when the call's deadline passed; run again after ``retry_after`` seconds."""

    def __init__(self, operation: str, retry_after: float, waited: float) -> None:
        super().__init__(
            f"still throttled after waiting {waited:.0f} s; retry in {retry_after:.0f} s",
            retryable=True, status=429, code="QuotaExceeded", operation=operation)
        self.retry_after = retry_after
        self.waited = waited


class AuthError(AmazonError):
    """Login with Amazon did not give an access token. ``code`` is LWA's ``error`` when it answered."""

    NOT_RETRYABLE = frozenset({"invalid_grant", "invalid_client", "unauthorized_client", "invalid_request",
                               "unsupported_grant_type", "invalid_scope", "access_denied"})

    def summary(self) -> str:
        """What the operator reads: a refusal only when Login with Amazon answered with one (A4); a
        network failure or an LWA outage is said as such (it is retried, nothing to fix here)."""
        if self.status is None:
            return str(self)  # "lwaToken unreachable: Login with Amazon could not be reached (ConnectError)"
        if self.retryable:
            return f"Login with Amazon failed, will retry: {self}"
        return f"Amazon refused the authorization: {self}"

    @property
    def stops_connection(self) -> bool:
        """True when only a person can fix it (re-authorize, correct the app's id/secret) (A4)."""
        return not self.retryable
