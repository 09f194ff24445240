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


# --- when the next poll may start: planned per seller account and region (G1, issue 9) --------------------

from sellerbridge.amazon.transport.throttle import InProcessBucketStore, ready_in  # noqa: E402
from sellerbridge.domain.common.results import RunReport, RunStatus  # noqa: E402
from sellerbridge.domain.ports.orders import ReadBudget  # noqa: E402
from sellerbridge.jobs.retry import decide  # noqa: E402
from sellerbridge.sync.orders import next_poll_not_before  # noqa: E402

SEARCH_INTERVAL = timedelta(seconds=1 / 0.0056)  # Amazon's searchOrders plan: 0.0056/s, burst 20


def test_g1_while_the_burst_lasts_the_regular_schedule_stands():
    assert next_poll_not_before(ReadBudget(timedelta(0), SEARCH_INTERVAL), 2, NOW) is None


def test_g1_two_marketplaces_of_one_seller_take_turns_with_the_tokens_once_the_burst_is_spent():
    budget = ReadBudget(timedelta(seconds=40), SEARCH_INTERVAL)
    assert next_poll_not_before(budget, 1, NOW) == NOW + SEARCH_INTERVAL  # one token per refill
    assert next_poll_not_before(budget, 2, NOW) == NOW + 2 * SEARCH_INTERVAL  # each every second refill
    far = ReadBudget(timedelta(minutes=20), SEARCH_INTERVAL)  # another tool spent the budget
    assert next_poll_not_before(far, 1, NOW) == NOW + timedelta(minutes=20)


def test_g1_the_job_is_scheduled_no_earlier_than_the_polls_not_before_but_a_person_is_not_held_back():
    done = RunReport("orders", 1, RunStatus.DONE, not_before=NOW + timedelta(seconds=356))
    assert decide(NOW, 120, done, 0).next_run_at == NOW + timedelta(seconds=356)
    early = RunReport("orders", 1, RunStatus.DONE, not_before=NOW + timedelta(seconds=60))
    assert decide(NOW, 120, early, 0).next_run_at == NOW + timedelta(seconds=120)


def test_g1_looking_at_a_bucket_reserves_nothing():
    store, t0 = InProcessBucketStore(), NOW.timestamp()
    for _ in range(20):
        assert ready_in(store, "A1:na:searchOrders", 0.0056, 20, t0) == 0.0
    for _ in range(20):  # twenty looks took nothing: the burst is all there
        assert store.reserve("A1:na:searchOrders", 0.0056, 20, t0) == 0.0
    assert abs(ready_in(store, "A1:na:searchOrders", 0.0056, 20, t0) - SEARCH_INTERVAL.total_seconds()) < 1e-6
