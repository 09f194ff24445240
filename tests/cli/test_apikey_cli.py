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


def test_confirm_authorization_replaces_the_token_with_the_waiting_one(cli, world: World) -> None:
    from urllib.parse import parse_qs, urlsplit

    from sellerbridge.db.repositories import connections as repo
    from sellerbridge.db.repositories import oauth_states

    consent = world.sandbox.http.get("/_sandbox/consent", params={
        "seller_id": world.seller_id, "state": "s", "redirect_uri": "http://127.0.0.1:8800/oauth/callback"},
        follow_redirects=False)
    code = parse_qs(urlsplit(consent.headers["location"]).query)["spapi_oauth_code"][0]
    new_token = world.sandbox.http.post("/auth/o2/token", data={
        "grant_type": "authorization_code", "code": code, "client_id": world.creds.client_id,
        "client_secret": world.creds.client_secret}).json()["refresh_token"]
    with world.hub.store.uow() as session:  # what a callback for this connection parks
        oauth_states.park_authorization(session, world.hub.store.box, connection_id=world.connection_id,
                                        seller_id=world.seller_id, refresh_token=new_token, now=world.hub.now())

    r = cli("connection", "confirm-authorization", str(world.connection_id))

    assert r.exit_code == 0, r.output
    assert f"the authorization of seller {world.seller_id} is confirmed" in r.output and new_token not in r.output
    with world.hub.store.uow(read_only=True) as session:
        assert repo.get_secrets(session, world.hub.store.box, world.connection_id).refresh_token == new_token
    assert cli("connection", "discard-authorization", str(world.connection_id)).exit_code != 0  # nothing waits
