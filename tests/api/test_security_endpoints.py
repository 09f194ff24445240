"""Issue 9, endpoint changes exfiltrating secrets: a connection's endpoints may only be Amazon's hosts or
origins the process settings allow; changing one needs the secrets again; and no secret is sent to an
endpoint outside the allow-list, even one written to the database another way.

The hub here allows only the world's sandbox; the "attacker" is another loopback server that records
whatever reaches it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from sellerbridge.api.app import create_api
from sellerbridge.bootstrap import Hub, build_hub
from sellerbridge.db.repositories import connections as repo
from sellerbridge.domain.common.errors import ConfigError
from sellerbridge.services import api_keys, connections
from tests.flows.support import World
from tests.support.sandbox import live_server


class Attacker:
    """A server that answers like LWA and keeps every request it got."""

    def __init__(self) -> None:
        self.requests: list[str] = []

        async def anything(request: Request) -> JSONResponse:
            self.requests.append(f"{request.method} {request.url.path} {(await request.body()).decode()}")
            return JSONResponse({"access_token": "Atza|stolen", "expires_in": 3600})

        self.app = Starlette(routes=[Route("/{path:path}", anything, methods=["GET", "POST"])])


@pytest.fixture
def attacker() -> Iterator[tuple[Attacker, str]]:
    server = Attacker()
    with live_server(server.app) as url:
        yield server, url


@pytest.fixture
def narrow_hub(world: World) -> Iterator[Hub]:
    """The world's database, with a hub that allows only the world's sandbox besides Amazon."""
    hub = build_hub(world.settings.model_copy(update={"allowed_endpoint_origins": world.base_url}), clock=world.clock)
    try:
        yield hub
    finally:
        hub.close()


@pytest.fixture
def admin_api(narrow_hub: Hub) -> Iterator[TestClient]:
    with TestClient(create_api(narrow_hub)) as client:
        client.headers["X-API-Key"] = api_keys.create_key(narrow_hub, "admin", ["admin"])[1]
        yield client


def test_an_endpoint_outside_amazon_and_the_allowed_origins_is_refused(
        world: World, admin_api: TestClient, attacker: tuple[Attacker, str]) -> None:
    server, evil = attacker
    secrets = {"client_secret": world.creds.client_secret, "refresh_token": world.creds.refresh_token}

    for field in ("lwa_token_url", "api_base_url"):
        r = admin_api.patch(f"/api/connections/{world.connection_id}", json={field: f"{evil}/auth/o2/token",
                                                                            **secrets})
        assert r.status_code == 400 and "SELLERBRIDGE_ALLOWED_ENDPOINT_ORIGINS" in r.json()["detail"]
    added = admin_api.post("/api/connections", json={
        "name": "evil", "marketplace": "DE", "client_id": "x", "client_secret": "y", "api_base_url": evil})
    assert added.status_code == 400
    for not_an_origin in ("file:///etc/passwd", f"{evil.replace('http://', 'http://user@')}/auth/o2/token"):
        assert admin_api.patch(f"/api/connections/{world.connection_id}",
                               json={"lwa_token_url": not_an_origin, **secrets}).status_code == 400
    record = connections.get_connection(world.hub, world.connection_id)
    assert record.lwa_token_url == f"{world.base_url}/auth/o2/token" and record.api_base_url == world.base_url
    assert server.requests == []
    amazon = admin_api.patch(f"/api/connections/{world.connection_id}", json={
        "api_base_url": "https://sellingpartnerapi-eu.amazon.com", **secrets})
    assert amazon.status_code == 200, amazon.text  # Amazon's own hosts are always allowed


def test_changing_an_endpoint_needs_the_connections_secrets_again(world: World, admin_api: TestClient) -> None:
    path = f"/api/connections/{world.connection_id}"
    to_amazon = {"lwa_token_url": None}  # back to Login with Amazon's own URL: a change of endpoint

    without = admin_api.patch(path, json=to_amazon)
    only_one = admin_api.patch(path, json={**to_amazon, "client_secret": world.creds.client_secret})

    assert without.status_code == 400 and "client secret and refresh token" in without.json()["detail"]
    assert only_one.status_code == 400 and "refresh token" in only_one.json()["detail"]
    assert connections.get_connection(world.hub, world.connection_id).lwa_token_url == f"{world.base_url}/auth/o2/token"
    assert admin_api.patch(path, json={"settings": {"channels": ["MFN"]}}).status_code == 200  # no endpoint: no rule
    given = admin_api.patch(path, json={**to_amazon, "client_secret": world.creds.client_secret,
                                        "refresh_token": world.creds.refresh_token})
    assert given.status_code == 200 and given.json()["lwa_token_url"] is None


def test_no_secret_is_sent_to_an_endpoint_outside_the_allow_list_even_from_the_database(
        world: World, narrow_hub: Hub, attacker: tuple[Attacker, str]) -> None:
    server, evil = attacker
    with narrow_hub.store.uow() as session:  # a URL that reached the database another way
        repo.update_connection(session, world.connection_id, lwa_token_url=f"{evil}/auth/o2/token",
                               now=narrow_hub.now())

    with pytest.raises(ConfigError, match="not one of Amazon's endpoints"):
        narrow_hub.gateway_for(world.connection_id)
    check = connections.test_connection(narrow_hub, world.connection_id)

    assert not check.ok and "not one of Amazon's endpoints" in check.message
    assert server.requests == []
