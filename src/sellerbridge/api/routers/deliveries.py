"""/api/deliveries (B14, H1): viewers list and read the attempts; operators redeliver and acknowledge."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from ...services import deliveries as service
from ..deps import get_hub, operator, viewer
from ..schemas import VIEWER, ShortText, errors
from ..validation import Id, Offset, Ref
from .receivers import ask_for_run
from .warehouse_schemas import AckIn, AckOut, DeliveryDetailOut, DeliveryPageOut, RedeliverOut

router = APIRouter(prefix="/api/deliveries", tags=["deliveries"])


@router.get("", dependencies=[Depends(viewer)], response_model=DeliveryPageOut, responses=errors(400, 404, *VIEWER))
def list_deliveries(request: Request, status: ShortText | None = None, connection: Ref | None = None,
                    receiver: Ref | None = None, order: Id | None = None, limit: int = Query(100, ge=1, le=500),
                    offset: Offset = 0) -> dict[str, Any]:
    """Newest first; ``status`` one of pending, sent, acknowledged, failed, skipped (or all)."""
    return service.list_deliveries(get_hub(request), connection=connection, receiver=receiver, status=status,
                                   order=order, limit=limit, offset=offset)


@router.post("/ack", dependencies=[Depends(operator)], response_model=AckOut, responses=errors(400, 404, *VIEWER))
def acknowledge(request: Request, body: AckIn) -> dict[str, Any]:
    """A file receiver's acknowledgement by API: its batch names, or delivery ids."""
    return service.acknowledge(get_hub(request), batches=body.batches, delivery_ids=body.delivery_ids,
                               connection=body.connection)


@router.get("/{delivery_id}", dependencies=[Depends(viewer)], response_model=DeliveryDetailOut,
            responses=errors(404, *VIEWER))
def show_delivery(request: Request, delivery_id: Id) -> dict[str, Any]:
    """The delivery with every attempt (status, duration, the answer's redacted excerpt)."""
    return service.show(get_hub(request), delivery_id)


@router.post("/{delivery_id}/redeliver", status_code=202, dependencies=[Depends(operator)],
             response_model=RedeliverOut, responses=errors(400, 404, *VIEWER))
def redeliver(request: Request, delivery_id: Id) -> dict[str, Any]:
    """Due again now, with the same message id (an idempotent receiver does nothing twice); 202 with the run."""
    return ask_for_run(request, service.redeliver(get_hub(request), delivery_id=delivery_id))
