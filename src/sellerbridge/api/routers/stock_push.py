"""/api/stock/{sku}/why, /api/connections/{ref}/stock/send-now, /api/feeds (D5, D8, D9, H2): stock out.

``why`` shows what the hub would tell Amazon now and why, and what Amazon was last told (D9). ``send-now``
marks every SKU of the connection's seller account and region, or the named ones, and asks for the owner
connection's ``stock_push`` run: 202 with the run's id at once (D5). ``/api/feeds`` lists the stock push's
listings feeds; ``/api/feeds/{id}`` shows one with its per-SKU results (H2).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field

from ...jobs import manage
from ...services import stock_push as service
from ..deps import get_hub, operator, viewer
from ..schemas import VIEWER, Answer, errors
from ..validation import Ref, Text

router = APIRouter(tags=["stock"])

Sku = Text(64, min_length=1)


class SendNowIn(Answer):
    skus: list[Sku] | None = Field(None, min_length=1, max_length=service.MAX_SKUS)  # type: ignore[valid-type]


class SendNowOut(Answer):
    run_id: int
    connection_id: int
    flow: str
    marked: int
    unknown: list[str]
    status: str = "queued"


@router.get("/api/stock/{sku}/why", dependencies=[Depends(viewer)], responses=errors(400, 404, *VIEWER))
def why(request: Request, sku: Sku, connection: Ref) -> dict[str, Any]:  # type: ignore[valid-type]
    """D9: available-to-sell now with its breakdown; what Amazon was last told, in flight, its answer, verified."""
    return service.why(get_hub(request), sku, connection)


@router.post("/api/connections/{ref}/stock/send-now", status_code=202, dependencies=[Depends(operator)],
             response_model=SendNowOut, responses=errors(400, 404, *VIEWER))
def send_now(request: Request, ref: Ref, body: SendNowIn | None = None) -> dict[str, Any]:
    """D5: send every SKU (no body) or the named ones now; the run is at /api/runs/{run_id}."""
    hub = get_hub(request)
    marked = service.send_now(hub, ref, body.skus if body is not None else None)
    job = manage.request_run(hub, service.FLOW, marked["connection_id"], queue=request.app.state.queue)
    return {**marked, "run_id": job["run_id"]}


@router.get("/api/feeds", dependencies=[Depends(viewer)], responses=errors(400, 404, *VIEWER))
def list_feeds(request: Request, connection: Ref | None = None,
               limit: int = Query(50, ge=1, le=500)) -> list[dict[str, Any]]:
    """H2: the stock push's listings feeds, newest first, with their SKUs counted by Amazon's answer."""
    return service.feeds(get_hub(request), connection, limit=limit)


@router.get("/api/feeds/{feed_id}", dependencies=[Depends(viewer)], responses=errors(400, 404, *VIEWER))
def show_feed(request: Request, feed_id: int) -> dict[str, Any]:
    """H2: one feed with its per-SKU results."""
    if not 1 <= feed_id <= 2**62:
        raise LookupError(f"stock feed {feed_id} not found")
    return service.feed(get_hub(request), feed_id)
