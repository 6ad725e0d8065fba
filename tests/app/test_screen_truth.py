"""The screen against the server's truth: random sequences of what a user does (open and close
every screen, find, filter, sort, pause the view, mark, bulk-pause) while the server changes
conversations; after each step, once the coalescing window has passed, the rows on screen,
their order and the header's counts equal what a fresh read of the server gives."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.helpers import FAST, ManualClock, wait_for
from tui.client.config import ServerConfig
from tui.demo.server import DemoServer
from tui.demo.world import DemoWorld
from tui.fleet.fleet import Fleet
from tui.settings import Settings
from tui.store.view import ConversationView, Key
from tui.text.format import status_word
from tui.ui.app import OhtopApp
from tui.ui.listing.query import order
from tui.ui.screens.confirm import ConfirmScreen, ResultsScreen
from tui.ui.screens.dashboard import DashboardScreen
from tui.ui.widgets.conversation_table import ConversationTable
from tui.ui.widgets.status_indicator import StatusIndicator

STEPS = 18
Truth = dict[Key, ConversationView]


async def fresh_read(url: str) -> Truth:
    """What the server says now, read by a Fleet of its own (no polling loops)."""
    fleet = Fleet([ServerConfig(url, name="demo")])
    failures = await fleet.snapshot("none")
    assert not failures, failures
    return {v.key: v for v in fleet.stores.status}


def _agrees(app: OhtopApp, truth: Truth) -> bool:
    """The app's stores say what the server says (deleted ones are marked so)."""
    for key, view in truth.items():
        mine = app.stores.status.get(key)
        if mine is None or (mine.status, mine.execution_status, mine.title) != (
            view.status,
            view.execution_status,
            view.title,
        ):
            return False
    return all(v.deleted for v in app.stores.status if v.key not in truth)


async def check_screen(app: OhtopApp, pilot: Pilot[None], url: str) -> None:
    """Wait for the app to have caught up with the server, then compare the screen."""
    truth = await fresh_read(url)
    await wait_for(lambda: _agrees(app, truth), timeout=15)
    await wait_for(lambda: not app.repaint_pending)  # the coalescing window has passed
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, DashboardScreen), type(screen).__name__
    table = screen.query_one(ConversationTable)
    expected = order(app.stores.status, table.list_query)
    assert table.rows == expected  # incremental moves equal a full sort of the truth
    visible = range(int(table.scroll_y), min(len(table.rows), int(table.scroll_y) + 10))
    for row in visible:
        key = table.rows[row]
        text = table.render_line(row - int(table.scroll_y)).text
        view = truth.get(key) or app.stores.status.get(key)
        assert view is not None
        word = "DELETED" if key not in truth else status_word(view)
        assert word[:7] in text, (word, text)
    counts = Counter(v.status for v in truth.values())  # a deleted one is in no count
    header = screen.query_one(StatusIndicator).render().plain
    narrow = screen.size.width < 100
    short = {
        "ERROR": "ERR",
        "STARTING": "START",
        "RUNNING": "RUN",
        "STOPPED": "STOP",
        "ARCHIVED": "ARCH",
    }
    for status in ("ERROR", "STARTING", "RUNNING", "STOPPED", "ARCHIVED"):
        word = short[status] if narrow else status
        assert f"{word} {counts[status]}" in header, (status, counts[status], header)


def _change_the_world(world: DemoWorld, clock: ManualClock, rng: random.Random) -> None:
    """What servers do meanwhile: scripts move on, a conversation fails, one is paused or
    deleted."""
    roll = rng.random()
    live = [c for c in world.visible() if c.sandbox == "RUNNING"]
    if roll < 0.4 or not live:
        clock.advance(rng.uniform(5, 40))
    elif roll < 0.7:
        c = rng.choice(live)
        c.script.steps.clear()
        world.push_state(c, rng.choice(["error", "stuck", "finished", "running", "paused"]))
    elif roll < 0.85:
        c = rng.choice(live)
        c.script.steps.clear()
        c.sandbox, c.execution = "PAUSED", None
    else:
        rng.choice(world.visible()).deleted = True


Step = Callable[[Pilot[None]], Awaitable[None]]


