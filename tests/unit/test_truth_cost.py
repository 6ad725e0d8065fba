""" "+$X last hour" is what the servers' times say was spent in the last hour, and says when it
can only be a lower bound."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.helpers import ManualClock, view
from tui.store.spend import SpendLog
from tui.store.status_store import StatusStore

NOW = 1_800_000_000.0


def _at(seconds_ago: float) -> datetime:
    return datetime.fromtimestamp(NOW - seconds_ago, UTC)


def test_costs_of_conversations_created_within_the_hour_count_whole() -> None:
    """All $2.40 was spent in the last five minutes, before ohtop saw any of it."""
    clock = ManualClock(NOW)
    store = StatusStore(wall=clock)
    for i in range(24):
        store.upsert(view(f"c{i}", cost=0.10, created_at=_at(300)))
    spent, exact = store.spend.last_hour(NOW)
    assert round(spent, 2) == 2.40 and exact


def test_spend_before_first_sight_of_an_older_conversation_makes_a_lower_bound() -> None:
    clock = ManualClock(NOW)
    store = StatusStore(wall=clock)
    store.upsert(view("old", cost=5.0, created_at=_at(7200)))
    store.upsert(view("new", cost=0.5, created_at=_at(600)))
    spent, exact = store.spend.last_hour(NOW)
    assert round(spent, 2) == 0.50 and not exact
    clock.advance(60)
    store.upsert(view("old", cost=5.25, created_at=_at(7200)))  # seen growing
    spent, exact = store.spend.last_hour(clock.now)
    assert round(spent, 2) == 0.75 and not exact
    spent, exact = store.spend.last_hour(clock.now + 3560)  # the unseen part left the hour
    assert exact and spent == 0.25


def test_an_hour_slides() -> None:
    log = SpendLog()
    log.grew(1.0, 2.0, NOW - 4000)  # more than an hour ago
    log.grew(2.0, 2.5, NOW - 100)
    spent, exact = log.last_hour(NOW)
    assert spent == 0.5 and exact
