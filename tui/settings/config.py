"""The TOML config file: servers, key variables, polling, caps, theme, keymap, alerts.

Keys never live in the file: a server names the environment variables that hold them.
Unknown settings are errors (a typo must not be silently ignored). No Textual here.
"""

from __future__ import annotations

import os
import stat
import sys
import tomllib
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tui.alerts.watcher import ALERT_KINDS, Thresholds
from tui.client.budget import DEFAULT_RATE, parse_rate
from tui.client.config import ServerConfig
from tui.history.store import DEFAULT_DAYS, DEFAULT_MAX_BYTES
from tui.sync.polling import PollIntervals
from tui.sync.stream_manager import DEFAULT_CAP

THEMES = ("textual-dark", "textual-light", "nord", "gruvbox", "dracula", "okabe-ito")
DEFAULT_THEME = THEMES[0]
Seconds = Annotated[float, Field(ge=0)]
_POLL = PollIntervals()  # the defaults, declared once there
_ALERT = Thresholds()


class ConfigError(Exception):
    """The config cannot be used; `problems` says exactly what is wrong and where."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        super().__init__(f"{path}: " + "; ".join(problems))
        self.path = path
        self.problems = problems


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ServerEntry(_Strict):
    """A server to watch."""

    name: str = Field(min_length=1)
    url: str
    # Keys come from an environment variable (read once, at start) or a file (read again by
    # ctrl+r, so a rotated key is picked up without a restart).
    api_key_env: str | None = None  # Authorization: Bearer
    api_key_file: str | None = None
    session_api_key_env: str | None = None  # X-Session-API-Key
    session_api_key_file: str | None = None
    cookie_env: str | None = None
    cookie_file: str | None = None
    insecure: bool = False
    rate: str = DEFAULT_RATE  # N/s, N/min, or "hosted" (100/min)

    @field_validator("rate")
    @classmethod
    def _rate(cls, rate: str) -> str:
        parse_rate(rate)
        return rate

    @field_validator("url")
    @classmethod
    def _http(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return url


class Polling(_Strict):
    """Seconds between polls by status; 0 means never."""

    starting: Seconds = _POLL.starting or 0
    running: Seconds = _POLL.running or 0
    stopped: Seconds = _POLL.stopped or 0
    error: Seconds = _POLL.error or 0
    archived: Seconds = _POLL.archived or 0
    discover: Seconds = _POLL.discover
    look: Seconds = _POLL.look  # a cheap look for new conversations (0: only at discovery)
    jitter: float = Field(default=_POLL.jitter, ge=0, le=0.5)
    delta: Seconds = _POLL.delta  # ask a V1 app server what changed (0: poll per id)
    backstop_starting: Seconds = _POLL.backstop_starting
    backstop: Seconds = _POLL.backstop
    sweep: Seconds = _POLL.sweep

    def intervals(self) -> PollIntervals:
        """As the monitor's PollIntervals."""

        def never(x: float) -> float | None:
            return x or None

        return PollIntervals(
            starting=never(self.starting),
            running=never(self.running),
            stopped=never(self.stopped),
            error=never(self.error),
            archived=never(self.archived),
            discover=self.discover or _POLL.discover,
            look=self.look,
            jitter=self.jitter,
            delta=self.delta,
            backstop_starting=self.backstop_starting or _POLL.backstop_starting,
            backstop=self.backstop or _POLL.backstop,
            sweep=self.sweep or _POLL.sweep,
        )


class Streams(_Strict):
    """Live streams besides the selected one (-1: none)."""

    max: int = Field(default=DEFAULT_CAP, ge=-1)


class Alerts(_Strict):
    """When to warn, and whether to ring the bell."""

    starting_minutes: float = Field(default=_ALERT.starting_minutes, gt=0)
    silent_minutes: float = Field(default=_ALERT.silent_minutes, gt=0)
    bell: bool = False
    on: list[str] = Field(default_factory=lambda: sorted(_ALERT.kinds))  # which alerts
    command: list[str] = Field(default_factory=list)  # run per alert, the alert on stdin
    command_timeout: float = Field(default=10.0, gt=0)

    @field_validator("on")
    @classmethod
    def _kinds(cls, kinds: list[str]) -> list[str]:
        unknown = sorted(set(kinds) - set(ALERT_KINDS))
        if unknown:
            raise ValueError(f"unknown alert {unknown[0]!r}; choose from {', '.join(ALERT_KINDS)}")
        return kinds

    def thresholds(self) -> Thresholds:
        return Thresholds(self.starting_minutes, self.silent_minutes, frozenset(self.on))


