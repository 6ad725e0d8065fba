"""What a person sees at common widths: server health, typed text, the event tail that follows
the selection, and the small things that read wrong (labels, cuts, hints, ids)."""

from __future__ import annotations

from aiohttp import web
from textual import events

from tests.helpers import FAST, demo_app, frozen, loaded, serve, table_of, view, wait_for
from tui.client.config import ServerConfig
from tui.demo.server import DemoServer
from tui.demo.world import DemoWorld
from tui.protocol.events import parse_event
from tui.settings import Settings
from tui.settings.keymap import DASHBOARD
from tui.store.stores import Stores
from tui.text.format import short_ids
from tui.ui.app import OhtopApp
from tui.ui.screens.detail import DetailScreen
from tui.ui.screens.help import HelpScreen
from tui.ui.widgets.connection_panel import ConnectionPanel
from tui.ui.widgets.conversation_table import ConversationTable
from tui.ui.widgets.event_tail import EventTail
from tui.ui.widgets.health_bar import HealthBar


def _refusing() -> web.Application:
    async def refuse(request: web.Request) -> web.StreamResponse:
        return web.json_response({"detail": "Unauthorized"}, status=401)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", refuse)
    return app


async def test_a_failed_server_is_named_at_80_columns(demo: DemoServer) -> None:
    async with serve(_refusing()) as bad:
        servers = (ServerConfig(demo.url, name="demo"), ServerConfig(bad, name="prod"))
        app = OhtopApp(Settings(servers=servers, intervals=FAST, max_streams=-1))
        async with app.run_test(size=(80, 24)) as pilot:
            await loaded(app, demo)
            health = app.screen.query_one(HealthBar)
            await wait_for(lambda: "FAILED prod" in str(health.render()))
            await pilot.pause()
            assert health.has_class("-visible") and health.region.height >= 1
            assert "401" in str(health.render())


async def test_every_server_is_listed_before_any_stream(demo: DemoServer) -> None:
    other = DemoServer(DemoWorld(n=5, seed=9))
    await other.start()
    try:
        servers = (ServerConfig(demo.url, name="demo"), ServerConfig(other.url, name="second"))
        app = OhtopApp(Settings(servers=servers, intervals=FAST, max_streams=10))
        async with app.run_test(size=(160, 45)):
            total = len(demo.world.visible()) + len(other.world.visible())
            await wait_for(lambda: len(table_of(app).rows) == total)
            panel = app.screen.query_one(ConnectionPanel)
            await wait_for(lambda: any(lk.group for lk in app.stores.links.links()))
            await wait_for(
                lambda: len([lk for lk in app.stores.links.links() if not lk.group]) == 2
            )
            panel.redraw()
            text = panel.render().plain  # type: ignore[union-attr]
            streams_at = text.index("Event streams")
            assert text.index("demo") < streams_at and text.index("second") < streams_at
    finally:
        await other.stop()


async def test_letters_typed_right_after_slash_go_to_the_find_box(demo: DemoServer) -> None:
    app = demo_app(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded(app, demo)
        table = table_of(app)
        # A burst, as a terminal delivers typed keys: all queued before any is handled.
        for key, char in (("slash", "/"), ("E", "E"), ("e", "e")):
            app.post_message(events.Key(key, char))
        await pilot.pause()
        await pilot.pause()
        box = app.screen.query_one("#filter")
        assert box.value == "Ee"  # type: ignore[attr-defined]
        assert not table.list_query.errors_first and table.list_query.status is None


async def test_the_tail_follows_a_selection_a_filter_moved(demo: DemoServer) -> None:
    conv = frozen(demo, "running")
    app = demo_app(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded(app, demo)
        table = table_of(app)
        tail = app.screen.query_one(EventTail)
        table.select_key(("demo", conv.hex))
        await pilot.pause()
        # A filter that hides the selected conversation moves the cursor to another one.
        await pilot.press("e")
        await pilot.pause()
        moved_to = table.cursor_key
        assert moved_to is not None and moved_to != ("demo", conv.hex)

        def follows() -> bool:  # events keep arriving: the tail catches up within a flush
            kept = app.stores.events.events(moved_to)
            return tail.shown == len(kept) if kept else tail.empty_reason is not None

        await wait_for(follows)


async def test_the_tail_says_why_a_conversation_is_not_streamed() -> None:
    stores = Stores()
    stores.status.upsert(view("ab" * 16, "STOPPED", None, sandbox_status="PAUSED"))
    app = OhtopApp(Settings(max_streams=3), stores=stores)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        tail = app.screen.query_one(EventTail)
        assert tail.empty_reason is not None and "sandbox is paused" in tail.empty_reason


async def test_help_names_keys_as_typed_and_the_80_column_footer_keeps_help_and_quit() -> None:
    app = OhtopApp(Settings(max_streams=-1))
    async with app.run_test(size=(80, 24)) as pilot:
        footer = app.screen.query_one("Footer")
        await pilot.pause()
        shown = [b.description for b in footer.query("FooterKey").results()]  # type: ignore[attr-defined]
        assert "Help" in shown and "Quit" in shown
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
    labels = {a.name: a.key_label for a in DASHBOARD}
    assert labels["find"] == "/" and labels["help"] == "?" and labels["alerts"] == "!"


async def test_long_states_and_titles_are_cut_with_an_ellipsis() -> None:
    stores = Stores()
    stores.status.upsert(
        view(
            "cd" * 16,
            execution="waiting_for_confirmation",
            title="word " * 60,
            sandbox_status="RUNNING",
        )
    )
    app = OhtopApp(Settings(max_streams=-1), stores=stores)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        line = app.screen.query_one(ConversationTable).render_line(0).text
        assert "needs confirm" in line and "waiting_for_co" not in line
        assert "…" in line


async def test_the_detail_says_when_it_goes_on_below_the_fold(demo: DemoServer) -> None:
    app = demo_app(demo)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(app, demo)
        errored = next(v for v in app.stores.status if v.execution_status == "error")
        await wait_for(
            lambda: (
                (v := app.stores.status.get(errored.key)) is not None and v.last_error is not None
            )
        )
        table_of(app).select_key(errored.key)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        more = app.screen.query_one("#detail-more")
        assert more.has_class("-visible") and "more lines below" in str(more.render())
        for _ in range(40):
            await pilot.press("j")
        await pilot.pause()
        assert not more.has_class("-visible")


def test_short_ids_never_collide() -> None:
    ids = ["abcdef0123456789" + "0" * 16, "abcdef0123456789" + "1" * 16, "ffffffff" + "0" * 24]
    short = short_ids(ids)
    assert len(set(short.values())) == 3
    assert short[ids[2]] == "ffffffff"


async def test_events_of_a_conversation_show_once_its_stream_is_up() -> None:
    stores = Stores()
    key = ("demo", "ef" * 16)
    stores.status.upsert(view(key[1]))
    app = OhtopApp(Settings(max_streams=-1), stores=stores)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        tail = app.screen.query_one(EventTail)
        assert tail.empty_reason is not None and "off" in tail.empty_reason
        stores.events.add(key, parse_event({"kind": "MessageEvent", "id": "m1", "timestamp": ""}))
        await wait_for(lambda: tail.shown == 1)
        assert tail.empty_reason is None
