"""``sellerbridge api-key`` and ``connection confirm-authorization`` (I2, A2; issue 9): the server's CLI
grants view_pii (whoever runs it holds the database and the key), and revokes any key, the last admin's too."""

from __future__ import annotations

import json

from sellerbridge.services import api_keys
from tests.flows.support import World


def test_the_servers_cli_grants_view_pii_and_revokes_the_last_admin_key(cli, world: World) -> None:
    made = cli("api-key", "create", "pii-reader", "--role", "viewer,view_pii", "--json")
    assert made.exit_code == 0, made.output
    assert json.loads(made.output)["roles"] == ["view_pii", "viewer"]
    admin, _ = api_keys.create_key(world.hub, "only-admin", ["admin"])

    revoked = cli("api-key", "revoke", "only-admin")

    assert revoked.exit_code == 0, revoked.output
    assert not next(k for k in api_keys.list_keys(world.hub) if k.id == admin.id).active


def test_confirm_authorization_without_a_waiting_one_says_so(cli, world: World) -> None:
    r = cli("connection", "confirm-authorization", str(world.connection_id))
    assert r.exit_code != 0 and "no authorization waiting for confirmation" in r.output
