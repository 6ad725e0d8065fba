"""Operators' keys: find as you type, quick status filters, sort, errors first, pause."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from tests.helpers import FAST, demo_app, frozen, loaded, row_text, table_of, view, wait_for
from tui.client.config import ServerConfig
from tui.demo.server import DemoServer
from tui.demo.world import DemoWorld
from tui.settings import Settings
from tui.store.view import ConversationView, ErrorInfo
from tui.ui.app import OhtopApp
from tui.ui.listing.query import ListQuery, order
from tui.ui.widgets.conversation_table import ConversationTable
from tui.ui.widgets.find_box import FindBox
from tui.ui.widgets.status_indicator import StatusIndicator
from tui.ui.widgets.table_header import TableHeader


def _v(i: int, status: str, title: str, **kw: Any) -> ConversationView:
    created = datetime(2026, 1, 1, 0, i, tzinfo=UTC)
    return view(f"{i:02d}" * 16, status, None, server="s", title=title, created_at=created, **kw)


VIEWS = [
    _v(1, "RUNNING", "Fix login", repository="acme/web"),
    _v(2, "ERROR", "Bump deps", last_error=ErrorInfo("LLMAuthenticationError", "invalid API key")),
    _v(3, "STARTING", "Write docs"),
    _v(4, "ERROR", "Add retries", repository="acme/api"),
]


def _titles(q: ListQuery) -> list[str]:
    by_key = {v.key: v.title for v in VIEWS}
    return [by_key[k] for k in order(VIEWS, q)]


def test_filter_words_search_title_repository_status_and_error_text() -> None:
    assert _titles(ListQuery(text="acme")) == ["Add retries", "Fix login"]
    assert _titles(ListQuery(text="invalid key")) == ["Bump deps"]  # every word, any field
    assert _titles(ListQuery(text="authentication")) == ["Bump deps"]  # the error code
    assert _titles(ListQuery(text="starting")) == ["Write docs"]
    assert _titles(ListQuery(text="0303")) == ["Write docs"]  # part of the id
    assert _titles(ListQuery(text="nothing-like-this")) == []


def test_status_filter_sorts_and_reverse() -> None:
    assert _titles(ListQuery(status="ERROR")) == ["Add retries", "Bump deps"]
    assert _titles(ListQuery(sort="title")) == [
        "Add retries",
        "Bump deps",
        "Fix login",
        "Write docs",
    ]
    assert _titles(ListQuery(sort="title").sorted_by("title")) == [
        "Write docs",
        "Fix login",
        "Bump deps",
        "Add retries",
    ]
    assert _titles(ListQuery(sort="created")) == [
        "Add retries",
        "Write docs",
        "Bump deps",
        "Fix login",
    ]
    errors_first = ListQuery(sort="title", errors_first=True)
    assert _titles(errors_first) == ["Add retries", "Bump deps", "Fix login", "Write docs"]
    assert (
        ListQuery(status="ERROR", text="x").describe() == "filter “x” · errors only · sort status ↓"
    )


async def test_every_error_in_two_keystrokes_and_find_as_you_type(demo: DemoServer) -> None:
    app = demo_app(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded(app, demo)
        table = table_of(app)
        errors = {v.key for v in app.stores.status if v.status == "ERROR"}
        await pilot.press("e")  # one keystroke: errors only
        assert set(table.rows) == errors and errors
        indicator = app.screen.query_one(StatusIndicator).render().plain
        assert (
            f"{len(errors)} of {len(app.stores.status)} shown" in indicator
            and "errors only" in indicator
        )
        await pilot.press("e")  # again: all
        assert len(table.rows) == len(app.stores.status)
        word = app.stores.status.get(table.rows[-1]).title.split()[-1].lower()  # type: ignore[union-attr]
        await pilot.press("slash", *word)
        expected = {v.key for v in app.stores.status if word in v.title.lower()}
        await wait_for(lambda: set(table.rows) == expected)
        assert app.focused is not None and app.focused.id == "filter"
        await pilot.press("enter")  # keep the filter, back to the list
        assert app.focused is table and set(table.rows) == expected
        await pilot.press("escape")  # clears
        assert len(table.rows) == len(app.stores.status)


async def test_sort_keys_reverse_on_second_press(demo: DemoServer) -> None:
    app = demo_app(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded(app, demo)
        table = table_of(app)
        await pilot.press("T")
        titles = [app.stores.status.get(k).title.lower() for k in table.rows]  # type: ignore[union-attr]
        assert titles == sorted(titles)
        await pilot.press("T")
        titles = [app.stores.status.get(k).title.lower() for k in table.rows]  # type: ignore[union-attr]
        assert titles == sorted(titles, reverse=True)


async def test_pause_freezes_the_view_and_applies_on_resume(demo: DemoServer) -> None:
    conv = frozen(demo, "running")
    app = demo_app(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded(app, demo)
        table = table_of(app)
        key = ("demo", conv.hex)
        await pilot.press("p")
        conv.execution = "error"
        await wait_for(lambda: app.stores.status.get(key).status == "ERROR")  # type: ignore[union-attr]
        banner = app.screen.query_one("#banner")
        await wait_for(lambda: key in app._held)
        pattern = re.compile(r"PAUSED: [1-9]\d* updates? waiting")
        await wait_for(lambda: pattern.search(str(banner.render())) is not None)
        assert "RUNNING" in row_text(table, key)  # frozen, although the store moved on
        await pilot.press("j")  # moving around still shows the snapshot
        assert "RUNNING" in row_text(table, key)
        await pilot.press("p")
        await wait_for(lambda: "ERROR" in row_text(table, key))
        assert not banner.has_class("-visible")


async def test_grouping_by_server_then_repository_names_each_group_with_its_server_count() -> None:
    """`b` groups the list: each group's rows together, its first row naming it with its size,
    and the sizes are what each server lists; `b` again groups by repository."""
    a = DemoServer(DemoWorld(n=7, seed=31, spawn_every=1e9))
    b = DemoServer(DemoWorld(n=4, seed=32, spawn_every=1e9))
    await a.start()
    await b.start()
    try:
        servers = (ServerConfig(a.url, name="alpha"), ServerConfig(b.url, name="beta"))
        app = OhtopApp(Settings(servers=servers, intervals=FAST, max_streams=-1))
        truth = {"alpha": len(a.world.visible()), "beta": len(b.world.visible())}
        async with app.run_test(size=(160, 45)) as pilot:
            table = app.screen.query_one(ConversationTable)
            await wait_for(lambda: len(table.rows) == sum(truth.values()))
            await pilot.press("b")
            await pilot.pause()
            assert table.list_query.group == "server"
            lines = [table.render_line(y).text for y in range(len(table.rows))]
            servers_in_order = [key[0] for key in table.rows]
            assert servers_in_order == sorted(servers_in_order)  # each server's rows together
            first = {name: servers_in_order.index(name) for name in truth}
            for name, row in first.items():
                assert lines[row].split()[:2] == [name, str(truth[name])], lines[row]
            rest = [y for y in range(1, len(lines)) if y not in first.values()]
            assert all(lines[y].split()[0] == "│" for y in rest)
            header = app.screen.query_one(TableHeader).render().plain
            assert header.split()[0] == "GROUP" and "SERVER" not in header  # named by the group
            await pilot.press("b")
            await pilot.pause()
            assert table.list_query.group == "repository"
            views = [app.stores.status.get(k) for k in table.rows]
            repos = [v.repository or "~" if v else "" for v in views]
            assert repos == sorted(repos)
            assert "grouped by repository" in table.list_query.describe()
            await pilot.press("b", "b")  # error code, then no groups
            await pilot.pause()
            assert table.list_query.group is None
            assert "GROUP" not in app.screen.query_one(TableHeader).render().plain
    finally:
        await a.stop()
        await b.stop()


async def test_typing_in_the_find_box_asks_for_no_layout_of_the_screen(demo: DemoServer) -> None:
    """Each keystroke repaints the box and the list; a layout pass of the whole screen (what
    Textual's Input asks for on every value change) would cost ~40 ms a key whatever the size."""
    app = demo_app(demo)
    async with app.run_test(size=(160, 45)) as pilot:
        await loaded(app, demo)
        await pilot.press("slash")
        await pilot.pause()
        box = app.screen.query_one("#filter", FindBox)
        asked: list[bool] = []
        refresh = box.refresh

        def counted(*regions: Any, **kw: Any) -> Any:
            asked.append(bool(kw.get("layout")))
            return refresh(*regions, **kw)

        box.refresh = counted  # type: ignore[method-assign]
        await pilot.press(*"fix")
        await pilot.pause()
        assert box.value == "fix" and asked  # the box was repainted ...
        assert not any(asked)  # ... and never asked for a layout


def test_each_sort_and_its_reverse_order_as_a_person_reads_them() -> None:
    now = datetime(2026, 1, 1, 1, 0, tzinfo=UTC).timestamp()

    def at(minute: int) -> datetime:
        return datetime.fromtimestamp(now - 3600 + minute * 60, UTC)

    views = [
        _v(1, "RUNNING", "one", updated_at=at(30), cost=0.5, status_since=now - 60),
        _v(2, "ERROR", "two", updated_at=at(10), cost=2.0, status_since=now - 600),
        _v(3, "STOPPED", "three", updated_at=at(50), status_since=None),
        _v(4, "STARTING", "four", updated_at=None, cost=1.0, status_since=now - 6000),
    ]
    by_key = {v.key: v.title for v in views}

    def titles(q: ListQuery) -> list[str]:
        return [by_key[k] for k in order(views, q)]

    expected = {
        "status": ["two", "four", "one", "three"],  # ERROR, STARTING, RUNNING, STOPPED
        "updated": ["three", "one", "two", "four"],  # newest update first, none last
        "cost": ["two", "four", "one", "three"],  # dearest first
        "in_state": ["four", "two", "one", "three"],  # longest in state first, unknown last
    }
    for sort, titles_in_order in expected.items():
        query = ListQuery(sort=sort)
        assert titles(query) == titles_in_order, sort
        assert titles(query.sorted_by(sort)) == titles_in_order[::-1], sort
