"""Tracking numbers that cannot be valid for their carrier are caught before Amazon sees them (C2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sellerbridge.domain.shipments.tracking import (
    check_tracking,
    dhl_express_check_digit,
    fedex_express_check_digit,
    gs1_check_digit,
    normalise,
    s10_check_digit,
    ups_check_digit,
    ups_value,
)

# Public sample numbers (carriers' documentation and test accounts) and numbers computed below.
VALID = [
    ("1Z999AA10123456784", "UPS"),  # UPS's documented sample
    ("1Z12345E6605272234", "UPS"),
    ("1z 999 aa1 012 345 678 4", "UPS"),  # spaces and lower case as typed
    ("9405511899223197428490", "USPS"),  # IMpb 22 digits
    ("9205590164917312751089", "USPS"),
    ("42097477" + "9405511899223197428490", "USPS"),  # a scanned label: 420 + ZIP, then the number
    ("RR123456785GB", "USPS"),  # UPU S10
    ("EE123456785US", "USPS"),
    ("449044304137821", "FedEx"),  # FedEx Ground's sample (15 digits)
    ("00123456789012345675", "FedEx"),  # SSCC-18 with its 00
    ("9405511899223197428490", "FedEx SmartPost"),
    ("3318810025", "DHL"),  # DHL Express's sample
    ("JJD0099999999", "DHL"),
    ("JVGL06290987654321", "DHL Express"),
    ("00340434161094042557", "DHL"),  # DHL Paket / GS1: by format
    ("TBA123456789000", "Amazon Logistics"),
    ("CP123-456-789-CA", "Canada Post"),
]

INVALID = [
    ("1Z999AA10123456785", "UPS", "check digit"),
    ("1Z999AA1012345678", "UPS", "18 characters"),
    ("123456789012", "UPS", "1Z"),
    ("9405511899223197428491", "USPS", "check digit"),
    ("940551189922319742849", "USPS", "20, 22, 26, 30 or 34"),
    ("RR123456784GB", "USPS", "S10"),
    ("449044304137822", "FedEx", "check digit"),
    ("12345", "FedEx", "12 or 15 digits"),
    ("3318810026", "DHL", "check digit"),
    ("ABC", "DHL", "10 digits"),
    ("12-34", "Royal Mail", "6 to 40"),
    ("ÄÖÜ123456", "Other", "A-Z"),
    ("", "UPS", "empty"),
]


@pytest.mark.parametrize(("number", "carrier"), VALID)
def test_c2_valid_tracking_numbers_pass(number, carrier):
    verdict = check_tracking(number, carrier)
    assert verdict.ok, verdict.message
    assert verdict.number == normalise(number) and " " not in verdict.number and "-" not in verdict.number


@pytest.mark.parametrize(("number", "carrier", "said"), INVALID)
def test_c2_invalid_tracking_numbers_are_held_with_a_clear_message(number, carrier, said):
    verdict = check_tracking(number, carrier)
    assert not verdict.ok
    assert said in verdict.message


def test_c2_the_check_digit_schemes_compute_their_published_examples():
    assert ups_check_digit("999AA1012345678") == 4
    assert [ups_value(c) for c in "AIJSZ"] == [2, 0, 1, 0, 7]
    assert s10_check_digit("12345678") == 5  # UPU S10's worked example
    assert gs1_check_digit("940551189922319742849") == 0
    assert fedex_express_check_digit("98765432101") == (1 * 1 + 0 * 3 + 1 * 7 + 2 * 1 + 3 * 3 + 4 * 7 + 5 * 1
                                                         + 6 * 3 + 7 * 7 + 8 * 1 + 9 * 3) % 11 % 10
    assert dhl_express_check_digit("331881002") == 331881002 % 7 == 5


def _ups(body: str) -> str:
    return "1Z" + body + str(ups_check_digit(body))


def _gs1(digits: str) -> str:
    return digits + str(gs1_check_digit(digits))


def _fedex(digits: str) -> str:
    return digits + str(fedex_express_check_digit(digits))


def _dhl(digits: str) -> str:
    return digits + str(dhl_express_check_digit(digits))


digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=15, max_size=15), st.integers(0, 15), digits)
def test_c2_one_changed_digit_of_a_ups_number_is_caught(body, position, new):
    number = _ups(body)
    assert check_tracking(number, "UPS").ok
    old = body[position] if position < 15 else number[17]
    changed = body[:position] + new + body[position + 1:] if position < 15 else body
    candidate = "1Z" + changed + (number[17] if position < 15 else new)
    # The scheme guarantees it where the weighted change is not a multiple of 10: weight 1 always, weight 2
    # unless the values differ by 5; the check digit itself always.
    weight = 1 if position == 15 else (2 if position % 2 else 1)
    delta = ups_value(new) - ups_value(old)
    if delta and (weight * delta) % 10:
        assert not check_tracking(candidate, "UPS").ok


@given(st.sampled_from([18, 20, 24, 28, 32]).flatmap(lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n)),
       st.data())
def test_c2_one_changed_digit_of_a_usps_impb_number_is_caught(body, data):
    number = _gs1("9" + body)  # IMpb numbers start with 9 (92, 93, 94, 95)
    assert check_tracking(number, "USPS").ok
    position = data.draw(st.integers(0, len(number) - 1))
    new = data.draw(digits.filter(lambda d: d != number[position]))
    candidate = number[:position] + new + number[position + 1:]
    if candidate.startswith("420"):  # now reads as a routed label (420 + ZIP + number): another form
        return
    assert not check_tracking(candidate, "USPS").ok  # weights 3 and 1 catch every single-digit change


@given(st.text(alphabet="0123456789", min_size=14, max_size=14), st.integers(0, 14), digits)
def test_c2_one_changed_digit_of_a_fedex_ground_number_is_caught(body, position, new):
    number = _gs1(body)
    assert check_tracking(number, "FedEx").ok
    if new != number[position]:
        assert not check_tracking(number[:position] + new + number[position + 1:], "FedEx").ok


@given(st.text(alphabet="0123456789", min_size=11, max_size=11), st.integers(0, 11), digits)
def test_c2_one_changed_digit_of_a_fedex_express_number_is_caught_where_mod_11_guarantees(body, position, new):
    number = _fedex(body)
    assert check_tracking(number, "FedEx").ok
    candidate = number[:position] + new + number[position + 1:]
    if new == number[position]:
        return
    if position == 11:
        assert not check_tracking(candidate, "FedEx").ok
        return
    # mod 11 sees every change (weights 1, 3, 7 are prime to 11); the final "% 10" folds remainders 10 and
    # 0 together, and only that change can slip through.
    remainder = sum(int(d) * (1, 3, 7)[i % 3] for i, d in enumerate(reversed(candidate[:11]))) % 11
    old_remainder = sum(int(d) * (1, 3, 7)[i % 3] for i, d in enumerate(reversed(body))) % 11
    assert remainder != old_remainder
    if {remainder, old_remainder} != {0, 10}:
        assert not check_tracking(candidate, "FedEx").ok


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(0, 9), digits)
def test_c2_one_changed_digit_of_a_dhl_express_number_is_caught_unless_it_moves_by_7(body, position, new):
    number = _dhl(body)
    assert check_tracking(number, "DHL").ok
    candidate = number[:position] + new + number[position + 1:]
    delta = abs(int(new) - int(number[position]))
    if delta and (position == 9 or delta != 7):  # mod 7 of the number: a change by 7 keeps the remainder
        assert not check_tracking(candidate, "DHL").ok
