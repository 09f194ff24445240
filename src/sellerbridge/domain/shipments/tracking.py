"""Can this tracking number be valid for its carrier? (C2; Amazon measures the valid tracking rate.)

A number that cannot be valid is not refused and not sent: its package is stored ``held`` with the
message of :func:`check_tracking`, for a person to correct (``POST /api/shipments/packages/{id}/retry``).
Whitespace and dashes are dropped and letters upper-cased first (:func:`normalise`).

The published check-digit schemes used:

- UPS ``1Z`` + 15 characters + 1 check digit (18 in all): letters count as ``(ord(c) - ord('A') + 2) % 10``,
  the 15 characters after ``1Z`` are summed with weights 1, 2, 1, 2... from the left, and the check digit
  brings the sum to a multiple of 10.
- USPS Intelligent Mail package barcode (IMpb: 20, 22, 26, 30 or 34 digits) and the GS1 forms (SSCC):
  weights 3, 1, 3, 1... from the right of the digits before the check digit, mod 10.
  A scanned label's ``420`` + ZIP (+4) routing code before a 22-digit IMpb number is accepted.
- USPS / UPU S10 international (``RR123456785GB``): 2 letters, 8 digits, a check digit (weights
  8 6 4 2 3 5 9 7, ``11 - sum % 11``, 10 -> 0, 11 -> 5) and the ISO country code.
- FedEx Express 12 digits: weights 1, 3, 7, 1, 3, 7... from the right of the first 11 digits,
  ``sum % 11 % 10``; FedEx Ground 15 digits: the GS1 mod 10; the SSCC form (20 digits, ``00`` + SSCC-18)
  and the ``96`` Ground barcode (22 digits, the last 15 a Ground number) by those; SmartPost: IMpb.
- DHL Express 10 digits: the first 9 as a number mod 7. ``JJD`` + 9 to 30 digits and ``JVGL`` + 8 to 30
  digits (DHL's parcel and freight forms) by format; DHL Paket and eCommerce numbers (12 to 39 characters)
  by length and characters.
- Any other carrier: 6 to 40 letters and digits (no check digit is published for most of them).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

MAX_LENGTH = 64  # the column; Amazon takes at most 40 characters in the feed's ShipperTrackingNumber
PLAUSIBLE = re.compile(r"[A-Z0-9]{6,40}")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]+")


@dataclass(frozen=True, slots=True)
class TrackingCheck:
    """The verdict on one number: ``ok``, and when not, a message a person can act on."""

    number: str  # normalised
    ok: bool
    message: str | None = None


def normalise(number: str) -> str:
    """Whitespace and dashes dropped, letters upper case: ``1z 999-aa1`` -> ``1Z999AA1``."""
    return _SEPARATORS.sub("", number).upper()


# --- the check-digit schemes ----------------------------------------------------------------------------

def ups_value(ch: str) -> int:
    """A character of a 1Z number as a digit (UPS: A=2, B=3, ... I=0, J=1, ...)."""
    return int(ch) if ch.isdigit() else (ord(ch) - ord("A") + 2) % 10


def ups_check_digit(body: str) -> int:
    """The check digit of the 15 characters after ``1Z``."""
    total = sum(ups_value(ch) * (2 if i % 2 else 1) for i, ch in enumerate(body))
    return (10 - total % 10) % 10


def gs1_check_digit(digits: str) -> int:
    """GS1 / IMpb mod 10: weights 3, 1, 3, 1... from the rightmost digit before the check digit."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


FEDEX_WEIGHTS = (1, 3, 7)


def fedex_express_check_digit(digits: str) -> int:
    """FedEx Express (12 digits): the first 11 weighted 1, 3, 7... from the right, sum mod 11 mod 10."""
    total = sum(int(d) * FEDEX_WEIGHTS[i % 3] for i, d in enumerate(reversed(digits)))
    return total % 11 % 10


S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def s10_check_digit(digits: str) -> int:
    """UPU S10: the 8 serial digits weighted 8 6 4 2 3 5 9 7; 11 - sum mod 11, 10 -> 0, 11 -> 5."""
    check = 11 - sum(int(d) * w for d, w in zip(digits, S10_WEIGHTS, strict=True)) % 11
    return {10: 0, 11: 5}.get(check, check)


def dhl_express_check_digit(digits: str) -> int:
    """DHL Express (10 digits): the first 9 digits as a number, mod 7."""
    return int(digits) % 7


# --- per carrier ------------------------------------------------------------------------------------------

