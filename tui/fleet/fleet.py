"""Fleet: every watched server, their conversations and streams, in one Textual-free object.

    Fleet
    ├── stores: StatusStore, EventStore, WebSocketStore, ErrorStore (what every face reads)
    ├── one ServerMonitor per server (REST: listing, polls, histories), supervised
    ├── StreamManager: live event streams for the selected and the busiest conversations
    ├── AlertWatcher: errors, stuck, silent and long-STARTING conversations (ticked here)
    └── acting (tui.fleet.act): plans bound to the state seen, carried out with an audit log

The dashboard, `status`, `watch`, `wait` and the exporter each build one Fleet from the same
resolved settings and read its stores; none of them wires monitors or streams of its own.
"""

from __future__ import annotations

import asyncio
import logging
import random
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Sequence

import httpx

from tui.alerts.hooks import AlertHooks
from tui.alerts.watcher import Alert, AlertWatcher
from tui.client.config import ServerConfig
from tui.client.detect import agent_version
from tui.client.errors import ApiError
from tui.client.stats import RequestStats
from tui.client.stream import CLOSE_NOT_FOUND
from tui.fleet import act, triage
from tui.fleet.options import FleetOptions as FleetOptions
from tui.fleet.plan import Plan
from tui.fleet.push import PushIntake
from tui.fleet.recorder import Recorder
from tui.history.store import HistoryStore, HistoryUnavailable
from tui.protocol import status as st
from tui.protocol.events import Event
from tui.protocol.status import ServerKind
from tui.store.status_store import StatusStore, Transition
from tui.store.stores import Stores
from tui.store.timeline import Entry
from tui.store.view import Key
from tui.store.websocket_store import LinkState
from tui.sync.backoff import Backoff
from tui.sync.monitor import ServerMonitor
from tui.sync.stream_manager import DirectServer, StreamManager, link_name
from tui.sync.supervisor import Supervisor

log = logging.getLogger(__name__)
TICK_SLICES = 200  # calls of the alert tick per second at most
SUPERVISOR_BACKOFF = Backoff(base=1.0, cap=60.0)


