"""Request bodies of the REST API (responses are the services' JSON-ready dicts)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, SecretStr


class ConnectionIn(BaseModel):
    name: str = Field(..., max_length=100)
    marketplace: str = Field(..., description="marketplace id or country code (US, DE, JP)")
    client_id: str
    client_secret: SecretStr
    refresh_token: SecretStr | None = Field(None, description="omit to authorize later with the OAuth flow")
    seller_id: str | None = None
    api_base_url: str | None = None
    lwa_token_url: str | None = None
    authorized_at: datetime | None = None
    settings: dict[str, Any] | None = Field(None, description="order-import settings (statuses, channels, ...)")


class ConnectionPatch(BaseModel):
    client_id: str | None = None
    client_secret: SecretStr | None = None
    refresh_token: SecretStr | None = None
    api_base_url: str | None = None
    lwa_token_url: str | None = None
    settings: dict[str, Any] | None = None


class ApiKeyIn(BaseModel):
    name: str = Field(..., max_length=100)
    roles: list[str]


class OAuthStart(BaseModel):
    application_id: str | None = None
    seller_central_url: str | None = None