_UPS = re.compile(r"1Z[A-Z0-9]{16}")
_IMPB = re.compile(r"\d{20}|\d{22}|\d{26}|\d{30}|\d{34}")
_ROUTED = re.compile(r"420(\d{5}|\d{9})\d{22}")
_S10 = re.compile(r"[A-Z]{2}\d{9}[A-Z]{2}")
_JJD = re.compile(r"JJD\d{9,30}")
_JVGL = re.compile(r"JVGL\d{8,30}")
_DHL_OTHER = re.compile(r"[A-Z0-9]{12,39}")


def _ups(n: str) -> str | None:
    if not _UPS.fullmatch(n):
        return "a UPS tracking number is 1Z followed by 16 letters and digits (18 characters)"
    if not n[17].isdigit() or ups_check_digit(n[2:17]) != int(n[17]):
        return "the check digit of this UPS number does not match (a typo?)"
    return None


def _impb(n: str) -> str | None:
    return None if gs1_check_digit(n[:-1]) == int(n[-1]) else "the check digit of this barcode number does not match"


def _s10(n: str) -> str | None:
    ok = s10_check_digit(n[2:10]) == int(n[10])
    return None if ok else "the check digit of this S10 (international) number does not match"


def _usps(n: str) -> str | None:
    if _ROUTED.fullmatch(n) and _impb(n[-22:]) is None:  # a scanned label: 420 + ZIP (+4) before the number
        return None
    if _IMPB.fullmatch(n):
        problem = _impb(n)
        return None if problem is None else "the check digit of this USPS number does not match (a typo?)"
    if _S10.fullmatch(n):
        return _s10(n)
    return ("a USPS tracking number has 20, 22, 26, 30 or 34 digits, or the international form "
            "2 letters + 9 digits + 2 letters (RR123456785US)")


def _fedex(n: str) -> str | None:
    bad = "the check digit of this FedEx number does not match (a typo?)"
    if re.fullmatch(r"\d{12}", n):
        return None if fedex_express_check_digit(n[:11]) == int(n[11]) else bad
    if re.fullmatch(r"\d{15}", n):
        return None if gs1_check_digit(n[:14]) == int(n[14]) else bad
    if re.fullmatch(r"00\d{18}", n):  # the SSCC-18 with its application identifier
        return None if gs1_check_digit(n[2:19]) == int(n[19]) else bad
    if re.fullmatch(r"96\d{20}", n):  # the Ground barcode: the last 15 digits are the Ground number
        return None if gs1_check_digit(n[7:21]) == int(n[21]) else bad
    if _IMPB.fullmatch(n):  # SmartPost / Ground Economy hands over to USPS with an IMpb number
        return None if _impb(n) is None else bad
    return "a FedEx tracking number has 12 or 15 digits (or the 20/22-digit barcode forms)"


def _dhl(n: str) -> str | None:
    if re.fullmatch(r"\d{10}", n):
        ok = dhl_express_check_digit(n[:9]) == int(n[9])
        return None if ok else "the check digit of this DHL Express number does not match (a typo?)"
    if _JJD.fullmatch(n) or _JVGL.fullmatch(n) or _DHL_OTHER.fullmatch(n) or _S10.fullmatch(n):
        return None
    return "a DHL tracking number has 10 digits (Express), JJD/JVGL + digits, or 12 to 39 letters and digits"


def _other(n: str) -> str | None:
    return None if PLAUSIBLE.fullmatch(n) else "a tracking number has 6 to 40 letters and digits"


# Carrier families by Amazon's carrier code (carriers.py); everything else is checked by _other.
CHECKS: dict[str, Callable[[str], str | None]] = {
    "UPS": _ups,
    "USPS": _usps,
    "UPS Mail Innovations": _usps,  # handed to USPS with an IMpb number
    "FedEx": _fedex,
    "FedEx SmartPost": _fedex,
    "DHL": _dhl,
    "DHL Express": _dhl,
}


def check_tracking(number: str, carrier_code: str) -> TrackingCheck:
    """Whether ``number`` can be valid for the carrier of Amazon's ``carrier_code`` (C2)."""
    n = normalise(number)
    if not n:
        return TrackingCheck(n, False, "the tracking number is empty")
    if not n.isascii():
        return TrackingCheck(n, False, "a tracking number has only the letters A-Z and the digits 0-9")
    problem = CHECKS.get(carrier_code, _other)(n)
    if problem is None and len(n) > MAX_LENGTH:
        problem = f"a tracking number has at most {MAX_LENGTH} characters"
    return TrackingCheck(n, problem is None, None if problem is None else f"{problem}: {n}")