def _keys(*keys: str) -> Step:
    async def press(pilot: Pilot[None]) -> None:
        await pilot.press(*keys)

    return press


def _over(open_keys: tuple[str, ...], close: str, meanwhile: Callable[[], Awaitable[None]]) -> Step:
    """Open another screen, let the server change (and ohtop learn it) while it is on top,
    close it."""

    async def step(pilot: Pilot[None]) -> None:
        await pilot.press(*open_keys)
        await meanwhile()
        await pilot.press(close)

    return step


def _bulk_pause(meanwhile: Callable[[], Awaitable[None]]) -> Step:
    """Mark-or-select, P, confirm (the server changes while the question is up), results."""

    async def step(pilot: Pilot[None]) -> None:
        table = pilot.app.screen.query_one(ConversationTable)
        chosen = table.marked or table.cursor_key is not None
        before = len(pilot.app.screen_stack)
        await pilot.press("P")
        await pilot.pause()
        if not chosen:
            return  # nothing selected: no question
        # The state is read from the server first: then a question, or why nothing is sent.
        await wait_for(lambda: len(pilot.app.screen_stack) > before, timeout=15)
        if isinstance(pilot.app.screen, ConfirmScreen):
            await meanwhile()
            await pilot.press("y")
            await wait_for(lambda: isinstance(pilot.app.screen, ResultsScreen), timeout=70)
        await pilot.press("escape")

    return step


async def _run(size: tuple[int, int], seed: int, history: Path) -> None:
    rng = random.Random(seed)
    clock = ManualClock(0.0)
    world = DemoWorld(n=40, seed=seed, clock=clock, spawn_every=1e9)
    server = DemoServer(world)
    await server.start()

    def change() -> None:
        _change_the_world(world, clock, rng)

    async def meanwhile() -> None:
        change()
        truth = await fresh_read(server.url)
        await wait_for(lambda: _agrees(app, truth), timeout=15)

    titles = [c.title for c in world.visible()]
    steps: list[tuple[str, Step]] = [
        ("detail", _over(("enter",), "escape", meanwhile)),
        ("help", _over(("question_mark",), "escape", meanwhile)),
        ("alerts", _over(("exclamation_mark",), "escape", meanwhile)),
        ("errors", _over(("L",), "escape", meanwhile)),
        ("palette", _over(("ctrl+p",), "escape", meanwhile)),
        ("pause view", _over(("p",), "p", meanwhile)),
        ("bulk pause", _bulk_pause(meanwhile)),
        ("running only", _keys("4")),
        ("errors only", _keys("e")),
        ("all", _keys("1")),
        ("sort", _keys(rng.choice("SUCTI"))),
        ("errors first", _keys("E")),
        ("mark", _keys("space")),
        ("move", _keys(rng.choice(["j", "k", "G", "g", "pagedown"]))),
        ("find", _keys("slash", *rng.choice(titles)[:3].lower(), "enter")),
        ("clear find", _keys("escape")),
    ]
    settings = Settings(
        servers=(ServerConfig(server.url, name="demo"),),
        intervals=FAST,
        max_streams=5,
        allow_actions=True,
        history=history,  # acting needs its audit log
    )
    app = OhtopApp(settings)
    steps = [s for s in steps if s[0] != "close results"]
    try:
        async with app.run_test(size=size) as pilot:
            await check_screen(app, pilot, server.url)
            done: list[str] = []
            for _ in range(STEPS):
                name, step = rng.choice(steps)
                done.append(name)
                await step(pilot)
                if not isinstance(app.screen, DashboardScreen):  # results, a dialog
                    await pilot.press("escape")
                change()
                try:
                    await check_screen(app, pilot, server.url)
                except AssertionError as exc:
                    raise AssertionError(f"after {' -> '.join(done)}: {exc}") from exc
    finally:
        await server.stop()


@pytest.mark.parametrize("size", [(160, 45), (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("seed", [1, 2])
async def test_the_screen_shows_what_the_server_says(
    size: tuple[int, int], seed: int, tmp_path: Path
) -> None:
    await _run(size, seed, tmp_path / "history.sqlite3")
