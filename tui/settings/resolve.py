"""Settings, resolved in one place: command line > environment > config file > defaults.

Every default is declared once, in the config file's model (`tui.settings.config`), which
takes it from the component that owns it (`PollIntervals`, `Thresholds`, `DEFAULT_CAP`,
`DEFAULT_RATE`). The command line's options default to None, meaning "not given", so an
explicit value always wins, even one equal to the default. No Textual here.
"""

from __future__ import annotations

import os
import re
from argparse import Namespace
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from tui.client.budget import DEFAULT_RATE, parse_rate
from tui.client.config import ServerConfig
from tui.fleet.fleet import FleetOptions
from tui.history.files import state_dir
from tui.settings.config import THEMES, Config, ConfigError, default_path, load, resolve_servers

if TYPE_CHECKING:
    from tui.settings.listen import Listen

T = TypeVar("T")

# Environment variables, by setting.
ENV = {
    "config": "OHTOP_CONFIG",
    "api_key": "OHTOP_API_KEY",
    "session_api_key": "OHTOP_SESSION_API_KEY",
    "cookie": "OHTOP_COOKIE",
    "rate": "OHTOP_RATE",
    "max_streams": "OHTOP_MAX_STREAMS",
    "theme": "OHTOP_THEME",
    "log_level": "OHTOP_LOG_LEVEL",
}
DEFAULT_LOG_LEVEL = "warning"


class UsageError(Exception):
    """Bad input from the command line, the environment or the config file, one line each."""


@dataclass(frozen=True, slots=True)
class Settings(FleetOptions):
    """Everything a face of ohtop needs: how its Fleet polls, streams, alerts and keeps
    history (the `FleetOptions` these settings are, which the Fleet takes as they are), its
    servers, and what the face itself shows and allows."""

    servers: tuple[ServerConfig, ...] = ()
    demo: bool = False
    bell: bool = False
    theme: str = Config().theme
    keymap: Mapping[str, str] = field(default_factory=dict)
    allow_actions: bool = False
    log_level: str = DEFAULT_LOG_LEVEL
    log_path: Path | None = None
    config_path: Path | None = None  # the config file in use (None: defaults only)
    from_config: bool = False  # some servers came from the config file (ctrl+r reloads it)
    metrics: Listen | None = None  # serve Prometheus metrics there while the dashboard runs
    webhooks: Listen | None = (
        None  # receive agent servers' pushed events there (its token: the secret)
    )
    at: float | None = None  # show the fleet as the history store saw it then (read-only)
    frame_key: str | None = None  # keep the screen drawn for the next start (`first_frame`)

    def fleet_options(self, details: bool = True) -> FleetOptions:
        """What the Fleet takes: these settings (reading histories or not)."""
        return self if details == self.details else replace(self, details=details)

    def with_servers(self, servers: tuple[ServerConfig, ...]) -> Settings:
        """The same settings for other servers."""
        return replace(self, servers=servers)


def _pick(cli: T | None, env: str | None, parse: Callable[[str], T], file: T) -> T:
    """The first given of: the command line, the environment, the config file's value (which
    is the default when the file does not set it)."""
    if cli is not None:
        return cli
    if env:
        return parse(env)
    return file


def config_path(args: Namespace, env: Mapping[str, str]) -> tuple[Path, bool]:
    """The config file to read, and whether it was asked for (a missing asked-for file is an
    error; a missing default one is not)."""
    given: Path | None = getattr(args, "config", None)
    if given is None and env.get(ENV["config"]):
        given = Path(env[ENV["config"]])
    return (given, True) if given is not None else (default_path(), False)


def load_config(path: Path, asked: bool, known_actions: set[str] | None = None) -> Config:
    """The config file, or the defaults when there is none."""
    if not asked and not path.exists():
        return Config()
    try:
        return load(path, known_actions)
    except ConfigError as exc:
        raise UsageError("\n".join(f"{exc.path}: {p}" for p in exc.problems)) from exc


_NAMED = re.compile(r"^([\w.-]+)=(https?://.*)$")


def named_url(spec: str) -> tuple[str, str]:
    """`--server URL` or `--server NAME=URL` -> (name or "", url)."""
    if match := _NAMED.match(spec):
        return match.group(1), match.group(2)
    return "", spec


