"""The sandbox's usage-plan table is Amazon's published one (G1, I4)."""

from __future__ import annotations

import re

import pytest

from sellerbridge.sandbox.ratelimits import DEFAULT_USAGE_PLANS
from tests.support.models import MODEL_FILES, load_model

# Operations whose usage-plan key differs from the operationId (same id in two API versions).
RENAMED = {("orders_v0", "getOrder"): "getOrderV0"}


def _published() -> list[tuple[str, str, float, int]]:
    out = []
    for api in MODEL_FILES:
        for ops in load_model(api)["paths"].values():
            for op in ops.values():
                if not isinstance(op, dict) or "operationId" not in op:
                    continue
                match = re.search(r"\|\s*([\d.]+)\s*\|\s*(\d+)\s*\|", op.get("description", ""))
                if match:
                    out.append((api, op["operationId"], float(match.group(1)), int(match.group(2))))
    return out


@pytest.mark.parametrize(("api", "operation_id", "rate", "burst"), _published())
def test_g1_usage_plan_matches_amazons_model(api, operation_id, rate, burst):
    key = RENAMED.get((api, operation_id), operation_id)
    if key not in DEFAULT_USAGE_PLANS:
        pytest.fail(f"{api}.{operation_id} has no usage plan in the sandbox table")
    assert DEFAULT_USAGE_PLANS[key] == (rate, burst)
