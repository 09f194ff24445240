"""Quirks of Amazon's two Python clients, shown with the installed libraries (docs/amazon-quirks.md).

``amzn-sp-api`` (package ``spapi``) and ``python-amazon-sp-api`` (package ``sp_api``): what a hub
built on either must work around. Each test fails once the library stops behaving this way, so an
upgrade that fixes a quirk shows up here.
"""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
from types import SimpleNamespace

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.adapters.sdk_clients import community_client, official_api_client
from tests.support.sandbox import Sandbox, SellerCreds, live_server

DUMMY = SellerCreds(client_id="amzn1.application-oa2-client.quirks", client_secret="secret",
                    refresh_token="Atzr|quirks", seller_id="AQUIRKSSELLER1", marketplace_ids=["ATVPDKIKX0DER"],
                    region="NA", roles=[])


# --- amzn-sp-api ---------------------------------------------------------------------------------

@pytest.mark.parametrize("module", ["spapi.client", "spapi.auth.lwa_request"])
def test_given_a_fresh_interpreter_when_importing_the_official_sdk_then_root_logger_is_info_with_a_handler(module):
    code = ("import logging; root = logging.getLogger(); before = (root.level, len(root.handlers)); "
            f"import {module}; print(before, (root.level, len(root.handlers)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "(30, 0) (20, 1)"  # WARNING and no handler before, INFO and a handler after


def test_given_an_order_status_the_sdk_does_not_know_when_deserialising_then_value_error():
    sandbox = Sandbox()
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5)
    order_id = sandbox.http.post(f"/_sandbox/sellers/{creds.seller_id}/orders",
                                 json={"count": 1, "status": "Unshipped"}).json()["order_ids"][0]
    body = sandbox.client_for(creds).get(f"/orders/v0/orders/{order_id}").json()
    client = official_api_client("http://sandbox.invalid", creds, access_token="Atza|quirks")
    client.api_models_module = "spapi.models.orders_v0"
    known = client.deserialize(SimpleNamespace(data=json.dumps(body)), "GetOrderResponse")
    assert known.payload.order_status == "Unshipped"
    body["payload"]["OrderStatus"] = "OnHold"  # a value Amazon could add without a new API version
    with pytest.raises(ValueError, match="OnHold"):
        client.deserialize(SimpleNamespace(data=json.dumps(body)), "GetOrderResponse")


# --- python-amazon-sp-api ------------------------------------------------------------------------

@pytest.mark.server
def test_given_a_str_feed_document_when_uploading_with_the_community_client_then_latin1_and_an_emoji_fails():
    from sp_api.api import Feeds

    sandbox = Sandbox()
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5)
    documents = sandbox.backend.documents
    with live_server(sandbox.app) as base:
        feeds = community_client(Feeds, base, creds)
        r = feeds.create_feed_document(io.StringIO('{"title": "Café"}'), "application/json; charset=UTF-8")
        assert documents[r.payload["feedDocumentId"]].content == '{"title": "Café"}'.encode("iso-8859-1")
        before = set(documents)
        with pytest.raises(UnicodeEncodeError):
            feeds.create_feed_document(io.StringIO('{"title": "Café ☕"}'), "application/json; charset=UTF-8")
        [created] = set(documents) - before  # createFeedDocument was called; the upload never went out
        assert documents[created].content is None
        r = feeds.create_feed_document(io.BytesIO('{"title": "Café ☕"}'.encode()), "application/json; charset=UTF-8")
        assert documents[r.payload["feedDocumentId"]].content == '{"title": "Café ☕"}'.encode()


@pytest.mark.server
@pytest.mark.parametrize(("content_type", "decoded_as"), [
    ("text/tab-separated-values", "iso-8859-1"),
    ("text/tab-separated-values; charset=UTF-8", "utf-8"),
])
def test_given_a_report_document_when_the_community_client_downloads_it_then_iso_8859_1_unless_charset_named(
        content_type, decoded_as):
    from sp_api.api import Reports

    text = "item-name\nCafé Crème ☕\n"
    served: dict[str, str] = {}

    async def document(request: Request) -> JSONResponse:
        # Not request.base_url: it comes from the Host header, which this client gets wrong over http.
        return JSONResponse({"reportDocumentId": request.path_params["doc"], "compressionAlgorithm": "GZIP",
                             "url": f"{served['base']}/download"})

    async def download(request: Request) -> Response:
        return Response(gzip.compress(text.encode("utf-8")), headers={"Content-Type": content_type})

    app = Starlette(routes=[Route("/reports/2021-06-30/documents/{doc}", document),
                            Route("/download", download)])
    with live_server(app) as base:
        served["base"] = base
        reports = community_client(Reports, base, DUMMY, restricted_data_token="Atz.sprdt|quirks")
        res = reports.get_report_document("amzn1.spdoc.1.4.na.quirks", download=True)
    assert res.character_code.lower() == decoded_as
    assert res.payload["document"] == text.encode("utf-8").decode(decoded_as)
    assert (res.payload["document"] == text) == (decoded_as == "utf-8")


@pytest.mark.parametrize(("endpoint", "host"), [
    ("https://sellingpartnerapi-na.amazon.com", "sellingpartnerapi-na.amazon.com"),
    ("http://127.0.0.1:8700", "27.0.0.1:8700"),
])
def test_given_an_endpoint_when_the_community_client_builds_headers_then_host_is_the_endpoint_minus_8_chars(
        endpoint, host):
    from sp_api.api import Orders

    client = community_client(Orders, endpoint, DUMMY, restricted_data_token="Atz.sprdt|quirks")
    assert client.headers["host"] == host  # endpoint[8:]: right for https://, wrong for http://


# --- both: a 429 is raised, not retried ---------------------------------------------------------

@pytest.mark.server
def test_given_an_empty_bucket_when_either_client_calls_then_429_is_raised_and_not_retried():
    from sp_api.api import Orders
    from sp_api.base import SellingApiRequestThrottledException
    from spapi.api.orders_v2026_01_01.get_order_api import GetOrderApi
    from spapi.rest import ApiException

    sandbox = Sandbox()
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=5,
                                  usage_plans={"getOrder": [0.0001, 1], "getOrderV0": [0.0001, 1]})
    order_id = sandbox.http.post(f"/_sandbox/sellers/{creds.seller_id}/orders",
                                 json={"count": 1, "status": "Unshipped"}).json()["order_ids"][0]
    with live_server(sandbox.app) as base:
        official = GetOrderApi(official_api_client(base, creds))
        official.get_order(order_id)
        with pytest.raises(ApiException) as raised:
            official.get_order(order_id)
        assert raised.value.status == 429
        community = community_client(Orders, base, creds)  # v0 getOrder
        community.get_order(order_id)
        with pytest.raises(SellingApiRequestThrottledException):
            community.get_order(order_id)
    calls = sandbox.http.get("/_sandbox/stats").json()["calls"][creds.seller_id]
    assert calls["getOrder"] == {"200": 1, "429": 1}
    assert calls["getOrderV0"] == {"200": 1, "429": 1}
