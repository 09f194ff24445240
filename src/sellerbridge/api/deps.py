"""Authentication and roles for the REST API (I2): ``X-API-Key`` header, roles viewer < operator < admin,
and ``view_pii`` as an extra grant (B13).

401 without a key or with an unknown/revoked one; 403 when the key's role is too low.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, HTTPException, Request
from fastapi.security import APIKeyHeader

from ..bootstrap import Hub
from ..services import api_keys
from ..services.api_keys import ApiKey

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="sellerbridge api-key create")


def get_hub(request: Request) -> Hub:
    return request.app.state.hub


def require(level: str) -> Callable[..., ApiKey]:
    """A dependency admitting keys with at least ``level``."""

    def dependency(request: Request, key: str | None = Depends(api_key_header)) -> ApiKey:
        record = api_keys.authenticate(get_hub(request), key)
        if record is None:
            raise HTTPException(401, "a valid API key is required in the X-API-Key header",
                                headers={"WWW-Authenticate": "X-API-Key"})
        if not api_keys.has_level(record.roles, level):
            raise HTTPException(403, f"this needs the {level} role; the key has {', '.join(record.roles)}")
        return record

    return dependency


def can_view_pii(key: ApiKey) -> bool:
    return api_keys.VIEW_PII in key.roles


viewer = require("viewer")
operator = require("operator")
admin = require("admin")
