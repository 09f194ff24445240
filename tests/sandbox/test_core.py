"""The sandbox's core: LWA grants and errors, authentication, rate limits, faults, clock (I4, G1)."""

from __future__ import annotations

from tests.support.models import validate_response


def test_i4_lwa_refresh_token_grant_gives_an_hour_token(sandbox):
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5)
    r = sandbox.http.post("/auth/o2/token", data={
        "grant_type": "refresh_token", "refresh_token": creds.refresh_token,
        "client_id": creds.client_id, "client_secret": creds.client_secret})
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert body["access_token"].startswith("Atza|")


def test_i4_lwa_rejects_unknown_refresh_token_with_invalid_grant(sandbox):
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5)
    r = sandbox.http.post("/auth/o2/token", data={
        "grant_type": "refresh_token", "refresh_token": "Atzr|nope",
        "client_id": creds.client_id, "client_secret": creds.client_secret})
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_i4_lwa_rejects_wrong_secret_with_invalid_client(sandbox):
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5)
    r = sandbox.http.post("/auth/o2/token", data={
        "grant_type": "refresh_token", "refresh_token": creds.refresh_token,
        "client_id": creds.client_id, "client_secret": "wrong"})
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"


def test_i4_client_credentials_grant_needs_a_known_scope(sandbox):
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5)
    base = {"grant_type": "client_credentials", "client_id": creds.client_id,
            "client_secret": creds.client_secret}
    ok = sandbox.http.post("/auth/o2/token", data={**base, "scope": "sellingpartnerapi::notifications"})
    assert ok.status_code == 200 and ok.json()["expires_in"] == 3600
    bad = sandbox.http.post("/auth/o2/token", data={**base, "scope": "everything"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_scope"


def test_given_expired_access_token_when_calling_then_403_unauthorized(sandbox):
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5)
    client = sandbox.client_for(creds)
    assert client.get("/orders/2026-01-01/orders/111-0000000-0000000").status_code == 404
    sandbox.advance(3601)
    r = client.get("/orders/2026-01-01/orders/111-0000000-0000000")
    assert r.status_code == 403
    assert r.json()["errors"][0]["code"] == "Unauthorized"
    assert "expired" in r.json()["errors"][0]["details"]


def test_given_no_or_unknown_token_when_calling_then_403_in_amazons_shape(sandbox):
    for headers in ({}, {"x-amz-access-token": "Atza|forged"}):
        r = sandbox.http.get("/orders/2026-01-01/orders/111-0000000-0000000", headers=headers)
        assert r.status_code == 403
        validate_response("orders_2026", "getOrder", 403, r.json())


def test_g1_bucket_allows_burst_then_429_then_refills_at_the_published_rate(sandbox, seller):
    path = "/orders/2026-01-01/orders/111-0000000-0000000"  # getOrder: rate 0.5/s, burst 30
    codes = [seller.get(path).status_code for _ in range(31)]
    assert codes[:30] == [404] * 30
    assert codes[30] == 429
    r = seller.get(path)
    assert r.json()["errors"][0]["code"] == "QuotaExceeded"
    validate_response("orders_2026", "getOrder", 429, r.json())
    sandbox.advance(2.0)  # 0.5 tokens per second: one token after 2 s
    ok = seller.get(path)
    assert ok.status_code == 404
    assert seller.get(path).status_code == 429


def test_g1_rate_limit_header_on_success_names_the_rate(sandbox, seller):
    r = seller.get("/orders/2026-01-01/orders", params={
        "createdAfter": "2026-01-01T00:00:00Z", "marketplaceIds": "ATVPDKIKX0DER"})
    assert r.status_code == 200, r.text
    assert r.headers["x-amzn-RateLimit-Limit"] == "0.0056"
    assert r.headers["x-amzn-RequestId"]


def test_g1_usage_plan_override_raises_a_sellers_limits(sandbox):
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5, usage_plans={"getOrder": [10, 50]})
    client = sandbox.client_for(creds)
    codes = [client.get("/orders/2026-01-01/orders/1").status_code for _ in range(50)]
    assert 429 not in codes
    assert client.get("/orders/2026-01-01/orders/1").status_code == 429


def test_g1_buckets_are_per_seller(sandbox):
    a = sandbox.client_for(sandbox.create_seller(marketplaces=["US"], catalog_size=5, seed=1))
    b = sandbox.client_for(sandbox.create_seller(marketplaces=["US"], catalog_size=5, seed=2))
    for _ in range(30):
        a.get("/orders/2026-01-01/orders/1")
    assert a.get("/orders/2026-01-01/orders/1").status_code == 429
    assert b.get("/orders/2026-01-01/orders/1").status_code == 404


def test_i4_scripted_faults_fire_n_times_then_stop(sandbox, seller):
    sandbox.fault(operation="getOrder", kind="status", status=503, count=2)
    codes = [seller.get("/orders/2026-01-01/orders/1").status_code for _ in range(3)]
    assert codes == [503, 503, 404]


def test_i4_malformed_json_fault_answers_200_with_broken_body(sandbox, seller):
    sandbox.fault(operation="getOrder", kind="malformed_json")
    r = seller.get("/orders/2026-01-01/orders/1")
    assert r.status_code == 200
    try:
        r.json()
    except ValueError:
        pass
    else:
        raise AssertionError("body should not be JSON")


