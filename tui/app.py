"""The Textual app: composes screens, starts workers, bridges stores to widgets.

    OhtopApp
    ├── DashboardScreen: StatusIndicator, TableHeader + ConversationTable,
    │                    DetailPane, ConnectionPanel, Footer
    ├── DetailScreen (enter)          HelpScreen (?)
    └── workers: one ServerMonitor.run() per server (REST polling)

Data flows one way: monitors write the stores (tui.state); the stores emit change signals;
the app coalesces them (at most ~10 repaints a second) and asks the visible screen to refresh.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import App
from textual.binding import Binding

from tui.client.config import ServerConfig
from tui.demo.server import DemoServer
from tui.screens.dashboard import DashboardScreen
from tui.screens.detail import DetailScreen
from tui.screens.help import HelpScreen
from tui.state.monitor import ServerMonitor
from tui.state.polling import PollIntervals
from tui.state.stores import Stores
from tui.state.view import Key
from tui.styles import css_paths

FLUSH_DELAY = 0.1  # coalesce store changes: at most ~10 repaints a second


class OhtopApp(App[None]):
    """ohtop's dashboard."""

    TITLE = "ohtop"
    CSS_PATH = css_paths()  # type: ignore[assignment]
    BINDINGS = [Binding("ctrl+c", "quit", "Quit", show=False, priority=True)]

    def __init__(
        self,
        servers: Sequence[ServerConfig],
        *,
        demo: bool = False,
        intervals: PollIntervals | None = None,
        stores: Stores | None = None,
    ) -> None:
        super().__init__()
        self.servers = list(servers)
        self.demo = demo
        self.demo_server: DemoServer | None = None
        self.intervals = intervals or PollIntervals()
        self.stores = stores or Stores()
        self.monitors: list[ServerMonitor] = []
        self._dirty: set[Key] = set()
        self._links_dirty = False
        self._flush_pending = False

    async def on_mount(self) -> None:
        self.stores.status.changed.subscribe(self._status_changed)
        self.stores.links.changed.subscribe(self._link_changed)
        await self.push_screen(DashboardScreen(self.stores))
        if self.demo:
            self.demo_server = DemoServer()
            url = await self.demo_server.start()
            self.servers.append(ServerConfig(url, name="demo"))
        for config in self.servers:
            monitor = ServerMonitor(config, self.stores, self.intervals)
            self.monitors.append(monitor)
            self.run_worker(monitor.run(), group="monitors", name=monitor.name)
        self.set_interval(1.0, self._tick)

    async def on_unmount(self) -> None:
        self.workers.cancel_group(self, "monitors")
        if self.demo_server is not None:
            await self.demo_server.stop()

    # -- store -> widgets ------------------------------------------------------------------

    def _status_changed(self, keys: frozenset[Key]) -> None:
        self._dirty |= keys
        self._schedule_flush()

    def _link_changed(self, _name: str) -> None:
        self._links_dirty = True
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if not self._flush_pending:
            self._flush_pending = True
            self.set_timer(FLUSH_DELAY, self._flush_changes)

    def _flush_changes(self) -> None:
        self._flush_pending = False
        keys, self._dirty = frozenset(self._dirty), set()
        screen = self.screen
        if keys and hasattr(screen, "refresh_all"):
            screen.refresh_all(keys)
        if self._links_dirty and isinstance(screen, DashboardScreen):
            self._links_dirty = False
            screen.refresh_links()

    def _tick(self) -> None:
        screen = self.screen
        if hasattr(screen, "tick"):
            screen.tick()
        if isinstance(screen, DashboardScreen):
            screen.refresh_links()  # countdowns to the next try

    # -- actions ---------------------------------------------------------------------------

    def action_refresh(self) -> None:
        """Re-list and poll every server now."""
        for monitor in self.monitors:
            monitor.refresh_now()
        self.notify("Refreshing every server…", timeout=2)

    def action_help(self) -> None:
        """Show the keys."""
        self.push_screen(HelpScreen())

    def action_open_detail_for(self, key: Key) -> None:
        """Open the detail screen of one conversation."""
        self.push_screen(DetailScreen(self.stores, key))

    def on_screen_resume(self) -> None:
        screen = self.screen
        if hasattr(screen, "refresh_all"):
            screen.refresh_all(None)
