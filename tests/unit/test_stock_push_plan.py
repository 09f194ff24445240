"""The stock push plan (D1, D5, D7, G2): changed-only, refusals, the path by volume, the feed window, stuck feeds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sellerbridge.domain.ports.listings import FEED_SUBMISSIONS_PER_WINDOW, FEED_WINDOW_SECONDS
from sellerbridge.domain.stock.push_plan import (
    REFUSED_AFN,
    REFUSED_ASIN,
    STUCK_AFTER,
    Path,
    choose_path,
    feed_window,
    is_stuck,
    needs_send,
    refusal,
)

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("channel", "mapped_by", "expected"), [
    ("MFN", "sku", None),
    (None, None, None),
    ("AFN", "sku", REFUSED_AFN),
    ("afn", "asin", REFUSED_AFN),
    ("MFN", "asin", REFUSED_ASIN),
])
def test_d1_d7_refusals(channel, mapped_by, expected):
    assert refusal(channel, mapped_by) == expected


@pytest.mark.parametrize(("quantity", "lead", "sent_q", "sent_lead", "ever", "expected"), [
    (5, None, None, None, False, True),  # never told
    (5, None, 5, None, False, True),  # Amazon's figure not known (a late answer): sent again
    (5, None, 5, None, True, False),  # same figure: nothing to send
    (5, 2, 5, 2, True, False),
    (4, 2, 5, 2, True, True),  # quantity changed
    (5, 3, 5, 2, True, True),  # lead time changed
    (5, None, 5, 2, True, False),  # no lead time to tell: Amazon keeps its own
])
def test_d5_changed_only(quantity, lead, sent_q, sent_lead, ever, expected):
    assert needs_send(quantity, lead, sent_quantity=sent_q, sent_lead_time=sent_lead, ever_sent=ever) is expected


def test_g2_path_by_volume():
    assert choose_path(0, 50) is Path.PATCH
    assert choose_path(50, 50) is Path.PATCH
    assert choose_path(51, 50) is Path.FEED
    assert choose_path(1, 0) is Path.FEED  # patch_max 0: always by feed


def test_g2_feed_window_counts_recent_submissions():
    window = timedelta(seconds=FEED_WINDOW_SECONDS)
    assert feed_window([], NOW).remaining == FEED_SUBMISSIONS_PER_WINDOW
    old = [NOW - window - timedelta(seconds=1)] * 10
    assert feed_window(old, NOW).remaining == FEED_SUBMISSIONS_PER_WINDOW
    recent = [NOW - timedelta(seconds=s) for s in (10, 20, 30)]
    assert feed_window(recent, NOW).remaining == FEED_SUBMISSIONS_PER_WINDOW - 3


def test_g2_feed_window_shut_says_when_it_reopens():
    times = [NOW - timedelta(seconds=s) for s in (250, 200, 100, 50, 10)]
    shut = feed_window(times, NOW)
    assert shut.remaining == 0
    assert shut.reopens_at == NOW - timedelta(seconds=250) + timedelta(seconds=FEED_WINDOW_SECONDS)


@given(st.lists(st.integers(min_value=0, max_value=2 * FEED_WINDOW_SECONDS), max_size=12))
def test_g2_feed_window_never_exceeds_the_limit(ages):
    """After submitting ``remaining`` more now, the window holds at most the limit; a shut window reopens later."""
    times = [NOW - timedelta(seconds=a) for a in ages]
    window = feed_window(times, NOW)
    inside = [t for t in times if NOW - t < timedelta(seconds=FEED_WINDOW_SECONDS)]
    assert len(inside) + window.remaining <= max(FEED_SUBMISSIONS_PER_WINDOW, len(inside))
    if window.remaining == 0:
        assert window.reopens_at is not None and window.reopens_at > NOW
        assert feed_window(times, window.reopens_at).remaining >= 1


def test_h1_stuck_after_the_threshold_of_amazons_time():
    assert not is_stuck(NOW - STUCK_AFTER + timedelta(seconds=1), NOW)
    assert is_stuck(NOW - STUCK_AFTER, NOW)
    assert is_stuck(NOW - timedelta(minutes=3), NOW, after=timedelta(minutes=2))
