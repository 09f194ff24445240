"""Routes without an API key: the OAuth callback and the setup page (signed tokens), and /healthz (A2).
The ORDER_CHANGE intake, also without a key (a secret token), is ``routers/intake.py``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ...services import oauth
from ..deps import get_hub
from ..schemas import HealthOut, errors

router = APIRouter()


@router.get("/healthz", tags=["health"], response_model=HealthOut, responses=errors(413, 422))
def healthz(request: Request) -> dict[str, Any]:
    """Liveness: the process answers, 200 always. No database, no Redis (that is /readyz): a liveness
    probe that failed with the database would restart every replica at once."""
    return {"status": "ok"}


def _page(title: str, text: str, status: int) -> HTMLResponse:
    from html import escape

    return HTMLResponse(f"<!doctype html><title>{escape(title)}</title><h1>{escape(title)}</h1><p>{escape(text)}</p>",
                        status_code=status)


@router.get("/oauth/callback", tags=["oauth"], response_class=HTMLResponse,
            responses={400: {"content": {"text/html": {}}, "description": "the authorization failed"},
                       **errors(413, 422)})
def oauth_callback(request: Request, state: str = "", spapi_oauth_code: str = "",
                   selling_partner_id: str = "") -> HTMLResponse:
    """Amazon's redirect after the seller's consent (A2): exchange the code, store the refresh token."""
    try:
        record = oauth.complete(get_hub(request), state, spapi_oauth_code, selling_partner_id)
    except oauth.OAuthError as exc:
        return _page("Authorization failed", str(exc), 400)
    return _page("Connected", f"The Amazon account is now connected to sellerbridge as {record.name!r}. "
                 "You can close this page.", 200)


@router.get("/setup/{token}", tags=["oauth"], status_code=302, response_class=RedirectResponse,
            responses={302: {"description": "to Amazon's consent page"}, **errors(400, 413, 422)})
def setup(request: Request, token: str) -> RedirectResponse:
    """The shareable setup link: check it and send the browser to Amazon's consent page (A2)."""
    try:
        auth = oauth.open_setup_link(get_hub(request), token,
                                     seller_central_url=request.app.state.seller_central_url)
    except oauth.OAuthError as exc:
        raise HTTPException(400, str(exc)) from None
    return RedirectResponse(auth.consent_url, status_code=302)
