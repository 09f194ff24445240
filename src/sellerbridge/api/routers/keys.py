"""/api/api-keys (I2): admins list, create and revoke keys; a clear key is shown once, in the creating answer.

Issue 9: ``view_pii`` is granted only by a key that holds it (403 otherwise); the last active admin
key cannot be revoked here (409), so a REST client cannot lock every admin out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel

from ...services import api_keys as service
from ...services.api_keys import ApiKey
from ...services.orders import jsonable
from ..deps import admin, get_hub
from ..schemas import VIEWER, ApiKeyCreatedOut, ApiKeyIn, ApiKeyOut, errors

router = APIRouter(prefix="/api/api-keys", tags=["api-keys"], dependencies=[Depends(admin)], responses=errors(*VIEWER))


class RevokedKey(BaseModel):
    id: int
    name: str
    revoked_at: datetime | None
    revoked_self: bool  # the calling key revoked itself: its next request is a 401


@router.get("", response_model=list[ApiKeyOut], responses=errors(*VIEWER))
def list_keys(request: Request) -> list[dict[str, Any]]:
    return [jsonable(k) for k in service.list_keys(get_hub(request))]


@router.post("", status_code=201, response_model=ApiKeyCreatedOut, responses=errors(400, 409, *VIEWER))
def create_key(request: Request, body: ApiKeyIn, caller: ApiKey = Depends(admin)) -> dict[str, Any]:
    """A new key; the clear key is in this answer only. Only a key holding view_pii grants view_pii."""
    try:
        record, clear = service.create_key(get_hub(request), body.name, body.roles, granted_by=caller)
    except service.GrantRefused as exc:
        raise HTTPException(403, str(exc)) from None
    return {**jsonable(record), "key": clear}


@router.delete("/{key_id}", response_model=RevokedKey,
               responses=errors(404, 409))
def revoke_key(request: Request, key_id: int, caller: ApiKey = Depends(admin)) -> RevokedKey:
    """Revoke a key (at once: its next request is a 401). Revoking an already revoked key changes nothing."""
    try:
        record = service.revoke_key_by(get_hub(request), key_id, caller=caller)
    except service.GrantRefused as exc:
        raise HTTPException(409, str(exc)) from None
    return RevokedKey(id=record.id, name=record.name, revoked_at=record.revoked_at, revoked_self=record.id == caller.id)