class History(_Strict):
    """The local history store (transitions, alerts, last known views, trends)."""

    enabled: bool = True
    path: str | None = None  # default: history.sqlite3 in the platform's state directory
    days: float = Field(default=DEFAULT_DAYS, gt=0)
    max_mb: float = Field(default=DEFAULT_MAX_BYTES / 1024 / 1024, gt=0)


class Config(_Strict):
    """The whole file."""

    theme: str = DEFAULT_THEME
    servers: list[ServerEntry] = Field(default_factory=list)
    polling: Polling = Field(default_factory=Polling)
    streams: Streams = Field(default_factory=Streams)
    alerts: Alerts = Field(default_factory=Alerts)
    history: History = Field(default_factory=History)
    keys: dict[str, str] = Field(default_factory=dict)  # action id -> keys ("f" or "f,ctrl+f")

    @field_validator("theme")
    @classmethod
    def _theme(cls, theme: str) -> str:
        if theme not in THEMES:
            raise ValueError(f"unknown theme {theme!r}; choose one of {', '.join(THEMES)}")
        return theme


def default_path() -> Path:
    """The platform's config directory: XDG on Linux, Application Support, or %APPDATA%."""
    if sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    elif os.name == "nt":
        base = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming"))
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "ohtop" / "config.toml"


def _where(loc: tuple[int | str, ...], data: dict[str, object]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int) and parts and parts[-1] == "servers":
            servers = data.get("servers")
            name = (
                servers[item].get("name")
                if isinstance(servers, list)
                and item < len(servers)
                and isinstance(servers[item], dict)
                else None
            )
            parts[-1] = f"servers[{item}{f' {name!r}' if name else ''}]"
        else:
            parts.append(str(item))
    return ".".join(parts) or "(top)"


def _message(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown setting (a typo?)"
    return str(error["msg"]).removeprefix("Value error, ")


def load(path: Path, known_actions: set[str] | None = None) -> Config:
    """Read and validate a config file; raises ConfigError with every problem found."""
    try:
        data = tomllib.loads(path.read_text())
    except OSError as exc:
        raise ConfigError(path, [f"cannot read: {exc.strerror or exc}"]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [f"not valid TOML: {exc}"]) from exc
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_where(e['loc'], data)}: {_message(e)}" for e in exc.errors()]
        raise ConfigError(path, problems) from exc
    problems = []
    if known_actions is not None:
        problems += [
            f"keys.{name}: no such action; known: {', '.join(sorted(known_actions))}"
            for name in config.keys
            if name not in known_actions
        ]
    names = [s.name for s in config.servers]
    problems += [
        f"servers: the name {n!r} is used twice" for n in sorted(set(names)) if names.count(n) > 1
    ]
    if problems:
        raise ConfigError(path, problems)
    return config


def _secret(
    entry: ServerEntry, what: str, env: dict[str, str], where: str, problems: list[str]
) -> str | None:
    """One credential of a server: from its environment variable or its file."""
    var, file = getattr(entry, f"{what}_env"), getattr(entry, f"{what}_file")
    if var is not None and file is not None:
        problems.append(f"{where}: give {what}_env or {what}_file, not both")
        return None
    if var is not None:
        if not env.get(var):
            problems.append(f"{where}.{what}_env: environment variable {var} is not set")
        return env.get(var) or None
    if file is not None:
        try:
            value = Path(file).expanduser().read_text(encoding="utf-8").strip()
        except OSError as exc:
            problems.append(f"{where}.{what}_file: cannot read {file}: {exc.strerror or exc}")
            return None
        if not value:
            problems.append(f"{where}.{what}_file: {file} is empty")
        return value or None
    return None


def resolve_servers(
    config: Config, env: dict[str, str] | None = None
) -> tuple[list[ServerConfig], list[str]]:
    """ServerConfigs with keys read from the environment or key files; problems for unset
    variables and unreadable files."""
    env = dict(os.environ) if env is None else env
    out: list[ServerConfig] = []
    problems: list[str] = []
    for i, s in enumerate(config.servers):
        where = f"servers[{i} {s.name!r}]"
        out.append(
            ServerConfig(
                url=s.url,
                name=s.name,
                api_key=_secret(s, "api_key", env, where, problems),
                session_api_key=_secret(s, "session_api_key", env, where, problems),
                cookie=_secret(s, "cookie", env, where, problems),
                verify_tls=not s.insecure,
                rate=s.rate,
            )
        )
    return out, problems


def permission_warning(path: Path) -> str | None:
    """A warning when other users may write (or read) the config file."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"{path} is writable by other users: they could point ohtop at their server"
    if mode & stat.S_IROTH:
        return f"{path} is readable by other users (it names your servers; keys stay in env vars)"
    return None
