"""The one way every face of ohtop gets a running Fleet: the dashboard, the headless commands,
the exporter and the browser's dashboards all build it here. No Textual here."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from tui.client.config import ServerConfig
from tui.fleet.fleet import Fleet
from tui.settings import Settings, UsageError
from tui.store.stores import Stores

if TYPE_CHECKING:
    from tui.fleet.push_server import PushServer


def build_fleet(
    settings: Settings,
    *,
    stores: Stores | None = None,
    reload: Callable[[], list[ServerConfig]] | None = None,
    details: bool = True,
) -> Fleet:
    """A Fleet over the settings' servers (not started: see `run_fleet`)."""
    return Fleet(
        list(settings.servers), settings.fleet_options(details), stores=stores, reload=reload
    )


async def _receive(fleet: Fleet, settings: Settings) -> PushServer:
    """Start receiving agent servers' webhooks; says where on stderr."""
    from tui.fleet.push_server import PushServer

    assert settings.webhooks is not None
    receiver = PushServer(fleet, settings.webhooks)
    try:
        url = await receiver.start()
    except OSError as exc:
        listen = settings.webhooks
        raise UsageError(f"--webhooks {listen.host}:{listen.port}: {exc.strerror}") from exc
    sys.stderr.write(f"ohtop: receiving agent-server webhooks at {url}\n")
    return receiver


@asynccontextmanager
async def run_fleet(
    fleet: Fleet, settings: Settings, *, start: bool = True, flaky_demo: bool = True
) -> AsyncIterator[Fleet]:
    """Start the embedded demo server when asked for (imported only then: its web server costs
    ~25 MB), then the Fleet unless `start` is False (a one-shot snapshot); stop both after."""
    demo, scratch = None, None
    if settings.demo and fleet.options.history is None and start:
        # The demo keeps no history (its world is new each run), but acting needs an audit
        # log: one for this run only, removed after.
        scratch = tempfile.TemporaryDirectory(prefix="ohtop-demo-")
        fleet.options = replace(fleet.options, history=Path(scratch.name) / "history.sqlite3")
    if settings.demo:
        from tui.demo.server import DEMO_FLAKY_EVERY, DEMO_RATE, DemoServer

        demo = DemoServer(flaky_every=DEMO_FLAKY_EVERY if flaky_demo else None)
        url = await demo.start()
        # Our own demo server has no rate limiter to stay under.
        fleet.add_server(ServerConfig(url, name="demo", rate=DEMO_RATE))
    receiver = None
    try:
        if start:
            await fleet.start()
            if settings.webhooks is not None:
                receiver = await _receive(fleet, settings)
        yield fleet
    finally:
        if receiver is not None:
            await receiver.stop()
        await fleet.stop()
        if demo is not None:
            await demo.stop()
        if scratch is not None:
            scratch.cleanup()


@asynccontextmanager
async def open_fleet(
    settings: Settings,
    *,
    stores: Stores | None = None,
    start: bool = True,
    details: bool = True,
    flaky_demo: bool = True,
) -> AsyncIterator[Fleet]:
    """`build_fleet` and `run_fleet` in one."""
    fleet = build_fleet(settings, stores=stores, details=details)
    async with run_fleet(fleet, settings, start=start, flaky_demo=flaky_demo):
        yield fleet
