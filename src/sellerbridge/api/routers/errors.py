"""/api/errors (B11, H1, I2): the error log; reprocess asks the runtime for the order's fetch."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from ...jobs import manage
from ...services import errors as service
from ...services.api_keys import ApiKey
from ...services.pii import api_viewer
from ..deps import can_view_pii, get_hub, operator, viewer

router = APIRouter(prefix="/api/errors", tags=["errors"])


@router.get("", dependencies=[Depends(viewer)])
def list_errors(request: Request, status: str = "open", connection: str | None = None, kind: str | None = None,
                limit: int = Query(100, ge=1, le=500), offset: int = Query(0, ge=0)) -> dict[str, Any]:
    return service.list_errors(get_hub(request), status=status, connection=connection, kind=kind, limit=limit,
                               offset=offset)


@router.get("/{error_id}")
def get_error(request: Request, error_id: int, key: ApiKey = Depends(viewer)) -> dict[str, Any]:
    """One error; Amazon's document (may hold buyer data) only for keys with view_pii."""
    viewer = api_viewer(key.id, key.name, may_view_pii=can_view_pii(key), route="GET /api/errors/{error_id}")
    return service.show_error(get_hub(request), error_id, viewer=viewer)


@router.post("/{error_id}/reprocess", status_code=202, dependencies=[Depends(operator)])
def reprocess_error(request: Request, error_id: int) -> dict[str, Any]:
    """B11: the order is fetched again by the connection's ``orders_fetch`` run (202 with its id); the
    error is resolved when the order is stored, or when the filters now skip it."""
    hub = get_hub(request)
    record = service.reprocess(hub, error_id)
    job = manage.request_run(hub, "orders_fetch", record.connection_id, queue=request.app.state.queue)
    return {"error_id": error_id, "run_id": job["run_id"], "job": job["key"], "status": "queued"}


@router.post("/{error_id}/dismiss", dependencies=[Depends(operator)])
def dismiss_error(request: Request, error_id: int) -> dict[str, Any]:
    return service.error_summary(service.dismiss(get_hub(request), error_id))
