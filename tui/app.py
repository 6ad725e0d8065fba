"""The Textual app: composes screens, starts workers, bridges stores to widgets.

    OhtopApp
    ├── DashboardScreen: StatusIndicator, TableHeader + ConversationTable,
    │                    DetailPane, ConnectionPanel, Footer
    │                    EventTail, TaskTracker
    ├── DetailScreen (enter)          HelpScreen (?)
    └── workers: one ServerMonitor.run() per server (REST polling)
                 StreamManager: one StreamWorker per streamed conversation (websockets)

Data flows one way: monitors and stream workers write the stores (tui.state); the stores emit
change signals; the app coalesces them (at most ~10 repaints a second) and asks the visible
screen to refresh. The table's highlight tells the StreamManager which conversation to stream.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from textual import on
from textual.app import App, ScreenStackError
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.notifications import SeverityLevel
from textual.screen import Screen

from tui import bulk
from tui.actions import DASHBOARD, DETAIL, remap, with_bindings
from tui.client.config import ServerConfig
from tui.client.detect import agent_version
from tui.config import THEMES
from tui.palette import ActionCommands
from tui.screens.alerts import AlertsScreen
from tui.screens.confirm import ConfirmScreen, ResultsScreen
from tui.screens.dashboard import DashboardScreen
from tui.screens.detail import DetailScreen
from tui.screens.errors import ErrorsScreen
from tui.screens.help import HelpScreen
from tui.state.alerts import Alert, AlertWatcher, Thresholds
from tui.state.monitor import ServerMonitor
from tui.state.polling import PollIntervals
from tui.state.stores import Stores
from tui.state.stream_manager import DEFAULT_CAP, DirectServer, StreamManager
from tui.state.view import Key
from tui.state.websocket_store import LinkState
from tui.styles import css_paths
from tui.text import clean
from tui.widgets.conversation_table import ConversationTable

if TYPE_CHECKING:
    from tui.demo.server import DemoServer

FLUSH_DELAY = 0.1  # coalesce store changes: at most ~10 repaints a second
ALERT_WINDOW = 0.5  # alerts raised within this window share one toast


class OhtopApp(App[None]):
    """ohtop's dashboard."""

    TITLE = "ohtop"
    CSS_PATH = css_paths()  # type: ignore[assignment]
    BINDINGS = [Binding("ctrl+c", "quit", "Quit", show=False, priority=True)]
    COMMANDS = App.COMMANDS | {ActionCommands}

    def __init__(
        self,
        servers: Sequence[ServerConfig],
        *,
        demo: bool = False,
        intervals: PollIntervals | None = None,
        stores: Stores | None = None,
        max_streams: int = DEFAULT_CAP,
        thresholds: Thresholds | None = None,
        bell: bool = False,
        theme: str = "textual-dark",
        keymap: dict[str, str] | None = None,
        allow_actions: bool = False,
        log_path: str | None = None,
        reload: Callable[[], list[ServerConfig]] | None = None,
    ) -> None:
        super().__init__()
        self.servers = list(servers)
        self.demo = demo
        self.demo_server: DemoServer | None = None
        self.intervals = intervals or PollIntervals()
        self.stores = stores or Stores()
        self.monitors: list[ServerMonitor] = []
        self.max_streams = max_streams
        self.streams: StreamManager | None = None
        self._dirty: set[Key] = set()
        self._events_dirty: set[Key] = set()
        self._links_dirty = False
        self._flush_pending = False
        self._unsubscribers: list[Callable[[], None]] = []
        self.alerts = AlertWatcher(self.stores.status, thresholds)
        self.ring_bell = bell
        self.read_only = not allow_actions
        self.log_path = log_path
        self.reload_servers = reload
        self.insecure = any(not c.verify_tls for c in servers)
        self.start_theme = theme
        self.dashboard_actions = remap(DASHBOARD, keymap or {})
        self.detail_actions = remap(DETAIL, keymap or {})
        self.bells_rung = 0
        self.paused = False
        self._pending_alerts: list[Alert] = []
        self._held: set[Key] = set()  # conversations changed while the view was paused
        self._held_events: set[Key] = set()
        self._ticks = 0

    async def on_mount(self) -> None:
        self._unsubscribers = [
            self.alerts.raised.subscribe(self._alert),
            self.stores.status.changed.subscribe(self._status_changed),
            self.stores.links.changed.subscribe(self._link_changed),
            self.stores.events.added.subscribe(self._event_added),
        ]
        self.theme = self.start_theme
        await self.push_screen(with_bindings(DashboardScreen, self.dashboard_actions)(self.stores))
        if self.demo:  # imported here: the demo's web server costs ~25 MB when unused
            from tui.demo.server import DEMO_FLAKY_EVERY, DEMO_RATE, DemoServer

            self.demo_server = DemoServer(flaky_every=DEMO_FLAKY_EVERY)
            url = await self.demo_server.start()
            # Our own demo server has no rate limiter to stay under.
            self.servers.append(ServerConfig(url, name="demo", rate=DEMO_RATE))
        self._start_monitors()
        if self.max_streams >= 0:
            self.streams = StreamManager(
                self.stores,
                cap=self.max_streams,
                direct={c.label: DirectServer(c.url, c.session_api_key) for c in self.servers},
                request_poll=self._poll_soon,
                probe_version=agent_version,
            )
            self.streams.start()
        self.set_interval(1.0, self._tick)

    def _start_monitors(self) -> None:
        for config in self.servers:
            monitor = ServerMonitor(config, self.stores, self.intervals)
            self.monitors.append(monitor)
            self.run_worker(monitor.run(), group="monitors", name=monitor.name)

    def action_reload(self) -> None:
        """Re-read the config file and the key variables; restart the server monitors."""
        if self.reload_servers is None:
            self.notify("Nothing to reload: servers came from the command line.", timeout=4)
            return
        try:
            fresh = self.reload_servers()
        except Exception as exc:  # a broken config must not end the session
            self.notify(f"Config not reloaded: {exc}", severity="error", timeout=10, markup=False)
            return
        demo = [c for c in self.servers if c.name == "demo" and self.demo_server is not None]
        self.servers = fresh + demo
        self.workers.cancel_group(self, "monitors")
        self.monitors = []
        self._start_monitors()
        if self.streams is not None:
            self.streams.direct = {
                c.label: DirectServer(c.url, c.session_api_key) for c in self.servers
            }
        self.notify(f"Reloaded: {len(self.servers)} server(s).", timeout=3)

    def _poll_soon(self, key: Key) -> None:
        for monitor in self.monitors:
            monitor.poll_soon(key)

    async def on_unmount(self) -> None:
        for unsubscribe in self._unsubscribers:
            unsubscribe()
        self.workers.cancel_group(self, "monitors")
        if self.streams is not None:
            await self.streams.stop()
        if self.demo_server is not None:
            await self.demo_server.stop()

    # -- store -> widgets ------------------------------------------------------------------

    def _status_changed(self, keys: frozenset[Key]) -> None:
        self._dirty |= keys
        self._schedule_flush()

    def _link_changed(self, _name: str) -> None:
        self._links_dirty = True
        self._schedule_flush()

    def _event_added(self, key: Key) -> None:
        self._events_dirty.add(key)
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if not self._flush_pending:
            self._flush_pending = True
            self.set_timer(FLUSH_DELAY, self._flush_changes)

    def _flush_changes(self) -> None:
        # Timers can fire while the app tears its widgets down; nothing is left to update then.
        with contextlib.suppress(NoMatches):
            self._apply_changes()

    def _apply_changes(self) -> None:
        self._flush_pending = False
        keys, self._dirty = frozenset(self._dirty), set()
        events, self._events_dirty = frozenset(self._events_dirty), set()
        screen = self._visible_screen()
        if screen is None:
            return
        if self.paused:  # the view stays as it was; the stores keep everything
            self._held |= keys
            self._held_events |= events
            if isinstance(screen, DashboardScreen):
                screen.show_paused(len(self._held))
            return
        if keys and hasattr(screen, "refresh_all"):
            screen.refresh_all(keys)
        if events and hasattr(screen, "refresh_events"):
            screen.refresh_events(events)
        if self._links_dirty and isinstance(screen, DashboardScreen):
            self._links_dirty = False
            screen.refresh_links()

    def _visible_screen(self) -> Screen[object] | None:
        """The screen on top, or None while the app is starting or shutting down."""
        try:
            return self.screen
        except ScreenStackError:
            return None

    def _alert(self, alert: Alert) -> None:
        """Collect alerts; one toast per burst (thousands can fire at once on a big fleet)."""
        self._pending_alerts.append(alert)
        if len(self._pending_alerts) == 1:
            self.set_timer(ALERT_WINDOW, self._flush_alerts)

    def _flush_alerts(self) -> None:
        alerts, self._pending_alerts = self._pending_alerts, []
        if not alerts:
            return
        if len(alerts) == 1:
            self._toast(alerts[0])
        else:
            kinds = Counter(a.what for a in alerts)
            summary = ", ".join(f"{n} {what}" for what, n in kinds.most_common())
            self.notify(
                f"{len(alerts)} alerts: {summary}. Press ! to list them.",
                severity="error",
                timeout=8,
            )
        if self.ring_bell:
            self.bells_rung += 1
            self.bell()

    def _toast(self, alert: Alert) -> None:
        """A toast naming the conversation."""
        title = clean(alert.title or alert.key[1][:8], 60)
        detail = f"\n{clean(alert.detail, 160)}" if alert.detail else ""
        severity: SeverityLevel = "warning" if alert.what == "starting too long" else "error"
        text = f"{alert.what.upper()}: {title}{detail}"
        self.notify(text, severity=severity, timeout=8, markup=False)

    def _tick(self) -> None:
        with contextlib.suppress(NoMatches):  # see _flush_changes
            self._tick_screens()

    def _tick_screens(self) -> None:
        self.alerts.tick()
        screen = self._visible_screen()
        if screen is None or self.paused:
            return
        if hasattr(screen, "tick"):
            screen.tick()
        if isinstance(screen, DashboardScreen):
            # Countdowns to the next try move every second; everything else in the panel is
            # redrawn when a link changes, and its minute-granular ages every 15 seconds.
            self._ticks += 1
            if self.stores.links.totals()[LinkState.RECONNECTING] or self._ticks % 15 == 0:
                screen.refresh_links()

    # -- actions ---------------------------------------------------------------------------

    def action_refresh(self) -> None:
        """Re-list and poll every server now."""
        for monitor in self.monitors:
            monitor.refresh_now()
        self.notify("Refreshing every server…", timeout=2)

    def action_toggle_pause(self) -> None:
        """Freeze the view (data still flows in); again to apply what arrived meanwhile."""
        self.paused = not self.paused
        screen = self._visible_screen()
        if self.paused:
            if isinstance(screen, DashboardScreen):
                screen.show_paused(0)
            return
        self._dirty |= self._held
        self._events_dirty |= self._held_events
        self._held.clear()
        self._held_events.clear()
        if isinstance(screen, DashboardScreen):
            screen.show_paused(None)
        self._flush_changes()

    def action_bulk(self, action: str) -> None:
        """Pause or resume the marked conversations (or the selected one), after confirming."""
        screen = self._visible_screen()
        if not isinstance(screen, DashboardScreen):
            return
        if self.read_only:
            self.notify(
                "Read-only: start ohtop with --allow-actions to pause or resume conversations.",
                severity="warning",
            )
            return
        keys, hidden = screen.targets()
        if not keys:
            self.notify("Nothing selected.", severity="warning")
            return
        question, detail = bulk.confirmation(action, keys, hidden, self.stores.status)

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_worker(self._act(action, keys), group="actions")

        self.push_screen(ConfirmScreen(question, detail), answered)

    async def _act(self, action: str, keys: list[Key]) -> None:
        results = await bulk.run(action, keys, self.stores.status, self.monitors)
        failed = sum(1 for _, outcome in results if not outcome.ok)
        for key, outcome in results:
            if not outcome.ok:
                self.stores.errors.add(key[0], "action", f"{action}: {outcome.message}", key[1])
        title = f"{action.capitalize()}: {len(results) - failed} done, {failed} failed"
        await self.push_screen(ResultsScreen(title, bulk.report(results, self.stores.status)))

    def action_errors(self) -> None:
        """Recent errors of every server and stream."""
        self.push_screen(ErrorsScreen(self.stores.errors.recent(200), self.log_path))

    def action_alerts(self) -> None:
        """The alerts list."""
        self.push_screen(AlertsScreen(list(self.alerts.alerts)))

    def action_help(self) -> None:
        """Show the keys."""
        self.push_screen(HelpScreen(self.dashboard_actions, self.detail_actions))

    def action_next_theme(self) -> None:
        """Cycle through the themes."""
        at = THEMES.index(self.theme) if self.theme in THEMES else -1
        self.theme = THEMES[(at + 1) % len(THEMES)]
        self.notify(f"Theme: {self.theme}", timeout=2)

    def action_open_detail_for(self, key: Key) -> None:
        """Open the detail screen of one conversation."""
        screen = with_bindings(DetailScreen, self.detail_actions)
        self.push_screen(screen(self.stores, key, self.alerts.thresholds))

    @on(ConversationTable.Highlighted)
    def _follow_selection(self, event: ConversationTable.Highlighted) -> None:
        if self.streams is not None:
            self.streams.select(event.key)

    def on_screen_resume(self) -> None:
        screen = self._visible_screen()
        if screen is not None and hasattr(screen, "refresh_all"):
            screen.refresh_all(None)
