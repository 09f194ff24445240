"""``sellerbridge connection confirm-authorization|discard-authorization NAME`` (A2; issue 9).

An OAuth callback for a connection that already has a refresh token parks the new token; these
commands are the server operator's confirmation (the REST twin: /api/connections/{ref}/authorization).
"""

from __future__ import annotations

from ..services import oauth
from . import context
from .context import console, handles_errors


@handles_errors
def confirm_authorization(name: str) -> None:
    """Replace the connection's refresh token with the one waiting for confirmation."""
    with context.hub() as hub:
        waiting = oauth.parked(hub, name)
        record = oauth.confirm_parked(hub, name)
    seller = waiting.seller_id if waiting else record.seller_id
    console.print(f"connection {record.name}: the authorization of seller {seller} is confirmed", highlight=False)


@handles_errors
def discard_authorization(name: str) -> None:
    """Throw away the refresh token waiting for confirmation; the connection keeps its own."""
    with context.hub() as hub:
        if not oauth.discard_parked(hub, name):
            raise LookupError(f"connection {name!r} has no authorization waiting for confirmation")
    console.print(f"connection {name}: the waiting authorization is discarded", highlight=False)
