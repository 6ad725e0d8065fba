"""Full-screen detail of one conversation: status, last error, tasks, timeline, events."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from tui import clock
from tui.clipboard import copy
from tui.keymap import DETAIL
from tui.screens.live import LiveScreen
from tui.state.alerts import Thresholds, warnings_for
from tui.state.status_store import Transition
from tui.state.stores import Stores
from tui.state.stream_manager import link_name
from tui.state.view import ConversationView, Key
from tui.text import plain
from tui.widgets.detail_pane import DetailPane
from tui.widgets.event_tail import EventTail
from tui.widgets.task_tracker import TaskTracker


def timeline_text(transitions: list[Transition]) -> Text:
    """Each status transition with its local time and why it was seen."""
    out = Text("Status timeline\n", style="bold")
    if not transitions:
        return out.append("No transitions seen yet.", style="dim")
    for t in transitions:
        stamp = time.strftime("%H:%M:%S", time.localtime(t.at))
        if not t.exact:
            stamp = f"≤{stamp}"  # first sight: the server's last update, the state began by then
        old = f"{t.old_status}/{t.old_execution or '-'}" if t.old_status else "first seen"
        out.append(f"{stamp}  {old} -> {t.new_status}/{t.new_execution or '-'}  ({t.reason})\n")
    return out


class DetailScreen(LiveScreen):
    """Everything known about the conversation opened with enter."""

    ACTIONS = DETAIL  # bound by tui.actions.with_bindings (keys may be remapped)

    def __init__(self, stores: Stores, key: Key, thresholds: Thresholds | None = None) -> None:
        super().__init__()
        self.stores = stores
        self.key = key
        self.thresholds = thresholds or Thresholds()

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail-scroll"):
            yield Static(id="detail-warnings")
            yield DetailPane(id="detail-full")
            yield Static(id="detail-url")
            yield TaskTracker(id="detail-tasks")
            yield Static(id="detail-timeline")
        yield EventTail(id="detail-events")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_all(None)
        self.refresh_events(frozenset({self.key}))

    def refresh_all(self, keys: frozenset[Key] | None) -> None:
        """Redraw when this conversation changed."""
        if keys is None or self.key in keys:
            view = self.stores.status.get(self.key)
            self.query_one(DetailPane).show(view)
            self._show_triage(view)
            self.query_one(TaskTracker).show(view.tasks if view else None)
            timeline = timeline_text(self.stores.status.timeline(self.key))
            self.query_one("#detail-timeline", Static).update(timeline)

    def refresh_events(self, keys: frozenset[Key]) -> None:
        """Extend the event list when this conversation got new events."""
        if self.key in keys:
            self.query_one(EventTail).show(self.stores.events.events(self.key))

    def _show_triage(self, view: ConversationView | None) -> None:
        """Warnings (silent RUNNING, long STARTING) and the conversation URL."""
        warnings: list[str] = []
        if view is not None:
            link = self.stores.links.get(link_name(self.key))
            warnings = warnings_for(view, clock.wall(), link.last_event_at, self.thresholds)
        box = self.query_one("#detail-warnings", Static)
        box.set_class(bool(warnings), "-visible")
        box.update(Text("\n".join(f"⚠ {w}" for w in warnings), style="bold"))
        url = view.conversation_url if view else None
        line = Text("URL  ", style="bold")
        line.append_text(plain(url or "(none: the sandbox is not running)", "", 300))
        if url:
            line.append("   c copies it", "dim")
        self.query_one("#detail-url", Static).update(line)

    def tick(self) -> None:
        """Once a second: durations move on."""
        view = self.stores.status.get(self.key)
        self.query_one(DetailPane).show(view)
        self._show_triage(view)

    def action_copy_url(self) -> None:
        """Copy the conversation URL (clipboard tool, else OSC 52)."""
        view = self.stores.status.get(self.key)
        if view is None or not view.conversation_url:
            self.notify("No URL to copy: the sandbox is not running.", severity="warning")
            return
        how = copy(view.conversation_url, self.app.copy_to_clipboard)
        self.notify(f"URL copied ({how}).", timeout=3)

    def action_close(self) -> None:
        self.dismiss()
