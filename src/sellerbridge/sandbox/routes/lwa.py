"""Login with Amazon token endpoint, ``POST /auth/o2/token`` (A2, I4).

Grants: ``refresh_token`` (a seller's authorization of an app) and ``client_credentials``
(grantless, for notifications destinations), plus ``authorization_code`` for the OAuth website
flow (a code minted by ``POST /_sandbox/oauth/code``). Errors are LWA's, not SP-API's:
``{"error": "invalid_grant", "error_description": ...}`` with 400, and 401 ``invalid_client``.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..backend import Backend

GRANTLESS_SCOPES = ("sellingpartnerapi::notifications", "sellingpartnerapi::client_credential:rotation")


def _lwa_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


async def _form(request: Request) -> dict[str, str]:
    raw = await request.body()
    ctype = request.headers.get("content-type", "")
    if "json" in ctype:
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            return {}
        return {k: str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    # application/x-www-form-urlencoded, parsed here so no multipart library is needed
    return dict(parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True))


async def token(request: Request) -> JSONResponse:
    backend: Backend = request.app.state.backend
    data = await _form(request)
    grant_type = data.get("grant_type")
    if not grant_type:
        return _lwa_error(400, "invalid_request", "The request is missing a required parameter : grant_type")
    if grant_type not in ("refresh_token", "client_credentials", "authorization_code"):
        return _lwa_error(400, "unsupported_grant_type", "The authorization grant type is not supported")
    client_id, client_secret = data.get("client_id"), data.get("client_secret")
    if not client_id or not client_secret:
        return _lwa_error(400, "invalid_request", "The request is missing a required parameter : client_id")
    with backend.lock:
        app = backend.apps.get(client_id)
        if app is None or app.client_secret != client_secret:
            return _lwa_error(401, "invalid_client", "Client authentication failed")
        body: dict[str, object]
        if grant_type == "refresh_token":
            refresh = data.get("refresh_token")
            if not refresh:
                return _lwa_error(400, "invalid_request",
                                  "The request is missing a required parameter : refresh_token")
            auth = backend.authorizations.get(refresh)
            if auth is None or auth.client_id != client_id or auth.seller_id not in backend.sellers:
                return _lwa_error(400, "invalid_grant",
                                  "The request has an invalid grant parameter : refresh_token")
            tok = backend.issue_access_token(client_id, auth.seller_id)
            body = {"access_token": tok.token, "refresh_token": refresh}
        elif grant_type == "authorization_code":
            code = data.get("code")
            seller_id = backend.oauth_codes.pop(code, None) if code else None
            if seller_id is None or seller_id not in backend.sellers:
                return _lwa_error(400, "invalid_grant", "The request has an invalid grant parameter : code")
            auth = backend.authorize(backend.sellers[seller_id], app)
            tok = backend.issue_access_token(client_id, seller_id)
            body = {"access_token": tok.token, "refresh_token": auth.refresh_token}
        else:
            scope = data.get("scope")
            if not scope or any(s not in GRANTLESS_SCOPES for s in scope.split()):
                return _lwa_error(400, "invalid_scope", "An unknown scope was requested")
            tok = backend.issue_access_token(client_id, None, scope=scope)
            body = {"access_token": tok.token, "scope": scope}
    body.update({"token_type": "bearer", "expires_in": backend.timings.access_token_seconds})
    return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


routes = [Route("/auth/o2/token", token, methods=["POST"])]
