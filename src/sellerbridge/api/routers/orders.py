"""/api/orders (B1, B13, I2): orders as stored; buyer data only for keys with view_pii."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from ...services import orders as service
from ...services.api_keys import ApiKey
from ...services.pii import api_viewer
from ..deps import can_view_pii, get_hub, viewer

router = APIRouter(prefix="/api/orders", tags=["orders"])


@router.get("", dependencies=[Depends(viewer)])
def list_orders(request: Request, connection: str | None = None, status: list[str] = Query([]),
                fulfillment: str | None = None, limit: int = Query(50, ge=1, le=500),
                offset: int = Query(0, ge=0)) -> dict[str, Any]:
    return service.list_orders(get_hub(request), connection=connection, statuses=status, fulfillment=fulfillment,
                               limit=limit, offset=offset)


@router.get("/{ref}")
def get_order(request: Request, ref: str, connection: str | None = None,
              key: ApiKey = Depends(viewer)) -> dict[str, Any]:
    """One order; buyer data only for keys with view_pii (the view is recorded), masked otherwise (B13)."""
    viewer = api_viewer(key.id, key.name, may_view_pii=can_view_pii(key), route="GET /api/orders/{ref}")
    return service.show_order(get_hub(request), ref, connection=connection, viewer=viewer)
