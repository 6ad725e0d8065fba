"""Fleet metrics in the Prometheus text format: a custom collector that reads the Fleet's stores
at scrape time (no second copy of the state to keep in sync), on a registry of its own.

Label sets are stable: every status, state and reason is emitted for every server, 0 when
empty, so a series never vanishes when its count drops to zero. `server` is the configured
name (never a URL: URLs carry path prefixes and tokens); conversation ids and titles appear only
in the opt-in, capped `ohtop_conversation_info`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from prometheus_client import generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector, CollectorRegistry

from tui.alerts.attention import LINK_REASONS, REASONS, reasons
from tui.alerts.watcher import Thresholds
from tui.client.stats import BUCKETS, RequestStats
from tui.fleet.fleet import Fleet
from tui.protocol import status as st
from tui.store.view import ConversationView, Key
from tui.store.websocket_store import LinkState
from tui.store.websocket_store import server_link as link_name
from tui.text.sanitize import clean

ATTENTION = REASONS + LINK_REASONS
UNKNOWN = "unknown"
LABEL_MAX = 64  # characters of a label value taken from server data (versions, ids)


def label(value: object) -> str:
    """A label value from server data, bounded (a 100,000-character version stays 64)."""
    text = clean(value, LABEL_MAX * 4)
    return text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1] + "…"


def attention_reasons(view: ConversationView, now: float, fleet: Fleet) -> list[str]:
    """Why a conversation needs a person now (the reasons of `ATTENTION`)."""
    found = reasons(view, now, fleet.alerts.thresholds, fleet.last_heard(view.key))
    return found + fleet.link_reasons(view.key)


@dataclass(frozen=True, slots=True)
class ServerState:
    """What a scrape says of one server, copied on the event loop."""

    kind: str
    up: bool
    version: str
    budget_used: float
    stats: RequestStats
    reconnects: int
    events: int
    errors: dict[str, int]  # by error classification
    unconfirmed: int


@dataclass(frozen=True, slots=True)
class FleetSnapshot:
    """Everything a scrape reads, taken in one go between two updates of the stores (a list
    copy per store: about a millisecond at 10,000 conversations); the exposition is then
    computed from it off the event loop."""

    taken_at: float
    servers: list[str]
    views: dict[str, list[ConversationView]]
    thresholds: Thresholds
    heard: dict[Key, float]  # the last live event of each streamed conversation
    link_reasons: dict[Key, list[str]]  # the few with reasons of their servers' making
    streams: Counter[tuple[str, LinkState]]
    state: dict[str, ServerState]

    def reasons(self, server: str) -> Counter[str]:
        """Why the server's conversations need a person, by reason (the O(n) part: run off
        the event loop)."""
        now, t, heard, extra = self.taken_at, self.thresholds, self.heard, self.link_reasons
        out: Counter[str] = Counter()
        for v in self.views.get(server, ()):
            out.update(reasons(v, now, t, heard.get(v.key)))
            if v.key in extra:
                out.update(extra[v.key])
        return out


def snapshot(fleet: Fleet) -> FleetSnapshot:
    """Copy what a scrape needs (on the Fleet's event loop)."""
    now = fleet.wall()
    names = [c.label for c in fleet.servers]
    servers = names + sorted(fleet.stores.status.servers() - set(names))
    views: dict[str, list[ConversationView]] = {s: [] for s in servers}
    for view in fleet.stores.status:
        if not view.deleted:  # no conversation of its server any more: in no count
            views.setdefault(view.server, []).append(view)
    links = fleet.stores.links.links()
    heard: dict[Key, float] = {}
    extra: dict[Key, list[str]] = {key: fleet.link_reasons(key) for key in fleet.refused}
    for link in links:
        if (cid := link.name.conversation) is not None:
            key = (link.name.server, cid)
            if link.last_event_at is not None:
                heard[key] = link.last_event_at
            if link.state is LinkState.FAILED and (found := fleet.link_reasons(key)):
                extra[key] = found
    streams = Counter((x.group, x.state) for x in links if x.group)
    unconfirmed = fleet.stores.status.unconfirmed_by_server()
    state = {}
    for server in servers:
        monitor = fleet.monitors.get(server)
        source = monitor.source if monitor is not None else None
        stats = RequestStats()
        stats.merge(fleet.request_stats(server))
        state[server] = ServerState(
            kind=source.kind.value if source is not None else UNKNOWN,
            up=fleet.stores.links.get(link_name(server)).state is LinkState.CONNECTED,
            version=label((monitor.version if monitor is not None else None) or UNKNOWN),
            budget_used=monitor.rest.budget.used_ratio() if monitor is not None else 0.0,
            stats=stats,
            reconnects=fleet.stream_reconnects(server),
            events=fleet.events_received(server),
            errors={k: fleet.errors_by_kind[(server, k)] for k in st.ERROR_KINDS},
            unconfirmed=unconfirmed[server],
        )
    thresholds = fleet.alerts.thresholds
    return FleetSnapshot(now, servers, views, thresholds, heard, extra, streams, state)


class SnapshotCollector(Collector):
    """The metrics of one snapshot (rendered in a thread: it reads nothing live)."""

    def __init__(
        self, snap: FleetSnapshot, conversation_info: int = 0, shard: tuple[int, int] = (0, 1)
    ) -> None:
        self.snap = snap
        self.conversation_info = conversation_info  # cap on per-conversation series (0: none)
        self.shard = shard

    def collect(self) -> Iterator[Metric]:
        snap = self.snap
        yield from self._conversations(snap.servers, snap.views, snap.taken_at)
        yield from self._servers(snap.servers)
        yield from self._streams(snap.servers)
        yield from self._requests(snap.servers)
        if self.conversation_info:
            yield self._info(snap.views)
        taken = GaugeMetricFamily(
            "ohtop_snapshot_timestamp_seconds",
            "When the stores were read for this scrape (how fresh every other value is).",
        )
        taken.add_metric([], snap.taken_at)
        yield taken
        yield from self._shard()

    def _shard(self) -> Iterable[Metric]:
        """Which part of a sharded fleet this exporter watches (0 of 1 when not sharded): the
        alerts compare these across a job's exporters to find a disagreement or a gap."""
        ordinal, total = self.shard
        mine = GaugeMetricFamily(
            "ohtop_shard_ordinal",
            "This exporter's shard (--shard), also as the label shard.",
            labels=["shard"],
        )
        mine.add_metric([str(ordinal)], float(ordinal))
        count = GaugeMetricFamily(
            "ohtop_total_shards", "The number of shards this exporter was told of."
        )
        count.add_metric([], float(total))
        return (mine, count)

    def _conversations(
        self, servers: list[str], views: dict[str, list[ConversationView]], now: float
    ) -> Iterable[Metric]:
        by_status = GaugeMetricFamily(
            "ohtop_conversations", "Conversations by coarse status.", labels=["server", "status"]
        )
        by_execution = GaugeMetricFamily(
            "ohtop_conversations_by_execution_status",
            "Conversations by execution status (unknown: none yet, or not a known value).",
            labels=["server", "execution_status"],
        )
        sandboxes = GaugeMetricFamily(
            "ohtop_sandboxes", "V1 sandboxes by status.", labels=["server", "sandbox_status"]
        )
        attention = GaugeMetricFamily(
            "ohtop_conversations_needing_attention",
            "Conversations that need a person, by reason.",
            labels=["server", "reason"],
        )
        cost = GaugeMetricFamily(
            "ohtop_llm_cost_usd",
            "LLM cost of the watched conversations, in dollars.",
            labels=["server"],
        )
        tokens = GaugeMetricFamily(
            "ohtop_llm_tokens", "LLM tokens of the watched conversations.", labels=["server"]
        )
        oldest = GaugeMetricFamily(
            "ohtop_oldest_running_age_seconds",
            "How long the longest-running RUNNING conversation has been running (0: none).",
            labels=["server"],
        )
        unconfirmed = GaugeMetricFamily(
            "ohtop_conversations_unconfirmed",
            "Conversations counted as last seen, not confirmed now (their server is not "
            "answering, or they come from an earlier run and were not read yet).",
            labels=["server"],
        )
        errors = CounterMetricFamily(
            "ohtop_conversation_errors",
            "Conversations that entered ERROR while watched, by error classification.",
            labels=["server", "kind"],
        )
        for server in servers:
            mine = views.get(server, [])
            statuses = Counter(v.status for v in mine)
            for status in st.SEED_STATUSES:
                by_status.add_metric([server, status], statuses[status])
            executions = Counter(
                v.execution_status if v.execution_status in st.EXECUTION_STATUSES else UNKNOWN
                for v in mine
            )
            for execution in (*st.EXECUTION_STATUSES, UNKNOWN):
                by_execution.add_metric([server, execution], executions[execution])
            per_sandbox = {v.sandbox_id: v.sandbox_status for v in mine if v.sandbox_id}
            boxes = Counter(
                s if s in st.SANDBOX_STATUSES else UNKNOWN for s in per_sandbox.values()
            )
            for sandbox in (*st.SANDBOX_STATUSES, UNKNOWN):
                sandboxes.add_metric([server, sandbox], boxes[sandbox])
            reasons = self.snap.reasons(server)
            for reason in ATTENTION:
                attention.add_metric([server, reason], reasons[reason])
            cost.add_metric([server], sum(v.cost or 0.0 for v in mine))
            tokens.add_metric([server], sum(v.tokens or 0 for v in mine))
            running = [v.in_state(now) or 0.0 for v in mine if v.status == st.RUNNING]
            oldest.add_metric([server], max(running, default=0.0))
            unconfirmed.add_metric([server], self.snap.state[server].unconfirmed)
            for kind in st.ERROR_KINDS:
                errors.add_metric([server, kind], self.snap.state[server].errors[kind])
        families = (by_status, by_execution, sandboxes, attention, cost, tokens, oldest)
        return (*families, unconfirmed, errors)

    def _servers(self, servers: list[str]) -> Iterable[Metric]:
        up = GaugeMetricFamily(
            "ohtop_server_up", "1 when ohtop reads the server, else 0.", labels=["server", "kind"]
        )
        info = GaugeMetricFamily(
            "ohtop_server_info",
            "The server's kind and version.",
            labels=["server", "kind", "version"],
        )
        budget = GaugeMetricFamily(
            "ohtop_request_budget_used_ratio",
            "Share of the server's request budget used over the last minute.",
            labels=["server"],
        )
        for server in servers:
            state = self.snap.state[server]
            up.add_metric([server, state.kind], 1.0 if state.up else 0.0)
            info.add_metric([server, state.kind, state.version], 1.0)
            budget.add_metric([server], state.budget_used)
        return (up, info, budget)

    def _streams(self, servers: list[str]) -> Iterable[Metric]:
        streams = GaugeMetricFamily(
            "ohtop_streams", "Live event streams by state.", labels=["server", "state"]
        )
        reconnects = CounterMetricFamily(
            "ohtop_stream_reconnects", "Streams that came back after a drop.", labels=["server"]
        )
        events = CounterMetricFamily(
            "ohtop_events_received", "New events taken in from live streams.", labels=["server"]
        )
        states = self.snap.streams
        for server in servers:
            for state in LinkState:
                streams.add_metric([server, state.value.lower()], states[(server, state)])
            reconnects.add_metric([server], self.snap.state[server].reconnects)
            events.add_metric([server], self.snap.state[server].events)
        return (streams, reconnects, events)

    def _requests(self, servers: list[str]) -> Iterable[Metric]:
        requests = CounterMetricFamily(
            "ohtop_http_requests",
            "Requests to the server by outcome (HTTP status code, timeout or error).",
            labels=["server", "code"],
        )
        duration = HistogramMetricFamily(
            "ohtop_http_request_duration_seconds",
            "How long the server's answers took.",
            labels=["server"],
        )
        for server in servers:
            stats = self.snap.state[server].stats
            for code, n in sorted(stats.by_code.items()):
                requests.add_metric([server, code], n)
            cumulative, buckets = 0, []
            for bound, n in zip((*BUCKETS, float("inf")), stats.buckets, strict=True):
                cumulative += n
                buckets.append(("+Inf" if bound == float("inf") else repr(bound), cumulative))
            duration.add_metric([server], buckets, sum_value=stats.total_seconds)
        return (requests, duration)

    def _info(self, views: dict[str, list[ConversationView]]) -> Metric:
        family = GaugeMetricFamily(
            "ohtop_conversation_info",
            "One series per conversation (opt-in, capped): its status.",
            labels=["server", "conversation", "status", "execution_status"],
        )
        shown = 0
        for server, mine in views.items():
            for view in mine:
                if shown >= self.conversation_info:
                    return family
                execution = view.execution_status
                execution = execution if execution in st.EXECUTION_STATUSES else UNKNOWN
                status = view.status if view.status in st.SEED_STATUSES else UNKNOWN
                family.add_metric([server, label(view.id), status, execution], 1.0)
                shown += 1
        return family


class FleetCollector(Collector):
    """A live Fleet's metrics: a snapshot taken at each collection (the synchronous path; the
    exporter takes the snapshot itself and renders it in a thread, see `render`)."""

    def __init__(self, fleet: Fleet, conversation_info: int = 0) -> None:
        self.fleet = fleet
        self.conversation_info = conversation_info

    def collect(self) -> Iterator[Metric]:
        yield from SnapshotCollector(snapshot(self.fleet), self.conversation_info).collect()


def render(
    snap: FleetSnapshot, conversation_info: int = 0, shard: tuple[int, int] = (0, 1)
) -> bytes:
    """The Prometheus text of one snapshot (safe to call in another thread)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SnapshotCollector(snap, conversation_info, shard))
    return generate_latest(registry)


def registry_for(fleet: Fleet, conversation_info: int = 0) -> CollectorRegistry:
    """A registry of its own (no process or platform collectors) holding the fleet's."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(FleetCollector(fleet, conversation_info))
    return registry
