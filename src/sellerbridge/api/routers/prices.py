"""/api/connections/{ref}/prices, /api/price-approvals (E1, E3) and /api/connections/{ref}/items/import (I5).

- ``GET .../prices``: each SKU's Amazon price, range, list price, what Amazon was last told, and its hold.
- ``PUT .../prices/{sku}`` ``{price, minimum, maximum}``: the listing's Amazon price and the seller's range
  (``price`` null: the item's list price again); a negative, NaN, huge price, more decimals than the
  marketplace's currency has, or a range that does not hold it is a 422 with the reason; an unknown SKU 404.
- ``GET /api/price-approvals``: the prices held by the guard (E3); ``POST .../{id}/approve`` and
  ``.../reject`` record the key's name as who decided; an approved price is sent at the next run.
- ``POST .../items/import``: the ``items_import`` job (Amazon's merchant listings report), 202 with the run.

Operator role for writes, viewer for reads.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import Field

from ...jobs import manage
from ...services import prices as service
from ...services.api_keys import ApiKey
from ..deps import get_hub, operator, viewer
from ..schemas import VIEWER, Answer, RunRequestedOut, errors
from ..validation import Ref, Text

router = APIRouter(tags=["prices"])

Amount = Annotated[Decimal, Field(allow_inf_nan=False, max_digits=24)]
Sku = Text(64, min_length=1)


class PriceIn(Answer):
    price: Amount | None = None
    minimum: Amount | None = None
    maximum: Amount | None = None


class PriceOut(Answer):
    sku: str
    item_sku: str | None = None
    connection: str | None = None
    fulfillment_channel: str
    price: str | None = None
    currency: str | None = None
    minimum: str | None = None
    maximum: str | None = None
    list_price: str | None = None
    list_currency: str | None = None
    dirty: bool
    sent: dict[str, Any] | None = None
    amazon: dict[str, Any] | None = None
    held: dict[str, Any] | None = None


def _refused(exc: Exception) -> HTTPException:
    return HTTPException(422, detail=str(exc))


@router.get("/api/connections/{ref}/prices", dependencies=[Depends(viewer)], response_model=list[PriceOut],
            responses=errors(400, 404, *VIEWER))
def list_prices(request: Request, ref: Ref, limit: int = Query(500, ge=1, le=5000),
                after: Sku | None = None) -> list[dict[str, Any]]:  # type: ignore[valid-type]
    return service.list_prices(get_hub(request), ref, limit=limit, after=after)


@router.put("/api/connections/{ref}/prices/{sku}", response_model=PriceOut, responses=errors(400, 404, *VIEWER))
def set_price(request: Request, ref: Ref, sku: Sku, body: PriceIn,  # type: ignore[valid-type]
              key: ApiKey = Depends(operator)) -> dict[str, Any]:
    try:
        return service.set_price(get_hub(request), ref, sku, price=body.price, minimum=body.minimum,
                                 maximum=body.maximum, by=f"api:{key.name}")
    except service.PriceRefused as exc:
        raise _refused(exc) from None


@router.get("/api/price-approvals", dependencies=[Depends(viewer)], response_model=list[PriceOut],
            responses=errors(400, 404, *VIEWER))
def list_approvals(request: Request, connection: Ref | None = None, decided: bool = False,
                   limit: int = Query(500, ge=1, le=5000)) -> list[dict[str, Any]]:
    return service.approvals(get_hub(request), connection=connection, waiting_only=not decided, limit=limit)


def _decide(request: Request, approval_id: str, decision: str, key: ApiKey) -> dict[str, Any]:
    try:
        return service.decide(get_hub(request), approval_id, decision, by=f"api:{key.name}")
    except service.PriceRefused as exc:
        raise HTTPException(409, detail=str(exc)) from None


@router.post("/api/price-approvals/{approval_id}/approve", response_model=PriceOut,
             responses=errors(404, 409, *VIEWER))
def approve(request: Request, approval_id: Ref, key: ApiKey = Depends(operator)) -> dict[str, Any]:
    """E3: the held price is sent at the connection's next ``price_push`` run; the key's name is recorded."""
    return _decide(request, approval_id, "approve", key)


@router.post("/api/price-approvals/{approval_id}/reject", response_model=PriceOut,
             responses=errors(404, 409, *VIEWER))
def reject(request: Request, approval_id: Ref, key: ApiKey = Depends(operator)) -> dict[str, Any]:
    """E3: the held price is not sent (a later, different price is a new question)."""
    return _decide(request, approval_id, "reject", key)


@router.post("/api/connections/{ref}/items/import", status_code=202, dependencies=[Depends(operator)],
             response_model=RunRequestedOut, responses=errors(400, 404, *VIEWER))
def import_items(request: Request, ref: Ref) -> dict[str, Any]:
    """I5: items and SKU mappings from Amazon's merchant listings report (the ``items_import`` job); its
    prices and quantities are ignored (the hub's win: E2, D1). Follow the run at /api/runs/{run_id}."""
    job = manage.request_run(get_hub(request), "items_import", ref, queue=request.app.state.queue)
    return {"run_id": job["run_id"], "connection_id": job["connection_id"], "flow": "items_import",
            "job": job["key"], "status": "queued", "resumed": job["resumed"]}
