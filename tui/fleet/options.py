"""How a Fleet polls, streams, alerts and keeps history: the one shape of those settings, which
the resolved settings hold and the Fleet takes as it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tui.alerts.watcher import Thresholds
from tui.history.store import DEFAULT_DAYS, DEFAULT_MAX_BYTES
from tui.store.status_store import GONE_GRACE
from tui.sync.polling import PollIntervals
from tui.sync.stream_manager import DEFAULT_CAP


@dataclass(frozen=True, slots=True)
class FleetOptions:
    """How a Fleet polls and streams (from the resolved settings)."""

    intervals: PollIntervals = field(default_factory=PollIntervals)
    max_streams: int = DEFAULT_CAP  # -1: no streams at all, 0: only the selected one
    details: bool = True  # read event histories (task lists, last errors)
    thresholds: Thresholds = field(default_factory=Thresholds)
    history: Path | None = None  # the history store's file (None: no history)
    history_days: float = DEFAULT_DAYS
    history_max_bytes: int = DEFAULT_MAX_BYTES
    alert_command: tuple[str, ...] = ()  # run per alert, with the alert as JSON on stdin
    alert_timeout: float = 10.0
    gone_grace: float = GONE_GRACE  # seconds a deleted conversation stays listed
