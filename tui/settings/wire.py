"""Resolved settings carried to another ohtop process as JSON (the dashboards `ohtop web`
starts): the child runs exactly the settings the parent resolved, never a command line rebuilt
from options (which silently lost the ones nobody remembered to copy). The JSON holds keys: it
goes through the child's environment only, never a command line or a file."""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from tui.alerts.watcher import Thresholds
from tui.client.config import ServerConfig
from tui.settings import Settings
from tui.sync.polling import PollIntervals

ENV = "OHTOP_TAB_SETTINGS"


def dump(settings: Settings) -> str:
    """`settings` as JSON (its log file and metrics are each process's own: left out)."""
    out: dict[str, Any] = {}
    for f in fields(Settings):
        value = getattr(settings, f.name)
        if f.name in ("log_path", "metrics"):
            continue
        if f.name == "servers":
            value = [_server(s) for s in value]
        elif f.name in ("intervals", "thresholds"):
            value = asdict(value)
            if "kinds" in value:
                value["kinds"] = sorted(value["kinds"])
        elif isinstance(value, Path):
            value = str(value)
        elif isinstance(value, tuple):
            value = list(value)
        elif f.name == "keymap":
            value = dict(value)
        out[f.name] = value
    return json.dumps(out)


def load(text: str) -> Settings:
    """Settings from `dump`'s JSON."""
    data = json.loads(text)
    data["servers"] = tuple(ServerConfig(**s) for s in data["servers"])
    data["intervals"] = PollIntervals(**data["intervals"])
    thresholds = data["thresholds"]
    data["thresholds"] = Thresholds(**{**thresholds, "kinds": frozenset(thresholds["kinds"])})
    for name in ("config_path", "history"):
        data[name] = Path(data[name]) if data.get(name) else None
    data["alert_command"] = tuple(data["alert_command"])
    return Settings(**data)


def _server(s: ServerConfig) -> dict[str, Any]:
    return {f.name: getattr(s, f.name) for f in fields(ServerConfig)}