def test_i4_unknown_fault_kind_is_a_400(sandbox):
    r = sandbox.http.post("/_sandbox/faults", json={"operation": "getOrder", "kind": "gremlins"})
    assert r.status_code == 400 and "unknown fault kind" in r.json()["error"]


def test_i4_unknown_route_answers_amazons_404_shape(sandbox):
    r = sandbox.http.get("/nothing/here")
    assert r.status_code == 404 and r.json()["errors"][0]["code"] == "NotFound"


def test_i4_stepped_clock_moves_only_when_advanced(sandbox):
    t0 = sandbox.http.get("/_sandbox/clock").json()["now"]
    assert sandbox.http.get("/_sandbox/clock").json()["now"] == t0
    sandbox.advance(90)
    t1 = sandbox.http.get("/_sandbox/clock").json()["now"]
    assert t1 > t0


def test_i4_order_stream_is_deterministic_for_a_seed():
    from tests.support.sandbox import Sandbox

    def run() -> list[tuple[str, str, int]]:
        sb = Sandbox()
        creds = sb.create_seller(marketplaces=["US"], catalog_size=20, seed=42, order_rate_per_hour=300,
                                 seller_id="ASEEDSELLER01")
        sb.backend.clock.set_scale(0)
        sb.advance(3600)
        orders = sb.backend.sellers[creds.seller_id].orders.values()
        return sorted((o.order_id, o.status, len(o.lines)) for o in orders)

    first, second = run(), run()
    assert len(first) > 200
    assert [o[0] for o in first] == [o[0] for o in second]


def test_i4_drop_and_slow_faults_look_like_network_failures_to_a_real_client(sandbox, seller):
    import httpx
    import pytest

    from tests.support.sandbox import live_server

    path = "/orders/2026-01-01/orders/1"
    sandbox.fault(operation="getOrder", kind="drop")
    sandbox.fault(operation="getOrder", kind="slow", delay_seconds=1.0)
    with live_server(sandbox.app) as base, httpx.Client(base_url=base,
                                                         headers={"x-amz-access-token": seller.token}) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            http.get(path)
        with pytest.raises(httpx.ReadTimeout):
            http.get(path, timeout=0.2)
        assert http.get(path).status_code == 404  # both faults used up: normal service
    assert not sandbox.backend.internal_errors


def test_i4_usable_in_process_through_httpx_asgi_transport():
    import asyncio

    import httpx

    from sellerbridge.sandbox.app import create_app

    async def scenario() -> tuple[int, int]:
        app = create_app(time_scale=0)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://amazon") as client:
            creds = (await client.post("/_sandbox/sellers", json={"catalog_size": 3})).json()
            token = (await client.post("/auth/o2/token", data={
                "grant_type": "refresh_token", "refresh_token": creds["refresh_token"],
                "client_id": creds["client_id"], "client_secret": creds["client_secret"]})).json()["access_token"]
            r = await client.get("/orders/2026-01-01/orders", headers={"x-amz-access-token": token},
                                 params={"createdAfter": "2026-01-01T00:00:00Z"})
            return r.status_code, len(r.json()["orders"])

    status, count = asyncio.run(scenario())
    assert status == 200 and count == 0


def test_i4_a_live_order_stream_set_to_rate_0_stops_and_restarts_without_doubling():
    """Rate 0 on a live stream used to divide by zero at its next arrival (issue 9)."""
    from tests.support.sandbox import Sandbox

    sb = Sandbox()
    creds = sb.create_seller(marketplaces=["US"], catalog_size=10, seed=3, order_rate_per_hour=600)
    sb.backend.clock.set_scale(0)
    orders = sb.backend.sellers[creds.seller_id].orders
    sb.advance(600)
    assert orders, "the stream creates orders at 600/hour"
    assert sb.http.patch(f"/_sandbox/sellers/{creds.seller_id}", json={"order_rate_per_hour": 0}).status_code == 200
    stopped_at = len(orders)
    sb.advance(3600)  # the arrival scheduled before the change comes and creates nothing
    assert len(orders) == stopped_at
    for _ in range(3):  # restarting repeatedly keeps one stream, not three
        sb.http.patch(f"/_sandbox/sellers/{creds.seller_id}", json={"order_rate_per_hour": 60})
    sb.advance(3600)
    assert 30 <= len(orders) - stopped_at <= 100  # Poisson at 60/hour over one hour, not ~180


def test_i4_fba_share_sets_how_much_of_the_catalog_amazon_fulfils(sandbox):
    every_mfn = sandbox.create_seller(marketplaces=["US"], catalog_size=60, fba_share=0.0)
    every_fba = sandbox.create_seller(marketplaces=["US"], catalog_size=60, fba_share=1.0)
    channels = {}
    for creds in (every_mfn, every_fba):
        listings = sandbox.http.get(f"/_sandbox/sellers/{creds.seller_id}/listings").json()["listings"]
        channels[creds.seller_id] = {x["fulfillment_channel"] for x in listings}
    assert channels[every_mfn.seller_id] == {"DEFAULT"}
    assert channels[every_fba.seller_id] == {"AMAZON_NA"}
    r = sandbox.http.post("/_sandbox/sellers", json={"fba_share": 1.5})
    assert r.status_code == 400 and "fba_share" in r.text
