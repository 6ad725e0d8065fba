"""Untrusted text is inert: markup stays text, escapes and control characters are neutralised,
very long strings are cut, in every widget and in the headless output."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from rich.console import Console

from tui.alerts.watcher import Alert
from tui.headless.serialize import view_to_dict
from tui.headless.status import print_table
from tui.protocol.conversations import AppConversation
from tui.protocol.events import TaskItem, parse_event
from tui.settings import Settings
from tui.store.mapping import from_v1
from tui.store.stores import Stores
from tui.store.view import ErrorInfo
from tui.store.websocket_store import LinkState
from tui.text.events import event_line
from tui.ui.app import OhtopApp
from tui.ui.rich_text import MAX_CHARS, clean
from tui.ui.screens.alerts import alert_line
from tui.ui.widgets.connection_panel import ConnectionPanel
from tui.ui.widgets.conversation_table import ConversationTable
from tui.ui.widgets.detail_pane import DetailPane
from tui.ui.widgets.event_tail import EventTail
from tui.ui.widgets.task_tracker import render_tasks

HOSTILE = [
    "[bold red]pwned[/bold red]",
    "[link=https://evil.example]click[/link]",
    "\x1b[31mred\x1b[0m \x1b]0;window title\x07 \x1b]52;c;c2VjcmV0\x07",
    "nul\x00byte and \r carriage \x08 backspace \x7f del \x9b csi",
    "{{7*7}} ${jndi:ldap://x} <script>alert(1)</script>",
    "x" * 1_000_000,
]


def _plain(renderable: Any, width: int = 200) -> str:
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def _raw(renderable: Any, width: int = 200) -> str:
    out = io.StringIO()
    Console(width=width, file=out, color_system="truecolor", force_terminal=True).print(renderable)
    return out.getvalue()


@pytest.mark.parametrize(
    "text", HOSTILE, ids=["markup", "link", "ansi", "control", "templates", "1MB"]
)
def test_clean_neutralises_and_cuts(text: str) -> None:
    out = clean(text)
    assert len(out) <= MAX_CHARS
    assert not any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in out)
    if text.startswith("["):
        assert text in out  # markup is shown as typed


def _hostile_stores(text: str) -> tuple[Stores, tuple[str, str]]:
    stores = Stores()
    conv = AppConversation.model_validate(
        {
            "id": "ab" * 16,
            "title": text,
            "selected_repository": text,
            "sandbox_status": "RUNNING",
            "execution_status": text,
        }
    )
    view = from_v1("srv", conv)
    stores.status.upsert(view)
    stores.status.set_details(
        view.key,
        tasks=(TaskItem(title=text, notes=text, status=text[:30]),),
        last_error=ErrorInfo(code=text, detail=text, kind=text, user_action=text),
    )
    for kind in (
        "ConversationErrorEvent",
        "AgentErrorEvent",
        "ServerErrorEvent",
        "MessageEvent",
        text[:40],
    ):
        stores.events.add(
            view.key,
            parse_event(
                {
                    "kind": kind,
                    "id": f"{kind}-{len(text)}",
                    "timestamp": text[:40],
                    "code": text,
                    "detail": text,
                    "error": text,
                    "llm_message": {"content": [{"text": text}]},
                }
            ),
        )
    stores.links.set(
        f"server {text[:50]}", state=LinkState.RECONNECTING, detail=text, last_error=text
    )
    return stores, view.key


@pytest.mark.parametrize(
    "text", HOSTILE, ids=["markup", "link", "ansi", "control", "templates", "1MB"]
)
async def test_every_widget_shows_hostile_text_as_text(text: str) -> None:
    stores, key = _hostile_stores(text)
    app = OhtopApp(Settings(max_streams=-1), stores=stores)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(ConversationTable)
        line = table.render_line(0).text
        pane = _plain(DetailPane.compose_view(stores.status.get(key)))
        tasks = _plain(render_tasks(stores.status.get(key).tasks))  # type: ignore[union-attr]
        panel = _plain(app.screen.query_one(ConnectionPanel).compose_links(stores.links.links()))
        tail = app.screen.query_one(EventTail)
        events = [event_line(e)[1] for e in stores.events.events(key)]
        await pilot.press("enter")  # the detail screen renders the same text too
        await pilot.pause()
    alert = _plain(alert_line(Alert(key, text, "error", 0.0, text)))
    for shown in [line, pane, tasks, panel, alert, *events]:
        assert "\x1b" not in shown and "\x00" not in shown and "\x07" not in shown
        assert len(shown) < 20_000  # a 1 MB title is cut, not drawn
    if text.startswith("[bold"):
        assert "[bold red]pwned" in line and "[bold red]pwned" in pane
    assert tail.shown == len(events)
    for renderable in (
        DetailPane.compose_view(stores.status.get(key)),
        alert_line(Alert(key, text, "error", 0.0, text)),
    ):
        raw = _raw(renderable)
        assert "\x1b]" not in raw and "\x1b]52" not in raw  # no OSC (title, clipboard) smuggled


@pytest.mark.parametrize(
    "text", HOSTILE, ids=["markup", "link", "ansi", "control", "templates", "1MB"]
)
def test_headless_output_is_inert(text: str) -> None:
    stores, _ = _hostile_stores(text)
    out = io.StringIO()
    print_table(list(stores.status), out)
    assert "\x1b" not in out.getvalue() and "\x00" not in out.getvalue()
    encoded = json.dumps([view_to_dict(v) for v in stores.status])
    assert "\x1b" not in encoded  # JSON escapes control characters
    assert json.loads(encoded)[0]["title"] == text  # and loses nothing
