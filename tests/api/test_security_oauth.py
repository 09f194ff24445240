"""Issue 9, OAuth takeover: states are single-use and bound to the browser that started the flow, the
token's seller is asked of Amazon (the sandbox answers searchListingsItems for the token's own seller
only), and a connection that has a token keeps it until an admin confirms the new one."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from starlette.testclient import TestClient

from sellerbridge.api.app import create_api
from sellerbridge.db.repositories import connections as repo
from sellerbridge.services import api_keys, connections, oauth
from tests.flows.support import World


@pytest.fixture
def browser(world: World):
    """The browser that opens a setup link: it keeps the hub's cookies, as a real one does."""
    with TestClient(create_api(world.hub)) as client:
        yield client


def _seller(world: World, marketplace: str = "CA") -> str:
    r = world.sandbox.http.post("/_sandbox/sellers", json={"marketplaces": [marketplace],
                                                          "client_id": world.creds.client_id,
                                                          "client_secret": world.creds.client_secret})
    assert r.status_code == 201, r.text
    return r.json()["seller_id"]


def _connection(world: World, name: str, marketplace: str = "CA", seller_id: str | None = None):
    return connections.add_connection(
        world.hub, name=name, marketplace_ref=marketplace, client_id=world.creds.client_id,
        client_secret=world.creds.client_secret, seller_id=seller_id, api_base_url=world.base_url,
        lwa_token_url=f"{world.base_url}/auth/o2/token")


def _consent(world: World, browser: TestClient, connection_id: int, approving_seller: str) -> str:
    """Open the admin's start link in ``browser``; ``approving_seller`` approves on "Seller Central".
    The callback's path and query, as Amazon redirects the browser."""
    start = oauth.start_authorization(world.hub, connection_id,
                                      seller_central_url=f"{world.base_url}/_sandbox/consent?seller_id={approving_seller}")
    to_amazon = browser.get(urlsplit(start.consent_url).path, follow_redirects=False)
    assert to_amazon.status_code == 302, to_amazon.text
    back = httpx.get(to_amazon.headers["location"], follow_redirects=False)
    assert back.status_code == 302
    callback = urlsplit(back.headers["location"])
    return f"{callback.path}?{callback.query}"


def _again(world: World, callback: str) -> str:
    """A fresh code for the same state: the consent page approved once more (what a holder of a state can do)."""
    query = parse_qs(urlsplit(callback).query)
    seller = query["selling_partner_id"][0]
    back = httpx.get(f"{world.base_url}/_sandbox/consent?" + urlencode(
        {"seller_id": seller, "state": query["state"][0], "redirect_uri": "http://127.0.0.1:8800/oauth/callback"}),
        follow_redirects=False)
    callback = urlsplit(back.headers["location"])
    return f"{callback.path}?{callback.query}"


def _with(callback: str, **changes: str) -> str:
    query = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items()} | changes
    return f"{urlsplit(callback).path}?{urlencode(query)}"


def _refresh_token(world: World, connection_id: int) -> str | None:
    with world.hub.store.uow(read_only=True) as session:
        return repo.get_secrets(session, world.hub.store.box, connection_id).refresh_token


def test_an_oauth_state_cannot_be_used_twice(world: World, browser: TestClient) -> None:
    seller = _seller(world)
    pending = _connection(world, "client-ca")
    callback = _consent(world, browser, pending.id, seller)
    assert browser.get(callback).status_code == 200
    first_token = _refresh_token(world, pending.id)

    replay = browser.get(_again(world, callback))  # same state, a new valid code

    assert replay.status_code == 400 and "already used" in replay.text
    assert _refresh_token(world, pending.id) == first_token


def test_an_oauth_state_completes_only_in_the_browser_that_started_it(world: World, browser: TestClient) -> None:
    seller = _seller(world)
    pending = _connection(world, "client-ca")
    callback = _consent(world, browser, pending.id, seller)

    with TestClient(create_api(world.hub)) as other_browser:
        stolen = other_browser.get(callback)
    assert stolen.status_code == 400 and "another browser" in stolen.text
    assert connections.is_pending(connections.get_connection(world.hub, pending.id))
    done = browser.get(callback)  # the refused attempt did not use the state up
    assert done.status_code == 200, done.text
    assert connections.get_connection(world.hub, pending.id).seller_id == seller


