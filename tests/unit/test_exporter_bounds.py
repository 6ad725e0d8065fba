"""The exporter is bounded whatever servers send: label values cut, unknown values folded, a
scrape's size independent of the text servers send, and the exposition computed off the event
loop that serves keys and streams."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.core import Metric
from prometheus_client.parser import text_string_to_metric_families

from tests.helpers import view
from tui.client.config import ServerConfig
from tui.fleet import metrics, metrics_server
from tui.fleet.fleet import Fleet
from tui.fleet.metrics import LABEL_MAX, render, snapshot
from tui.fleet.metrics_server import MetricsServer
from tui.settings.listen import Listen
from tui.sync.monitor import ServerMonitor


def _hostile_fleet() -> Fleet:
    fleet = Fleet([ServerConfig("http://127.0.0.1:1", name="prod")])
    monitor = ServerMonitor(fleet.servers[0], fleet.stores)
    monitor.version = "9" * 100_007  # a /server_info version of 100,007 characters
    fleet.monitors["prod"] = monitor
    for i in range(50):
        fleet.stores.status.upsert(
            view(f"{i:02d}" + "x" * 5000, execution="made-up-status-" + "y" * 300, server="prod")
        )
    return fleet


def test_label_values_from_servers_are_bounded_and_folded() -> None:
    fleet = _hostile_fleet()
    text = render(snapshot(fleet), conversation_info=100).decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            for value in sample.labels.values():
                assert len(value) <= LABEL_MAX, (sample.name, len(value))
            if sample.name == "ohtop_conversation_info":
                assert sample.labels["execution_status"] == "unknown"
    assert len(text) < 200_000  # 50 conversations of 5 KB ids and a 100 KB version: bounded


async def test_a_scrape_is_computed_off_the_event_loop() -> None:
    fleet = _hostile_fleet()
    server = MetricsServer(fleet, Listen("127.0.0.1", 0))
    threads: list[int] = []
    collect = metrics.SnapshotCollector.collect

    def spy(self: metrics.SnapshotCollector) -> Iterator[Metric]:
        threads.append(threading.get_ident())
        yield from collect(self)

    metrics.SnapshotCollector.collect = spy  # type: ignore[method-assign]
    url = await server.start()
    try:
        async with httpx.AsyncClient() as client:
            answer = await client.get(url)
        assert answer.status_code == 200
        assert threads and threading.get_ident() not in threads  # not the loop's thread
    finally:
        metrics.SnapshotCollector.collect = collect  # type: ignore[method-assign]
        await server.stop()


async def test_scrapes_that_come_together_share_one_exposition(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fleet = _hostile_fleet()
    server = MetricsServer(fleet, Listen("127.0.0.1", 0))
    url = await server.start()
    try:
        async with httpx.AsyncClient() as client:
            answers = await asyncio.gather(*(client.get(url) for _ in range(5)))
            assert [a.status_code for a in answers] == [200] * 5
            assert len({a.content for a in answers}) == 1
            assert server.scrapes == 5 and server.renders == 1
            fleet.stores.status.upsert(view("ff" * 16, "ERROR", "error", server="prod"))
            monkeypatch.setattr(metrics_server, "REUSE_FOR", 0.0)  # the reuse has run out
            fresh = await client.get(url)
        assert server.renders == 2
        errors = [r for r in fresh.text.splitlines() if r.startswith("ohtop_conversations{")]
        errors = [r for r in errors if 'status="ERROR"' in r]
        assert errors == ['ohtop_conversations{server="prod",status="ERROR"} 1.0']
    finally:
        await server.stop()
