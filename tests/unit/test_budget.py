"""The per-server request budget: bursts, then the configured rate; visible use."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers import ManualClock
from tui.client.budget import RequestBudget, parse_rate
from tui.client.config import ServerConfig
from tui.client.rest import RestClient


class Sleeper:
    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.slept = 0.0

    async def __call__(self, seconds: float) -> None:
        self.slept += seconds
        self.clock.advance(seconds)


@pytest.mark.parametrize(
    ("spec", "rate"),
    [
        ("8/s", (8.0, 1.0)),
        ("100/min", (100.0, 60.0)),
        ("hosted", (100.0, 60.0)),
        (" 2.5 / sec ", (2.5, 1.0)),
    ],
)
def test_rate_specs(spec: str, rate: tuple[float, float]) -> None:
    assert parse_rate(spec) == rate


@pytest.mark.parametrize("spec", ["fast", "0/s", "10/h", ""])
def test_bad_rate_specs(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_rate(spec)


async def test_eight_a_second_after_a_burst_of_eight(clock: ManualClock) -> None:
    sleep = Sleeper(clock)
    budget = RequestBudget("8/s", clock=clock, sleep=sleep)
    for _ in range(8):
        await budget.acquire()
    assert sleep.slept == 0.0  # the burst
    for _ in range(16):
        await budget.acquire()
    assert sleep.slept == pytest.approx(2.0)  # 16 more at 8/s
    assert budget.used_last_minute() == 24
    # 24 of 480 a minute, shown in 5% steps so the panel does not change on every request
    assert budget.describe() == "budget 8/s · 5% used (last minute)"
    clock.advance(61)
    assert budget.used_last_minute() == 0
    assert budget.describe() == "budget 8/s · 0% used (last minute)"


async def test_hosted_preset_keeps_under_100_a_minute(clock: ManualClock) -> None:
    sleep = Sleeper(clock)
    budget = RequestBudget("hosted", clock=clock, sleep=sleep)
    start = clock.now
    for _ in range(110):
        await budget.acquire()
    # a burst of 10, then 0.6 s each: 100 more take 60 s, so never more than 100 in a minute
    assert clock.now - start == pytest.approx(60.0)
    assert "budget hosted" in budget.describe()


async def test_the_rest_client_spends_the_budget_on_every_request(clock: ManualClock) -> None:
    sleep = Sleeper(clock)
    budget = RequestBudget("2/s", clock=clock, sleep=sleep)
    rest = RestClient(
        ServerConfig("http://t"), httpx.MockTransport(lambda _: httpx.Response(200, json=1)), budget
    )
    for _ in range(6):
        await rest.get_json("x")
    assert sleep.slept == pytest.approx(2.0) and rest.requests_sent == 6
