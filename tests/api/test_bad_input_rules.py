"""The rules of ``domain/common/inputs.py`` (issue 9) on their own: what counts as an id, as storable
text, as a moment in range, as plain JSON, and the depth scan that runs before ``json.loads``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from sellerbridge.domain.common import inputs


@pytest.mark.parametrize("ref", ["²", "١٢", "１２", "acme", "12a", "", " 12"])
def test_only_ascii_digits_are_an_id(ref: str) -> None:
    assert inputs.numeric_id(ref) is None


@pytest.mark.parametrize("ref", ["0", str(2**63), "9" * 40, 0, -1, 2**63])
def test_an_id_out_of_the_64_bit_range_is_refused(ref: object) -> None:
    with pytest.raises(ValueError, match="id"):
        inputs.numeric_id(ref)


def test_an_id_in_range_is_read() -> None:
    assert inputs.numeric_id("1") == 1
    assert inputs.numeric_id(str(2**63 - 1)) == 2**63 - 1
    assert inputs.numeric_id(7) == 7
    assert inputs.numeric_id(True) is None  # a bool is not an id


@pytest.mark.parametrize(("text", "problem"), [("a\x00b", "NUL"), ("a\ud800", "surrogate"), ("\udfff", "surrogate"),
                                               ("x" * 11, "longer than 10")])
def test_text_that_no_database_can_hold_is_refused(text: str, problem: str) -> None:
    assert problem in (inputs.text_problem(text, max_length=10) or "")
    with pytest.raises(ValueError, match="the field"):
        inputs.check_text(text, "the field", max_length=10)


def test_ordinary_unicode_text_is_storable() -> None:
    assert inputs.text_problem("Zoë 東京 😀 ²", max_length=10) is None


def test_a_moment_outside_the_hubs_range_or_without_a_zone_is_refused() -> None:
    for moment in (datetime(1999, 12, 31, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC),
                   datetime(2026, 1, 1)):
        with pytest.raises(ValueError):
            inputs.check_moment(moment, "authorized_at")
    fine = datetime(2026, 1, 1, tzinfo=UTC)
    assert inputs.check_moment(fine, "authorized_at") + timedelta(days=365) > fine


@pytest.mark.parametrize("value", [{"a": ["x\x00"]}, {"a": {"b": "\ud800"}}, {"a\ud800": 1}, {"a": 2**64},
                                   {"a": float("nan")}, {"a": object()}, {1: "x"}])
def test_json_values_that_cannot_be_stored_are_refused(value: object) -> None:
    with pytest.raises(ValueError, match="settings"):
        inputs.check_json_value(value, "settings")


def test_json_nesting_is_bounded_and_brackets_in_strings_do_not_count() -> None:
    assert inputs.json_depth_problem("[" * 33 + "]" * 33)
    assert inputs.json_depth_problem("[" * 32 + "]" * 32) is None
    text = json.dumps({"a": "[[[[{{{{" * 100, "b": "\\\"[[["})
    assert inputs.json_depth_problem(text) is None
    assert inputs.loads_bounded(text)["b"] == "\\\"[[["
    with pytest.raises(ValueError, match="deeper"):
        inputs.loads_bounded("[" * 100_000)
    deep = {"a": []}
    node = deep["a"]
    for _ in range(40):
        node.append([])
        node = node[0]
    with pytest.raises(ValueError, match="deeper"):
        inputs.check_json_value(deep, "settings")