def command_line_servers(args: Namespace, env: Mapping[str, str]) -> list[ServerConfig]:
    """One ServerConfig per --server (`URL` or `NAME=URL`), sharing the credentials given."""
    api_key = getattr(args, "api_key", None) or env.get(ENV["api_key"]) or None
    session_key = getattr(args, "session_api_key", None) or env.get(ENV["session_api_key"])
    cookie = getattr(args, "cookie", None) or env.get(ENV["cookie"]) or None
    rate = _pick(getattr(args, "rate", None), env.get(ENV["rate"]), _rate, DEFAULT_RATE)
    out = []
    for spec in getattr(args, "server", None) or []:
        name, url = named_url(spec)
        if not url.startswith(("http://", "https://")):
            raise UsageError(f"--server {spec!r}: use http(s)://host[:port][/path], or NAME=URL")
        out.append(
            ServerConfig(
                url=url,
                name=name,
                api_key=api_key,
                session_api_key=session_key or None,
                cookie=cookie,
                verify_tls=not getattr(args, "insecure", False),
                rate=rate,
            )
        )
    return out


def unique_labels(servers: list[ServerConfig]) -> list[ServerConfig]:
    """Servers with distinct labels: a label is the server's key in every store."""
    seen: dict[str, int] = {}
    out = []
    for config in servers:
        n = seen[config.label] = seen.get(config.label, 0) + 1
        out.append(config if n == 1 else replace(config, name=f"{config.label}#{n}"))
    return out


def servers_of(
    args: Namespace, env: Mapping[str, str], config: Config
) -> tuple[list[ServerConfig], bool]:
    """--server URLs, then the config's servers; and whether the config gave any."""
    resolved, problems = resolve_servers(config, dict(env))
    if problems:
        raise UsageError("\n".join(f"config: {p}" for p in problems))
    return unique_labels(command_line_servers(args, env) + resolved), bool(resolved)


def _rate(spec: str) -> str:
    try:
        parse_rate(spec)
    except ValueError as exc:
        raise UsageError(f"{ENV['rate']}: {exc}") from exc
    return spec


def _theme(name: str) -> str:
    if name not in THEMES:
        raise UsageError(f"{ENV['theme']}={name!r}: choose one of {', '.join(THEMES)}")
    return name


def _int(name: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            return int(text)
        except ValueError as exc:
            raise UsageError(f"{ENV[name]}={text!r}: not a whole number") from exc

    return parse


def resolve(
    args: Namespace, env: Mapping[str, str] | None = None, known_actions: set[str] | None = None
) -> Settings:
    """Settings from the command line, the environment and the config file."""
    env = os.environ if env is None else env
    path, asked = config_path(args, env)
    config = load_config(path, asked, known_actions)
    servers, from_config = servers_of(args, env, config)
    max_streams = _pick(
        getattr(args, "max_streams", None),
        env.get(ENV["max_streams"]),
        _int("max_streams"),
        config.streams.max,
    )
    if max_streams < -1:
        raise UsageError(f"--max-streams {max_streams}: use -1 (none), 0 or more")
    return Settings(
        servers=tuple(servers),
        demo=bool(getattr(args, "demo", False)),
        intervals=config.polling.intervals(),
        max_streams=max_streams,
        thresholds=config.alerts.thresholds(),
        bell=bool(getattr(args, "bell", False)) or config.alerts.bell,
        theme=_pick(getattr(args, "theme", None), env.get(ENV["theme"]), _theme, config.theme),
        keymap=dict(config.keys),
        allow_actions=bool(getattr(args, "allow_actions", False)),
        log_level=_pick(
            getattr(args, "log_level", None), env.get(ENV["log_level"]), str, DEFAULT_LOG_LEVEL
        ),
        config_path=path if (asked or path.exists()) else None,
        from_config=from_config,
        history=history_path(args, config),
        history_days=config.history.days,
        history_max_bytes=int(config.history.max_mb * 1024 * 1024),
        alert_command=tuple(config.alerts.command),
        alert_timeout=config.alerts.command_timeout,
    )


def history_path(args: Namespace, config: Config) -> Path | None:
    """Where the history store is, unless it is off (`--no-history`, or the config). The demo
    keeps none: its world starts anew each run, so an earlier run's history would be wrong."""
    if getattr(args, "demo", False) or getattr(args, "no_history", False):
        return None
    if not config.history.enabled:
        return None
    if config.history.path:
        return Path(config.history.path).expanduser()
    return state_dir() / "history.sqlite3"


def reloader(
    args: Namespace, env: Mapping[str, str] | None = None
) -> Callable[[], list[ServerConfig]]:
    """What ctrl+r calls: the servers as the config file (and its key files) say now."""

    def servers() -> list[ServerConfig]:
        live = os.environ if env is None else env
        path, asked = config_path(args, live)
        return servers_of(args, live, load_config(path, asked))[0]

    return servers
