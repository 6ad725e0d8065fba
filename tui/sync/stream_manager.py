"""StreamManager: which conversations get a live event stream, and their workers.

The selected conversation always streams; RUNNING conversations stream up to a cap (default
50), busiest first; the rest stay on REST polling. V1 conversations connect to the agent server
named by `conversation_url` with the sandbox's key; an agent server is connected directly.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from tui.client.stream import (
    AuthStyle,
    StreamTarget,
    agent_base,
    auth_style_for,
    origin,
    same_origin,
)
from tui.protocol import status as st
from tui.protocol.status import ServerKind
from tui.store.stores import Stores
from tui.store.view import ConversationView, Key
from tui.store.websocket_store import LinkId, LinkState
from tui.sync.backoff import Backoff
from tui.sync.ingest import EventSink
from tui.sync.stream_parts import HandshakeGate, StreamPolicy
from tui.sync.stream_worker import StreamWorker
from tui.sync.supervisor import Supervisor

DEFAULT_CAP = 50
# A stream stays up this long after its conversation stopped being wanted: the server sends
# `execution_status=error` before the ConversationErrorEvent that says why.
LINGER = 10.0
RECONCILE_DELAY = 0.2  # status changes within this window are looked at together
REORDER_EVERY = 5.0  # seconds between looks at which of the active ones are busiest
RESTART_BACKOFF = Backoff(base=1.0, cap=30.0)  # a worker that ended on its own
VersionProbe = Callable[[str], Awaitable[str | None]]
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DirectServer:
    """An agent server watched directly: streams go to it with the server's own key."""

    url: str
    session_api_key: str | None = field(default=None, repr=False)


