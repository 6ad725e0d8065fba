"""The Textual app: a bridge from one Fleet's stores to the screens.

    OhtopApp
    ├── DashboardScreen: StatusIndicator, TableHeader + ConversationTable,
    │                    DetailPane, ConnectionPanel, Footer
    │                    EventTail, TaskTracker
    ├── DetailScreen (enter)   HelpScreen (?)   AlertsScreen (!)   ErrorsScreen (L)
    └── Fleet (tui.fleet.fleet): monitors, streams, alerts and actions; no Textual

Data flows one way: the Fleet writes its stores; the stores emit change signals; the app
coalesces them (at most ~20 repaints a second) and refreshes every live screen in the stack,
so the dashboard under a detail or a dialog is current the moment it shows again. Screens talk
to the app with messages (`tui.ui.messages`); the table's highlight tells the Fleet what to
stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from contextlib import AsyncExitStack

from textual import on, work
from textual.app import App, ScreenStackError
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.worker import Worker, WorkerState

from tui.alerts.watcher import Alert
from tui.client.config import ServerConfig
from tui.client.errors import ApiError
from tui.fleet import triage
from tui.history.files import state_dir, write_private
from tui.session import build_fleet, run_fleet
from tui.settings import Settings
from tui.settings.config import THEMES
from tui.settings.keymap import DASHBOARD, DETAIL, QUEUE, remap, safe
from tui.settings.listen import Listen
from tui.store.stores import Stores
from tui.store.view import Key
from tui.store.websocket_store import LinkState
from tui.ui import acting
from tui.ui.bindings import with_bindings
from tui.ui.frames import keep
from tui.ui.messages import BulkAction, FindText, OpenConversation, WriteReport
from tui.ui.moments import MomentView
from tui.ui.palette import ActionCommands
from tui.ui.screens.alerts import AlertsScreen
from tui.ui.screens.dashboard import DashboardScreen
from tui.ui.screens.detail import DetailScreen
from tui.ui.screens.error_groups import ErrorGroupsScreen
from tui.ui.screens.errors import ErrorsScreen
from tui.ui.screens.help import HelpScreen
from tui.ui.screens.live import Live
from tui.ui.screens.queue import QueueScreen
from tui.ui.styles import css_paths
from tui.ui.themes import OWN_THEMES
from tui.ui.toasts import toast
from tui.ui.widgets.conversation_table import ConversationTable

FLUSH_DELAY = 0.05  # coalesce store changes: at most ~20 repaints a second
ALERT_WINDOW = 0.5  # alerts raised within this window share one toast
LINKS_EVERY = 1.0  # seconds between redraws of the link panel for counters alone
FRAME_EVERY = 10  # seconds between two screens kept for the next start


class OhtopApp(App[None]):
    """ohtop's dashboard."""

    TITLE = "ohtop"
    CSS_PATH = css_paths()  # type: ignore[assignment]  # Textual types it as str | list[str]
    BINDINGS = [Binding("ctrl+c", "quit", "Quit", show=False, priority=True)]
    COMMANDS = App.COMMANDS | {ActionCommands}

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        stores: Stores | None = None,
        reload: Callable[[], list[ServerConfig]] | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.fleet = build_fleet(self.settings, stores=stores, reload=reload)
        self.stores = self.fleet.stores
        self.alerts = self.fleet.alerts
        self.read_only = not self.settings.allow_actions
        self.insecure = any(not c.verify_tls for c in self.settings.servers)
        self.ring_bell = self.settings.bell
        keymap = dict(self.settings.keymap)
        self.dashboard_actions = safe(remap(DASHBOARD, keymap), self.read_only)
        self.detail_actions = safe(remap(DETAIL, keymap), self.read_only)
        self.queue_actions = safe(remap(QUEUE, keymap), self.read_only)
        self.bells_rung = 0
        self.paused = False
        self._stack = AsyncExitStack()
        self._dirty: set[Key] = set()
        self._events_dirty: set[Key] = set()
        self._links_dirty = False
        self._links_counted = False  # only counters changed since the panel was drawn
        self._links_drawn = 0.0
        self._flush_pending = False
        self._unsubscribers: list[Callable[[], None]] = []
        self._pending_alerts: list[Alert] = []
        self._held: set[Key] = set()  # conversations changed while the view was paused
        self._held_events: set[Key] = set()
        self._ticks = 0
        self.metrics_url: str | None = None
        self.moments: MomentView | None = None  # `--at`: the fleet at a moment
        if self.settings.at is not None:
            self.read_only = True

    @property
    def repaint_pending(self) -> bool:
        """Store changes wait for the coalescing window to pass (tests wait on this)."""
        return self._flush_pending

    @property
    def log_path(self) -> str | None:
        """Where the log file is (shown in the recent-errors view)."""
        path = self.settings.log_path
        return str(path) if path else None

    async def on_mount(self) -> None:
        self._unsubscribers = [
            self.alerts.raised.subscribe(self._alert),
            self.stores.status.changed.subscribe(self._status_changed),
            self.stores.links.changed.subscribe(self._link_counted),
            self.stores.links.state_changed.subscribe(self._link_changed),
            self.stores.events.added.subscribe(self._event_added),
        ]
        for theme in OWN_THEMES:
            self.register_theme(theme)
        self.theme = self.settings.theme
        dashboard = with_bindings(DashboardScreen, self.dashboard_actions)
        await self.push_screen(
            dashboard(
                self.stores,
                read_only=self.read_only,
                insecure=self.insecure,
                streaming=self.settings.max_streams >= 0,
                trends=self.fleet.recorder.trends,
                silence=lambda view, now: triage.silence(self.fleet, view, now),
            )
        )
        if self.settings.at is not None:  # the fleet at a moment: no server is asked
            self.moments = MomentView(self, self.stores, self.settings.history)
            self._stack.callback(self.moments.close)
            self.moments.show(self.settings.at)
            self.set_interval(1.0, self._tick)
            return
        await self._stack.enter_async_context(run_fleet(self.fleet, self.settings))
        if self.fleet.history_problem:
            self.notify(self.fleet.history_problem, severity="warning", timeout=10, markup=False)
        if self.settings.metrics is not None:
            await self._serve_metrics(self.settings.metrics)
        self.set_interval(1.0, self._tick)

    def action_step(self, seconds: float) -> None:
        """`--at`: show the fleet `seconds` later (earlier when negative)."""
        if self.moments is not None:
            self.moments.show(self.moments.at + seconds)

    async def _serve_metrics(self, listen: Listen) -> None:
        """The exporter's /metrics, from this dashboard's Fleet, in this event loop."""
        from tui.fleet.metrics_server import MetricsServer

        server = MetricsServer(self.fleet, listen)
        try:
            url = await server.start()
        except OSError as exc:
            self.notify(f"Metrics not served: {exc.strerror}", severity="error", markup=False)
            return
        self._stack.push_async_callback(server.stop)
        self.metrics_url = url
        self.notify(f"Metrics at {url}", timeout=4, markup=False)

    async def on_unmount(self) -> None:
        for unsubscribe in self._unsubscribers:
            unsubscribe()
        await self._stack.aclose()

    # -- store -> screens ----------------------------------------------------------------

    def _status_changed(self, keys: frozenset[Key]) -> None:
        self._dirty |= keys
        self._schedule_flush()

    def _link_changed(self, _name: str) -> None:
        self._links_dirty = True
        self._schedule_flush()

    def _link_counted(self, _name: str) -> None:
        """Only counters moved (events received): the panel catches up at most each second."""
        self._links_counted = True
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
        with contextlib.suppress(NoMatches, ScreenStackError):
            self._apply_changes()

    def live_screens(self) -> list[Live]:
        """Every screen in the stack that shows store data, the dashboard first."""
        return [s for s in self.screen_stack if isinstance(s, Live)]

    def _apply_changes(self) -> None:
        self._flush_pending = False
        keys, self._dirty = frozenset(self._dirty), set()
        events, self._events_dirty = frozenset(self._events_dirty), set()
        links, self._links_dirty = self._links_dirty, False
        if self._links_counted and time.monotonic() - self._links_drawn >= LINKS_EVERY:
            links = True
        if links:
            self._links_counted, self._links_drawn = False, time.monotonic()
        screens = self.live_screens()
        if self.paused:  # the view stays as it was; the stores keep everything
            self._held |= keys
            self._held_events |= events
            for screen in screens:
                screen.show_paused(len(self._held))
            return
        for screen in screens:
            if keys:
                screen.refresh_all(keys)
            if events:
                screen.refresh_events(events)
            if links:
                screen.refresh_links()

    def _alert(self, alert: Alert) -> None:
        """Collect alerts; one toast per burst (thousands can fire at once on a big fleet)."""
        self._pending_alerts.append(alert)
        if len(self._pending_alerts) == 1:
            self.set_timer(ALERT_WINDOW, self.flush_alerts)

    def flush_alerts(self) -> None:
        """Toast the alerts collected in the window (its timer calls this)."""
        alerts, self._pending_alerts = self._pending_alerts, []
        if not alerts:
            return
        text, severity = toast(alerts)
        self.notify(text, severity=severity, timeout=8, markup=False)
        if self.ring_bell:
            self.bells_rung += 1
            self.bell()

    def _tick(self) -> None:
        with contextlib.suppress(NoMatches, ScreenStackError):  # see _flush_changes
            self._tick_screens()

    def _tick_screens(self) -> None:
        screen = self.screen
        if self.paused or not isinstance(screen, Live):
            return
        screen.tick()
        # Countdowns to the next try move every second; everything else in the panel is
        # redrawn when a link changes, and its minute-granular ages every 15 seconds.
        self._ticks += 1
        if self.stores.links.totals()[LinkState.RECONNECTING] or self._ticks % 15 == 0:
            screen.refresh_links()
        frame_key = self.settings.frame_key
        if frame_key and self._ticks % FRAME_EVERY == 1 and isinstance(screen, DashboardScreen):
            keep(self, frame_key)  # the screen the next start of this command line opens on

    # -- actions ---------------------------------------------------------------------------

    def action_refresh(self) -> None:
        """Re-list and poll every server now."""
        self.fleet.refresh()
        self.notify("Refreshing every server…", timeout=2)

    def action_reload(self) -> None:
        """Read the config file and its key files again; restart the server monitors."""
        try:
            count = self.fleet.reload()
        except LookupError as exc:
            self.notify(f"Nothing to reload: {exc}.", timeout=4, markup=False)
            return
        except Exception as exc:  # a broken config must not end the session
            self.notify(f"Config not reloaded: {exc}", severity="error", timeout=10, markup=False)
            return
        self.notify(f"Reloaded: {count} server(s).", timeout=3)

    def action_toggle_pause(self) -> None:
        """Freeze the view (data still flows in); again to apply what arrived meanwhile."""
        self.paused = not self.paused
        screens = self.live_screens()
        if self.paused:
            for screen in screens:
                screen.show_paused(0)
            return
        self._dirty |= self._held
        self._events_dirty |= self._held_events
        self._held.clear()
        self._held_events.clear()
        for screen in screens:
            screen.show_paused(None)
        self._flush_changes()

    @on(BulkAction)
    def _bulk(self, message: BulkAction) -> None:
        """Act on the marked conversations (or the one shown): planned on the state read from
        their servers, confirmed with the exact requests (tui.ui.acting)."""
        if self.read_only:  # the keys are not bound then; a message from elsewhere is refused
            self.notify("Read-only: start ohtop with --allow-actions to act.", severity="warning")
            return
        if not message.keys:
            self.notify("Nothing selected.", severity="warning")
            return
        self.run_worker(
            acting.act(self, self.fleet, message.action, message.keys, message.hidden),
            group="actions",
            exit_on_error=False,
        )

    def action_errors(self) -> None:
        """Recent errors of every server and stream."""
        self.push_screen(ErrorsScreen(self.stores.errors.recent(200), self.log_path))

    def action_alerts(self) -> None:
        """The alerts list."""
        self.push_screen(AlertsScreen(self.fleet.recorder))

    def action_queue(self) -> None:
        """Every conversation that needs a person, and why (live while open)."""
        screen_class = with_bindings(QueueScreen, self.queue_actions)
        self.push_screen(screen_class(lambda: triage.needs(self.fleet)))

    def action_error_groups(self) -> None:
        """The errors of the last hour, grouped by code (live while open)."""
        self.push_screen(ErrorGroupsScreen(lambda: triage.failed_last_hour(self.fleet)))

    @on(FindText)
    def _find(self, message: FindText) -> None:
        for screen in self.live_screens():
            if isinstance(screen, DashboardScreen):
                screen.find(message.text)

    def action_help(self) -> None:
        """Show the keys."""
        self.push_screen(HelpScreen(self.dashboard_actions, self.detail_actions))

    def action_next_theme(self) -> None:
        """Cycle through the themes."""
        at = THEMES.index(self.theme) if self.theme in THEMES else -1
        self.theme = THEMES[(at + 1) % len(THEMES)]
        self.notify(f"Theme: {self.theme}", timeout=2)

    @on(OpenConversation)
    def _open(self, message: OpenConversation) -> None:
        """Open the detail screen of one conversation, and read its server history."""
        screen_class = with_bindings(DetailScreen, self.detail_actions)
        trends = self.fleet.recorder.trends
        screen = screen_class(self.stores, message.key, self.alerts.thresholds, trends)
        self.push_screen(screen)
        self.fleet.recorder.mark_seen(message.key)
        self._read_history(screen)

    @work(group="histories", exit_on_error=False)
    async def _read_history(self, screen: DetailScreen) -> None:
        try:
            entries = await self.fleet.server_history(screen.key)
            events = await self.fleet.recent_events(screen.key)
        except ApiError as exc:
            entries, events = None, []
            self.stores.errors.add(screen.key[0], str(exc.kind), f"history: {exc.message}")
        if screen.is_attached:
            screen.show_history(entries, events)

    @on(WriteReport)
    @work(group="reports", exit_on_error=False)
    async def _write_report(self, message: WriteReport) -> None:
        """A triage report, as `ohtop report` writes it, into the state directory."""
        from tui.fleet.report import gather, report_path

        self.notify("Writing the report…", timeout=2)
        try:
            report = await gather(self.fleet, message.key)
            stamp = time.strftime("%Y%m%d-%H%M%S")
            path = report_path(state_dir() / "reports", message.key[1], stamp)
            await asyncio.to_thread(write_private, path, report.markdown())
        except (ApiError, LookupError, OSError) as exc:
            self.notify(f"Report not written: {exc}", severity="error", markup=False)
            return
        self.notify(f"Report written to {path}", timeout=10, markup=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed is shown and counted; the app goes on."""
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            what = f"{type(error).__name__}: {error}" if error else "failed"
            self.stores.errors.add("ohtop", "internal", f"{event.worker.name}: {what}"[:200])
            self.notify(f"Something failed: {what}"[:200], severity="error", markup=False)

    @on(ConversationTable.Highlighted)
    def _follow_selection(self, event: ConversationTable.Highlighted) -> None:
        self.fleet.select(event.key)
