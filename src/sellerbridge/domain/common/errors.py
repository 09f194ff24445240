"""Error families of the hub (DESIGN.md section 5).

- ``DomainError``: one document cannot be processed (unknown SKU, unmapped ship level, bad data);
  it becomes a reprocessable error-log row and the rest of the run goes on (B11, H1).
- ``ConfigError``: the connection cannot work as configured (expired authorization, missing
  credentials); it stops the connection's syncs with a clear message (A4, A5).
Amazon's own failures are ``sellerbridge.amazon.errors.AmazonError`` (retryable or not).
"""

from __future__ import annotations


class DomainError(Exception):
    """A document-level problem. ``code`` is stable (used to group the error log), ``message`` human."""

    def __init__(self, code: str, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.where = where  # e.g. "line 2 (SKU SB-001)"

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" + (f" [{self.where}]" if self.where else "")


class ConfigError(Exception):
    """The connection cannot run as configured; the message says what to do."""
