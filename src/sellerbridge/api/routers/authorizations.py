"""/api/connections/{ref}/authorization (A2; issue 9): an admin confirms or discards the refresh token
that an OAuth callback parked for a connection which already had one (``services/oauth.py``)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from ...services import oauth
from ..deps import admin, get_hub
from ..schemas import VIEWER, errors
from ..validation import Ref

router = APIRouter(prefix="/api/connections", tags=["oauth"], dependencies=[Depends(admin)])
# 400: no connection of that name or id (as for every connection route); 404: nothing waits for confirmation
_ERRORS = errors(400, 404, *VIEWER)


class ParkedAuthorization(BaseModel):
    connection_id: int
    seller_id: str  # the seller Amazon confirmed the waiting token belongs to
    created_at: datetime


class AuthorizationDecision(BaseModel):
    connection_id: int
    name: str
    decision: str  # confirmed | discarded


@router.get("/{ref}/authorization", response_model=ParkedAuthorization, responses=_ERRORS)
def waiting(request: Request, ref: Ref) -> ParkedAuthorization:
    """The authorization waiting for confirmation (no secret in it)."""
    found = oauth.parked(get_hub(request), ref)
    if found is None:
        raise LookupError("no authorization waits for confirmation")
    return ParkedAuthorization(connection_id=found.connection_id, seller_id=found.seller_id,
                               created_at=found.created_at)


@router.post("/{ref}/authorization/confirm", response_model=AuthorizationDecision,
             responses={**_ERRORS, 400: {"description": "the waiting token is another seller's"}})
def confirm(request: Request, ref: Ref) -> AuthorizationDecision:
    """Replace the connection's refresh token with the waiting one (a new 365-day authorization, A4)."""
    record = oauth.confirm_parked(get_hub(request), ref)
    return AuthorizationDecision(connection_id=record.id, name=record.name, decision="confirmed")


@router.post("/{ref}/authorization/discard", response_model=AuthorizationDecision, responses=_ERRORS)
def discard(request: Request, ref: Ref) -> AuthorizationDecision:
    hub = get_hub(request)
    if not oauth.discard_parked(hub, ref):
        raise LookupError("no authorization waits for confirmation")
    record = oauth.service.get_connection(hub, ref)
    return AuthorizationDecision(connection_id=record.id, name=record.name, decision="discarded")