class Fleet:
    """Owns the monitors, the stream manager and the stores. Start it inside a running loop."""

    def __init__(
        self,
        servers: Sequence[ServerConfig],
        options: FleetOptions | None = None,
        *,
        stores: Stores | None = None,
        reload: Callable[[], list[ServerConfig]] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        rng: random.Random | None = None,
        wall: Callable[[], float] | None = None,
    ) -> None:
        self.servers = list(servers)
        self.options = options or FleetOptions()
        # The wall clock every time shown or kept is read from: the status store's (tests
        # give it a clock of their own), else the system's.
        wall = wall or (stores.status.wall if stores is not None else time.time)
        self.wall = wall
        self.stores = stores or Stores(status=StatusStore(wall=wall))
        self.monitors: dict[str, ServerMonitor] = {}
        self.streams: StreamManager | None = None
        self.started_at = wall()
        self.alerts = AlertWatcher(
            self.stores.status,
            self.options.thresholds,
            wall=wall,
            last_heard=self.last_heard,
            started_at=self.started_at,
        )
        self._ticker: asyncio.Task[None] | None = None
        # Conversations that entered ERROR while watched, by server and error classification.
        self.errors_by_kind: Counter[tuple[str, str]] = Counter()
        self.alerts.raised.subscribe(self._count_error)
        self.history: HistoryStore | None = None
        self.hooks: AlertHooks | None = None
        self.refused: dict[Key, str] = {}  # runs a server refused for capacity (until it moves)
        self.stores.status.transitions.subscribe(self._moved)
        self.stores.status.forgotten.subscribe(self._forget)
        self.history_problem: str | None = None  # why there is no history, when asked for
        self.recorder = Recorder(self.stores, self.alerts, self._per_conversation, wall=wall)
        self._retired: dict[str, RequestStats] = {}  # requests of monitors since replaced
        self._reload = reload
        self._transport = transport
        self._rng = rng or random.Random()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self.histories: dict[Key, tuple[float, list[Entry] | None]] = {}  # triage's cache
        self._snapshots: dict[str, ServerMonitor] = {}  # monitors of the last snapshot
        self.supervisor = Supervisor(self.stores, SUPERVISOR_BACKOFF, self._rng)
        self._known: set[str] = set()  # servers detected before in this run
        self.push: PushIntake | None = None  # pushed events (`--webhooks`), when received
        self._running = False

    # -- life ------------------------------------------------------------------------------

    async def start(self, only: set[str] | None = None) -> None:
        """Start monitoring every server (or those named in `only`), and streaming unless
        streams are off."""
        self._running = True
        self._open_history()
        if self.options.alert_command:
            self.hooks = AlertHooks(
                self.options.alert_command, self.stores.errors, timeout=self.options.alert_timeout
            )
            self.alerts.raised.subscribe(self.hooks)
        for config in self.servers:
            if only is None or config.label in only:
                self._start_monitor(config)
        if self.options.max_streams >= 0:
            self.streams = StreamManager(
                self.stores,
                cap=self.options.max_streams,
                direct=self._direct(),
                request_poll=self.poll_soon,
                probe_version=agent_version,
            )
            self.streams.start()
        self._ticker = asyncio.ensure_future(self._tick_forever())

    def _open_history(self) -> None:
        """Open the history store and bring back what it kept (the list at once, stale)."""
        path = self.options.history
        self.recorder.attach()
        if path is None:
            return
        try:
            self.history = HistoryStore(
                path,
                days=self.options.history_days,
                max_bytes=self.options.history_max_bytes,
                wall=self.wall,
            )
        except HistoryUnavailable as exc:
            self.history_problem = str(exc)
            self.stores.errors.add("history", "history", str(exc))
            log.error("%s", exc)
            return
        self.recorder.history = self.history
        try:
            self.recorder.restore([c.label for c in self.servers])
        except sqlite3.Error as exc:
            self.history_problem = f"history store {path}: {exc}; not read"
            self.stores.errors.add("history", "history", self.history_problem)
        self.history.start()

    def _per_conversation(self) -> Counter[Key]:
        return self.streams.sink.per_conversation if self.streams is not None else Counter()

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            try:
                for _ in range(TICK_SLICES):  # a big fleet's due spells, slice by slice
                    if not self.alerts.tick():
                        break
                    await asyncio.sleep(0)  # keys and frames are served between slices
                self.stores.status.purge_gone(self.options.gone_grace)
                self.recorder.tick()
                if self.push is not None:
                    self.push.tick()
            except Exception:  # a bug must not end alerting
                log.exception("fleet tick failed")
            if self.history is not None and self.history.failed and not self.history_problem:
                self.history_problem = self.history.failed
                self.stores.errors.add("history", "history", self.history.failed)

    async def stop(self) -> None:
        """Stop every task and close every link (bounded: a dead server cannot hold us)."""
        self._running = False
        for monitor in self._snapshots.values():
            await monitor.rest.aclose()
        self._snapshots.clear()
        if self._ticker is not None:
            self._ticker.cancel()
        if self.streams is not None:
            await self.streams.stop()
        if self.push is not None:
            await self.push.stop()
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=5.0)
        self._tasks.clear()
        if self.hooks is not None:
            await self.hooks.stop()
        self.recorder.detach()
        if self.history is not None:
            self.recorder.tick()  # the last changes, then everything queued
            await asyncio.get_running_loop().run_in_executor(None, self.history.close)
            self.history = None

    def add_server(self, config: ServerConfig) -> None:
        """Watch one more server (the demo's, once it is bound)."""
        self.servers.append(config)
        if self._running:
            self._start_monitor(config)
            if self.streams is not None:
                self.streams.direct = self._direct()

    async def snapshot(self, histories: str = "errors") -> list[str]:
        """Load every server once, without polling loops or streams (headless `status`).
        Returns one line per server that failed."""
        failures: list[str] = []

        async def one(config: ServerConfig) -> None:
            monitor = self._monitor(config)
            self._snapshots[monitor.name] = monitor
            try:
                await monitor.snapshot(histories)
            except ApiError as exc:
                failures.append(f"{monitor.name}: {exc.message}")

        await asyncio.gather(*(one(c) for c in self.servers))
        return failures

    # -- what the faces ask ------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-list and poll every server now (`r`)."""
        for monitor in self.monitors.values():
            monitor.refresh_now()

    def poll_soon(self, key: Key) -> None:
        """Re-read one conversation soon (after a stream reconnects or fails)."""
        if (monitor := self.monitors.get(key[0])) is not None:
            monitor.poll_soon(key)

    def select(self, key: Key | None) -> None:
        """The conversation a person is looking at: it always streams."""
        if self.streams is not None:
            self.streams.select(key)

    def reload(self) -> int:
        """Read the configuration again (and the key files it names); restart the monitors of
        its servers. Returns how many servers are watched. Raises what the config raises."""
        if self._reload is None:
            raise LookupError("servers came from the command line: nothing to reload")
        fresh = self._reload()
        kept = [c for c in self.servers if c.name == "demo"]  # the embedded demo stays
        for name in list(self.monitors):
            self._stop_monitor(name)
        self.servers = fresh + kept
        for config in self.servers:
            self._start_monitor(config)
        if self.streams is not None:
            self.streams.direct = self._direct()
        return len(self.servers)

    async def act(self, plan: Plan) -> list[act.Result]:
        """Carry out a plan a person confirmed, each request in the history store's audit log
        (LookupError: there is none, and nothing is sent)."""
        if self.history is None or self.history.failed:
            why = self.history_problem or "history is off"
            raise LookupError(f"acting needs the history store for its audit log ({why})")
        return await act.carry_out(self, plan, act.audit_to(self.history))

    def _forget(self, key: Key) -> None:
        """A conversation gone for longer than the grace: let go of everything kept of it."""
        self.refused.pop(key, None)
        self.histories.pop(key, None)
        self.stores.events.forget(key)
        if (monitor := self.monitors.get(key[0])) is not None:
            monitor.forget(key)

    def _moved(self, t: Transition) -> None:
        if self.refused:  # a refused run is news only until the state moves
            self.refused.pop(t.key, None)

    def _count_error(self, alert: Alert) -> None:
        if alert.what != "error":
            return
        view = self.stores.status.get(alert.key)
        kind = view.last_error.kind if view is not None and view.last_error else None
        known = kind if kind in st.ERROR_KINDS else "unknown"
        self.errors_by_kind[(alert.key[0], known)] += 1

    def events_received(self, server: str) -> int:
        """New events taken in from live streams of one server."""
        return self.streams.sink.received[server] if self.streams is not None else 0

    def stream_reconnects(self, server: str) -> int:
        """Streams of one server that came back after a drop."""
        return self.streams.reconnects[server] if self.streams is not None else 0

    def link_reasons(self, key: Key) -> list[str]:
        """Needs a person for what its servers did, not for its status (of LINK_REASONS): a
        run refused for capacity, or gone from its agent server (a 4004 close) while its app
        server still lists it as running."""
        out = ["run_refused"] if key in self.refused else []
        view = self.stores.status.get(key)
        if view is None or view.gone or view.kind is ServerKind.AGENT:
            return out
        if view.status not in (st.RUNNING, st.STARTING):
            return out
        link = self.stores.links.find(link_name(key))
        gone = link is not None and link.state is LinkState.FAILED
        if gone and link is not None and link.last_close_code == CLOSE_NOT_FOUND:
            out.append("vanished")
        return out

    def last_heard(self, key: Key) -> float | None:
        """Wall time of the last live event of a conversation (None: not streamed)."""
        link = self.stores.links.find(link_name(key))
        return link.last_event_at if link is not None else None

    async def server_history(self, key: Key) -> list[Entry] | None:
        """The conversation's timeline from its server's own history (see `triage`)."""
        return await triage.server_history(self, key)

    async def recent_events(self, key: Key, n: int = 50) -> list[Event]:
        """The conversation's newest events from its server (else what ohtop kept)."""
        return await triage.recent_events(self, key, n)

    async def details_of(self, key: Key) -> None:
        """Read one conversation's task list and last error now (a report wants them)."""
        await triage.details_of(self, key)

    def monitor_of(self, server: str) -> ServerMonitor | None:
        """The monitor of a server: the running one, else the last snapshot's."""
        return self.monitors.get(server) or self._snapshots.get(server)

    def request_stats(self, server: str) -> RequestStats:
        """Every request sent to one server so far (across reloads)."""
        stats = RequestStats()
        if (old := self._retired.get(server)) is not None:
            stats.merge(old)
        if (monitor := self.monitors.get(server)) is not None:
            stats.merge(monitor.rest.stats)
        return stats

    # -- supervision ---------------------------------------------------------------------

    def _monitor(self, config: ServerConfig) -> ServerMonitor:
        old = self.monitors.get(config.label)
        known = (old is not None and old.known) or config.label in self._known
        return ServerMonitor(
            config,
            self.stores,
            self.options.intervals,
            transport=self._transport,
            details=self.options.details,
            rng=random.Random(self._rng.random()),
            known=known or config.label in self.stores.status.servers(),
        )

    def _start_monitor(self, config: ServerConfig) -> None:
        monitor = self._monitor(config)
        self.monitors[monitor.name] = monitor
        task = asyncio.ensure_future(monitor.run())
        self._tasks[monitor.name] = task
        task.add_done_callback(lambda done: self._monitor_ended(monitor, done))

    def _stop_monitor(self, name: str) -> None:
        monitor = self.monitors.pop(name, None)
        if monitor is not None and monitor.known:
            self._known.add(name)
        task = self._tasks.pop(name, None)
        if task is not None:
            task.cancel()
        if monitor is not None:
            self._retire(monitor)

    def _monitor_ended(self, monitor: ServerMonitor, task: asyncio.Task[None]) -> None:
        """A monitor never ends on its own; if one does, the supervisor starts it again."""
        if task.cancelled() or self._tasks.get(monitor.name) is not task or not self._running:
            return
        self._retire(monitor)
        del self._tasks[monitor.name]

        def again() -> None:
            if self._running and monitor.name not in self._tasks:
                self._start_monitor(monitor.config)

        self.supervisor.ended(
            monitor.name, task, label="monitor", link=monitor.link, server=monitor.name,
            restart=again,
        )  # fmt: skip

    def _retire(self, monitor: ServerMonitor) -> None:
        self._retired.setdefault(monitor.name, RequestStats()).merge(monitor.rest.stats)

    def _direct(self) -> dict[str, DirectServer]:
        return {c.label: DirectServer(c.url, c.session_api_key) for c in self.servers}
