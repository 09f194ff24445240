"""The OAuth website flow's server-side state (A2; issue 9, ``docs/adr/0005-web-security.md``).

- ``oauth_states``: one row per ``state`` the hub issued, keyed by the state's SHA-256 (the clear
  state lives only in the browser's redirect). ``binding_hash`` is the SHA-256 of the nonce set as a
  cookie in the browser that started the flow; ``used_at`` set once, by a conditional UPDATE, makes a
  state single-use across replicas.
- ``pending_authorizations``: a refresh token a callback obtained for a connection that already had
  one. It waits here (encrypted, A3) until an administrator confirms it; one per connection.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from ..meta import metadata
from ..types import Id, UtcDateTime

oauth_states = Table(
    "oauth_states",
    metadata,
    Column("state_hash", String(64), primary_key=True),
    Column("connection_id", Id, ForeignKey("connections.id", ondelete="CASCADE"), nullable=False),
    Column("binding_hash", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime, nullable=True),
    Index(None, "expires_at"),
)

pending_authorizations = Table(
    "pending_authorizations",
    metadata,
    Column("connection_id", Id, ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True),
    Column("seller_id", String(32), nullable=False),  # the seller Amazon confirmed the token belongs to
    Column("refresh_token_enc", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# The ORDER_CHANGE subscription the hub created for a seller (Amazon keeps one per seller and
# application): the intake accepts only notifications that name it (issue 9).
order_change_subscriptions = Table(
    "order_change_subscriptions",
    metadata,
    Column("seller_id", String(32), primary_key=True),
    Column("subscription_id", String(128), nullable=False),
    Column("destination_id", String(128), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
)

# Per connection: the intake's rate window (hints queued for getOrder in the current minute) and the
# totals of notifications it refused, for the metrics (issue 9; every replica writes the same rows).
intake_tallies = Table(
    "intake_tallies",
    metadata,
    Column("connection_id", Id, ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True),
    Column("window_start", UtcDateTime, nullable=False),
    Column("window_queued", Integer, nullable=False),
    Column("rate_limited", Integer, nullable=False),
    Column("foreign_subscription", Integer, nullable=False),
    Column("foreign_application", Integer, nullable=False),
)
