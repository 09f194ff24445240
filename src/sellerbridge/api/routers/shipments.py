"""/api/shipments (C1, C2, H1, I2): shipments from the warehouse in, by JSON or CSV; list, show, retry.

``POST /api/shipments`` needs an ``Idempotency-Key`` header: 201 with the stored shipment and its packages'
statuses, 200 with the same answer for a replay (same key and body), 409 for the key reused with another
body, 422 with the reasons per field (and the error-log row) for a shipment that broke a rule. Writing
needs an operator key, reading a viewer key. Nothing here talks to Amazon: stored packages wait for the
connection's ``shipment_confirm`` run.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse

from ...services import shipments as service
from ...services.api_keys import ApiKey
from ..deps import get_hub, operator, viewer
from ..schemas import VIEWER, ShortText, errors
from ..shipment_schemas import (
    CSV_BODY,
    ImportOut,
    PackageOut,
    RefusedOut,
    RetryIn,
    ShipmentIn,
    ShipmentOut,
    ShipmentPageOut,
)
from ..validation import Id, Offset, Ref, Text

router = APIRouter(prefix="/api/shipments", tags=["shipments"])
IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=128, description=(
    "the warehouse's id of this shipment: the same key and body again answer the stored shipment (200)"))]


@router.post("", status_code=201, response_model=ShipmentOut,
             responses={**errors(400, 404, 409, *VIEWER), 200: {"model": ShipmentOut, "description": "a replay"},
                        422: {"model": RefusedOut, "description": "the shipment broke a rule, or is malformed"}})
def post_shipment(request: Request, body: ShipmentIn, idempotency_key: IdempotencyKey,
                  key: ApiKey = Depends(operator)) -> Any:
    """C1: one shipment (several packages, several tracking numbers), stored once per key."""
    draft = service.draft_of(amazon_order_id=body.amazon_order_id, idempotency_key=idempotency_key,
                             ship_date=body.ship_date, packages=[p.model_dump() for p in body.packages])
    try:
        done = service.submit(get_hub(request), body.connection, draft, source="api", created_by=key.name)
    except service.ShipmentRefused as refused:
        return JSONResponse({"detail": refused.detail(), "error_id": refused.error_id}, status_code=422)
    if not done.created:
        return JSONResponse(ShipmentOut.model_validate(done.shipment).model_dump(mode="json"), status_code=200)
    return done.shipment


@router.post("/import", response_model=ImportOut, openapi_extra=CSV_BODY, responses=errors(400, 404, *VIEWER))
async def import_csv(request: Request, connection: Ref, mapping: Text(4000) | None = Query(  # type: ignore[valid-type]
                         None, description='JSON: {"columns": {"their header": "ours"}, "date_order": "mdy"}'),
                     file_name: Text(200) | None = Query(None),  # type: ignore[valid-type]
                     key: ApiKey = Depends(operator)) -> dict[str, Any]:
    """C1: a CSV of shipments (a text/csv body, or a multipart form's file; up to 1 MB, the API's body limit:
    larger files go through the inbox): every valid row stored, every refused line with its number and
    reason (and in the error log)."""
    content, form_name = service.read_upload(request.headers.get("content-type", ""), await request.body())
    return service.import_csv(get_hub(request), connection, content, file_name=file_name or form_name or "upload.csv",
                              mapping=mapping, source="csv", created_by=key.name)


@router.post("/errors/{error_id}/reprocess", dependencies=[Depends(operator)], response_model=ShipmentOut,
             responses={**errors(400, 404, 409, *VIEWER),
                        422: {"model": RefusedOut, "description": "refused again (the error is updated)"}})
def reprocess_error(request: Request, error_id: Id) -> Any:
    """H1: a refused shipment (error kind ``shipment``) posted again from its error-log copy, e.g. once its
    order is imported; the error is resolved when it is stored."""
    try:
        return service.reprocess(get_hub(request), error_id)
    except service.ShipmentRefused as refused:
        return JSONResponse({"detail": refused.detail(), "error_id": refused.error_id}, status_code=422)


@router.get("", dependencies=[Depends(viewer)], response_model=ShipmentPageOut, responses=errors(400, *VIEWER))
def list_shipments(request: Request, connection: Ref | None = None,
                   order: Text(32) | None = None,  # type: ignore[valid-type]
                   status: ShortText | None = Query(None, description="shipments with a package in this status"),
                   limit: int = Query(50, ge=1, le=500), offset: Offset = 0) -> dict[str, Any]:
    return service.list_shipments(get_hub(request), connection=connection, order=order, status=status, limit=limit,
                                  offset=offset)


@router.get("/{shipment_id}", dependencies=[Depends(viewer)], response_model=ShipmentOut,
            responses=errors(404, *VIEWER))
def get_shipment(request: Request, shipment_id: Id) -> dict[str, Any]:
    return service.show(get_hub(request), shipment_id)


@router.post("/packages/{package_id}/retry", dependencies=[Depends(operator)], response_model=PackageOut,
             responses=errors(400, 404, *VIEWER))
def retry_package(request: Request, package_id: Id, body: RetryIn | None = None) -> dict[str, Any]:
    """A held or failed package back to ``queued`` after a person fixed it (e.g. the tracking number): held
    again, with the reason, if the number still cannot be valid for its carrier."""
    fix = body or RetryIn()
    return service.retry_package(get_hub(request), package_id, tracking_number=fix.tracking_number,
                                 carrier=fix.carrier)