class StreamManager:
    """Starts and stops one StreamWorker per streamed conversation."""

    def __init__(
        self,
        stores: Stores,
        *,
        cap: int = DEFAULT_CAP,
        direct: dict[str, DirectServer] | None = None,
        request_poll: Callable[[Key], None] = lambda _key: None,
        probe_version: VersionProbe | None = None,
        policy: StreamPolicy | None = None,
        gate: HandshakeGate | None = None,
        rng: random.Random | None = None,
        linger: float = LINGER,
    ) -> None:
        self.stores = stores
        self.sink = EventSink(stores)
        self.cap = cap
        self.direct = dict(direct or {})
        self.request_poll = request_poll
        self.gate = gate or HandshakeGate()
        self.policy = policy or StreamPolicy()
        self._probe = probe_version
        self._rng = rng or random.Random()
        self._auth: dict[str, AuthStyle] = {}
        self._probing: set[str] = set()
        self.workers: dict[Key, StreamWorker] = {}
        self._tasks: dict[Key, asyncio.Task[None]] = {}
        self.selected: Key | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._unforget: Callable[[], None] = lambda: None
        self._background: set[asyncio.Future[None]] = set()
        self.linger = linger
        self._leaving: dict[Key, float] = {}  # key -> when its stream stops
        self._reconcile_later: asyncio.TimerHandle | None = None
        self._relevant: dict[Key, tuple[object, ...] | None] = {}
        self._reconciled_at = 0.0
        self.supervisor = Supervisor(stores, RESTART_BACKOFF, self._rng)
        self.reconnects: Counter[str] = Counter()  # links that came back after a drop, per server
        self._stopped = False
        self.refused: dict[Key, str] = {}  # conversations not streamed, and why (for the screen)

    @property
    def restarted(self) -> int:
        """Workers started again after they ended on their own."""
        return self.supervisor.restarted

    def start(self) -> None:
        """Follow the status store from now on."""
        self._unsubscribe = self.stores.status.changed.subscribe(self._changed)
        self._unforget = self.stores.status.forgotten.subscribe(self._forget)
        self.reconcile()

    def _forget(self, key: Key) -> None:
        self.refused.pop(key, None)
        self._relevant.pop(key, None)
        self.supervisor.forget(key)
        self.sink.forget(key)

    async def stop(self) -> None:
        """Stop every worker; timers set before (a linger's end, a restart) start none after."""
        self._stopped = True
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unforget()
        if self._reconcile_later is not None:
            self._reconcile_later.cancel()
            self._reconcile_later = None
        tasks = list(self._tasks.values()) + list(self._background)
        for key in list(self._tasks):
            self._stop(key)
        for task in self._background:
            task.cancel()
        if tasks:  # cancelled workers close their links; a dead server must not hold us
            await asyncio.wait(tasks, timeout=5.0)

    def select(self, key: Key | None) -> None:
        """The user's selection always streams."""
        if key != self.selected:
            self.selected = key
            self.reconcile()

    def _changed(self, keys: frozenset[Key]) -> None:
        relevant = False
        for key in keys:
            if (worker := self.workers.get(key)) is not None:
                worker.notify()
            view = self.stores.status.get(key)
            now = self._relevance(view) if view is not None else None
            if self._relevant.get(key) != now:
                self._relevant[key] = now
                relevant = True
        # Choosing looks at every conversation: only when a change can alter the choice (a
        # running <-> paused flip does not), once per burst; the order of the busiest is
        # looked at again now and then.
        loop = asyncio.get_running_loop()
        due = loop.time() - self._reconciled_at >= REORDER_EVERY
        if (relevant or due) and self._reconcile_later is None:
            self._reconcile_later = loop.call_later(RECONCILE_DELAY, self._reconcile_now)

    def _relevance(self, view: ConversationView) -> tuple[object, ...]:
        """What of a conversation decides whether (and where) it streams."""
        return (
            self._active(view),
            view.gone,
            view.status,
            view.conversation_url,
            view.session_api_key,
            view.runtime_status,
        )

    def _reconcile_now(self) -> None:
        self._reconcile_later = None
        self.reconcile()

    # -- choosing ----------------------------------------------------------------------------

    def target_for(self, view: ConversationView) -> StreamTarget | None:
        """Where this conversation's events can be streamed from, if anywhere."""
        if view.kind == ServerKind.AGENT and view.server in self.direct:
            server = self.direct[view.server]
            base, key = server.url.rstrip("/"), server.session_api_key
        elif view.kind == ServerKind.V1 and view.conversation_url:
            found = agent_base(view.conversation_url)
            if found is None:
                return None
            base, key = found, view.session_api_key
        elif view.kind == ServerKind.V0:
            return self._v0_target(view)
        else:
            return None
        self._ensure_probe(base)
        return StreamTarget(base, view.id, key, self._auth.get(base, AuthStyle.HEADER))

    def _v0_target(self, view: ConversationView) -> StreamTarget | None:
        """V0: connecting starts a stopped conversation, so only RUNNING ones with a runtime.
        Keys go where they belong: the conversation's own key to the host its URL names, the
        user's key only to the configured server's origin; when neither fits, no stream (and
        the reason is kept for the screen)."""
        if view.status != st.RUNNING or view.runtime_status in (None, st.V0_RUNTIME_STOPPED):
            return None
        server = self.direct.get(view.server)
        url = view.conversation_url or ""
        if url.startswith(("http://", "https://")):
            base = agent_base(url)  # a nested or remote runtime: its own host
        elif server is not None:
            base = server.url.rstrip("/")  # relative: through the app host
        else:
            base = None
        if base is None:
            return None
        key = view.session_api_key
        if key is None and server is not None and server.session_api_key:
            if not same_origin(base, server.url):
                self.refused[view.key] = (
                    f"not streamed: its runtime is at {_host(base)}, not the configured server, "
                    "and it has no key of its own (your key goes only to the server you named)"
                )
                return None
            key = server.session_api_key
        self.refused.pop(view.key, None)
        return StreamTarget(base, view.id, key, AuthStyle.QUERY, socketio=True)

    def _active(self, view: ConversationView) -> bool:
        if view.kind == ServerKind.V0:
            return view.status == st.RUNNING and view.execution_status not in st.V0_AGENT_SETTLED
        return (
            view.status in (st.RUNNING, st.STARTING)
            and view.execution_status in st.EXECUTION_ACTIVE
        )

    def wanted(self) -> list[Key]:
        """The conversations to stream: the selected one, then active ones up to the cap."""
        candidates = [
            v
            for v in self.stores.status
            if not v.gone and self._active(v) and v.key != self.selected
        ]
        candidates.sort(key=_busiest_first)
        keys = [v.key for v in candidates[: self.cap]]
        view = self.stores.status.get(self.selected) if self.selected is not None else None
        if view is not None and not view.gone:
            keys.insert(0, view.key)
        out = []
        for k in keys:  # the selected one even when refused: its link says why
            view = self.stores.status.get(k)
            if view and (self.target_for(view) or (k == self.selected and k in self.refused)):
                out.append(k)
        return out

    def reconcile(self) -> None:
        """Start workers for wanted conversations; stop the others once they have lingered."""
        if self._stopped:
            return
        wanted = set(self.wanted())
        loop = asyncio.get_running_loop()
        self._reconciled_at = loop.time()
        for key in list(self._tasks):
            if key in wanted:
                self._leaving.pop(key, None)
                continue
            if key not in self._leaving:
                self._leaving[key] = loop.time() + self.linger
                loop.call_later(self.linger + 0.01, self.reconcile)  # look again then
            elif loop.time() >= self._leaving[key]:
                del self._leaving[key]
                self._stop(key)
        for key in wanted - set(self._tasks):
            self._start(key)

    # -- workers -----------------------------------------------------------------------------

    def _start(self, key: Key) -> None:
        worker = StreamWorker(
            key,
            link_name(key),
            lambda: self._current_target(key),
            self.sink,
            self.stores.links,
            self.gate,
            policy=self.policy,
            rng=random.Random(self._rng.random()),
            on_reconnected=self._reconnected,
            on_fatal=self.request_poll,
            on_reject=lambda reason: self.stores.errors.count_rejected(key[0], 1, reason),
            wall=self.stores.status.wall,
            why_not=lambda: self.refused.get(key, "no agent-server URL yet"),
        )
        view = self.stores.status.get(key)
        self.stores.links.set(worker.link, group=key[0], title=view.title if view else "")
        self.workers[key] = worker
        task = asyncio.ensure_future(worker.run())
        self._tasks[key] = task
        task.add_done_callback(lambda done: self._ended(key, done))

    def _reconnected(self, key: Key) -> None:
        self.reconnects[key[0]] += 1
        self.request_poll(key)  # reconcile: re-read the status over REST

    def _ended(self, key: Key, task: asyncio.Future[None]) -> None:
        """A worker ended without being stopped: the supervisor says so and starts it again."""
        if task.cancelled() or self._tasks.get(key) is not task:
            return
        del self._tasks[key]
        worker = self.workers.pop(key)
        self.supervisor.ended(
            key,
            task,
            label="stream worker",
            link=worker.link,
            server=key[0],
            kind="stream",
            conversation=key[1],
            restart=lambda: self._restart(key),
        )

    def _restart(self, key: Key) -> None:
        self.reconcile()
        if key not in self._tasks:  # no longer wanted meanwhile
            self.stores.links.remove(link_name(key))

    def _stop(self, key: Key) -> None:
        task = self._tasks.pop(key, None)
        worker = self.workers.pop(key, None)
        if task is not None:
            task.cancel()
        if worker is not None:
            self.stores.links.remove(worker.link)

    def _current_target(self, key: Key) -> StreamTarget | None:
        view = self.stores.status.get(key)
        return self.target_for(view) if view is not None and not view.gone else None

    def _ensure_probe(self, base: str) -> None:
        if self._probe is None or base in self._auth or base in self._probing:
            return
        self._probing.add(base)
        probe = self._probe

        async def run() -> None:
            try:
                self._auth[base] = auth_style_for(await probe(base))
            except Exception:
                self._auth[base] = AuthStyle.HEADER
            finally:
                self._probing.discard(base)

        task = asyncio.ensure_future(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def why_no_events(view: ConversationView, stores: Stores, streaming: bool) -> str:
    """Why a conversation shows no events yet, in words for the event tail."""
    link = stores.links.get(link_name(view.key))
    if stores.links.has(link.name):
        if link.state is LinkState.CONNECTED:
            return "Streaming live: no events yet."
        if link.state is LinkState.FAILED:
            return f"Its live stream failed: {link.last_error or 'no reason given'}."
        if link.state is LinkState.DISCONNECTED and link.last_error:
            return f"Not streamed: {link.last_error.removeprefix('not streamed: ')}."
        return f"Connecting its live stream ({link.state.value.lower()})…"
    if not streaming:
        return "Live streams are off (--max-streams -1): read over REST only."
    if view.gone:
        return "Gone from its server: nothing to stream."
    if view.kind == ServerKind.V0 and view.status != st.RUNNING:
        return "Not streamed: connecting to a stopped V0 conversation would start it."
    if view.kind == ServerKind.V1 and not view.conversation_url:
        what = view.sandbox_status or "not running"
        return f"Not streamed: its sandbox is {what.lower()}, so there is no agent server to ask."
    return "Not streamed yet: read over REST."


def _host(url: str) -> str:
    found = origin(url)
    return f"{found[1]}:{found[2]}" if found else url


def link_name(key: Key) -> LinkId:
    """The link of a conversation's stream."""
    return LinkId(*key)


def _busiest_first(v: ConversationView) -> tuple[int, float]:
    running = 0 if v.execution_status == "running" else 1
    updated = -(v.updated_at.timestamp() if v.updated_at else 0.0)
    return (running, updated)
