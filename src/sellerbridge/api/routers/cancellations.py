"""/api/orders/{ref}/cancel-lines and /api/cancellations (B9): the warehouse cannot ship a line.

``POST`` queues the lines for Amazon's order acknowledgement feed (flow ``line_cancel``) and answers 202
with the queued rows; a line that cannot be cancelled (unknown, shipped, a quantity other than its open
quantity, a reason Amazon does not know) makes it a 422 naming each line and why, and nothing is queued.
Operator role: cancelling changes the seller's order at Amazon.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import Field

from ...services import cancellations as service
from ...services.api_keys import ApiKey
from ..deps import get_hub, operator, viewer
from ..schemas import VIEWER, Answer, ShortText, errors
from ..validation import Offset, Ref, Text

router = APIRouter(tags=["cancellations"])

ItemId = Text(32, min_length=1)
Reason = Text(48, min_length=1)


class CancelLineIn(Answer):
    order_item_id: ItemId  # type: ignore[valid-type]
    quantity: int = Field(ge=1, le=1_000_000)
    reason: Reason = "NoInventory"  # type: ignore[valid-type]


class CancelLinesIn(Answer):
    lines: list[CancelLineIn] = Field(min_length=1, max_length=200)


class CancellationOut(Answer):
    id: int
    connection_id: int
    order_id: int
    order_line_id: int
    amazon_order_id: str
    order_item_id: str
    quantity: int
    reason_code: str
    status: str
    amazon_message: str | None = None
    requested_by: str | None = None
    created_at: str
    confirmed_at: str | None = None


@router.post("/api/orders/{ref}/cancel-lines", status_code=202, response_model=list[CancellationOut],
             responses=errors(400, 404, *VIEWER))
def cancel_lines(request: Request, ref: Ref, body: CancelLinesIn, connection: Ref | None = None,
                 key: ApiKey = Depends(operator)) -> list[dict[str, Any]]:
    lines = [service.LineRequest(line.order_item_id, line.quantity, line.reason) for line in body.lines]
    try:
        return service.cancel_lines(get_hub(request), ref, lines, requested_by=f"api:{key.name}",
                                    connection=connection)
    except service.CancelRefused as exc:
        raise HTTPException(422, detail=[{"loc": ["body", "lines", r["order_item_id"]], "msg": r["reason"],
                                          "type": "cancel_refused"} for r in exc.reasons]) from None


@router.get("/api/cancellations", dependencies=[Depends(viewer)], response_model=list[CancellationOut],
            responses=errors(400, 404, *VIEWER))
def list_cancellations(request: Request, connection: Ref | None = None, status: ShortText | None = None,
                       limit: int = Query(100, ge=1, le=500), offset: Offset = 0) -> list[dict[str, Any]]:
    return service.list_cancellations(get_hub(request), connection=connection, status=status, limit=limit,
                                      offset=offset)