def test_the_setup_cookie_is_httponly_lax_and_scoped_to_the_callback(world: World, browser: TestClient) -> None:
    link, _ = oauth.setup_link(world.hub, world.connection_id)
    r = browser.get(urlsplit(link).path, follow_redirects=False)
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/oauth/callback" in cookie
    state = parse_qs(urlsplit(r.headers["location"]).query)["state"][0]
    assert oauth.binding_cookie_name(state) in r.headers["set-cookie"] and state not in r.headers["set-cookie"]


def test_a_callback_cannot_attach_another_sellers_token_to_a_known_sellers_connection(
        world: World, browser: TestClient) -> None:
    victim, attacker = _seller(world), _seller(world)
    known = _connection(world, "victim-ca", seller_id=victim)
    callback = _consent(world, browser, known.id, attacker)  # the attacker approves with their own account

    forged = browser.get(_with(callback, selling_partner_id=victim))

    assert forged.status_code == 400 and "does not belong to seller" in forged.text
    assert _refresh_token(world, known.id) is None


def test_a_pending_connection_takes_only_the_seller_amazon_confirms(world: World, browser: TestClient) -> None:
    claimed, actual = _seller(world), _seller(world)
    pending = _connection(world, "client-ca")
    callback = _consent(world, browser, pending.id, actual)

    forged = browser.get(_with(callback, selling_partner_id=claimed))

    assert forged.status_code == 400 and "does not belong to seller" in forged.text
    record = connections.get_connection(world.hub, pending.id)
    assert connections.is_pending(record) and not record.has_credentials


def test_a_callback_never_replaces_a_connections_token_until_an_admin_confirms(
        world: World, browser: TestClient) -> None:
    before = _refresh_token(world, world.connection_id)
    callback = _consent(world, browser, world.connection_id, world.seller_id)

    waiting = browser.get(callback)

    assert waiting.status_code == 202 and "administrator" in waiting.text
    assert _refresh_token(world, world.connection_id) == before
    admin = {"X-API-Key": api_keys.create_key(world.hub, "admin", ["admin"])[1]}
    shown = browser.get(f"/api/connections/{world.connection_id}/authorization", headers=admin)
    assert shown.status_code == 200 and shown.json()["seller_id"] == world.seller_id
    assert "token" not in shown.text
    operator = {"X-API-Key": api_keys.create_key(world.hub, "op", ["operator"])[1]}
    assert browser.post(f"/api/connections/{world.connection_id}/authorization/confirm",
                        headers=operator).status_code == 403
    confirmed = browser.post(f"/api/connections/{world.connection_id}/authorization/confirm", headers=admin)
    assert confirmed.status_code == 200 and confirmed.json()["decision"] == "confirmed"
    assert _refresh_token(world, world.connection_id) not in (None, before)
    assert connections.test_connection(world.hub, world.connection_id).ok
    assert browser.post(f"/api/connections/{world.connection_id}/authorization/confirm",
                        headers=admin).status_code == 404


def test_a_state_is_consumed_once_by_two_replicas_at_the_same_moment(world: World) -> None:
    import threading

    from sellerbridge.db.repositories import oauth_states

    now = world.hub.now()
    with world.hub.store.uow() as session:
        oauth_states.add_state(session, state="the-state", connection_id=world.connection_id, binding="the-nonce",
                               now=now, expires_at=now + oauth.STATE_LIFETIME)
    replicas = [world.hub, world.other_hub()]
    start, results = threading.Barrier(len(replicas)), []

    def consume(hub) -> None:
        start.wait()
        with hub.store.uow() as session:
            results.append(oauth_states.consume_state(session, state="the-state", binding="the-nonce", now=now))

    threads = [threading.Thread(target=consume, args=(hub,)) for hub in replicas]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        replicas[1].close()

    assert sorted(str(r.problem) for r in results) == ["None", "used"]
