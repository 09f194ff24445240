"""A2 OAuth website flow against the sandbox's consent stand-in, and A4 expiry warnings/stop."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.testclient import TestClient

from sellerbridge.api.app import create_api
from sellerbridge.domain.common.errors import ConfigError
from sellerbridge.services import api_keys, connections, oauth
from tests.flows.support import World
from tests.support import flows as order_sync
from tests.support.sandbox import free_port


@pytest.fixture
def admin_api(world: World):
    with TestClient(create_api(world.hub)) as client:
        client.headers["X-API-Key"] = api_keys.create_key(world.hub, "admin", ["admin"])[1]
        yield client


def test_a2_oauth_consent_callback_and_setup_link_against_the_sandbox(admin_api, world: World) -> None:
    # A second seller authorizes the same developer app (client id/secret reused).
    r = world.sandbox.http.post("/_sandbox/sellers", json={"marketplaces": ["CA"], "client_id": world.creds.client_id,
                                                         "client_secret": world.creds.client_secret})
    assert r.status_code == 201, r.text
    new_seller = r.json()["seller_id"]
    pending = connections.add_connection(
        world.hub, name="client-ca", marketplace_ref="CA", client_id=world.creds.client_id,
        client_secret=world.creds.client_secret, api_base_url=world.base_url,
        lwa_token_url=f"{world.base_url}/auth/o2/token")
    assert not pending.has_credentials and connections.is_pending(pending)
    consent_page = f"{world.base_url}/_sandbox/consent?seller_id={new_seller}"
    started = admin_api.post(f"/api/connections/{pending.id}/oauth", json={"seller_central_url": consent_page}).json()
    # The admin's link is the hub's start page: it binds the approving browser, then sends it to the consent.
    assert started["consent_url"].startswith("http://127.0.0.1:8800/setup/")
    with TestClient(create_api(world.hub)) as browser:
        to_amazon = browser.get(urlsplit(started["consent_url"]).path, follow_redirects=False)
        assert to_amazon.status_code == 302 and to_amazon.headers["location"].startswith(consent_page)
        query = parse_qs(urlsplit(to_amazon.headers["location"]).query)
        assert query["application_id"] == ["amzn1.sp.solution.test"] and query["version"] == ["beta"]
        assert query["redirect_uri"] == ["http://127.0.0.1:8800/oauth/callback"]

        back = httpx.get(to_amazon.headers["location"], follow_redirects=False)  # the seller approves
        assert back.status_code == 302
        callback = urlsplit(back.headers["location"])
        assert callback.path == "/oauth/callback"
        tampered = browser.get("/oauth/callback", params={**dict(parse_qs(callback.query)), "state": "x.y"})
        assert tampered.status_code == 400
        done = browser.get(f"/oauth/callback?{callback.query}")
        assert done.status_code == 200, done.text

        record = connections.get_connection(world.hub, "client-ca")
        assert record.seller_id == new_seller and record.has_credentials and record.status == "active"
        assert record.authorization_expires_at - record.authorized_at == timedelta(days=365)
        assert connections.test_connection(world.hub, "client-ca").ok
        assert browser.get(f"/oauth/callback?{callback.query}").status_code == 400  # a state works once

    # The shareable setup link sends the client's browser to the consent page with a fresh state.
    app = create_api(world.hub, seller_central_url=consent_page)
    with TestClient(app) as plain:
        link, _ = oauth.setup_link(world.hub, "client-ca")
        r = plain.get(urlsplit(link).path, follow_redirects=False)
        assert r.status_code == 302 and r.headers["location"].startswith(f"{world.base_url}/_sandbox/consent?")
        assert plain.get("/setup/forged.token", follow_redirects=False).status_code == 400


def test_a2_consent_url_on_seller_central() -> None:
    url = oauth.consent_url("amzn1.sp.solution.x", "st", "https://hub.example/oauth/callback",
                            "https://sellercentral.amazon.de")
    parts = urlsplit(url)
    assert parts.netloc == "sellercentral.amazon.de" and parts.path == "/apps/authorize/consent"
    assert parse_qs(parts.query)["state"] == ["st"]


def test_a4_expiry_warnings_at_30_7_1_days_once_each_then_expired_stops(world: World) -> None:
    hub = world.hub
    record = connections.get_connection(hub, world.connection_id)
    expires = record.authorization_expires_at
    assert connections.check_authorizations(hub, expires - timedelta(days=40)) == []
    seen = []
    for days_before in (29, 20, 6.5, 5, 0.5, 0.2):
        seen += [(n.kind, n.days) for n in connections.check_authorizations(hub, expires - timedelta(days=days_before))]
    assert seen == [("warning", 30), ("warning", 7), ("warning", 1)]
    [notice] = connections.check_authorizations(hub, expires + timedelta(seconds=1))
    assert notice.kind == "expired" and "re-authorize" in notice.message.lower()
    assert connections.check_authorizations(hub, expires + timedelta(days=1)) == []
    stopped = connections.get_connection(hub, world.connection_id)
    assert stopped.status == "expired" and "expired" in stopped.last_error
    with pytest.raises(ConfigError):
        hub.gateway_for(world.connection_id)
    report = order_sync.sync_orders(hub, world.connection_id)
    assert report.status == "failed" and "expired" in report.error
    with pytest.raises(ConfigError):
        connections.enable_connection(hub, world.connection_id)
    # A new refresh token is a new authorization: active again, 365 more days, warnings reset.
    renewed = connections.update_connection(hub, world.connection_id, refresh_token=world.creds.refresh_token)
    assert renewed.status == "active" and renewed.expiry_warned_days is None
    assert connections.test_connection(hub, world.connection_id).ok


def test_a5_disabled_connection_stops_syncs_and_keeps_its_orders(world: World) -> None:
    world.create_orders(2, status="Unshipped", fba=False)
    world.past_search_lag()
    assert order_sync.sync_orders(world.hub, world.connection_id).counts["created"] == 2
    connections.disable_connection(world.hub, world.connection_id)
    report = order_sync.sync_orders(world.hub, world.connection_id)
    assert report.status == "failed" and "disabled" in report.error
    assert len(world.rows("SELECT id FROM orders")) == 2


def test_a2_a3_a_refused_or_unreachable_code_exchange_is_a_clear_error_without_secrets(world: World) -> None:
    pending = connections.add_connection(
        world.hub, name="client-mx", marketplace_ref="MX", client_id=world.creds.client_id,
        client_secret=world.creds.client_secret, api_base_url=world.base_url,
        lwa_token_url=f"{world.base_url}/auth/o2/token")
    link, _ = oauth.setup_link(world.hub, pending.id)

    def a_state() -> tuple[str, str]:
        start = oauth.begin(world.hub, urlsplit(link).path.removeprefix(oauth.SETUP_PATH),
                            seller_central_url=f"{world.base_url}/_sandbox/consent")
        return parse_qs(urlsplit(start.consent_url).query)["state"][0], start.binding

    state, binding = a_state()
    with pytest.raises(oauth.OAuthError) as refused:
        oauth.complete(world.hub, state, "code-never-issued", "ANYSELLER", binding=binding)

    assert str(refused.value) == ("Login with Amazon refused the authorization code (HTTP 400, invalid_grant): "
                                  "start the authorization again")
    assert "code-never-issued" not in str(refused.value) and world.creds.client_secret not in str(refused.value)
    closed = f"http://127.0.0.1:{free_port()}/auth/o2/token"  # nothing listens there
    # a new endpoint needs the stored secret again (issue 9)
    connections.update_connection(world.hub, pending.id, lwa_token_url=closed, client_secret=world.creds.client_secret)
    state, binding = a_state()
    with pytest.raises(oauth.OAuthError) as unreachable:
        oauth.complete(world.hub, state, "code-never-issued", "ANYSELLER", binding=binding)
    assert str(unreachable.value) == "Login with Amazon could not be reached (ConnectError)"
    still = connections.get_connection(world.hub, pending.id)
    assert connections.is_pending(still) and not still.has_credentials  # nothing stored from a failed exchange
