"""One SP-API operation as Amazon serves it: faults, auth, RDT, usage plan, error shape (I4, G1).

Route modules declare handlers with :func:`operation`; this wrapper does what every Amazon
operation does before and after the handler, in Amazon's order:

1. authentication (``x-amz-access-token``: missing, unknown, expired -> 403 Unauthorized);
2. a Restricted Data Token opens only the paths it was issued for;
3. scripted faults for this operation;
4. the seller's token bucket (429 QuotaExceeded, no token taken from a throttled call);
5. the handler, whose ``SpApiError`` becomes Amazon's error shape;
6. ``x-amzn-RequestId`` always and ``x-amzn-RateLimit-Limit`` on success.

No input may make a handler answer 500: any unexpected exception is a sandbox bug, and it is
reported as ``InternalFailure`` *and* counted, so the fuzz test finds it.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from . import errors
from .backend import AccessToken, Backend
from .state import Seller

Handler = Callable[["Ctx"], Awaitable[Any]]


class DropConnection(Exception):
    """Raised to cut the connection mid-answer (a scripted ``drop`` fault)."""


class DroppedResponse(Response):
    """Starts an answer, sends part of it, then fails: the server closes the connection.

    A client sees what a dropped connection looks like: over a socket, the peer closing before the
    declared Content-Length arrived; in-process (``httpx.ASGITransport``), the exception itself.
    """

    def __init__(self) -> None:
        super().__init__(status_code=200)

    async def __call__(self, scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"512")]})
        await send({"type": "http.response.body", "body": b'{"payload": {', "more_body": True})
        raise DropConnection("connection dropped by a scripted fault")


@dataclass
class Ctx:
    request: Request
    backend: Backend
    operation: str
    token: AccessToken
    seller: Seller | None
    now: datetime
    path: dict[str, str]

    def query_list(self, name: str) -> list[str] | None:
        """A list parameter as Amazon takes it: repeated or comma-separated (SDKs do both)."""
        values = self.request.query_params.getlist(name)
        if not values:
            return None
        out: list[str] = []
        for v in values:
            out.extend(part for part in v.split(",") if part != "")
        return out

    def query(self, name: str) -> str | None:
        return self.request.query_params.get(name)

    async def json_body(self) -> dict[str, Any]:
        raw = await self.request.body()
        if not raw:
            raise errors.invalid_input("The request body is missing.")
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # RecursionError: absurd nesting
            raise errors.invalid_input("The request body is not valid JSON.", str(exc)[:200]) from None
        if not isinstance(body, dict):
            raise errors.invalid_input("The request body must be a JSON object.")
        return body

    def require_seller(self) -> Seller:
        if self.seller is None:
            raise errors.unauthorized("This operation needs a seller's authorization, not a grantless token.")
        return self.seller

    def base_url(self) -> str:
        """Base for pre-signed URLs: the served address when known, else what the request names."""
        return (self.backend.public_base_url or str(self.request.base_url)).rstrip("/")


def _path_pattern(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")


def rdt_allows(token: AccessToken, method: str, path: str) -> bool:
    for resource in token.restricted or []:
        if resource.get("method", "").upper() == method.upper() and _path_pattern(resource["path"]).match(path):
            return True
    return False


def authenticate(backend: Backend, request: Request, *, grantless_ok: bool = False) -> AccessToken:
    raw = request.headers.get("x-amz-access-token")
    if not raw:
        raise errors.unauthorized("Access token is missing in the request header.")
    token = backend.access_tokens.get(raw)
    if token is None:
        raise errors.unauthorized("The access token you provided is revoked, malformed or invalid.")
    if backend.now() >= token.expires:
        raise errors.unauthorized("The access token you provided has expired.")
    if token.seller_id is None and not grantless_ok:
        raise errors.unauthorized("The access token you provided is not valid for this operation.")
    if token.seller_id is not None and token.seller_id not in backend.sellers:
        raise errors.unauthorized("The access token you provided is revoked, malformed or invalid.")
    if token.is_rdt and not rdt_allows(token, request.method, request.url.path):
        raise errors.unauthorized("The Restricted Data Token does not grant access to this resource.")
    return token


def operation(name: str, *, grantless_ok: bool = False, rate_limited: bool = True) -> Callable[[Handler], Callable]:
    """Wrap a handler as the SP-API operation ``name`` (its usage plan key in ratelimits)."""

    def decorate(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            backend: Backend = request.app.state.backend
            request_id = str(uuid.uuid4())
            status = 500
            seller_id = "-"
            try:
                await request.body()  # read before locking: Starlette caches it for the handler
                with backend.lock:
                    backend.events.run_due(backend.now())
                    token = authenticate(backend, request, grantless_ok=grantless_ok)
                    seller_id = token.seller_id or token.client_id
                    seller = backend.sellers.get(token.seller_id) if token.seller_id else None
                    fault = backend.faults.take(name, token.seller_id,
                                                kinds=("status", "slow", "drop", "malformed_json"))
                if fault is not None:
                    if fault.kind == "slow":
                        await asyncio.sleep(fault.delay_seconds)
                    elif fault.kind == "drop":
                        return DroppedResponse()
                    elif fault.kind == "malformed_json":
                        status = 200
                        return Response('{"payload": {"truncated', status_code=200,
                                        media_type="application/json",
                                        headers={"x-amzn-RequestId": request_id})
                    elif fault.kind == "status":
                        raise _fault_error(fault.status)
                with backend.lock:
                    now = backend.now()
                    rate = None
                    if rate_limited:
                        overrides = seller.usage_plan_overrides if seller else None
                        allowed, rate = backend.limiter.take(seller_id, name, now.timestamp(), overrides)
                        if not allowed:
                            raise errors.quota_exceeded()
                    ctx = Ctx(request, backend, name, token, seller, now, dict(request.path_params))
                    result = await handler(ctx)
                response = result if isinstance(result, Response) else JSONResponse(result)
                response.headers["x-amzn-RequestId"] = request_id
                if rate is not None:
                    response.headers["x-amzn-RateLimit-Limit"] = _format_rate(rate)
                status = response.status_code
                return response
            except errors.SpApiError as exc:
                status = exc.status
                return exc.response(request_id)
            finally:
                key = (seller_id, name, status)
                backend.request_counts[key] = backend.request_counts.get(key, 0) + 1

        endpoint.__name__ = name
        endpoint.operation_name = name  # type: ignore[attr-defined]
        return endpoint

    return decorate


def _fault_error(status: int) -> errors.SpApiError:
    if status == 429:
        return errors.quota_exceeded()
    if status == 503:
        return errors.service_unavailable()
    if status >= 500:
        err = errors.internal_failure()
        err.status = status
        return err
    return errors.SpApiError(status, "InvalidInput", "Scripted fault.")


def _format_rate(rate: float) -> str:
    return f"{rate:g}"
