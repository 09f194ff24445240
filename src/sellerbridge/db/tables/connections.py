"""Connections (A1-A5) and API keys (I2).

A connection is one seller account in one marketplace. Its secrets (LWA client secret, refresh
token) are stored as Fernet ciphertext only (A3). ``settings`` holds the per-connection order
settings (statuses, channels, not_before, ignore lists, product code, import mode, PII grant...),
validated by the services that write them.
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table, Text, UniqueConstraint

from ..meta import metadata, one_of
from ..types import Id, Json, UtcDateTime

CONNECTION_STATUSES = ("active", "disabled", "expired")
REGIONS = ("na", "eu", "fe")

connections = Table(
    "connections",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("seller_id", String(32), nullable=False),
    Column("marketplace_id", String(32), nullable=False),
    Column("region", String(8), nullable=False),
    Column("client_id", String(255), nullable=False),
    Column("client_secret_enc", Text, nullable=True),
    Column("refresh_token_enc", Text, nullable=True),
    # Overrides for the local sandbox, Amazon's sandbox hosts or a proxy; NULL follows the region.
    Column("api_base_url", String(500), nullable=True),
    Column("lwa_token_url", String(500), nullable=True),
    Column("status", String(16), nullable=False, server_default="active"),
    Column("authorized_at", UtcDateTime, nullable=True),
    Column("authorization_expires_at", UtcDateTime, nullable=True),
    # A4: the last expiry warning sent (30, 7 or 1 days), so each is sent once.
    Column("expiry_warned_days", Integer, nullable=True),
    Column("settings", Json, nullable=False),
    Column("last_error", Text, nullable=True),
    # Bumped whenever what a gateway is built from changes (secrets, client id, endpoints, seller): every
    # process compares it with its cached gateway's before the next call (G3, A3).
    Column("credentials_version", Integer, nullable=False, server_default="1"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("seller_id", "marketplace_id"),
    one_of("status", CONNECTION_STATUSES),
    one_of("region", REGIONS),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    # The first characters of the key, shown in listings so a person can tell keys apart.
    Column("key_prefix", String(16), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("roles", Json, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_used_at", UtcDateTime, nullable=True),
    Column("revoked_at", UtcDateTime, nullable=True),
)
