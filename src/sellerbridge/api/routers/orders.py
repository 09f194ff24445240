"""/api/orders (B1, B13, I2): orders as stored; buyer data only for keys with view_pii."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from ...services import orders as service
from ...services.api_keys import ApiKey
from ...services.pii import api_viewer
from ..deps import can_view_pii, get_hub, viewer
from ..schemas import VIEWER, OrderOut, OrderPageOut, ShortText, errors
from ..validation import Offset, Ref

router = APIRouter(prefix="/api/orders", tags=["orders"])


@router.get("", dependencies=[Depends(viewer)], response_model=OrderPageOut, responses=errors(400, *VIEWER))
def list_orders(request: Request, connection: Ref | None = None,
                status: list[ShortText] = Query([], max_length=20),  # type: ignore[valid-type]
                fulfillment: ShortText | None = None, limit: int = Query(50, ge=1, le=500),
                offset: Offset = 0) -> dict[str, Any]:
    return service.list_orders(get_hub(request), connection=connection, statuses=status, fulfillment=fulfillment,
                               limit=limit, offset=offset)


@router.get("/{ref}", response_model=OrderOut, responses=errors(400, 404, *VIEWER))
def get_order(request: Request, ref: Ref, connection: Ref | None = None,
              key: ApiKey = Depends(viewer)) -> dict[str, Any]:
    """One order; buyer data only for keys with view_pii (the view is recorded), masked otherwise (B13)."""
    viewer = api_viewer(key.id, key.name, may_view_pii=can_view_pii(key), route="GET /api/orders/{ref}")
    return service.show_order(get_hub(request), ref, connection=connection, viewer=viewer)
