"""Error families of the hub (DESIGN.md section 5).

- ``DomainError``: one document cannot be processed (unknown SKU, unmapped ship level, bad data);
  it becomes a reprocessable error-log row and the rest of the run goes on (B11, H1).
- ``ConfigError``: the connection cannot work as configured (expired authorization, missing
  credentials); it stops the connection's syncs with a clear message (A4, A5).
- ``UpstreamError``: a system the hub calls failed the call as a whole (Amazon today; the warehouse and
  the books later). ``retryable`` says whether running again later can help; ``retry_after`` is the
  remote side's hint when it throttled (G1: never the hub's failure). Amazon's are
  ``sellerbridge.amazon.errors.AmazonError`` and its subclasses; flows catch this base only, so that
  ``sync/`` knows no wire layer.
- ``NotFound``: what was asked for does not exist (a connection, an error, a key, an item); a
  ``LookupError``, so front ends map every lookup miss the same way (404, CLI exit 3; I1, I2). The
  store raises it as ``sellerbridge.db.errors.NotFound`` (the same class).
- ``Conflict``: a unique name or pairing is taken (A1: a connection's name, or its seller and
  marketplace; an item SKU, a ship-method code, an API key name); front ends map it to 409 and CLI
  exit 2. The store's ``DuplicateName``/``DuplicateConnection`` are ``Conflict``s.
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


class UpstreamError(Exception):
    """A remote call failed as a whole; see the module's rules."""

    retryable: bool = False
    retry_after: float | None = None
    # The remote side answered that what was asked for does not exist (Amazon's 404): for a flow that
    # asked on a hint only (a pushed order id), a fact about the hint, not a failure (issue 9).
    not_found: bool = False

    def summary(self) -> str:
        """One line for a run's error and the operator (no secrets, no buyer data)."""
        return str(self)


class NotFound(LookupError):
    """``what`` with ``key`` does not exist; the message names both (never a secret or buyer data)."""

    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"{what} {key!r} not found")
        self.what = what
        self.key = key


class Conflict(Exception):
    """A unique name or pairing is taken; the message says which (A1)."""
