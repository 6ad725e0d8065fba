"""Full-screen detail of one conversation, in the order triage reads it: what is wrong (warnings,
last error), its status, the links a person opens, tasks, the status timeline, events."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Footer, Label, Sparkline, Static

from tui.alerts.watcher import Thresholds, warnings_for
from tui.fleet.recorder import Trends
from tui.protocol.events import Event
from tui.protocol.status import ServerKind
from tui.settings.keymap import DETAIL
from tui.store.status_store import Transition
from tui.store.stores import Stores
from tui.store.timeline import Entry, merge
from tui.store.view import ConversationView, Key
from tui.sync.stream_manager import link_name
from tui.text import clock
from tui.ui.clipboard import copy
from tui.ui.messages import BulkAction, WriteReport
from tui.ui.rich_text import plain
from tui.ui.screens.live import LiveScreen
from tui.ui.widgets.detail_pane import DetailPane
from tui.ui.widgets.event_tail import EventTail
from tui.ui.widgets.task_tracker import TaskTracker

HISTORY_WAITING = "reading the server's event history…"
NO_HISTORY = "this server offers no event history: only what ohtop saw"
STYLES = {"error": "bold red", "confirmation": "yellow", "finish": "green", "pause": "cyan"}


def timeline_text(
    transitions: list[Transition], server: list[Entry] | None, asked: bool = True
) -> Text:
    """The timeline: the server's own history (its times) merged with what ohtop saw."""
    out = Text("Timeline", style="bold")
    if not asked:
        out.append(f"  ({HISTORY_WAITING})", style="dim")
    elif server is None:
        out.append(f"  ({NO_HISTORY})", style="dim")
    out.append("\n")
    entries = merge(server, transitions)
    if not entries:
        return out.append("Nothing seen yet.", style="dim")
    for e in entries:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(e.at))
        out.append(f"{stamp}  ")
        out.append("server " if e.source == "server" else "ohtop  ", "dim")
        out.append_text(plain(e.text, STYLES.get(e.kind, ""), 300))
        out.append("\n")
    return out


def links_text(view: ConversationView | None) -> Text:
    """The page a person opens in the web UI, and the agent server's API URL."""
    out = Text()
    if view is None:
        return out
    out.append("Open  ", style="bold")
    if view.web_url:
        out.append_text(plain(view.web_url, "underline", 300))
        out.append("   c copies, o opens it", "dim")
    elif view.kind == ServerKind.AGENT:
        out.append("(an agent server has no web UI; its API URL is below)", "dim")
    else:
        out.append("(no link)", "dim")
    out.append("\nAPI   ", style="bold")
    if view.api_url:
        out.append_text(plain(view.api_url, "", 300))
    elif view.kind == ServerKind.V1 and view.sandbox_status == "RUNNING":
        out.append("(none yet: the server sent no agent-server URL)", "dim")
    elif view.kind == ServerKind.V1:
        out.append(f"(none: the sandbox is {view.sandbox_status or 'not running'})", "dim")
    else:
        out.append("(none)", "dim")
    return out


def link_of(view: ConversationView | None) -> str | None:
    """What `c` copies and `o` opens: the web page, else the API URL."""
    if view is None:
        return None
    return view.web_url or view.api_url


