"""Flow ``retention``: Amazon's documents and their traces deleted after their retention period (B13, H1, H2),
hub-wide, daily.

The call log, finished runs, resolved errors, finished report and feed requests, stale pending fetches and
the PII access log each have a period (``domain/ports/retention.py`` says what is kept regardless: open
errors, unfinished documents, a job's latest run). Deletion goes in batches of :data:`BATCH`, each its
own short transaction, oldest first, until nothing older is left; the counts say how many of each went.
Running it twice changes nothing the second time, so any schedule is safe.
"""

from __future__ import annotations

from datetime import timedelta

from ..domain.common.errors import ConfigError
from ..domain.common.results import RunReport
from ..domain.ports.retention import KINDS, RetentionStore
from ..domain.ports.runs import FlowContext
from .runs import Flow, RunContext, record_run

BATCH = 1000  # rows per transaction: short write locks on SQLite

FLOW = Flow("retention", every=timedelta(days=1), counts=KINDS, hub_wide=True,
            about="call log, runs, resolved errors and documents deleted after their retention (B13)")


def run(ctx: FlowContext, connection_id: int | None = None) -> RunReport:
    return record_run(ctx, FLOW, None, _prune)


def _prune(run: RunContext) -> None:
    store = run.ports.retention
    if store is None:
        raise ConfigError("the retention flow runs hub-wide only")
    prune(run, store)


def prune(run: RunContext, store: RetentionStore) -> None:
    """Every kind of trace older than its period, batch after batch."""
    for kind, before in store.policy.cutoffs(run.now()).items():
        while True:
            deleted = store.prune(kind, before=before, limit=BATCH)
            run.tally.add(kind, deleted)
            run.checkpoint()
            if deleted < BATCH:
                break
