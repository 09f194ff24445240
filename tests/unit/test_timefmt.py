"""Date-time readers: the sandbox's (sandbox/timefmt.py, with its writers) and the hub's one reader
(domain/common/moments.py); the two share no code (I4: the sandbox imports nothing of the hub)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sellerbridge.domain.common.moments import to_datetime
from sellerbridge.sandbox.timefmt import iso_ms, iso_offset, iso_z, parse_iso_datetime


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize("text, expected", [
    pytest.param("2026-01-02T10:00:00Z", utc(2026, 1, 2, 10), id="Z"),
    pytest.param("2026-01-02t10:00:00z", utc(2026, 1, 2, 10), id="lower-case t and z"),
    pytest.param("2026-01-02T10:00:00+02:00", utc(2026, 1, 2, 8), id="+02:00"),
    pytest.param("2026-01-02T10:00:00+0200", utc(2026, 1, 2, 8), id="+0200"),
    pytest.param("2026-01-02T10:00:00-07:00", utc(2026, 1, 2, 17), id="-07:00"),
    pytest.param("2026-01-02T23:30:00-07:00", utc(2026, 1, 3, 6, 30), id="offset crossing midnight"),
    pytest.param("2026-01-02T10:00:00-00:00", utc(2026, 1, 2, 10), id="-00:00"),
    pytest.param("2026-01-02T10:00:00.5Z", utc(2026, 1, 2, 10, 0, 0, 500000), id="1-digit fraction"),
    pytest.param("2026-01-02T10:00:00.123Z", utc(2026, 1, 2, 10, 0, 0, 123000), id="milliseconds"),
    pytest.param("2026-01-02T10:00:00.123456Z", utc(2026, 1, 2, 10, 0, 0, 123456), id="microseconds"),
    pytest.param("2026-01-02T10:00:00.123456789Z", utc(2026, 1, 2, 10, 0, 0, 123456), id="9 digits, truncated"),
    pytest.param("2026-01-02T10:00:00.999999999Z", utc(2026, 1, 2, 10, 0, 0, 999999), id="9 nines, not rounded up"),
    pytest.param("2026-01-02T10:00:00,25Z", utc(2026, 1, 2, 10, 0, 0, 250000), id="comma fraction"),
    pytest.param("2026-01-02T10:00:00.250+02:00", utc(2026, 1, 2, 8, 0, 0, 250000), id="fraction and offset"),
    pytest.param("2026-01-02T10:00:00", utc(2026, 1, 2, 10), id="naive is UTC"),
    pytest.param("2026-01-02T10:00Z", utc(2026, 1, 2, 10), id="minutes only"),
    pytest.param("2026-01-02T10:00", utc(2026, 1, 2, 10), id="minutes only, naive"),
    pytest.param("2026-01-02T10:00:00 02:00", utc(2026, 1, 2, 8), id="space for plus"),
    pytest.param("2026-01-02T10:00:00 0200", utc(2026, 1, 2, 8), id="space for plus, hhmm"),
    pytest.param("2026-01-02T10:00 02:00", utc(2026, 1, 2, 8), id="space for plus after minutes"),
    pytest.param("  2026-01-02T10:00:00Z\n", utc(2026, 1, 2, 10), id="surrounding whitespace"),
    pytest.param("2024-02-29T12:00:00Z", utc(2024, 2, 29, 12), id="leap day"),
    pytest.param("0001-01-01T00:00:00Z", utc(1, 1, 1), id="year 1"),
    pytest.param("9999-12-31T23:59:59Z", utc(9999, 12, 31, 23, 59, 59), id="year 9999"),
    pytest.param("9999-12-31T23:59:59+05:00", utc(9999, 12, 31, 18, 59, 59), id="year 9999, positive offset"),
    # Not date-times:
    pytest.param("2026-01-02", None, id="bare date"),
    pytest.param("20260102", None, id="bare basic date"),
    pytest.param("", None, id="empty"),
    pytest.param("   ", None, id="blank"),
    pytest.param("yesterday", None, id="garbage"),
    pytest.param("01/02/2026 10:00", None, id="US date"),
    pytest.param("2026-01-02 10:00:00Z", None, id="space separator"),
    pytest.param("20260102T100000Z", None, id="basic format"),
    pytest.param("2026-01-02T10Z", None, id="hour only"),
    pytest.param("2026-01-02T10:00:00+02", None, id="hour-only offset"),
    pytest.param("2026-01-02T10:00:00.Z", None, id="empty fraction"),
    pytest.param("2026-01-02T10:00:00UTC", None, id="zone name"),
    pytest.param("2026-1-2T10:00:00Z", None, id="unpadded"),
    pytest.param("２０２６-01-02T10:00:00Z", None, id="non-ASCII digits"),
    pytest.param("2026-13-01T00:00:00Z", None, id="month 13"),
    pytest.param("2026-02-30T00:00:00Z", None, id="30 February"),
    pytest.param("2026-01-02T24:00:00Z", None, id="hour 24"),
    pytest.param("2026-01-02T10:00:00+24:00", None, id="offset 24h"),
    pytest.param("2016-12-31T23:59:60Z", None, id="leap second"),
    pytest.param("9999-12-31T23:59:59-07:00", None, id="year 9999, negative offset"),
    pytest.param("0001-01-01T00:00:00+01:00", None, id="year 1, positive offset"),
])
def test_parse_iso_datetime(text: str, expected: datetime | None) -> None:
    got = parse_iso_datetime(text)
    assert got == expected
    if got is not None:
        assert got.tzinfo is UTC


FORMATS = [
    (utc(2026, 1, 2, 3, 4, 5), "2026-01-02T03:04:05Z", "2026-01-02T03:04:05.000Z", "2026-01-02T03:04:05+00:00"),
    (utc(2026, 1, 2, 3, 4, 5, 999999), "2026-01-02T03:04:05Z", "2026-01-02T03:04:05.999Z",
     "2026-01-02T03:04:05+00:00"),
    (utc(2026, 1, 2, 3, 4, 5, 1500), "2026-01-02T03:04:05Z", "2026-01-02T03:04:05.001Z", "2026-01-02T03:04:05+00:00"),
    (datetime(2026, 1, 1, 23, 30, 0, 250000, tzinfo=timezone(timedelta(hours=-7))),
     "2026-01-02T06:30:00Z", "2026-01-02T06:30:00.250Z", "2026-01-02T06:30:00+00:00"),
    (datetime(2026, 1, 2, 1, 0, tzinfo=timezone(timedelta(hours=5, minutes=30))),
     "2026-01-01T19:30:00Z", "2026-01-01T19:30:00.000Z", "2026-01-01T19:30:00+00:00"),
    (utc(999, 5, 6, 7, 8, 9, 123456), "0999-05-06T07:08:09Z", "0999-05-06T07:08:09.123Z",
     "0999-05-06T07:08:09+00:00"),
]


@pytest.mark.parametrize("moment, z, ms, offset", FORMATS)
def test_formatters(moment: datetime, z: str, ms: str, offset: str) -> None:
    assert (iso_z(moment), iso_ms(moment), iso_offset(moment)) == (z, ms, offset)


@pytest.mark.parametrize("moment", [f[0] for f in FORMATS])
def test_formatters_are_read_back(moment: datetime) -> None:
    seconds = moment.replace(microsecond=0)
    assert parse_iso_datetime(iso_z(moment)) == seconds
    assert parse_iso_datetime(iso_offset(moment)) == seconds


# Whole-minute offsets, as ISO 8601 writes them; a day's margin at either end of datetime's range so
# that converting to UTC never leaves it.
OFFSETS = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes)))
AWARE = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=OFFSETS | st.just(UTC))


@settings(max_examples=500, deadline=None, database=None)
@given(moment=AWARE)
def test_iso_ms_reads_back_as_the_moment_to_the_millisecond(moment: datetime) -> None:
    parsed = parse_iso_datetime(iso_ms(moment))
    assert parsed == moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    assert parsed is not None and parsed.tzinfo is UTC


# --- the hub's one reader: domain/common/moments.to_datetime -----------------------------------------

@pytest.mark.parametrize("text, expected", [
    pytest.param("2026-01-02T10:00:00Z", utc(2026, 1, 2, 10), id="Z"),
    pytest.param("2026-01-02t10:00:00z", utc(2026, 1, 2, 10), id="lower-case t and z"),
    pytest.param("2026-01-02T10:00:00+02:00", utc(2026, 1, 2, 8), id="offset, converted to UTC"),
    pytest.param("2026-01-02T10:00:00.284Z", utc(2026, 1, 2, 10, 0, 0, 284000), id="milliseconds"),
    pytest.param("2026-01-02 10:00:00+00:00", utc(2026, 1, 2, 10), id="space separator"),
    pytest.param("  2026-01-02T10:00Z\n", utc(2026, 1, 2, 10), id="whitespace, minutes only"),
    pytest.param("2026-01-02", None, id="bare date"),
    pytest.param("yesterday", None, id="garbage"),
    pytest.param("", None, id="empty"),
    pytest.param("2026-02-30T00:00:00Z", None, id="30 February"),
    pytest.param("9999-12-31T23:59:59-07:00", None, id="past datetime.max in UTC"),
])
def test_to_datetime_reads_iso_moments_with_their_zone_as_utc(text: str, expected: datetime | None) -> None:
    for naive_is_utc in (False, True):
        got = to_datetime(text, naive_is_utc=naive_is_utc)
        assert got == expected
        if got is not None:
            assert got.tzinfo is UTC


@pytest.mark.parametrize("value", ["2026-01-02T10:00:00", "2026-01-02T10:00:00.5", "2026-01-02T10:00"])
def test_to_datetime_refuses_a_time_without_zone_unless_the_source_writes_utc(value: str) -> None:
    assert to_datetime(value) is None  # the hub's own state and notifications: never a guess
    assert to_datetime(value, naive_is_utc=True) == datetime.fromisoformat(value).replace(tzinfo=UTC)  # Amazon


@pytest.mark.parametrize("value", [None, 1767348000, datetime(2026, 1, 2, tzinfo=UTC), b"2026-01-02T10:00:00Z"])
def test_to_datetime_of_anything_but_text_is_none(value: object) -> None:
    assert to_datetime(value) is None
