"""Status-adaptive intervals with jitter, and the schedule of due polls."""

from __future__ import annotations

import random

import pytest

from tui.sync.backoff import Backoff
from tui.sync.polling import PollIntervals, PollSchedule


@pytest.mark.parametrize(
    ("status", "base"),
    [("STARTING", 3.0), ("RUNNING", 30.0), ("STOPPED", 60.0), ("ERROR", 10.0), ("WHATEVER", 60.0)],
)
def test_seed_intervals_with_bounded_jitter(status: str, base: float) -> None:
    intervals = PollIntervals()
    rng = random.Random(1)
    delays = [intervals.next_delay(status, rng) for _ in range(500)]
    assert all(d is not None and base * 0.9 <= d <= base * 1.1 for d in delays)
    assert len({round(d or 0, 6) for d in delays}) > 400  # really jittered, not constant


def test_archived_is_never_polled() -> None:
    assert PollIntervals().next_delay("ARCHIVED", random.Random(0)) is None


def test_intervals_are_configurable() -> None:
    intervals = PollIntervals(running=5.0, jitter=0.0)
    assert intervals.next_delay("RUNNING", random.Random(0)) == 5.0


def test_schedule_pops_due_keys_in_time_order_and_replaces_plans() -> None:
    s = PollSchedule()
    s.set(("a", "1"), 10.0)
    s.set(("a", "2"), 5.0)
    s.set(("a", "3"), 20.0)
    s.set(("a", "1"), 30.0)  # re-planned: the old entry must not fire
    assert s.next_time() == 5.0
    assert s.pop_due(25.0) == [("a", "2"), ("a", "3")]
    assert s.pop_due(25.0) == []
    assert s.next_time() == 30.0 and len(s) == 1


def test_schedule_drop() -> None:
    s = PollSchedule()
    s.set(("a", "1"), 1.0)
    s.drop(("a", "1"))
    assert s.next_time() is None and s.pop_due(100.0) == []


def test_backoff_is_exponential_with_full_jitter_and_a_cap() -> None:
    b = Backoff(base=1.0, cap=30.0)
    assert [b.ceiling(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]
    rng = random.Random(2)
    samples = [b.delay(6, rng) for _ in range(1000)]
    assert 0.0 <= min(samples) < 3.0 and 27.0 < max(samples) <= 30.0
