"""Fuzzing the hub's own REST API from its own OpenAPI (I2; issue 9), on SQLite and PostgreSQL.

Schemathesis generates requests from ``create_api(hub).openapi()`` for every operation, valid ones
and (negative mode) ones that break the documented schema, and sends them over a real loopback
socket to the API serving a hub on ``db_url`` (connected to the sandbox). Every answer must be
below 500, have a documented status code and content type, and a body that conforms to the
documented schema (the routes' response models and their error model).

Who asks: an admin key with view_pii (every route really runs, the intake with the right token, a
connection update on the real connection), and a few cases with no key and with a read-only key.
The examples per operation are bounded and derandomized, so a run is short and repeatable.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sellerbridge.api.app import create_api
from sellerbridge.services import api_keys
from tests.flows.support import World
from tests.support.sandbox import live_server

pytestmark = [pytest.mark.server, pytest.mark.slow]

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 15  # per operation, mode and way of asking: bounded so a database's run stays well under a minute
FEW = 3  # the cases without a key and with a viewer key: they stop at the door
INTAKE_TOKEN = "intake-secret-token"  # the world's settings


@pytest.fixture
def served(world: World) -> Iterator[tuple[str, dict[str, Any]]]:
    """The hub's API on a loopback port (no runtime: what it asks for waits in the jobs table)."""
    app = create_api(world.hub)
    spec = copy.deepcopy(app.openapi())
    with live_server(app) as base_url:
        yield base_url, spec


def _fuzz(operation: Any, mode: GenerationMode, examples: int, *, call: Callable[[Any], Any],
          fixed: dict[str, Any] | None = None) -> tuple[int, list[str]]:
    """Run ``examples`` generated cases through ``call``; every failed check, not the first only."""
    failures: list[str] = []
    sent = 0

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode, **(fixed or {})))
    def check(case: Any) -> None:
        nonlocal sent
        sent += 1
        response = call(case)
        try:
            case.validate_response(response, checks=CHECKS)
        except (AssertionError, BaseExceptionGroup) as exc:  # schemathesis's report: collected, to show all
            failures.append(f"{case.method} {case.formatted_path} {mode.value}: {response.status_code} "
                            f"{_what(exc)} | {response.text[:200]}")

    try:
        check()
    except Unsatisfiable:  # negative mode, and nothing in the operation that a request could break
        assert mode == GenerationMode.NEGATIVE
    return sent, failures


def _what(exc: BaseException) -> str:
    """Each failed check in one line: its title and the start of its message."""
    parts = exc.exceptions if isinstance(exc, BaseExceptionGroup) else (exc,)
    return "; ".join(f"{getattr(p, 'title', type(p).__name__)}: {' '.join(str(p).split())[:160]}" for p in parts)


def _reaching(method: str, path: str, world: World) -> dict[str, Any] | None:
    """Parts of a request fixed so that it reaches the real thing (the rest is generated): the
    intake's token, the world's connection, a real flow, a valid new connection."""
    if path.startswith("/intake/amazon/"):
        return {"path_parameters": {"token": INTAKE_TOKEN}}
    if path.startswith("/api/connections/{ref}"):
        return {"path_parameters": {"ref": str(world.connection_id)}}
    if path.startswith("/api/jobs/{flow}"):
        return {"path_parameters": {"flow": "orders"}, "query": {"connection": str(world.connection_id)}}
    if (method, path) == ("POST", "/api/connections"):
        seller = world.sandbox.create_seller(marketplaces=["CA"], catalog_size=2, seed=4)
        return {"body": {"name": "fuzz-ca", "marketplace": "CA", "client_id": seller.client_id,
                         "client_secret": seller.client_secret, "refresh_token": seller.refresh_token,
                         "seller_id": seller.seller_id, "api_base_url": world.base_url,
                         "lwa_token_url": f"{world.base_url}/auth/o2/token"}}
    return None


def test_no_generated_request_gets_a_500_or_an_undocumented_answer(served, world: World) -> None:
    base_url, spec = served
    admin = api_keys.create_key(world.hub, "fuzz-admin", ["admin", "view_pii"])[1]
    viewer = api_keys.create_key(world.hub, "fuzz-viewer", ["viewer"])[1]
    schema = schemathesis.openapi.from_dict(spec)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25, [op.path for op in operations]

    def asking(key: str | None) -> Callable[[Any], Any]:
        headers = {"X-API-Key": key} if key else {}
        return lambda case: case.call(base_url=base_url, headers=headers, timeout=30)

    failures: list[str] = []
    sent: dict[str, int] = {}
    for operation in operations:
        fixed = _reaching(operation.method.upper(), operation.path, world)
        runs = [(GenerationMode.POSITIVE, EXAMPLES, admin, None), (GenerationMode.NEGATIVE, EXAMPLES, admin, None),
                (GenerationMode.POSITIVE, FEW, None, None), (GenerationMode.POSITIVE, FEW, viewer, None)]
        if fixed:
            runs += [(GenerationMode.POSITIVE, EXAMPLES, admin, fixed), (GenerationMode.NEGATIVE, FEW, admin, fixed)]
        for mode, examples, key, parts in runs:
            count, found = _fuzz(operation, mode, examples, call=asking(key), fixed=parts)
            sent[f"{operation.method.upper()} {operation.path}"] = sent.get(
                f"{operation.method.upper()} {operation.path}", 0) + count
            failures += found
    assert not failures, "\n".join(failures[:40]) + f"\n({len(failures)} failures)"
    assert all(sent.values()), sent  # every operation was asked something
    # the routes really ran: the fuzz's admin changed the world's connection and created keys
    assert world.rows("SELECT COUNT(*) FROM api_keys")[0][0] > 2
