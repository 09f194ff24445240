"""Every flow has one shape: ``FLOW = Flow(...)`` and ``run(ctx, connection_id) -> RunReport`` (H2, G3).

:func:`record_run` is the one run recorder: it opens the run (a new one, the queued one a person asked
for, or, for a flow that ``resumes``, its unfinished one), builds the run's context once (connection,
settings, gateway, stores: :meth:`FlowContext.ports`), tags every SP-API call with the run id, calls the
flow's work, maps how it ended, and records the end. How a run ends:

- ``done``; ``partial`` when some items went to the error log (count ``errors``, or an item ERROR);
- ``waiting``: a stepping flow's work returned when to continue (its state is saved; the runtime
  runs it again then: nothing sleeps inside a job);
- ``failed``: the remote side failed the call as a whole (``UpstreamError``: retryable or not; a
  throttled call is retryable with the remote's hint and never the hub's failure, G1), the connection
  cannot run (``ConfigError``, A4, A5: shown with the connection), or a document could not be had
  (``DocumentFailed``: a stepping flow's run stays resumable). Anything else is a bug: the run is
  recorded as failed ("interrupted") and the exception goes on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from ..domain.common.errors import ConfigError, UpstreamError
from ..domain.common.results import ItemResult, ItemStatus, Message, RunReport, RunStatus, Tally
from ..domain.documents import DocumentFailed
from ..domain.orders.filters import OrderImportSettings
from ..domain.ports.documents import DocumentStore
from ..domain.ports.orders import OrderStore
from ..domain.ports.pii import PiiStore
from ..domain.ports.runs import (
    RESUMABLE,
    AmazonPort,
    ConnectionInfo,
    ConnectionMarks,
    FlowContext,
    OpenedRun,
    PendingFetches,
    RunLog,
    RunPorts,
)

PROGRESS_EVERY_SECONDS = 1.0  # real seconds between saved progress of a working run (followers read it)


@dataclass(frozen=True, slots=True)
class Flow:
    """A flow's declaration, collected by ``jobs/registry.py`` (the runtime's only list of flows)."""

    name: str
    every: timedelta | None  # the default schedule; None: runs only when asked
    counts: tuple[str, ...]  # the names its runs count (Tally refuses others)
    resumes: bool = False  # keeps its state in its run and continues it (stepping flows)
    # A failed run stays open, and the next run continues it rather than starting over (the backlog: its
    # search pages are read, only the report is asked for again). Only with ``resumes``.
    resume_failed: bool = False
    hub_wide: bool = False  # one job for the hub, not one per connection
    # Only connections that have this get the flow's job (``db/repositories/jobs.NEEDS``): a flow with
    # nothing to do for most connections (an inbox, a catalog) costs nothing where it has nothing to do.
    needs: str | None = None
    about: str = ""  # one line for people: shown with the flow's jobs (`jobs list --json`, GET /api/jobs)


class RunContext:
    """One run of one flow: its ports, counts, state and clock, built once by :func:`record_run`."""

    def __init__(self, flow: Flow, opened: OpenedRun, ports: RunPorts, ctx: FlowContext,
                 tally: Tally, progress: Callable[[RunContext], None] | None) -> None:
        self.flow = flow
        self.run_id = opened.run_id
        self.resumed = opened.resumed
        self.state: dict[str, Any] = dict(opened.state)
        self.tally = tally
        self.clock = ctx.clock
        self.ports = ports
        self.not_before: datetime | None = None  # the work's hint: schedule the next run no earlier (G1)
        self._runs: RunLog = ctx.runs
        self._progress = progress
        # The first save comes a second into the run: a run done sooner (an idle poll) is saved once, by its end.
        self._saved_at = time.monotonic()

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def connection(self) -> ConnectionInfo:
        return _needed(self.ports.connection, "a connection", self.flow)

    @property
    def settings(self) -> OrderImportSettings:
        return _needed(self.ports.settings, "order settings", self.flow)

    @property
    def amazon(self) -> AmazonPort:
        return _needed(self.ports.amazon, "Amazon", self.flow)

    @property
    def orders(self) -> OrderStore:
        return _needed(self.ports.orders, "the order store", self.flow)

    @property
    def documents(self) -> DocumentStore:
        return _needed(self.ports.documents, "the document store", self.flow)

    @property
    def fetches(self) -> PendingFetches:
        return _needed(self.ports.fetches, "the pending fetches", self.flow)

    @property
    def marks(self) -> ConnectionMarks:
        return _needed(self.ports.marks, "the connection's marks", self.flow)

    @property
    def pii(self) -> PiiStore:
        return _needed(self.ports.pii, "the PII store", self.flow)

    def checkpoint(self, *, force: bool = False) -> None:
        """After committed work: save counts and state (at most once a second) and tell a watcher."""
        now = time.monotonic()
        if force or now - self._saved_at >= PROGRESS_EVERY_SECONDS:
            self._saved_at = now
            self._runs.save(self.run_id, counts=self.tally.counts(), state=self.state, items=self.tally.items)
        if self._progress is not None:
            self._progress(self)


def _needed(port: Any, what: str, flow: Flow) -> Any:
    if port is None:
        raise AssertionError(f"flow {flow.name!r} has no {what} (a hub-wide flow?)")
    return port


# work(run) -> None when finished, or the moment to continue (a stepping flow waiting for Amazon)
Work = Callable[[RunContext], "datetime | None"]


def record_run(ctx: FlowContext, flow: Flow, connection_id: int | None, work: Work, *,
               progress: Callable[[RunContext], None] | None = None) -> RunReport:
    """Open, work, end and record one run of ``flow`` (see the module's rules)."""
    opened = ctx.runs.open(flow.name, connection_id, resumes=flow.resumes, now=ctx.clock.now())
    tally = Tally(flow.counts, opened.counts)
    report = RunReport(flow.name, connection_id, RunStatus.DONE, run_id=opened.run_id, resumed=opened.resumed)
    run: RunContext | None = None
    resumable = False
    try:
        with ctx.calls_of(opened.run_id):
            run = RunContext(flow, opened, ctx.ports(connection_id), ctx, tally, progress)
            resume_at = work(run)
    except (UpstreamError, ConfigError, DocumentFailed) as exc:
        report = failed(report, exc)
        resumable = report.retryable or isinstance(exc, DocumentFailed)
    except BaseException as exc:
        ended = replace(report, status=RunStatus.FAILED, error=f"interrupted: {type(exc).__name__}",
                        counts=tally.counts(), items=tuple(tally.items))
        ctx.runs.finish(ended, state=run.state if run else opened.state, now=ctx.clock.now())
        raise
    else:
        if resume_at is not None and flow.resumes:
            waiting = replace(report, status=RunStatus.WAITING, counts=tally.counts(), items=tuple(tally.items),
                              resume_at=resume_at)
            ctx.runs.save(opened.run_id, counts=waiting.counts, state=run.state if run else None,
                          items=waiting.items, resume_at=resume_at)
            return waiting
        errors = tally["errors"] if "errors" in flow.counts else 0
        if errors or any(item.status is ItemStatus.ERROR for item in tally.items):
            report = replace(report, status=RunStatus.PARTIAL)
        report = replace(report, resume_at=resume_at)  # a finished run's hint: run again then (more work)
    report = replace(report, counts=tally.counts(), items=tuple(tally.items),
                     not_before=run.not_before if run is not None else None)
    state = dict(run.state if run else opened.state)
    if flow.resumes and report.status is RunStatus.FAILED:
        state[RESUMABLE] = flow.resume_failed and resumable
    ctx.runs.finish(report, state=state if flow.resumes else None, now=ctx.clock.now())
    if report.status is RunStatus.FAILED and not report.retryable and connection_id is not None:
        ctx.runs.note_connection_error(connection_id, report.error or "failed", ctx.clock.now())
    elif run is not None and _proved_the_connection(run, report):
        # Amazon answered this run's calls: an error shown from an earlier run or test is stale (G3).
        assert run.ports.connection is not None and run.ports.connection.last_error is not None
        ctx.runs.clear_connection_error(run.ports.connection.id, run.ports.connection.last_error, ctx.clock.now())
    return report


def _proved_the_connection(run: RunContext, report: RunReport) -> bool:
    """A finished run that called Amazon and was not stopped by it, of a connection showing an error."""
    connection = run.ports.connection
    return (report.status is not RunStatus.FAILED and connection is not None and bool(connection.last_error)
            and "calls" in run.flow.counts and run.tally["calls"] > 0)


def failed(report: RunReport, exc: Exception) -> RunReport:
    """How a run ends that the remote side, the connection or a document stopped (H2)."""
    if isinstance(exc, UpstreamError):
        return replace(report, status=RunStatus.FAILED, error=exc.summary(), retryable=exc.retryable,
                       retry_after=exc.retry_after)
    # ConfigError, DocumentFailed: a person reads the message
    return replace(report, status=RunStatus.FAILED, error=str(exc), retryable=False)


def item_error(key: str, code: str, text: str) -> ItemResult:
    """The result of an item that went to the error log (B11, H1)."""
    return ItemResult(key, ItemStatus.ERROR, (Message(code, text),))
