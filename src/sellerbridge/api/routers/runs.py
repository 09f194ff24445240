"""/api/runs (H2, I2): every run of every flow, with counts, per-item results and state."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from ...services import runs as service
from ..deps import get_hub, viewer
from ..schemas import VIEWER, RunOut, ShortText, errors
from ..validation import Id, Ref

router = APIRouter(prefix="/api/runs", tags=["runs"], dependencies=[Depends(viewer)])


@router.get("", response_model=list[RunOut], responses=errors(400, *VIEWER))
def list_runs(request: Request, connection: Ref | None = None, flow: ShortText | None = None,
              status: ShortText | None = None,
              limit: int = Query(50, ge=1, le=500)) -> list[dict[str, Any]]:
    return service.list_runs(get_hub(request), connection=connection, flow=flow, status=status, limit=limit)


@router.get("/{run_id}", response_model=RunOut, responses=errors(404, *VIEWER))
def get_run(request: Request, run_id: Id) -> dict[str, Any]:
    return service.get_run(get_hub(request), run_id)
