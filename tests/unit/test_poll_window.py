"""Where an incremental order poll reads (B1; Amazon's 2-minute rule, docs/amazon-quirks.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from sellerbridge.amazon.orders.api import SEARCH_LAG
from sellerbridge.sync.orders import FIRST_POLL_LOOKBACK, OVERLAP, plan_window

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_b1_window_ends_two_minutes_before_now():
    assert plan_window(None, NOW, None, index_lag=SEARCH_LAG).before == NOW - timedelta(minutes=2)


def test_b1_first_poll_starts_at_not_before_or_a_week_back():
    assert plan_window(None, NOW, None, index_lag=SEARCH_LAG).after == NOW - FIRST_POLL_LOOKBACK
    start = NOW - timedelta(days=2)
    assert plan_window(None, NOW, start, index_lag=SEARCH_LAG).after == start


def test_b1_later_polls_overlap_the_watermark():
    mark = NOW - timedelta(minutes=30)
    assert plan_window(mark, NOW, None, index_lag=SEARCH_LAG).after == mark - OVERLAP


def test_b4_not_before_still_bounds_an_overlapping_window():
    mark = NOW - timedelta(minutes=3)
    not_before = NOW - timedelta(minutes=4)
    assert plan_window(mark, NOW, not_before, index_lag=SEARCH_LAG).after == not_before


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)))
def test_b1_window_is_never_inverted_and_never_reaches_into_the_last_two_minutes(mark):
    plan = plan_window(mark, NOW, None, index_lag=SEARCH_LAG)
    assert plan.after <= plan.before == NOW - SEARCH_LAG
