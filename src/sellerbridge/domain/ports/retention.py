"""How long the hub keeps Amazon's documents and their traces, and what the retention flow needs of the
store (B13, H1, H2; ``sync/retention.py``, ``db/stores/retention.py``).

Each kind of trace has its period (settings ``SELLERBRIDGE_RETENTION_*_DAYS``); what is older goes, in
bounded batches, except what is still in use:

- ``calls``: the SP-API call log (``sp_api_calls``), by the attempt's time;
- ``runs``: finished runs (done, partial, failed) by when they finished, never a queued, running or
  waiting one, nor the latest run of its job (a failed run that resumes is its job's latest);
- ``resolved_errors``: resolved and dismissed errors by when they were resolved; an open error stays, however old;
- ``documents``: report requests and feed submissions at an end state (imported, renewed, failed,
  cancelled, fatal) by when they were asked for; one still pending or ready (``done``) stays;
- ``pending_fetches``: notified orders never fetched, by when they were noted (the report backstop has
  long covered them);
- ``pii_access``: the PII access log, by the view's time (kept longest: it is the audit trail).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Protocol

# Not "errors": a run counting "errors" is partial (sync/runs.py), and deleting old errors is no failure.
KINDS = ("calls", "runs", "resolved_errors", "documents", "pending_fetches", "pii_access")


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """Days each kind of trace is kept (every one at least a day)."""

    calls: int = 30
    runs: int = 90
    resolved_errors: int = 90
    documents: int = 90
    pending_fetches: int = 30
    pii_access: int = 365

    def __post_init__(self) -> None:
        for f in fields(self):
            if getattr(self, f.name) < 1:
                raise ValueError(f"retention of {f.name} must be at least 1 day")

    def cutoffs(self, now: datetime) -> dict[str, datetime]:
        """Per kind, the moment before which its traces go."""
        return {kind: now - timedelta(days=getattr(self, kind)) for kind in KINDS}


class RetentionStore(Protocol):
    policy: RetentionPolicy

    def prune(self, kind: str, *, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` traces of ``kind`` older than ``before`` that nothing still needs, in one
        transaction; returns how many (fewer than ``limit``: none is left)."""
