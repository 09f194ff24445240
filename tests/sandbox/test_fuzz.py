"""Fuzzing the sandbox with Amazon's own models: no input makes it answer 500 (I4).

Schemathesis generates requests from each Swagger model (valid ones and, in negative mode, ones
that break the model) for every operation the sandbox serves, sends them over a real loopback
socket with a valid access token, and checks that every answer is below 500 and that every error
is in Amazon's ``{"errors": [...]}`` shape.
"""

from __future__ import annotations

import copy
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from tests.support.models import MODEL_FILES, load_model
from tests.support.sandbox import Sandbox, live_server

pytestmark = [pytest.mark.server, pytest.mark.slow]

EXAMPLES = 25
GRANTLESS = {"createDestination", "getDestinations", "getDestination", "deleteDestination"}


def _normalise(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def _served_paths(app) -> set[tuple[str, str]]:
    out = set()
    for route in app.routes:
        for method in getattr(route, "methods", None) or ():
            out.add((method.upper(), _normalise(route.path)))
    return out


def _has_inputs_to_break(api: str, path: str, method: str) -> bool:
    """Negative mode needs something besides path strings to break (any string is a valid path id)."""
    op = load_model(api)["paths"][path][method.lower()]
    params = op.get("parameters", []) + load_model(api)["paths"][path].get("parameters", [])
    return any(p.get("in") in ("query", "body") or p.get("type") not in (None, "string") for p in params)


def _operations() -> list[tuple[str, str, str, str]]:
    served = _served_paths(Sandbox().app)
    found = []
    for api in MODEL_FILES:
        model = load_model(api)
        for path, ops in model["paths"].items():
            for method, op in ops.items():
                is_op = isinstance(op, dict) and "operationId" in op
                if is_op and (method.upper(), _normalise(path)) in served:
                    found.append((api, method.upper(), path, op["operationId"]))
    return found


OPERATIONS = _operations()


@pytest.fixture(scope="module")
def live():
    sandbox = Sandbox(time_scale=0.0)
    plans = {op: [1000, 1000] for _, _, _, op in OPERATIONS} | {"getOrderV0": [1000, 1000]}
    creds = sandbox.create_seller(marketplaces=["US"], catalog_size=20, usage_plans=plans)
    sandbox.http.post(f"/_sandbox/sellers/{creds.seller_id}/orders", json={"count": 20, "status": "Unshipped"})
    token = sandbox.access_token(creds)
    grantless = sandbox.http.post("/auth/o2/token", data={
        "grant_type": "client_credentials", "scope": "sellingpartnerapi::notifications",
        "client_id": creds.client_id, "client_secret": creds.client_secret}).json()["access_token"]
    with live_server(sandbox.app) as base_url:
        yield sandbox, base_url, token, grantless


def test_i4_fuzz_covers_the_operations_the_hub_needs():
    names = {op for _, _, _, op in OPERATIONS}
    needed = {"searchOrders", "getOrder", "confirmShipment", "getListingsItem", "patchListingsItem",
              "createFeedDocument", "createFeed", "getFeed", "createReport", "getReports", "getReportDocument",
              "createRestrictedDataToken", "createSubscription"}
    assert needed <= names, sorted(needed - names)


CASES = [(api, method, path, op, mode) for api, method, path, op in OPERATIONS
         for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
         if mode == GenerationMode.POSITIVE or _has_inputs_to_break(api, path, method)]


@pytest.mark.parametrize(("api", "method", "path", "operation_id", "mode"), CASES,
                         ids=[f"{a}.{o}.{m.value}" for a, _, _, o, m in CASES])
def test_i4_no_generated_request_gets_a_500(live, api, method, path, operation_id, mode):
    sandbox, base_url, token, grantless = live
    schema = schemathesis.openapi.from_dict(copy.deepcopy(load_model(api)))
    operation = next(r.ok() for r in schema.get_all_operations()
                     if r.ok().method.upper() == method and r.ok().path == path)
    auth = grantless if operation_id in GRANTLESS else token
    seen: list[int] = []

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case):
        response = case.call(base_url=base_url, headers={"x-amz-access-token": auth}, timeout=10)
        seen.append(response.status_code)
        assert response.status_code < 500, (case.method, case.formatted_path, case.query, response.text[:500])
        content_type = " ".join(response.headers.get("content-type") or [])
        if response.status_code >= 400 and content_type.startswith("application/json"):
            assert "errors" in response.json(), response.text[:500]

    check()
    assert seen
    assert not sandbox.backend.internal_errors, sandbox.backend.internal_errors[:3]
