"""Routes without an API key: the ORDER_CHANGE intake (secret URL token), the OAuth callback and the
setup page (signed tokens), and /healthz (A2, B1)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from ...amazon.notifications.parse import NotificationError, parse_order_change
from ...services import oauth
from ...services.intake import OrderIntake, token_matches
from ..deps import get_hub

router = APIRouter()
MAX_NOTIFICATION_BYTES = 256 * 1024  # Amazon's notifications are a few KB; refuse anything huge


@router.get("/healthz", tags=["health"])
def healthz(request: Request) -> dict[str, Any]:
    """Liveness: the process answers, 200 always. No database, no Redis (that is /readyz): a liveness
    probe that failed with the database would restart every replica at once."""
    intake: OrderIntake = request.app.state.intake
    return {"status": "ok", "intake_pending": intake.pending()}


@router.post("/intake/amazon/{token}", status_code=202, tags=["intake"])
async def intake(request: Request, token: str) -> JSONResponse:
    """An ORDER_CHANGE notification (raw, or wrapped by SQS/SNS): 202 at once, the order fetched in the
    background (B1). Not an ORDER_CHANGE: 400 with the reason. Unknown seller: 202, ignored."""
    if not token_matches(request.app.state.intake_token, token):
        raise HTTPException(404, "not found")
    body = await request.body()
    if len(body) > MAX_NOTIFICATION_BYTES:
        raise HTTPException(413, "notification too large")
    try:
        change = parse_order_change(body)
    except NotificationError as exc:
        raise HTTPException(400, f"not an ORDER_CHANGE notification: {exc}") from None
    intake_: OrderIntake = request.app.state.intake
    from starlette.concurrency import run_in_threadpool

    outcome = await run_in_threadpool(intake_.submit, change)
    return JSONResponse({"accepted": True, "amazon_order_id": change.amazon_order_id, **outcome}, status_code=202)


def _page(title: str, text: str, status: int) -> HTMLResponse:
    from html import escape

    return HTMLResponse(f"<!doctype html><title>{escape(title)}</title><h1>{escape(title)}</h1><p>{escape(text)}</p>",
                        status_code=status)


@router.get("/oauth/callback", tags=["oauth"], response_class=HTMLResponse)
def oauth_callback(request: Request, state: str = "", spapi_oauth_code: str = "",
                   selling_partner_id: str = "") -> HTMLResponse:
    """Amazon's redirect after the seller's consent (A2): exchange the code, store the refresh token."""
    try:
        record = oauth.complete(get_hub(request), state, spapi_oauth_code, selling_partner_id)
    except oauth.OAuthError as exc:
        return _page("Authorization failed", str(exc), 400)
    return _page("Connected", f"The Amazon account is now connected to sellerbridge as {record.name!r}. "
                 "You can close this page.", 200)


@router.get("/setup/{token}", tags=["oauth"])
def setup(request: Request, token: str) -> RedirectResponse:
    """The shareable setup link: check it and send the browser to Amazon's consent page (A2)."""
    try:
        auth = oauth.open_setup_link(get_hub(request), token,
                                     seller_central_url=request.app.state.seller_central_url)
    except oauth.OAuthError as exc:
        raise HTTPException(400, str(exc)) from None
    return RedirectResponse(auth.consent_url, status_code=302)
