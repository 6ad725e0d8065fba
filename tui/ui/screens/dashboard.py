"""The main screen: status counts, the conversation table, detail, tasks, events, connections."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Input, Static

from tui.alerts.attention import error_groups
from tui.fleet.recorder import Trends
from tui.settings.keymap import DASHBOARD, key_list, typed
from tui.store.stores import Stores
from tui.store.view import ConversationView, Key
from tui.store.websocket_store import LinkState
from tui.sync.stream_manager import why_no_events
from tui.text import clock
from tui.text.format import money
from tui.ui.listing.query import ListQuery
from tui.ui.messages import BulkAction, OpenConversation
from tui.ui.screens.live import LiveScreen
from tui.ui.widgets.connection_panel import ConnectionPanel
from tui.ui.widgets.conversation_table import ConversationTable
from tui.ui.widgets.detail_pane import DetailPane
from tui.ui.widgets.event_tail import EventTail
from tui.ui.widgets.find_box import FindBox
from tui.ui.widgets.health_bar import HealthBar
from tui.ui.widgets.status_indicator import StatusIndicator
from tui.ui.widgets.table_header import TableHeader
from tui.ui.widgets.task_tracker import TaskTracker
from tui.ui.widgets.trends_panel import TrendsPanel

NARROW = 110
TRENDS_EVERY = 5  # seconds between sparkline refreshes (they move by the minute)


class DashboardScreen(LiveScreen):
    """Every conversation at a glance; the selected one in detail."""

    ACTIONS = DASHBOARD  # bound by tui.ui.bindings.with_bindings (keys may be remapped)

    def __init__(
        self,
        stores: Stores,
        *,
        read_only: bool = True,
        insecure: bool = False,
        streaming: bool = True,
        trends: Trends | None = None,
        silence: Callable[[ConversationView, float], float | None] | None = None,
    ) -> None:
        super().__init__()
        self.silence = silence
        self.stores = stores
        self.trends = trends or Trends()
        self.read_only = read_only
        self.insecure = insecure
        self.streaming = streaming
        self._finding = False  # the find box was asked for; typed keys belong to it
        self._ticks = 0

    def compose(self) -> ComposeResult:
        yield StatusIndicator(id="indicator")
        yield HealthBar(self.stores.links, id="health")
        yield Static(id="banner")
        with Horizontal(id="main"):
            with Vertical(id="list"):
                yield TableHeader(id="table-header")
                yield ConversationTable(self.stores.status, id="table")
                yield FindBox(placeholder="find: title, id, repository, status, error", id="filter")
                yield EventTail(id="tail")
            with Vertical(id="side"):
                yield DetailPane(id="detail", compact=True)
                yield TaskTracker(id="tasks")
                yield TrendsPanel(
                    self.trends, self.stores.status.counts, self._failed_last_hour, id="trends"
                )
                with VerticalScroll(id="connections-scroll"):
                    yield ConnectionPanel(
                        self.stores.links, self.stores.errors, self.stores.status, id="connections"
                    )
        yield Footer()

    def _failed_last_hour(self) -> int:
        """Now in ERROR and entered it within the hour: what `#` lists."""
        return sum(len(g.keys) for g in error_groups(self.stores.status, clock.wall() - 3600))

    @property
    def table(self) -> ConversationTable:
        """The conversation table."""
        return self.query_one(ConversationTable)

    def on_mount(self) -> None:
        if self.silence is not None:
            self.table.silence = self.silence
        self.table.focus()
        self.refresh_all(None)

    def on_resize(self) -> None:
        # Below NARROW columns the list needs the whole width; enter shows the detail.
        self.set_class(self.size.width < NARROW, "-narrow")
        self._update_note()

    def _update_note(self) -> None:
        """The header's notes: the filters in force first (always on screen), then what else
        there is room for. In narrow mode the connection panel is hidden: links are
        summarised here."""
        totals = self.stores.links.totals()
        links = sum(totals.values())
        table = self.table
        shown = f"{len(table.rows)} of {len(self.stores.status)} shown"
        always = table.list_query.in_force()
        notes = []
        if always:
            always.append(shown)
        else:
            notes.append(shown)
        if moment := self.app.sub_title:  # `--at`: never read as live
            always.insert(0, moment)
        if unconfirmed := self.stores.status.unconfirmed_rows():  # never read as live
            always.append(f"~ {unconfirmed} unconfirmed")
        if table.marked:
            hidden = len(table.marked - set(table.rows))
            notes.append(f"{len(table.marked)} marked" + (f" ({hidden} hidden)" if hidden else ""))
        if cost := sum(self.stores.status.cost.values()):
            hour, exact = self.stores.status.spend.last_hour(clock.wall())
            notes.append(f"{money(cost)} ({'' if exact else '≥'}+{money(hour)} last hour)")
        if self.read_only:
            notes.append("read-only")
        if self.insecure:
            notes.append("INSECURE TLS")
        if self.has_class("-narrow") and links:
            ok = totals[LinkState.CONNECTED]
            notes.append(f"links {ok}/{links} up" + ("" if ok == links else " ⚠"))
        indicator = self.query_one(StatusIndicator)
        indicator.show(self.stores.status.counts(), tuple(notes), tuple(always))

    def refresh_all(self, keys: frozenset[Key] | None) -> None:
        """Bring every widget up to date with the stores (keys: what changed, if known)."""
        table = self.table
        show_server = len(self.stores.status.servers()) > 1
        if show_server != table.show_server:
            table.show_server = show_server
            self.query_one(TableHeader).show_server = show_server
            self.query_one(TableHeader).refresh()
            table.refresh()
        table.apply_changes(keys)
        self._update_note()
        if keys is None or table.cursor_key in keys:
            self._show_selected(reset=keys is None)

    def refresh_events(self, keys: frozenset[Key]) -> None:
        """New events arrived: extend the tail when they belong to the selected conversation."""
        key = self.table.cursor_key
        if key in keys:
            self.query_one(EventTail).show(self.stores.events.events(key))

    def _tail_reason(self) -> str:
        """Why the selected conversation shows no events."""
        view = self.table.selected
        return why_no_events(view, self.stores, self.streaming) if view else "Nothing selected."

    def _show_tail_reason(self) -> None:
        key = self.table.cursor_key
        tail = self.query_one(EventTail)
        if key is not None and tail.empty_reason is not None:
            tail.show(self.stores.events.events(key), empty=self._tail_reason())

    def show_paused(self, waiting: int | None) -> None:
        """The pause banner: how many updates wait (None hides it)."""
        banner = self.query_one("#banner", Static)
        banner.set_class(waiting is not None, "-visible")
        if (self.table.frozen is not None) != (waiting is not None):
            self.table.freeze(waiting is not None)
        if waiting is not None:
            s = "" if waiting == 1 else "s"
            banner.update(f"PAUSED: {waiting} update{s} waiting · press p to apply them")

    def refresh_links(self) -> None:
        """Redraw the connection panel, the server health line and the link summary."""
        self.query_one(ConnectionPanel).redraw()
        self.query_one(HealthBar).redraw()
        self._update_note()
        self._show_tail_reason()

    def tick(self) -> None:
        """Once a second: durations shown on screen move on (repainted only where they do)."""
        self.table.tick()
        self.query_one(DetailPane).show(self.table.selected)
        self._ticks += 1
        if self._ticks % TRENDS_EVERY == 0:
            self.query_one(TrendsPanel).refresh_trends()

    def _show_selected(self, reset: bool) -> None:
        view = self.table.selected
        self.query_one(DetailPane).show(view)
        self.query_one(TaskTracker).show(view.tasks if view else None)
        events = self.stores.events.events(view.key) if view else []
        self.query_one(EventTail).show(events, reset=reset, empty=self._tail_reason())

    @on(ConversationTable.Highlighted)
    def _highlighted(self, _event: ConversationTable.Highlighted) -> None:
        self._show_selected(reset=True)

    @on(ConversationTable.Opened)
    def _opened(self, event: ConversationTable.Opened) -> None:
        self.post_message(OpenConversation(event.key))

    def on_screen_resume(self) -> None:
        """Back from another screen: the data is current (refreshed while hidden); the clocks
        and the link panel catch up now."""
        self.tick()
        self.refresh_links()

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()

    def action_page_down(self) -> None:
        self.table.action_page_down()

    def action_page_up(self) -> None:
        self.table.action_page_up()

    def action_cursor_first(self) -> None:
        self.table.action_cursor_first()

    def action_cursor_last(self) -> None:
        self.table.action_cursor_last()

    def action_open_detail(self) -> None:
        self.table.action_open()

    # -- marks ---------------------------------------------------------------------------

    def action_toggle_mark(self) -> None:
        self.table.toggle_mark()
        self._update_note()

    def action_mark_all_shown(self) -> None:
        self.table.mark_rows(set(self.table.rows))
        self._update_note()

    def action_clear_marks(self) -> None:
        self.table.mark_rows(None)
        self._update_note()

    def targets(self) -> tuple[list[Key], int]:
        """What a bulk action acts on: the marked conversations (else the selected one), and
        how many of those the filter hides."""
        table = self.table
        if table.marked:
            shown = set(table.rows)
            keys = [k for k in table.rows if k in table.marked]
            hidden = [k for k in table.marked if k not in shown]
            return keys + hidden, len(hidden)
        return ([table.cursor_key] if table.cursor_key else []), 0

    def action_act(self, action: str) -> None:
        """Act on the marked conversations, or the selected one (the app plans and confirms)."""
        keys, hidden = self.targets()
        self.post_message(BulkAction(action, keys, hidden))

    # -- find and sort -------------------------------------------------------------------

    def _query(self, query: ListQuery) -> None:
        header = self.query_one(TableHeader)
        if header.list_query != query:
            header.list_query = query
            header.refresh()
        self.table.set_query(query)
        self._update_note()

    def action_start_filter(self) -> None:
        """Show the find box; typing filters the list at once. The find key is a priority
        binding (see tui.settings.keymap): pressed again inside the box it is text."""
        box = self.query_one("#filter", Input)
        if self.focused is box or self._finding:
            if (char := self._find_char()) is not None:
                box.insert_text_at_cursor(char)
            return
        box.add_class("-visible")
        self._finding = True
        box.focus()

    def _find_char(self) -> str | None:
        """The character the find key types (its first key that types one)."""
        action = next((a for a in self.ACTIONS if a.name == "find"), None)
        keys = key_list(action) if action else []
        return next((c for k in keys if (c := typed(k)) is not None), None)

    def on_key(self, event: events.Key) -> None:
        """Keys typed right after `/` (or while the app was busy) reach the screen before the
        find box has focus: they are text for the box, not commands."""
        box = self.query_one("#filter", Input)
        if not self._finding:
            return
        # The box stops every printable key it gets; one that bubbled here never reached it.
        if event.is_printable and event.character:
            box.insert_text_at_cursor(event.character)
        elif event.key == "backspace" and self.focused is not box:
            box.action_delete_left()
        else:
            return
        event.stop()
        event.prevent_default()

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        """The find box lost its focus (the user moved on): keys are commands again. Other
        focus changes (the browser tab regaining focus, say) must not end the typing."""
        if event.widget is self.query_one("#filter", Input):
            self._finding = False

    def find(self, text: str) -> None:
        """Show what matches `text` (from another screen: an error group, say)."""
        box = self.query_one("#filter", Input)
        box.add_class("-visible")
        box.value = text
        self._query(replace(self.table.list_query, text=text, status=None))
        self.table.focus()

    def action_clear_filter(self) -> None:
        """Clear the find text and the status filter; back to the list."""
        box = self.query_one("#filter", Input)
        box.value = ""
        box.remove_class("-visible")
        self._finding = False
        self._query(replace(self.table.list_query, text="", status=None))
        self.table.focus()

    def action_status_only(self, status: str) -> None:
        """Show one coarse status only ('' for all); the same key again shows all."""
        current = self.table.list_query
        wanted = status or None
        self._query(replace(current, status=None if current.status == wanted else wanted))

    def action_sort(self, sort: str) -> None:
        """Sort by a column; again to reverse."""
        self._query(self.table.list_query.sorted_by(sort))

    def action_group_by(self) -> None:
        """Group the list by server, then repository, then error code, then not at all."""
        self._query(self.table.list_query.next_group())

    def action_toggle_errors_first(self) -> None:
        """Keep ERROR conversations on top whatever the sort."""
        q = self.table.list_query
        self._query(replace(q, errors_first=not q.errors_first))

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._query(replace(self.table.list_query, text=event.value))

    @on(Input.Submitted, "#filter")
    def _filter_done(self, _event: Input.Submitted) -> None:
        self._finding = False
        self.table.focus()
