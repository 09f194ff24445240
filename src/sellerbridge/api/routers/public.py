"""Routes without an API key: the OAuth callback and the setup page (signed tokens), and /healthz (A2).
The ORDER_CHANGE intake, also without a key (a secret token), is ``routers/intake.py``.

The setup page binds the browser: it sets the state's nonce as an HttpOnly, SameSite=Lax cookie
(Secure when the hub is served over https) scoped to the callback path, and the callback accepts
the state only with it (issue 9; ``services/oauth.py``). Lax is what lets Amazon's top-level
redirect back to the hub carry the cookie.
"""

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
    """Amazon's redirect after the seller's consent (A2): a bound, single-use state; the token's seller
    asked of Amazon; a connection that had a token waits for an admin's confirmation."""
    cookie = oauth.binding_cookie_name(state) if state else ""
    try:
        done = oauth.complete(get_hub(request), state, spapi_oauth_code, selling_partner_id,
                              binding=request.cookies.get(cookie) if cookie else None)
    except oauth.OAuthError as exc:
        return _page("Authorization failed", str(exc), 400)
    if done.parked:
        page = _page("Waiting for an administrator",
                     f"Amazon confirmed the account (seller {done.seller_id}). Connection {done.record.name!r} "
                     "already had an authorization, so the new one waits until an administrator of this hub "
                     f"confirms it (`sellerbridge connection confirm-authorization {done.record.name}`). "
                     "You can close this page.", 202)
    else:
        page = _page("Connected", f"The Amazon account is now connected to sellerbridge as {done.record.name!r}. "
                     "You can close this page.", 200)
    page.delete_cookie(cookie, path=oauth.CALLBACK_PATH)
    page.headers["Cache-Control"] = "no-store"  # the URL held a state and a code: keep the page out of caches
    page.headers["Referrer-Policy"] = "no-referrer"
    return page


@router.get("/setup/{token}", tags=["oauth"], status_code=302, response_class=RedirectResponse,
            responses={302: {"description": "to Amazon's consent page"}, **errors(400, 413, 422)})
def setup(request: Request, token: str) -> RedirectResponse:
    """The start and setup links: check it, bind this browser, send it to Amazon's consent page (A2)."""
    try:
        start = oauth.begin(get_hub(request), token, seller_central_url=request.app.state.seller_central_url)
    except oauth.OAuthError as exc:
        raise HTTPException(400, str(exc)) from None
    response = RedirectResponse(start.consent_url, status_code=302)
    response.set_cookie(start.cookie_name, start.binding, max_age=start.max_age, path=oauth.CALLBACK_PATH,
                        httponly=True, secure=start.secure, samesite="lax")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the link's token never leaks to Amazon's page
    return response
