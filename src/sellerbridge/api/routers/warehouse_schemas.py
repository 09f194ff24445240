"""Request bodies and answers of /api/receivers and /api/deliveries (issue 10, B14, B13; I2).

Secrets never appear in an answer, except the new signing secret in the answer that made it
(:class:`ReceiverCreatedOut`), once.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator

from ..schemas import Answer, Name, Url, _Open, _secret_text
from ..validation import Id, JsonObject, Ref, Text

BatchName = Text(255, min_length=1)


class ReceiverIn(BaseModel):
    connection: Ref
    name: Name
    kind: Literal["webhook", "local_dir", "sftp"]
    url: Url | None = Field(None, description="webhook: https://... (plain http only for loopback or when allowed)")
    config: JsonObject | None = Field(None, description="file kinds: directory, inbox; sftp: host, port, username, "
                                                        "directory, host_key")
    password: SecretStr | None = Field(None, description="sftp: the password (stored encrypted, never shown)")
    private_key: SecretStr | None = Field(None, description="sftp: the private key (stored encrypted, never shown)")
    file_format: Literal["json", "csv"] = "json"

    _secrets = field_validator("password", "private_key")(_secret_text)


class AckIn(BaseModel):
    """A file receiver's acknowledgement: batch names, delivery ids, or both."""

    batches: list[BatchName] = Field(default_factory=list, max_length=500)
    delivery_ids: list[Id] = Field(default_factory=list, max_length=500)
    connection: Ref | None = None


class BreakerOut(Answer):
    state: str
    failures: int
    trips: int
    retry_at: str | None


class ReceiverOut(_Open):
    id: int
    connection_id: int
    kind: str
    name: str
    config: dict[str, Any]
    file_format: str
    paused: bool
    pii_allowed: bool
    pii_changed_by: str | None
    pii_changed_at: str | None
    has_secrets: bool
    breaker: BreakerOut


class AuditOut(_Open):
    at: str
    actor: str
    action: str


class ReceiverDetailOut(ReceiverOut):
    audit: list[AuditOut]


class ReceiverCreatedOut(ReceiverOut):
    secret: str | None = Field(None, description="the new signing secret: shown in this answer only")


class ReceiverTestOut(Answer):
    receiver_id: int
    delivery_id: int
    message_id: str
    ok: bool
    status: int | None
    duration_ms: int
    excerpt: str
    batch_name: str | None


class AttemptOut(_Open):
    at: str
    ok: bool
    status: int | None
    duration_ms: int
    excerpt: str | None


class DeliveryOut(_Open):
    id: int
    receiver_id: int
    connection_id: int
    topic: str
    order_id: int | None
    message_id: str
    status: str
    attempts: int


class DeliveryDetailOut(DeliveryOut):
    attempt_log: list[AttemptOut]


class DeliveryPageOut(Answer):
    items: list[DeliveryOut]
    total: int


class RedeliverOut(Answer):
    """Deliveries due again (202): the ``deliveries`` run that sends them is at /api/runs/{run_id}."""

    items: list[DeliveryOut]
    run_id: int | None
    job: str | None


class AckOut(Answer):
    acknowledged: int