class DetailScreen(LiveScreen):
    """Everything known about the conversation opened with enter."""

    ACTIONS = DETAIL  # bound by tui.ui.bindings.with_bindings (keys may be remapped)

    def __init__(
        self,
        stores: Stores,
        key: Key,
        thresholds: Thresholds | None = None,
        trends: Trends | None = None,
    ) -> None:
        super().__init__()
        self.stores = stores
        self.key = key
        self.thresholds = thresholds or Thresholds()
        self.trends = trends or Trends()
        self.server_history: list[Entry] | None = None
        self.history_asked = False  # the app fills `server_history` (None: none offered)
        self.server_events: list[Event] = []  # the newest events read from the server

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail-scroll"):
            yield Static(id="detail-warnings")
            yield DetailPane(id="detail-full")
            yield Static(id="detail-url")
            yield TaskTracker(id="detail-tasks")
            yield Label("Activity: live events a minute, the last hour", id="activity-title")
            yield Sparkline([], id="detail-activity", summary_function=max)
            yield Static(id="detail-timeline")
        yield Static(id="detail-more")
        yield EventTail(id="detail-events")
        yield Footer()

    @property
    def scroller(self) -> VerticalScroll:
        """The scrolling part (everything but the events)."""
        return self.query_one("#detail-scroll", VerticalScroll)

    def on_mount(self) -> None:
        self.refresh_all(None)
        self.refresh_events(frozenset({self.key}))
        self._show_activity()
        self.scroller.focus()
        # However it scrolls (its own PgDn binding, the mouse, j/k), the hint follows.
        self.watch(self.scroller, "scroll_y", self._scrolled, init=False)

    def _scrolled(self, _y: float) -> None:
        self.call_after_refresh(self._show_more)

    def view(self) -> ConversationView | None:
        """The conversation as shown (stale while its server does not answer)."""
        view = self.stores.status.get(self.key)
        return self.stores.status.as_shown(view) if view is not None else None

    def refresh_all(self, keys: frozenset[Key] | None) -> None:
        """Redraw when this conversation changed."""
        if keys is None or self.key in keys:
            view = self.view()
            self.query_one(DetailPane).show(view)
            self._show_triage(view)
            self.query_one(TaskTracker).show(view.tasks if view else None)
            timeline = timeline_text(
                self.stores.status.timeline(self.key), self.server_history, self.history_asked
            )
            self.query_one("#detail-timeline", Static).update(timeline)
            self.call_after_refresh(self._show_more)

    def refresh_events(self, keys: frozenset[Key]) -> None:
        """Extend the event list when this conversation got new events (streamed ones; else
        the newest the server's history holds)."""
        if self.key in keys:
            events = self.stores.events.events(self.key) or self.server_events
            empty = (
                "No events: the server's history holds none yet."
                if self.history_asked
                else "Reading the server's newest events…"
            )
            self.query_one(EventTail).show(events, empty=empty)

    def _show_triage(self, view: ConversationView | None) -> None:
        """Warnings (silent RUNNING, long STARTING) and the links."""
        warnings: list[str] = []
        if view is not None:
            link = self.stores.links.get(link_name(self.key))
            warnings = warnings_for(view, clock.wall(), link.last_event_at, self.thresholds)
        box = self.query_one("#detail-warnings", Static)
        box.set_class(bool(warnings), "-visible")
        box.update(Text("\n".join(f"⚠ {w}" for w in warnings), style="bold"))
        self.query_one("#detail-url", Static).update(links_text(view))

    def _show_more(self) -> None:
        """Say when the detail goes on below the fold (a small terminal cuts it)."""
        scroller = self.scroller
        more = scroller.max_scroll_y - scroller.scroll_y
        hint = self.query_one("#detail-more", Static)
        hint.set_class(more > 0, "-visible")
        hint.update(Text(f"▼ {more:.0f} more lines below: j/k or PgDn to scroll", style="dim"))

    def on_mouse_scroll_down(self) -> None:
        self.call_after_refresh(self._show_more)

    def on_mouse_scroll_up(self) -> None:
        self.call_after_refresh(self._show_more)

    def tick(self) -> None:
        """Once a second: durations move on."""
        view = self.view()
        self.query_one(DetailPane).show(view)
        self._show_triage(view)
        self._show_activity()

    def _show_activity(self) -> None:
        data = self.trends.activity_series(self.key, clock.wall())
        sparkline = self.query_one("#detail-activity", Sparkline)
        if list(sparkline.data or []) != data:
            sparkline.data = data

    def _scroll(self, lines: float) -> None:
        self.scroller.scroll_relative(y=lines, animate=False)
        self.call_after_refresh(self._show_more)

    def action_scroll_down(self) -> None:
        self._scroll(1)

    def action_scroll_up(self) -> None:
        self._scroll(-1)

    def action_page_down(self) -> None:
        self._scroll(max(1, self.scroller.size.height - 1))

    def action_page_up(self) -> None:
        self._scroll(-max(1, self.scroller.size.height - 1))

    def action_copy_url(self) -> None:
        """Copy the conversation's link (clipboard tool, else OSC 52)."""
        url = link_of(self.view())
        if url is None:
            self.notify("No link to copy.", severity="warning")
            return
        how = copy(url, self.app.copy_to_clipboard)
        self.notify(f"Link copied ({how}).", timeout=3)

    def action_open_url(self) -> None:
        """Open the conversation's page in the browser."""
        url = link_of(self.view())
        if url is None:
            self.notify("No link to open.", severity="warning")
            return
        self.app.open_url(url)
        self.notify("Opening the link in the browser…", timeout=3)

    def show_history(self, entries: list[Entry] | None, events: list[Event] | None = None) -> None:
        """The server's event history arrived (None: the server offers none), with its newest
        events for the event list."""
        self.server_history, self.history_asked = entries, True
        self.server_events = list(events or [])
        if self.is_mounted:  # else on_mount draws it
            self.refresh_all(None)
            self.refresh_events(frozenset({self.key}))

    def action_act(self, action: str) -> None:
        """Act on this conversation (the app plans and confirms)."""
        self.post_message(BulkAction(action, [self.key], 0))

    def action_report(self) -> None:
        """Write a triage report of this conversation (the app says where)."""
        self.post_message(WriteReport(self.key))

    def action_close(self) -> None:
        self.dismiss()
