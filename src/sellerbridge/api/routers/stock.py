"""Stock in by REST (issue 11: D2, D3, D4, D6, I5, H1): counts, adjustments, CSV, commitments, the ledger,
buffers and the connection's stock settings. Writing needs an operator key, reading a viewer key.

- ``PUT /api/stock/{sku}/warehouses/{code}``: the warehouse's absolute count (optional ``ref``);
- ``POST /api/stock/{sku}/adjustments``: a receipt or an adjustment with its ``ref`` (a replay: 200, nothing
  moved, ``replayed`` true);
- ``POST /api/stock/import``: a stock CSV (text/csv or a multipart file): the good lines applied, the bad
  ones listed with their numbers (and in the error log, reprocessable);
- ``PUT /api/stock/{sku}/commitments/{source}``, ``GET /api/stock/{sku}/ledger``;
- ``PUT /api/items/{sku}/buffer``, ``PUT /api/items/{sku}/stock``, ``GET/POST /api/warehouses``,
  ``PUT /api/warehouses/{code}/buffer``; ``GET/PUT /api/connections/{ref}/stock-settings``.

Nothing here talks to Amazon: every change marks its SKUs dirty, and the connection's ``stock_push`` run
sends them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from ...services import stock as service
from ...services.shipments import read_upload
from ..deps import get_hub, operator, viewer
from ..schemas import VIEWER, errors
from ..shipment_schemas import CSV_BODY
from ..stock_schemas import (
    AdjustmentIn,
    BufferIn,
    CommitmentIn,
    CommitmentOut,
    CountIn,
    ItemBufferOut,
    ItemStockIn,
    ItemStockOut,
    LedgerOut,
    StockChangeOut,
    StockImportOut,
    StockSettingsIn,
    StockSettingsOut,
    WarehouseIn,
    WarehouseOut,
)
from ..validation import Id, Ref, Text

router = APIRouter(tags=["stock"])
Sku = Annotated[str, Path(min_length=1, max_length=64)]
Code = Annotated[str, Path(min_length=1, max_length=32)]
Source = Annotated[str, Path(min_length=1, max_length=64)]
WRITES = errors(400, 404, *VIEWER)


@router.put("/api/stock/{sku}/warehouses/{code}", dependencies=[Depends(operator)], response_model=StockChangeOut,
            responses=WRITES)
def put_count(request: Request, sku: Sku, code: Code, body: CountIn) -> dict[str, Any]:
    """I5: the warehouse counted ``on_hand`` units of the SKU (absolute); the movement records the difference."""
    return service.set_count(get_hub(request), sku, code, body.on_hand, ref=body.ref)


@router.post("/api/stock/{sku}/adjustments", dependencies=[Depends(operator)], response_model=StockChangeOut,
             responses=WRITES)
def post_adjustment(request: Request, sku: Sku, body: AdjustmentIn) -> dict[str, Any]:
    """D2: a receipt (units in) or an adjustment (either sign); the same ref again moves nothing."""
    return service.adjust(get_hub(request), sku, body.warehouse, body.delta, reason=body.reason, ref=body.ref)


@router.post("/api/stock/import", dependencies=[Depends(operator)], response_model=StockImportOut,
             openapi_extra=CSV_BODY, responses=WRITES)
async def import_csv(request: Request, connection: Ref | None = None,
                     file_name: Text(200) | None = Query(None)) -> dict[str, Any]:  # type: ignore[valid-type]
    """I5: ``sku,warehouse,on_hand`` (counts) or ``sku,warehouse,delta,reason`` (deltas), optional ``ref``;
    the refused lines go to the error log of ``connection`` (default: the hub's first connection)."""
    content, form_name = read_upload(request.headers.get("content-type", ""), await request.body())
    return service.import_csv(get_hub(request), content, file_name=file_name or form_name or "upload.csv",
                              connection=connection)


@router.post("/api/stock/errors/{error_id}/reprocess", dependencies=[Depends(operator)],
             response_model=StockImportOut, responses=WRITES)
def reprocess_error(request: Request, error_id: Id) -> dict[str, Any]:
    """H1: a refused stock line (error kind ``stock_import``) applied again, e.g. once its SKU exists."""
    return service.reprocess(get_hub(request), error_id)


@router.put("/api/stock/{sku}/commitments/{source}", dependencies=[Depends(operator)], response_model=CommitmentOut,
            responses=WRITES)
def put_commitment(request: Request, sku: Sku, source: Source, body: CommitmentIn) -> dict[str, Any]:
    """D2: units committed on another channel, absolute; 0 removes it."""
    return service.set_commitment(get_hub(request), sku, source, body.quantity)


@router.get("/api/stock/{sku}/ledger", dependencies=[Depends(viewer)], response_model=LedgerOut,
            responses=errors(400, 404, *VIEWER))
def get_ledger(request: Request, sku: Sku,
               limit: Annotated[int, Query(ge=1, le=service.LEDGER_MAX)] = 100) -> dict[str, Any]:
    """Receipts, adjustments, counts, holds, shipments and cancellations of the SKU, newest first."""
    return service.ledger(get_hub(request), sku, limit=limit)


@router.put("/api/items/{sku}/buffer", dependencies=[Depends(operator)], response_model=ItemBufferOut,
            responses=WRITES)
def put_item_buffer(request: Request, sku: Sku, body: BufferIn) -> dict[str, Any]:
    """D3: the item's own buffer (``kind: null``: the connection's default applies)."""
    return service.set_item_buffer(get_hub(request), sku, body.kind, body.value)


@router.put("/api/items/{sku}/stock", dependencies=[Depends(operator)], response_model=ItemStockOut,
            responses=WRITES)
def put_item_stock(request: Request, sku: Sku, body: ItemStockIn) -> dict[str, Any]:
    """D4, D6: whether the item's stock is tracked, whether it is backorderable, its handling days."""
    handling: Any = None if body.clear_handling_days else (body.handling_days if body.handling_days is not None
                                                           else "keep")
    return service.set_item_stock(get_hub(request), sku, track_stock=body.track_stock,
                                  backorderable=body.backorderable, handling_days=handling)


@router.get("/api/warehouses", dependencies=[Depends(viewer)], response_model=list[WarehouseOut],
            responses=errors(*VIEWER))
def get_warehouses(request: Request) -> list[dict[str, Any]]:
    return service.list_warehouses(get_hub(request))


@router.post("/api/warehouses", dependencies=[Depends(operator)], status_code=201, response_model=WarehouseOut,
             responses=errors(400, 409, *VIEWER))
def post_warehouse(request: Request, body: WarehouseIn) -> dict[str, Any]:
    return service.add_warehouse(get_hub(request), body.code, body.name)


@router.put("/api/warehouses/{code}/buffer", dependencies=[Depends(operator)], response_model=WarehouseOut,
            responses=WRITES)
def put_warehouse_buffer(request: Request, code: Code, body: BufferIn) -> dict[str, Any]:
    """D3: the warehouse's buffer, kept off its on hand before it counts."""
    return service.set_warehouse_buffer(get_hub(request), code, body.kind, body.value)


@router.get("/api/connections/{ref}/stock-settings", dependencies=[Depends(viewer)], response_model=StockSettingsOut,
            responses=errors(400, 404, *VIEWER))
def get_stock_settings(request: Request, ref: Ref) -> dict[str, Any]:
    return service.get_settings(get_hub(request), ref)


@router.put("/api/connections/{ref}/stock-settings", dependencies=[Depends(operator)],
            response_model=StockSettingsOut, responses=WRITES)
def put_stock_settings(request: Request, ref: Ref, body: StockSettingsIn) -> dict[str, Any]:
    """D2-D6, G2, E3: change the named settings; one a quantity depends on re-sends every SKU."""
    return service.set_settings(get_hub(request), ref, body.changes())
