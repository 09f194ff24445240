"""Amazon's Swagger models (``tests/amazon/models``) as response validators for contract tests.

Amazon's JSON schemas come from the sandbox package, which needs them at run time (one copy each);
the two example documents from ``tests/amazon/schemas``. See ``tests/amazon/README.md``.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema

from sellerbridge import sandbox

AMAZON = Path(__file__).resolve().parents[1] / "amazon"
MODELS = AMAZON / "models"
EXAMPLES = AMAZON / "schemas"
SCHEMAS = Path(sandbox.__file__).resolve().parent / "schemas"

MODEL_FILES = {
    "orders_2026": "orders_2026-01-01.json",
    "orders_v0": "ordersV0.json",
    "listings": "listingsItems_2021-08-01.json",
    "feeds": "feeds_2021-06-30.json",
    "reports": "reports_2021-06-30.json",
    "tokens": "tokens_2021-03-01.json",
    "notifications": "notifications.json",
}


@functools.cache
def load_model(api: str) -> dict[str, Any]:
    return json.loads((MODELS / MODEL_FILES[api]).read_text())


@functools.cache
def load_schema(name: str) -> dict[str, Any]:
    folder = EXAMPLES if name.endswith(".example.json") else SCHEMAS
    return json.loads((folder / name).read_text())


def find_operation(api: str, operation_id: str) -> tuple[str, str, dict[str, Any]]:
    model = load_model(api)
    for path, ops in model["paths"].items():
        for method, op in ops.items():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return path, method, op
    raise KeyError(f"{operation_id} not in {api}")


def response_schema(api: str, operation_id: str, status: int) -> dict[str, Any] | None:
    _, _, op = find_operation(api, operation_id)
    response = op["responses"].get(str(status)) or op["responses"].get("default")
    if response is None:
        raise AssertionError(f"{api}.{operation_id} declares no {status} response")
    return response.get("schema")


def validate_response(api: str, operation_id: str, status: int, body: Any) -> None:
    """Raise jsonschema.ValidationError if ``body`` does not match Amazon's model for this answer."""
    schema = response_schema(api, operation_id, status)
    if schema is None:
        assert body in (None, b"", ""), f"{operation_id} {status} must have no body"
        return
    model = load_model(api)
    root = {**schema, "definitions": model.get("definitions", {})}
    jsonschema.Draft4Validator(root).validate(body)


def operation_ids(api: str) -> list[str]:
    model = load_model(api)
    return [op["operationId"] for ops in model["paths"].values() for op in ops.values()
            if isinstance(op, dict) and "operationId" in op]
