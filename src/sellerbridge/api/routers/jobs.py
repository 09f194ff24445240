"""/api/jobs (G3, I2): the runtime's jobs over REST, as ``sellerbridge jobs list|run|set`` on the command line.

Viewers list jobs, operators ask for a run now, admins change a schedule. A run is a request to the
runtime (the scheduler queues it, a worker runs it): asking again while it waits or runs is still one
run, and nothing runs inside the web process. Unknown flow: 404; a per-connection flow without
``?connection=``, an unknown connection or a bad schedule: 400 (ConfigError, as everywhere in the API).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field, model_validator

from ...domain.common.errors import ConfigError
from ...jobs import manage
from ...jobs.registry import FLOWS
from ..deps import admin, get_hub, operator, viewer
from ..schemas import VIEWER, JobOut, JobRunOut, errors
from ..validation import Ref, Text

router = APIRouter(prefix="/api/jobs", tags=["jobs"])
MAX_EVERY_SECONDS = 366 * 24 * 3600  # a year: any longer is "manual only" (and the next run must be a date)
Flow = Text(32, min_length=1)


class ScheduleIn(BaseModel):
    """A schedule change; fields left out stay as they are."""

    every_seconds: int | None = Field(None, le=MAX_EVERY_SECONDS,
                                      description=f"seconds between runs (at least {manage.MIN_EVERY_SECONDS})")
    manual_only: bool = Field(False, description="no schedule: the job runs only when asked")
    enabled: bool | None = Field(None, description="false: the job neither runs on schedule nor when asked")

    @model_validator(mode="after")
    def _one_schedule(self) -> ScheduleIn:
        if self.manual_only and self.every_seconds is not None:
            raise ValueError("give every_seconds or manual_only, not both")
        return self


def _check(flow: str, connection: str | None) -> None:
    """The flow exists (404 otherwise) and, if it runs per connection, one is named (400): before
    ``manage``, so that the messages speak of REST parameters rather than CLI options."""
    spec = FLOWS.get(flow)
    if spec is None:
        raise HTTPException(404, f"unknown flow {flow!r}; flows: {', '.join(sorted(FLOWS))}")
    if not spec.flow.hub_wide and connection is None:
        raise ConfigError(f"flow {flow!r} runs per connection: give ?connection=NAME or id")


@router.get("", dependencies=[Depends(viewer)], response_model=list[JobOut], responses=errors(400, *VIEWER))
def list_jobs(request: Request, connection: Ref | None = None) -> list[dict[str, Any]]:
    """Every job (or the connection's): schedule, state (waiting, queued, running, disabled), last run."""
    return manage.list_jobs(get_hub(request), connection=connection)


@router.post("/{flow}/run", status_code=202, dependencies=[Depends(operator)], response_model=JobRunOut,
             responses=errors(400, 404, *VIEWER))
def run_job(request: Request, flow: Flow, connection: Ref | None = None) -> dict[str, Any]:
    """Run the job now: it is due at once and the runtime takes it from there (202 with the job)."""
    _check(flow, connection)
    return manage.request_run(get_hub(request), flow, connection, queue=request.app.state.queue)


@router.put("/{flow}", dependencies=[Depends(admin)], response_model=JobOut, responses=errors(400, 404, *VIEWER))
def set_schedule(request: Request, flow: Flow, body: ScheduleIn, connection: Ref | None = None) -> dict[str, Any]:
    """Change the job's schedule: every N seconds (next run at most N seconds away), manual only,
    enabled or disabled. Kept across restarts; the defaults never overwrite it."""
    _check(flow, connection)
    if body.every_seconds is None and not body.manual_only and body.enabled is None:
        raise ConfigError("nothing to change: give every_seconds, manual_only or enabled")
    return manage.set_schedule(get_hub(request), flow, connection, every_seconds=body.every_seconds,
                               manual_only=body.manual_only, enabled=body.enabled)
