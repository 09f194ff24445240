"""Tokens API 2021-03-01 in the sandbox: createRestrictedDataToken and RDT authorization (B13, I4)."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from sellerbridge.sandbox import errors
from sellerbridge.sandbox.operation import authenticate
from sellerbridge.sandbox.state import ROLE_DIRECT_TO_CONSUMER_SHIPPING, ROLE_TAX_INVOICING
from tests.support.models import validate_response

RDT_PATH = "/tokens/2021-03-01/restrictedDataToken"
ORDER = "123-1234567-1234567"
ADDRESS = "/orders/v0/orders/{orderId}/address"


def _rdt(client, resources, **extra):
    return client.post(RDT_PATH, json={"restrictedResources": resources, **extra})


def _request(method: str, path: str, token: str) -> Request:
    return Request({"type": "http", "method": method, "path": path, "raw_path": path.encode(),
                    "query_string": b"", "root_path": "", "scheme": "http", "server": ("sandbox.local", 80),
                    "headers": [(b"x-amz-access-token", token.encode())]})


def _opens(sandbox, token: str, method: str, path: str) -> bool:
    try:
        authenticate(sandbox.backend, _request(method, path, token))
    except errors.SpApiError as exc:
        assert exc.status == 403 and exc.code == "Unauthorized"
        return False
    return True


def _assert_400(r, message: str | None = None) -> None:
    assert r.status_code == 400, r.text
    validate_response("tokens", "createRestrictedDataToken", 400, r.json())
    err = r.json()["errors"][0]
    assert err["code"] == "InvalidInput"
    if message is not None:
        assert err["message"] == message


def test_b13_rdt_is_issued_for_an_hour_in_amazons_shape(seller):
    r = _rdt(seller, [{"method": "GET", "path": ADDRESS}])
    assert r.status_code == 200, r.text
    validate_response("tokens", "createRestrictedDataToken", 200, r.json())
    body = r.json()
    assert body["expiresIn"] == 3600
    assert body["restrictedDataToken"].startswith("Atz.sprdt|")
    assert r.headers["x-amzn-RateLimit-Limit"] == "1"


def test_b13_rdt_opens_only_the_issued_method_and_path(sandbox, seller):
    token = _rdt(seller, [{"method": "GET", "path": ADDRESS}]).json()["restrictedDataToken"]
    assert _opens(sandbox, token, "GET", f"/orders/v0/orders/{ORDER}/address")
    assert _opens(sandbox, token, "GET", "/orders/v0/orders/999-7654321-7654321/address")
    assert not _opens(sandbox, token, "GET", f"/orders/v0/orders/{ORDER}/buyerInfo")
    assert not _opens(sandbox, token, "GET", f"/orders/v0/orders/{ORDER}")
    assert not _opens(sandbox, token, "POST", f"/orders/v0/orders/{ORDER}/address")


def test_b13_rdt_for_a_concrete_order_opens_that_order_only(sandbox, seller):
    token = _rdt(seller, [{"method": "GET", "path": f"/orders/v0/orders/{ORDER}",
                           "dataElements": ["buyerInfo", "shippingAddress"]}]).json()["restrictedDataToken"]
    assert _opens(sandbox, token, "GET", f"/orders/v0/orders/{ORDER}")
    assert not _opens(sandbox, token, "GET", "/orders/v0/orders/111-0000000-0000000")
    stored = sandbox.backend.access_tokens[token]
    assert stored.restricted == [{"method": "GET", "path": f"/orders/v0/orders/{ORDER}",
                                  "dataElements": ["buyerInfo", "shippingAddress"]}]


def test_b13_rdt_for_a_report_document_path(sandbox, seller):
    doc = "amzn1.spdoc.1.4.na.0f1e2d3c-aaaa-bbbb-cccc-1234567890ab.T1ABCDEF.60000000001"
    token = _rdt(seller, [{"method": "GET", "path": f"/reports/2021-06-30/documents/{doc}"}]).json()[
        "restrictedDataToken"]
    assert _opens(sandbox, token, "GET", f"/reports/2021-06-30/documents/{doc}")
    assert not _opens(sandbox, token, "GET", "/reports/2021-06-30/documents/amzn1.spdoc.other")


def test_b13_rdt_opens_get_order_address_over_http(sandbox, seller):
    order_id = sandbox.http.post(f"/_sandbox/sellers/{seller.creds.seller_id}/orders",
                                 json={"status": "Unshipped"}).json()["order_ids"][0]
    token = _rdt(seller, [{"method": "GET", "path": ADDRESS}]).json()["restrictedDataToken"]
    ok = seller.get(f"/orders/v0/orders/{order_id}/address", token=token)
    assert ok.status_code == 200, ok.text
    refused = seller.get(f"/orders/v0/orders/{order_id}/buyerInfo", token=token)
    assert refused.status_code == 403


def test_b13_rdt_expires_after_rdt_seconds(sandbox, seller):
    sandbox.config(rdt_seconds=60)
    r = _rdt(seller, [{"method": "GET", "path": ADDRESS}])
    assert r.json()["expiresIn"] == 60
    token = r.json()["restrictedDataToken"]
    path = f"/orders/v0/orders/{ORDER}/address"
    sandbox.advance(59)
    assert _opens(sandbox, token, "GET", path)
    sandbox.advance(2)
    with pytest.raises(errors.SpApiError) as exc:
        authenticate(sandbox.backend, _request("GET", path, token))
    assert exc.value.status == 403 and "expired" in exc.value.details


def test_given_rdt_when_creating_another_rdt_then_403(seller):
    token = _rdt(seller, [{"method": "GET", "path": ADDRESS}]).json()["restrictedDataToken"]
    r = seller.post(RDT_PATH, token=token, json={"restrictedResources": [{"method": "GET", "path": ADDRESS}]})
    assert r.status_code == 403
    validate_response("tokens", "createRestrictedDataToken", 403, r.json())


def test_given_grantless_token_when_creating_rdt_then_403(sandbox, seller):
    creds = seller.creds
    grantless = sandbox.http.post("/auth/o2/token", data={
        "grant_type": "client_credentials", "scope": "sellingpartnerapi::notifications",
        "client_id": creds.client_id, "client_secret": creds.client_secret}).json()["access_token"]
    r = seller.post(RDT_PATH, token=grantless, json={"restrictedResources": [{"method": "GET", "path": ADDRESS}]})
    assert r.status_code == 403 and r.json()["errors"][0]["code"] == "Unauthorized"


def test_given_no_shipping_role_when_asking_for_shipping_address_then_400_naming_the_element(sandbox):
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=3, roles=[ROLE_TAX_INVOICING])
    client = sandbox.client_for(creds)
    r = _rdt(client, [{"method": "GET", "path": "/orders/v0/orders", "dataElements": ["shippingAddress"]}])
    _assert_400(r, "Application does not have access to one or more requested data elements: [shippingAddress]")
    r = _rdt(client, [{"method": "GET", "path": ADDRESS}])
    _assert_400(r, "Application do not have access to some or all requested resource")
    # The role it holds still opens buyer information.
    ok = _rdt(client, [{"method": "GET", "path": "/orders/v0/orders", "dataElements": ["buyerInfo"]},
                       {"method": "GET", "path": "/orders/v0/orders/{orderId}/buyerInfo"}])
    assert ok.status_code == 200, ok.text


def test_given_no_tax_role_when_asking_for_buyer_info_then_400(sandbox):
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=3, roles=[ROLE_DIRECT_TO_CONSUMER_SHIPPING])
    client = sandbox.client_for(creds)
    r = _rdt(client, [{"method": "GET", "path": f"/orders/v0/orders/{ORDER}",
                       "dataElements": ["shippingAddress", "buyerTaxInformation"]}])
    _assert_400(r, "Application does not have access to one or more requested data elements: "
                   "[buyerTaxInformation]")
    assert _rdt(client, [{"method": "GET", "path": ADDRESS}]).status_code == 200


@pytest.mark.parametrize("body", [
    {},
    {"restrictedResources": "GET /orders/v0/orders"},
    {"restrictedResources": []},
    {"restrictedResources": [{"method": "GET"}]},
    {"restrictedResources": [{"path": ADDRESS}]},
    {"restrictedResources": ["GET"]},
    {"restrictedResources": [{"method": "PATCH", "path": ADDRESS}]},
    {"restrictedResources": [{"method": "DELETE", "path": "/orders/v0/orders"}]},
    {"restrictedResources": [{"method": "GET", "path": "/orders/2026-01-01/orders"}]},
    {"restrictedResources": [{"method": "GET", "path": "/orders/v0/orders/not-an-order/address"}]},
    {"restrictedResources": [{"method": "GET", "path": "/orders/v0/orders/((/address"}]},
    {"restrictedResources": [{"method": "GET", "path": ADDRESS + "?x=1"}]},
    {"restrictedResources": [{"method": "GET", "path": "/orders/v0/orders"}]},
    {"restrictedResources": [{"method": "GET", "path": "/orders/v0/orders", "dataElements": ["ssn"]}]},
    {"restrictedResources": [{"method": "GET", "path": "/orders/v0/orders", "dataElements": "buyerInfo"}]},
    {"restrictedResources": [{"method": "GET", "path": "/orders/v0/orders/{orderId}/orderItems",
                              "dataElements": ["shippingAddress"]}]},
    {"restrictedResources": [{"method": "GET", "path": ADDRESS}] * 51},
    {"restrictedResources": [{"method": "GET", "path": ADDRESS}], "targetApplication": "amzn1.sp.solution.x"},
])
def test_given_invalid_request_when_creating_rdt_then_400_invalid_input(seller, body):
    _assert_400(seller.post(RDT_PATH, json=body))


def test_given_data_elements_on_a_path_that_takes_none_when_creating_rdt_then_they_are_ignored(seller):
    r = _rdt(seller, [{"method": "GET", "path": ADDRESS, "dataElements": ["shippingAddress"]}])
    assert r.status_code == 200, r.text
    validate_response("tokens", "createRestrictedDataToken", 200, r.json())


def test_given_body_not_json_when_creating_rdt_then_400(seller):
    _assert_400(seller.post(RDT_PATH, content=b"{nope", headers={"content-type": "application/json"}))


def test_b13_empty_resources_answer_amazons_empty_target_message(seller):
    _assert_400(_rdt(seller, []), "Empty target resource argument found")


def test_b13_target_application_gets_the_token(sandbox, seller):
    other = sandbox.create_seller(marketplaces=["US"], catalog_size=3, seed=9)
    r = _rdt(seller, [{"method": "GET", "path": ADDRESS}], targetApplication=other.client_id)
    assert r.status_code == 200, r.text
    assert sandbox.backend.access_tokens[r.json()["restrictedDataToken"]].client_id == other.client_id


def test_g1_create_rdt_bursts_10_then_429(seller):
    codes = [_rdt(seller, [{"method": "GET", "path": ADDRESS}]).status_code for _ in range(11)]
    assert codes == [200] * 10 + [429]
    r = _rdt(seller, [{"method": "GET", "path": ADDRESS}])
    validate_response("tokens", "createRestrictedDataToken", 429, r.json())
