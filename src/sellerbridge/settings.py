"""Process settings (``SELLERBRIDGE_`` environment prefix), built once in bootstrap and passed down.

Per-connection settings are database rows, not settings. Nothing reads the environment at import.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from .domain.ports.retention import RetentionPolicy


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SELLERBRIDGE_", env_file=None, extra="ignore")

    data_dir: Path = Path("var")
    database_url: str | None = None  # default: SQLite file in data_dir
    # Fernet key (urlsafe base64, 32 bytes) for secrets and PII at rest (A3, B13). When unset, a key
    # is generated once into data_dir/secret.key (mode 0600).
    secret_key: SecretStr | None = None
    redis_url: str | None = None
    # The task queue's name (Huey): processes sharing one Redis (or one data_dir) and one name share
    # one queue. Distinct names keep installations, or test runs, on one Redis apart.
    queue_name: str = Field("sellerbridge", pattern=r"^[A-Za-z0-9_]{1,64}$")
    pii_retention_days: int = Field(30, ge=1)  # B13: purge PII N days after delivery
    pii_transit_allowance_days: int = Field(14, ge=0)  # B13: delivery not seen: ship time + this (purge_clock.py)
    # How long Amazon's documents and their traces are kept (B13; the ``retention`` flow deletes the rest).
    retention_call_log_days: int = Field(30, ge=1)  # sp_api_calls
    retention_runs_days: int = Field(90, ge=1)  # finished sync runs (a job's latest always stays)
    retention_errors_days: int = Field(90, ge=1)  # resolved or dismissed errors (open ones stay)
    retention_documents_days: int = Field(90, ge=1)  # finished report requests and feed submissions
    retention_pending_fetches_days: int = Field(30, ge=1)  # notified orders never fetched
    retention_pii_access_days: int = Field(365, ge=1)  # the PII access log (the audit trail)
    public_base_url: str = "http://127.0.0.1:8800"  # where Amazon's OAuth redirect reaches the hub
    # A2: the hub's SP-API application id (amzn1.sp.solution...), named in the OAuth consent URL.
    spapi_application_id: str | None = None
    # B1 push path: the secret path segment of POST /intake/amazon/{token}. When unset, one is
    # generated once into data_dir/intake.token (mode 0600).
    intake_token: SecretStr | None = None
    # GET /metrics is open, as Prometheus scrapes; when set, it needs ``Authorization: Bearer <token>``.
    metrics_token: SecretStr | None = None
    # Issue 9: origins besides Amazon's that a connection's endpoints may name (the hub sends secrets
    # there), comma-separated ``scheme://host[:port]``; ``:*`` is any port. E.g. the local sandbox or a
    # proxy: ``http://127.0.0.1:8700,https://spapi-proxy.internal``. Empty: Amazon's hosts only.
    allowed_endpoint_origins: str = ""
    # Demos, tests and benchmarks only: follow the clock of a local sandbox served with --time-scale K
    # (its base URL), so that every process of the hub and the sandbox agree on simulated time.
    follow_sandbox_clock: str | None = None
    # Issue 10: webhook receivers may be plain http (not only loopback). Off: https only (B14, B13).
    allow_http_webhooks: bool = False
    # Issue 10: how long the older webhook secret stays valid after `receivers rotate-secret` (hours).
    webhook_rotation_grace_hours: int = Field(24, ge=0, le=24 * 30)

    def retention_policy(self) -> RetentionPolicy:
        return RetentionPolicy(calls=self.retention_call_log_days, runs=self.retention_runs_days,
                               resolved_errors=self.retention_errors_days, documents=self.retention_documents_days,
                               pending_fetches=self.retention_pending_fetches_days,
                               pii_access=self.retention_pii_access_days)

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'sellerbridge.sqlite3'}"
