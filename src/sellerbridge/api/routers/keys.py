"""/api/api-keys (I2): admins list and create keys; a clear key is shown once, in the creating answer."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from ...services import api_keys as service
from ...services.orders import jsonable
from ..deps import admin, get_hub
from ..schemas import VIEWER, ApiKeyCreatedOut, ApiKeyIn, ApiKeyOut, errors

router = APIRouter(prefix="/api/api-keys", tags=["api-keys"], dependencies=[Depends(admin)], responses=errors(*VIEWER))


@router.get("", response_model=list[ApiKeyOut], responses=errors(*VIEWER))
def list_keys(request: Request) -> list[dict[str, Any]]:
    return [jsonable(k) for k in service.list_keys(get_hub(request))]


@router.post("", status_code=201, response_model=ApiKeyCreatedOut, responses=errors(400, 409, *VIEWER))
def create_key(request: Request, body: ApiKeyIn) -> dict[str, Any]:
    """A new key; the clear key is in this answer only."""
    record, clear = service.create_key(get_hub(request), body.name, body.roles)
    return {**jsonable(record), "key": clear}
