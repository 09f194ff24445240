"""The endpoint rules of connections (issue 9; ``amazon/endpoint_allowlist.py``).

- A new or changed endpoint must be allowed: Amazon's hosts or an origin of the process settings.
- Changing an endpoint of an existing connection needs its secrets again in the same change: an
  admin key alone must not be enough to send the stored client secret and refresh token to a new
  host. Each secret the connection holds must be given (a pending one has no refresh token yet).
"""

from __future__ import annotations

from typing import Any

from ..amazon.endpoint_allowlist import EndpointAllowlist
from ..amazon.regions import ConnectionEndpoints
from ..bootstrap import Hub
from ..db.repositories import connections as repo
from ..db.repositories.connections import ConnectionRecord
from ..domain.common.errors import ConfigError


def allowlist(hub: Hub) -> EndpointAllowlist:
    return EndpointAllowlist.of(hub.settings.allowed_endpoint_origins)


def check_new(hub: Hub, endpoints: ConnectionEndpoints) -> None:
    """A new connection's endpoints are allowed (ConfigError otherwise)."""
    allowlist(hub).require_endpoints(endpoints)


def check_change(hub: Hub, record: ConnectionRecord, endpoints: ConnectionEndpoints, *,
                 client_secret: Any, refresh_token: Any) -> None:
    """An update's endpoints are allowed, and when one changes, the stored secrets are given again.

    ``client_secret`` / ``refresh_token`` are the update's values (``KEEP`` or None when not given).
    """
    before = ConnectionEndpoints.resolve(record.marketplace_id, api_base_url=record.api_base_url,
                                         lwa_token_url=record.lwa_token_url)
    if endpoints == before:
        return
    allowlist(hub).require_endpoints(endpoints)
    with hub.store.uow(read_only=True) as session:
        stored = repo.get_secrets(session, hub.store.box, record.id)
    missing = [name for name, held, given in (("client secret", stored.client_secret, client_secret),
                                               ("refresh token", stored.refresh_token, refresh_token))
               if held and not isinstance(given, str)]
    if missing:
        raise ConfigError(f"changing the endpoints of connection {record.name!r} needs its {' and '.join(missing)} "
                          "again in the same change (the hub would send them to the new endpoint)")
