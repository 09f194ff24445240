"""/api/runs, /api/orders, /api/errors, /api/api-keys (B11, B13, H1, H2, I2)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from ...db.repositories import sync_runs
from ...db.repositories.api_keys import ApiKeyRecord
from ...services import api_keys
from ...services import connections as connection_service
from ...services import errors as error_service
from ...services import orders as order_service
from ...services.orders import jsonable
from ..deps import admin, can_view_pii, get_hub, operator, viewer
from ..schemas import ApiKeyIn

router = APIRouter(prefix="/api")


@router.get("/runs", tags=["runs"], dependencies=[Depends(viewer)])
def list_runs(request: Request, connection: str | None = None, flow: str | None = None, status: str | None = None,
              limit: int = Query(50, ge=1, le=500)) -> list[dict[str, Any]]:
    hub = get_hub(request)
    connection_id = connection_service.get_connection(hub, connection).id if connection else None
    with hub.store.uow(read_only=True) as session:
        runs = sync_runs.list_runs(session, connection_id=connection_id, flow=flow, status=status, limit=limit)
    return [jsonable(r) for r in runs]


@router.get("/runs/{run_id}", tags=["runs"], dependencies=[Depends(viewer)])
def get_run(request: Request, run_id: int) -> dict[str, Any]:
    with get_hub(request).store.uow(read_only=True) as session:
        run = sync_runs.get_run(session, run_id)
    if run is None:
        raise HTTPException(404, f"run {run_id} not found")
    return jsonable(run)


@router.get("/orders", tags=["orders"], dependencies=[Depends(viewer)])
def list_orders(request: Request, connection: str | None = None, status: list[str] = Query([]),
                fulfillment: str | None = None, limit: int = Query(50, ge=1, le=500),
                offset: int = Query(0, ge=0)) -> dict[str, Any]:
    return order_service.list_orders(get_hub(request), connection=connection, statuses=status,
                                     fulfillment=fulfillment, limit=limit, offset=offset)


@router.get("/orders/{ref}", tags=["orders"])
def get_order(request: Request, ref: str, connection: str | None = None,
              key: ApiKeyRecord = Depends(viewer)) -> dict[str, Any]:
    """One order; buyer data only for keys with view_pii, masked otherwise (B13)."""
    return order_service.show_order(get_hub(request), ref, connection=connection, with_pii=can_view_pii(key),
                                     actor=f"api-key:{key.name}")


@router.get("/errors", tags=["errors"], dependencies=[Depends(viewer)])
def list_errors(request: Request, status: str = "open", connection: str | None = None, kind: str | None = None,
                limit: int = Query(100, ge=1, le=500), offset: int = Query(0, ge=0)) -> dict[str, Any]:
    return error_service.list_errors(get_hub(request), status=status, connection=connection, kind=kind,
                                     limit=limit, offset=offset)


@router.get("/errors/{error_id}", tags=["errors"])
def get_error(request: Request, error_id: int, key: ApiKeyRecord = Depends(viewer)) -> dict[str, Any]:
    """One error; Amazon's document (may hold buyer data) only for keys with view_pii."""
    return error_service.show_error(get_hub(request), error_id, with_payload=can_view_pii(key),
                                    actor=f"api-key:{key.name}")


@router.post("/errors/{error_id}/reprocess", tags=["errors"], dependencies=[Depends(operator)])
def reprocess_error(request: Request, error_id: int) -> dict[str, Any]:
    hub = get_hub(request)
    report = jsonable(error_service.reprocess(hub, error_id))
    report["error_status"] = error_service.get_error(hub, error_id).status
    return report


@router.post("/errors/{error_id}/dismiss", tags=["errors"], dependencies=[Depends(operator)])
def dismiss_error(request: Request, error_id: int) -> dict[str, Any]:
    return error_service.error_summary(error_service.dismiss(get_hub(request), error_id))


@router.get("/api-keys", tags=["api-keys"], dependencies=[Depends(admin)])
def list_keys(request: Request) -> list[dict[str, Any]]:
    return [jsonable(k) for k in api_keys.list_keys(get_hub(request))]


@router.post("/api-keys", tags=["api-keys"], status_code=201, dependencies=[Depends(admin)])
def create_key(request: Request, body: ApiKeyIn) -> dict[str, Any]:
    """A new key; the clear key is in this answer only."""
    record, clear = api_keys.create_key(get_hub(request), body.name, body.roles)
    return {**jsonable(record), "key": clear}
