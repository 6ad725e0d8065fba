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

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector, CollectorRegistry

from tui.client.stats import BUCKETS
from tui.protocol import status as st
from tui.state.attention import LINK_REASONS, REASONS, reasons
from tui.state.fleet import Fleet
from tui.state.monitor import link_name
from tui.state.view import ConversationView
from tui.state.websocket_store import LinkState

ATTENTION = REASONS + LINK_REASONS
UNKNOWN = "unknown"


def attention_reasons(view: ConversationView, now: float, fleet: Fleet) -> list[str]:
    """Why a conversation needs a person now (the reasons of `ATTENTION`)."""
    found = reasons(view, now, fleet.alerts.thresholds, fleet.last_heard(view.key))
    return found + fleet.link_reasons(view.key)


class FleetCollector(Collector):
    """Everything ohtop knows of the fleet, as metrics, read when scraped."""

    def __init__(self, fleet: Fleet, conversation_info: int = 0) -> None:
        self.fleet = fleet
        self.conversation_info = conversation_info  # cap on per-conversation series (0: none)

    def servers(self) -> list[str]:
        """Every watched server's name, in order."""
        names = [c.label for c in self.fleet.servers]
        return names + sorted(self.fleet.stores.status.servers() - set(names))

    def collect(self) -> Iterator[Metric]:
        now = self.fleet.wall()
        servers = self.servers()
        views: dict[str, list[ConversationView]] = {s: [] for s in servers}
        for view in self.fleet.stores.status:
            if not view.deleted:  # no conversation of its server any more: in no count
                views.setdefault(view.server, []).append(view)
        yield from self._conversations(servers, views, now)
        yield from self._servers(servers)
        yield from self._streams(servers)
        yield from self._requests(servers)
        if self.conversation_info:
            yield self._info(views)

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
        stale = self.fleet.stores.status.unconfirmed_by_server()
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
            reasons = Counter(r for v in mine for r in attention_reasons(v, now, self.fleet))
            for reason in ATTENTION:
                attention.add_metric([server, reason], reasons[reason])
            cost.add_metric([server], sum(v.cost or 0.0 for v in mine))
            tokens.add_metric([server], sum(v.tokens or 0 for v in mine))
            running = [v.in_state(now) or 0.0 for v in mine if v.status == st.RUNNING]
            oldest.add_metric([server], max(running, default=0.0))
            unconfirmed.add_metric([server], stale[server])
            for kind in st.ERROR_KINDS:
                errors.add_metric([server, kind], self.fleet.errors_by_kind[(server, kind)])
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
            monitor = self.fleet.monitors.get(server)
            source = monitor.source if monitor is not None else None
            kind = source.kind.value if source is not None else UNKNOWN
            link = self.fleet.stores.links.get(link_name(server))
            up.add_metric([server, kind], 1.0 if link.state is LinkState.CONNECTED else 0.0)
            version = (monitor.version if monitor is not None else None) or UNKNOWN
            info.add_metric([server, kind, version], 1.0)
            used = monitor.rest.budget.used_ratio() if monitor is not None else 0.0
            budget.add_metric([server], used)
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
        states: Counter[tuple[str, LinkState]] = Counter(
            (link.group, link.state) for link in self.fleet.stores.links.links() if link.group
        )
        for server in servers:
            for state in LinkState:
                streams.add_metric([server, state.value.lower()], states[(server, state)])
            reconnects.add_metric([server], self.fleet.stream_reconnects(server))
            events.add_metric([server], self.fleet.events_received(server))
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
            stats = self.fleet.request_stats(server)
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
                execution = view.execution_status or UNKNOWN
                family.add_metric([server, view.id, view.status, execution], 1.0)
                shown += 1
        return family


def registry_for(fleet: Fleet, conversation_info: int = 0) -> CollectorRegistry:
    """A registry of its own (no process or platform collectors) holding the fleet's."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(FleetCollector(fleet, conversation_info))
    return registry
