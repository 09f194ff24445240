"""docs/warehouse.md: the receiver's verification example is the hub's algorithm (B14)."""

from __future__ import annotations

import re
from pathlib import Path

from sellerbridge.channels import signature

DOC = Path(__file__).resolve().parents[2] / "docs" / "warehouse.md"


def _example() -> dict:
    section = DOC.read_text(encoding="utf-8").split("## Deliveries to the warehouse", 1)[1]
    [code] = [block for block in re.findall(r"```python\n(.*?)```", section, re.S) if "verify_sellerbridge" in block]
    scope: dict = {}
    exec(compile(code, str(DOC), "exec"), scope)  # our own documentation's example
    return scope


def test_b14_the_documented_receiver_example_verifies_what_the_hub_signs() -> None:
    verify = _example()["verify_sellerbridge"]
    body = '{"topic":"order.created","x":"é"}'.encode()
    header = signature.sign(["new", "old"], body, timestamp=1_796_205_600)
    assert verify("new", header, body, now=1_796_205_600) and verify("old", header, body, now=1_796_205_650)
    assert not verify("other", header, body, now=1_796_205_600)
    assert not verify("new", header, body + b" ", now=1_796_205_600)
    assert not verify("new", header, body, now=1_796_205_600 + 301)  # a replay
    assert not verify("new", "garbage", body, now=1_796_205_600)
