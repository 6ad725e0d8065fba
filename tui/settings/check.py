"""`ohtop config check`: every problem of the config file, from every stage, with its place.

Stages: the file itself (TOML, known settings, values), the [keys] table (unknown actions, a
key bound to two actions of one screen), the servers' credentials (variables set, key files
readable), and the file's permissions. A stage with problems does not hide the next ones.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tomllib
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from tui.settings import config_path
from tui.settings.config import (
    Config,
    ConfigError,
    ServerEntry,
    load,
    permission_warning,
    resolve_servers,
)
from tui.settings.keymap import DASHBOARD, DETAIL, clashes, names, remap


def config_check(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Say exactly what is wrong and where, or that all is well; exit 1 on any problem."""
    out = out or sys.stdout
    path, _asked = config_path(args, os.environ)
    if not path.exists():
        out.write(f"ohtop: {path}: no such file (ohtop runs on defaults without one)\n")
        return 1
    problems, config = _problems(path)
    for problem in problems:
        out.write(f"{path}: {problem}\n")
    if (warning := permission_warning(path)) is not None:
        out.write(f"warning: {warning}\n")
    if problems or config is None:
        return 1
    out.write(f"ok: {path}: {len(config.servers)} server(s), theme {config.theme}\n")
    return 0


def _problems(path: Path) -> tuple[list[str], Config | None]:
    """Every problem of every stage: a stage with problems does not hide the next ones (the
    keys and the servers' credentials are checked on what of them could be read)."""
    config: Config | None = None
    try:
        config = load(path)  # actions are checked below, with the clashes
        problems: list[str] = []
        keys, entries = config.keys, list(config.servers)
    except ConfigError as exc:
        problems = list(exc.problems)
        data = _toml(path)
        if data is None:
            return problems, None  # nothing more can be read
        keys, entries = _keys_of(data), _servers_of(data)
    known = names()
    problems += [
        f"keys.{name}: no such action; known: {', '.join(sorted(known))}"
        for name in keys
        if name not in known
    ]
    keymap = {k: v for k, v in keys.items() if k in known}
    for screen, actions in (("dashboard", DASHBOARD), ("detail", DETAIL)):
        problems += [f"keys: on the {screen}, {c}" for c in clashes(remap(actions, keymap))]
    _, server_problems = resolve_servers(Config.model_construct(servers=entries))
    problems += [p for p in server_problems if p not in problems]
    return problems, config


def _toml(path: Path) -> dict[str, Any] | None:
    try:
        return tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return None


def _keys_of(data: dict[str, Any]) -> dict[str, str]:
    keys = data.get("keys")
    if not isinstance(keys, dict):
        return {}
    return {str(k): v for k, v in keys.items() if isinstance(v, str)}


def _servers_of(data: dict[str, Any]) -> list[ServerEntry]:
    """The server entries that are valid by themselves (their credentials are checked)."""
    out = []
    for entry in data.get("servers") or []:
        with contextlib.suppress(ValidationError, TypeError):
            out.append(ServerEntry.model_validate(entry))
    return out
