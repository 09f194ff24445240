"""Request bodies and response models of the REST API (I2; issue 9).

Requests: every text field is storable text with its column's length, ids and dates are within the
hub's range, and a field that may not be null says so (``client_id: null`` is a 422, not a 500).
Responses: each route declares its model, so that OpenAPI documents what a client gets; the models
name the fields a client relies on and let the rest of the services' JSON-ready dicts through
(``extra="allow"``), so that a new field is never silently dropped. Errors are :class:`ErrorOut`.
Every response model is an :class:`Answer`: what it shows is made printable first, so that one stored
value that cannot be encoded (a lone surrogate kept by SQLite) never turns a listing into a 500.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from ..domain.common import inputs
from ..services.api_keys import ROLES
from .validation import JsonObject, Moment, Text, printable

Name = Text(100, min_length=1)
Marketplace = Text(32, min_length=1)
ClientId = Text(255, min_length=1)
SellerId = Text(32)
Url = Text(500)
Secret = Text(2000)
ShortText = Text(200)


def _secret_text(value: SecretStr | None) -> SecretStr | None:
    if value is not None:
        inputs.check_text(value.get_secret_value(), "the secret", max_length=2000)
    return value


class ConnectionIn(BaseModel):
    name: Name
    marketplace: Marketplace = Field(..., description="marketplace id or country code (US, DE, JP)")
    client_id: ClientId
    client_secret: SecretStr
    refresh_token: SecretStr | None = Field(None, description="omit to authorize later with the OAuth flow")
    seller_id: SellerId | None = None
    api_base_url: Url | None = None
    lwa_token_url: Url | None = None
    authorized_at: Moment | None = None
    settings: JsonObject | None = Field(None, description="order-import settings (statuses, channels, ...)")

    _secrets = field_validator("client_secret", "refresh_token")(_secret_text)


class ConnectionPatch(BaseModel):
    """Fields left out stay as they are. ``client_id`` and ``settings`` cannot be null (a connection
    always has a client id); a null secret or URL removes it."""

    client_id: ClientId = Field(None)  # type: ignore[assignment]
    client_secret: SecretStr | None = None
    refresh_token: SecretStr | None = None
    api_base_url: Url | None = None
    lwa_token_url: Url | None = None
    settings: JsonObject = Field(None)  # type: ignore[assignment]

    _secrets = field_validator("client_secret", "refresh_token")(_secret_text)

    @field_validator("client_id", "settings", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may not be null: leave the field out to keep it")
        return value


class ApiKeyIn(BaseModel):
    name: Name
    roles: list[Literal[ROLES]] = Field(..., min_length=1, max_length=len(ROLES))  # type: ignore[valid-type]


class OAuthStart(BaseModel):
    application_id: ShortText | None = None
    seller_central_url: Url | None = None


class Answer(BaseModel):
    """A response model: its input is made :func:`~.validation.printable` before it is read."""

    @model_validator(mode="before")
    @classmethod
    def _printable(cls, data: Any) -> Any:
        return printable(data)


class ErrorOut(Answer):
    """Every 4xx answer: ``detail`` is a message, or FastAPI's list of what was wrong in the request."""

    detail: str | list[dict[str, Any]]


class _Open(Answer):
    model_config = ConfigDict(extra="allow")


class ConnectionOut(_Open):
    id: int
    name: str
    seller_id: str | None
    marketplace_id: str
    country: str
    region: str
    client_id: str
    status: str
    has_credentials: bool
    pending_authorization: bool
    api_base_url: str | None
    lwa_token_url: str | None
    authorized_at: str | None
    authorization_expires_at: str | None
    settings: dict[str, Any]
    last_error: str | None


class ConnectionTestOut(Answer):
    ok: bool
    token_ok: bool
    api_ok: bool
    message: str
    api_base_url: str | None
    rate_limit: Any = None


class OAuthStartOut(Answer):
    consent_url: str
    expires_at: str
    setup_link: str
    setup_link_expires_at: str


class RunRequestedOut(Answer):
    """A run asked of the runtime (202): follow it at /api/runs/{run_id}."""

    run_id: int
    connection_id: int | None
    flow: str
    job: str
    status: str
    resumed: bool


class ReprocessOut(Answer):
    error_id: int
    run_id: int
    job: str
    status: str


class JobOut(_Open):
    key: str
    connection_id: int | None
    flow: str
    state: str
    every_seconds: int | None
    enabled: bool


class JobRunOut(JobOut):
    run_id: int
    resumed: bool


class RunOut(_Open):
    run_id: int
    id: int
    connection_id: int | None
    flow: str
    status: str
    retryable: bool


class ErrorSummaryOut(_Open):
    id: int
    connection_id: int
    kind: str
    key: str
    code: str
    message: str
    count: int
    status: str


class ErrorPageOut(Answer):
    items: list[ErrorSummaryOut]
    total: int


class OrderOut(_Open):
    id: int
    amazon_order_id: str
    status: str


class OrderPageOut(Answer):
    items: list[OrderOut]
    total: int
    limit: int
    offset: int


class ApiKeyOut(_Open):
    id: int
    name: str
    roles: list[str]


class ApiKeyCreatedOut(ApiKeyOut):
    key: str = Field(..., description="the clear key: shown in this answer only")


class IntakeOut(_Open):
    accepted: bool
    amazon_order_id: str
    status: str


class HealthOut(Answer):
    status: str


class ReadyOut(Answer):
    status: str  # ready | degraded (a connection failing or stale; still 200) | not ready (503)
    checks: dict[str, Any]
    not_ready: list[Any] | None = None
    connections: dict[str, int] | None = None  # connections by health state (no names: no key needed)


class ConnectionHealthOut(Answer):
    connection_id: int
    name: str
    state: str  # ok | starting | failing | stale | stopped
    detail: str | None
    failures_in_a_row: int
    last_poll_at: str | None


class ConnectionsHealthOut(Answer):
    summary: dict[str, int]
    connections: list[ConnectionHealthOut]


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route that can answer ``statuses``, each with the error model."""
    words = {400: "the request cannot be carried out as asked", 401: "no valid API key",
             403: "the key's role is too low", 404: "no such thing", 409: "the name is taken",
             413: "the body is too large", 422: "the request is malformed"}
    return {status: {"model": ErrorOut, "description": words.get(status, "refused")} for status in statuses}


# What every route can answer: a malformed request, or a body over the limit (``api/app.py``).
COMMON = (413, 422)
VIEWER = (401, 403, *COMMON)  # a route behind an API key


_TEXT = {"type": "string", "maxLength": 64}
# The intake reads its body itself (raw, or wrapped by SQS/SNS); this documents the raw ORDER_CHANGE
# shape (Amazon's notification model) so clients and the fuzz know what to send.
INTAKE_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["NotificationType", "Payload"],
    "properties": {
        "NotificationVersion": _TEXT, "NotificationType": {"type": "string", "enum": ["ORDER_CHANGE"]},
        "PayloadVersion": _TEXT, "EventTime": {"type": "string", "format": "date-time"},
        "Payload": {"type": "object", "required": ["OrderChangeNotification"], "properties": {
            "OrderChangeNotification": {
                "type": "object", "required": ["SellerId", "AmazonOrderId"],
                "properties": {"NotificationLevel": _TEXT, "SellerId": _TEXT, "AmazonOrderId": _TEXT,
                               "OrderChangeType": _TEXT, "OrderChangeTrigger": {"type": "object"},
                               "Summary": {"type": "object"}}}}},
        "NotificationMetadata": {"type": "object"},
    }}}}}}
