"""/api/errors (B11, H1, I2): the error log; reprocess asks the runtime for the order's fetch."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from ...jobs import manage
from ...services import errors as service
from ...services.api_keys import ApiKey
from ...services.pii import api_viewer
from ..deps import can_view_pii, get_hub, operator, viewer
from ..schemas import VIEWER, ErrorPageOut, ErrorSummaryOut, ReprocessOut, ShortText, errors
from ..validation import Id, Offset, Ref

router = APIRouter(prefix="/api/errors", tags=["errors"])


@router.get("", dependencies=[Depends(viewer)], response_model=ErrorPageOut, responses=errors(400, *VIEWER))
def list_errors(request: Request, status: ShortText = "open", connection: Ref | None = None,
                kind: ShortText | None = None, limit: int = Query(100, ge=1, le=500),
                offset: Offset = 0) -> dict[str, Any]:
    return service.list_errors(get_hub(request), status=status, connection=connection, kind=kind, limit=limit,
                               offset=offset)


@router.get("/{error_id}", response_model=ErrorSummaryOut, responses=errors(404, *VIEWER))
def get_error(request: Request, error_id: Id, key: ApiKey = Depends(viewer)) -> dict[str, Any]:
    """One error; Amazon's document (may hold buyer data) only for keys with view_pii."""
    viewer = api_viewer(key.id, key.name, may_view_pii=can_view_pii(key), route="GET /api/errors/{error_id}")
    return service.show_error(get_hub(request), error_id, viewer=viewer)


@router.post("/{error_id}/reprocess", status_code=202, dependencies=[Depends(operator)],
             response_model=ReprocessOut, responses=errors(400, 404, *VIEWER))
def reprocess_error(request: Request, error_id: Id) -> dict[str, Any]:
    """B11: the order is fetched again by the connection's ``orders_fetch`` run (202 with its id); the
    error is resolved when the order is stored, or when the filters now skip it. An undelivered
    message (kind ``delivery``) is sent again by the ``deliveries`` run."""
    hub = get_hub(request)
    record = service.reprocess(hub, error_id)
    job = manage.request_run(hub, service.reprocess_flow(record), record.connection_id, queue=request.app.state.queue)
    return {"error_id": error_id, "run_id": job["run_id"], "job": job["key"], "status": "queued"}


@router.post("/{error_id}/dismiss", dependencies=[Depends(operator)], response_model=ErrorSummaryOut,
             responses=errors(404, *VIEWER))
def dismiss_error(request: Request, error_id: Id) -> dict[str, Any]:
    return service.error_summary(service.dismiss(get_hub(request), error_id))
